package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/optim"
)

const (
	checkpointFormat = 1
	stateFile        = "state.json"
)

// state is checkpoint/state.json: everything about a run but the tensors,
// which are in the epoch's .npz (parameters as "param.<name>", optimiser
// slots as "<slot>.<name>", e.g. "exp_avg.decoder.l0.weight").
type state struct {
	Format        int    `json:"format"`
	ConfigDigest  string `json:"config_digest"`
	DatasetDigest string `json:"dataset_digest"`
	// Epoch is the number of completed epochs; the data order and dropout
	// masks of the next are drawn from (seed, Epoch), so this is also the
	// position of every random stream.
	Epoch     int          `json:"epoch"`
	Tensors   string       `json:"tensors"`
	OptSteps  int          `json:"optimizer_steps"`
	OptSlots  []string     `json:"optimizer_slots"`
	BestEpoch int          `json:"best_epoch"`
	History   []EpochStats `json:"history"`
	Test      *Metrics     `json:"test,omitempty"`
	Done      bool         `json:"done"`
}

func tensorFile(epoch int) string { return fmt.Sprintf("epoch-%04d.npz", epoch) }

// saveCheckpoint writes the tensors of st.Epoch, then state.json pointing
// at them (both atomically), then removes older tensor files: an
// interruption at any point leaves a consistent checkpoint.
func saveCheckpoint(dir string, st *state, params arch.Params, opt optim.Stateful) error {
	ost := opt.State()
	arrays := make([]npz.Named, 0, len(params)*(1+len(ost.Slots)))
	for _, p := range params {
		arrays = append(arrays, npz.Named{Name: "param." + p.Name, Array: ndarray.FromFloat32(p.Shape, p.Data)})
	}
	slots := make([]string, 0, len(ost.Slots))
	for k := range ost.Slots {
		slots = append(slots, k)
	}
	sort.Strings(slots)
	for _, k := range slots {
		for i, v := range ost.Slots[k] {
			arrays = append(arrays, npz.Named{Name: k + "." + params[i].Name, Array: ndarray.FromFloat32(params[i].Shape, v)})
		}
	}
	st.Tensors, st.OptSteps, st.OptSlots = tensorFile(st.Epoch), ost.Steps, slots
	if err := npz.WriteFile(filepath.Join(dir, st.Tensors), arrays); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, stateFile), append(b, '\n')); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "epoch-*.npz"))
	for _, p := range old {
		if filepath.Base(p) != st.Tensors {
			removeFile(p)
		}
	}
	return nil
}

func removeFile(p string) { _ = os.Remove(p) } // best effort: a stale file is harmless

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}

// loadCheckpoint reads dir's checkpoint for a model of cfg and restores
// opt's state; the error wraps os.ErrNotExist when there is none.
func loadCheckpoint(dir string, cfg arch.Config, opt optim.Stateful) (*state, arch.Params, error) {
	specs, err := cfg.Specs()
	if err != nil {
		return nil, nil, err
	}
	return loadCheckpointSpecs(dir, specs, opt)
}

// loadCheckpointSpecs is loadCheckpoint for an explicit parameter list
// (an SSL run's backbone and head).
func loadCheckpointSpecs(dir string, specs []arch.Spec, opt optim.Stateful) (*state, arch.Params, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var st state
	if err := dec.Decode(&st); err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: %w", filepath.Join(dir, stateFile), err)
	}
	if st.Format != checkpointFormat {
		return nil, nil, fmt.Errorf("checkpoint %s: format %d, this build reads %d", dir, st.Format, checkpointFormat)
	}
	if st.Epoch < 1 || len(st.History) != st.Epoch || st.BestEpoch < 1 || st.BestEpoch > st.Epoch || st.Tensors != tensorFile(st.Epoch) {
		return nil, nil, fmt.Errorf("checkpoint %s: inconsistent state (epoch %d, %d history rows, best %d, tensors %q)", dir, st.Epoch, len(st.History), st.BestEpoch, st.Tensors)
	}
	arrays, err := npz.ReadFile(filepath.Join(dir, st.Tensors), npz.Limits{MaxArrays: len(specs) * (1 + len(st.OptSlots))})
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	byName := make(map[string]ndarray.Array, len(arrays))
	for _, a := range arrays {
		byName[a.Name] = a.Array
	}
	get := func(name string, s arch.Spec) ([]float32, error) {
		a, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("checkpoint %s: tensor %s missing", st.Tensors, name)
		}
		if a.DType != ndarray.Float32 || !slices.Equal(a.Shape, s.Shape) {
			return nil, fmt.Errorf("checkpoint %s: tensor %s is %s %s, want float32 %s", st.Tensors, name, a.DType, a.ShapeString(), ndarray.ShapeString(s.Shape))
		}
		delete(byName, name)
		return a.F32, nil
	}
	params := make(arch.Params, len(specs))
	for i, s := range specs {
		d, err := get("param."+s.Name, s)
		if err != nil {
			return nil, nil, err
		}
		params[i] = arch.Param{Spec: s, Data: d}
	}
	ost := optim.State{Steps: st.OptSteps, Slots: map[string][][]float32{}}
	for _, k := range st.OptSlots {
		if strings.Contains(k, ".") {
			return nil, nil, fmt.Errorf("checkpoint: bad optimiser slot %q", k)
		}
		v := make([][]float32, len(specs))
		for i, s := range specs {
			if v[i], err = get(k+"."+s.Name, s); err != nil {
				return nil, nil, err
			}
		}
		ost.Slots[k] = v
	}
	for name := range byName {
		return nil, nil, fmt.Errorf("checkpoint %s: unexpected tensor %s", st.Tensors, name)
	}
	if err := opt.SetState(params, ost); err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w (was it written with another optimiser?)", err)
	}
	return &st, params, nil
}
