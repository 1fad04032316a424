package tactile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/progress"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
	"github.com/whiskerbench/whiskerbench/datasets/whisker"
	"github.com/whiskerbench/whiskerbench/datasets/whisker/modelinput"
)

// BuildOptions control how (not what) a build runs.
type BuildOptions struct {
	Workers  int       // concurrent sweeps; ≤ 0 means 1
	Progress io.Writer // progress bar destination; nil for none
}

// sweepsFor returns the protocol's sweeps for one object instance.
func sweepsFor(p Params, id int, s shapes.Shape) ([]whisker.Sweep, error) {
	switch p.Protocol {
	case "sweep16":
		return whisker.Sweep16(s)
	case "sweep-hv":
		return whisker.SweepHV(s, p.Seed^uint64(id)*0x9e3779b97f4a7c15, 1)
	}
	return nil, fmt.Errorf("unknown protocol %q", p.Protocol)
}

// instance draws object id of the plan.
func instance(p Params, o Object) (shapes.Instance, error) {
	inst, err := shapes.NewInstance(o.Class, p.Seed, uint64(o.ID))
	if err != nil {
		return shapes.Instance{}, fmt.Errorf("object %d (%s): %w", o.ID, o.Class, err)
	}
	return inst, nil
}

// Build writes (or completes) the dataset described by p into dir and
// returns its manifest. Shards already on disk from an interrupted build of
// the same parameters are kept; a directory holding a different build is an
// error, never overwritten.
func Build(ctx context.Context, dir string, p Params, o BuildOptions) (*Manifest, error) {
	plan, err := Plan(p)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create dataset directory: %w", err)
	}
	if old, err := ReadManifest(dir); err == nil {
		if old.GeneratorVersion != plan.GeneratorVersion || !reflect.DeepEqual(old.Params, plan.Params) {
			return nil, fmt.Errorf("%s already holds a different dataset (%s, %+v); choose another --out or delete it", dir, old.GeneratorVersion, old.Params)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	// Draw every object once: its parameters go in the manifest.
	for i := range plan.Objects {
		inst, err := instance(p, plan.Objects[i])
		if err != nil {
			return nil, err
		}
		plan.Objects[i].Params = inst.Params
	}
	if err := writeManifest(dir, plan); err != nil {
		return nil, err
	}
	total := 0
	for _, sh := range plan.Shards {
		total += sh.Sweeps
	}
	var bar *progress.Bar
	if o.Progress != nil {
		bar = progress.New(o.Progress, "dataset "+p.Protocol, int64(total), progress.Options{Unit: "sweeps"})
	}
	for i, sh := range plan.Shards {
		path := filepath.Join(dir, sh.File)
		if _, err := os.Stat(path); err == nil {
			if bar != nil {
				bar.Skip(int64(sh.Sweeps))
			}
			continue
		}
		arrays, err := buildShard(ctx, plan, i, o.Workers, bar)
		if err != nil {
			return nil, fmt.Errorf("shard %s: %w", sh.File, err)
		}
		if err := npz.WriteFile(path, arrays); err != nil {
			return nil, err
		}
	}
	if bar != nil {
		bar.Finish()
	}
	for i := range plan.Shards {
		sum, err := FileSHA256(filepath.Join(dir, plan.Shards[i].File))
		if err != nil {
			return nil, err
		}
		plan.Shards[i].SHA256 = sum
	}
	plan.Complete = true
	if len(plan.Shards) > 0 {
		// Sweep names are the same for every object of a protocol run.
		inst, _ := instance(p, plan.Objects[0])
		sw, err := sweepsFor(p, plan.Objects[0].ID, inst.Shape)
		if err == nil {
			for _, s := range sw {
				plan.SweepNames = append(plan.SweepNames, s.Name)
			}
		}
	}
	if err := writeManifest(dir, plan); err != nil {
		return nil, err
	}
	return plan, nil
}

// job is one sweep of a shard.
type job struct {
	obj   int // index into the shard's objects
	sweep int
	cfg   whisker.Sweep
}

func buildShard(ctx context.Context, m *Manifest, si int, workers int, bar *progress.Bar) ([]npz.Named, error) {
	sh := m.Shards[si]
	p := m.Params
	var jobs []job
	var params []whisker.Sweep
	for k, id := range sh.Objects {
		inst, err := instance(p, m.Objects[id])
		if err != nil {
			return nil, err
		}
		sw, err := sweepsFor(p, id, inst.Shape)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", id, err)
		}
		if len(sw) != m.SweepsPerObject {
			return nil, fmt.Errorf("object %d: protocol gave %d sweeps, expected %d", id, len(sw), m.SweepsPerObject)
		}
		for j, s := range sw {
			jobs = append(jobs, job{obj: k, sweep: j, cfg: s})
			params = append(params, s)
		}
	}
	const cell = 22 * 30 * 5 * 7
	inputs := make([]float32, len(jobs)*cell)
	labels := make([]int64, len(jobs))
	objIDs := make([]int64, len(jobs))
	sweepIdx := make([]int64, len(jobs))
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		first  error
		next   = make(chan int)
		setErr = func(err error) {
			mu.Lock()
			defer mu.Unlock()
			if first == nil {
				first = err
				cancel()
			}
		}
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				id := sh.Objects[j.obj]
				res, err := whisker.Simulate(ctx, j.cfg.Config)
				if err != nil {
					setErr(fmt.Errorf("object %d sweep %s: %w", id, j.cfg.Name, err))
					continue
				}
				in, err := modelinput.Process(res.Raw)
				if err != nil {
					setErr(fmt.Errorf("object %d sweep %s: %w", id, j.cfg.Name, err))
					continue
				}
				copy(inputs[i*cell:(i+1)*cell], in.F32)
				labels[i] = int64(m.Objects[id].Label)
				objIDs[i] = int64(id)
				sweepIdx[i] = int64(j.sweep)
				if bar != nil {
					bar.Add(1)
				}
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := len(jobs)
	out := []npz.Named{
		{Name: "inputs", Array: ndarray.FromFloat32([]int{n, 22, 30, 5, 7}, inputs)},
		{Name: "labels", Array: ndarray.FromInt64([]int{n}, labels)},
		{Name: "object_ids", Array: ndarray.FromInt64([]int{n}, objIDs)},
		{Name: "sweep", Array: ndarray.FromInt64([]int{n}, sweepIdx)},
	}
	out = append(out, ParamColumns(params)...)
	return out, nil
}

// ParamColumns returns the protocol parameters of sweeps as npz arrays
// named "param_<name>", in name order.
func ParamColumns(sweeps []whisker.Sweep) []npz.Named {
	pa := whisker.ParamArrays(sweeps)
	keys := make([]string, 0, len(pa))
	for k := range pa {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]npz.Named, 0, len(keys))
	for _, k := range keys {
		out = append(out, npz.Named{Name: "param_" + k, Array: pa[k]})
	}
	return out
}

// FileSHA256 returns a file's hex sha256.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
