package benchmarks

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/progress"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/datasets/whisker"
	"github.com/whiskerbench/whiskerbench/datasets/whisker/modelinput"
)

// StimuliFile holds the Rodgers stimuli: "inputs" (6, 22, 30, 5, 7) and
// "raw" (6, 1000, 30, 6) float32, with "names".
const StimuliFile = "stimuli.npz"

// NeuralFile holds the neural responses in the Rodgers layout.
const NeuralFile = "neural.npz"

// RodgersStimuli simulates the six Rodgers stimuli (paper-spec §3.7) with
// the documented whisking generator and returns their raw readouts and
// model inputs, in the canonical order.
func RodgersStimuli(ctx context.Context, workers int, w io.Writer) (raw, inputs []ndarray.Array, names []string, err error) {
	plate, err := shapes.RodgersPlate(shapes.RodgersThickness)
	if err != nil {
		return nil, nil, nil, err
	}
	sweeps, err := whisker.Rodgers(plate, whisker.DefaultWhisking())
	if err != nil {
		return nil, nil, nil, err
	}
	raw = make([]ndarray.Array, len(sweeps))
	inputs = make([]ndarray.Array, len(sweeps))
	var bar *progress.Bar
	if w != nil {
		bar = progress.New(w, "Rodgers stimuli", int64(len(sweeps)), progress.Options{Unit: "sweeps"})
	}
	for i, s := range sweeps {
		cfg := s.Config
		cfg.Workers = max(1, workers)
		r, err := whisker.Simulate(ctx, cfg)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("Rodgers stimulus %s: %w", s.Name, err)
		}
		in, err := modelinput.Process(r.Raw)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("Rodgers stimulus %s: %w", s.Name, err)
		}
		raw[i], inputs[i] = r.Raw, in
		names = append(names, s.Name)
		if bar != nil {
			bar.Add(1)
		}
	}
	if bar != nil {
		bar.Finish()
	}
	return raw, inputs, names, nil
}

func stack(parts []ndarray.Array) ndarray.Array {
	shape := append([]int{len(parts)}, parts[0].Shape...)
	out := make([]float32, 0, ndarray.Size(shape))
	for _, p := range parts {
		out = append(out, p.F32...)
	}
	return ndarray.FromFloat32(shape, out)
}

// NeuralSource produces the neural arrays of a version from the raw
// stimulus readouts: the synthetic cortex, or an imported file.
type NeuralSource struct {
	Name      string // e.g. "synthetic seed 1" or the imported file's digest
	Synthetic bool
	Params    map[string]string
	Make      func(ctx context.Context, raw []ndarray.Array) ([]npz.Named, error)
}

// NeuralParams are the build parameters a neural version records.
func NeuralParams(src NeuralSource) map[string]string {
	params := map[string]string{"generator": tactile.GeneratorVersion, "neural": src.Name}
	for k, v := range src.Params {
		params["neural_"+k] = v
	}
	return params
}

// NeuralOptions configure a neural benchmark build.
type NeuralOptions struct {
	ScorerVersion string
	Workers       int
	Progress      io.Writer
}

// BuildNeural builds a barrel-cortex-rsa-v1 version under root from the
// simulated stimuli and the given neural source.
func BuildNeural(ctx context.Context, root string, src NeuralSource, o NeuralOptions) (string, *Spec, error) {
	params := NeuralParams(src)
	if dir, spec, ok := installed(root, BarrelCortex, params, o.ScorerVersion); ok {
		return dir, spec, nil
	}
	build := filepath.Join(root, BarrelCortex, "build-"+paramsKey(params))
	if err := os.MkdirAll(build, 0o755); err != nil {
		return "", nil, fmt.Errorf("create %s: %w", build, err)
	}
	stimPath := filepath.Join(build, StimuliFile)
	// The stimuli depend only on the simulator, not on the neural source:
	// every version of one generator shares one simulated copy, so an
	// import or another synthetic seed does not simulate again.
	shared := filepath.Join(root, BarrelCortex, "stimuli-"+tactile.GeneratorVersion+".npz")
	raw, err := readStimuli(stimPath)
	if err != nil {
		raw, err = readStimuli(shared)
		if err == nil {
			err = copyFile(shared, stimPath)
		}
	}
	if err != nil {
		r, in, names, err := RodgersStimuli(ctx, o.Workers, o.Progress)
		if err != nil {
			return "", nil, err
		}
		raw = r
		if err := npz.WriteFileCompressed(stimPath, []npz.Named{
			{Name: "inputs", Array: stack(in)},
			{Name: "raw", Array: stack(r)},
			{Name: "names", Array: ndarray.FromStrings(names)},
		}); err != nil {
			return "", nil, err
		}
		if err := copyFile(stimPath, shared); err != nil {
			return "", nil, err
		}
	}
	arrays, err := src.Make(ctx, raw)
	if err != nil {
		return "", nil, fmt.Errorf("neural data (%s): %w", src.Name, err)
	}
	if err := npz.WriteFileCompressed(filepath.Join(build, NeuralFile), arrays); err != nil {
		return "", nil, err
	}
	files, err := hashFiles(build, []File{
		{Role: RoleStimuli, Path: StimuliFile, Public: true},
		{Role: RoleNeural, Path: NeuralFile, Public: false},
	})
	if err != nil {
		return "", nil, err
	}
	desc := "Noise-corrected RSA between a model's responses to the six Rodgers stimuli (concave/convex at three distances, simulated with active whisking) and mouse barrel-cortex responses."
	if src.Synthetic {
		desc += " The neural responses are SYNTHETIC: a calibrated surrogate generated from the simulated stimuli, not recordings."
	}
	spec := &Spec{Name: BarrelCortex, Kind: NeuralRSA, ScorerVersion: o.ScorerVersion, Synthetic: src.Synthetic, Description: desc, Params: params, Files: files}
	dir, err := finish(root, spec, build)
	if err != nil {
		return "", nil, err
	}
	return dir, spec, nil
}

// readStimuli reads the raw readouts of a stimuli file.
func readStimuli(path string) ([]ndarray.Array, error) {
	arrays, err := npz.ReadFile(path, npz.DefaultLimits())
	if err != nil {
		return nil, err
	}
	r, ok := npz.Lookup(arrays, "raw")
	if _, okIn := npz.Lookup(arrays, "inputs"); !ok || !okIn || r.Dims() != 4 || r.Shape[0] != 6 || r.DType != ndarray.Float32 {
		return nil, fmt.Errorf("%s is not a stimuli file (delete it to simulate again)", path)
	}
	per := ndarray.Size(r.Shape[1:])
	raw := make([]ndarray.Array, r.Shape[0])
	for i := range raw {
		raw[i] = ndarray.FromFloat32(r.Shape[1:], r.F32[i*per:(i+1)*per])
	}
	return raw, nil
}

// copyFile copies src to dst atomically.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	return os.Rename(tmp, dst)
}
