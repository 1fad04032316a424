package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

// ActivationKey names an array of an activations upload: the benchmark
// input it answers ("neural", "train", "validation", "test") and the layer,
// joined by a double underscore, e.g. "neural__conv1".
func ActivationKey(input, layer string) string { return input + "__" + layer }

// Spec returns the registered version's spec as written in its directory.
func (b Benchmark) Spec() (*benchmarks.Spec, error) {
	return benchmarks.ReadSpec(b.DataDir, false)
}

// Export writes what a lab must run through its model: the neural stimuli,
// or the classification train and validation inputs with labels and the
// test inputs without labels (and without object ids, which would reveal
// them), with a README. It returns the files written.
func Export(ctx context.Context, b Benchmark, out string) ([]string, error) {
	spec, err := b.Spec()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", out, err)
	}
	var files []string
	write := func(name string, arrays []npz.Named) error {
		if err := npz.WriteFile(filepath.Join(out, name), arrays); err != nil {
			return err
		}
		files = append(files, name)
		return nil
	}
	var readme string
	switch spec.Kind {
	case benchmarks.NeuralRSA:
		stim, _, err := LoadNeural(b.DataDir, spec)
		if err != nil {
			return nil, err
		}
		if err := write("neural_stimuli.npz", []npz.Named{{Name: "inputs", Array: stim}}); err != nil {
			return nil, err
		}
		readme = neuralReadme(b, stim)
	case benchmarks.Classification:
		train, val, test, classes, err := ClassificationSplits(b.DataDir)
		if err != nil {
			return nil, err
		}
		labels := func(v []int64) ndarray.Array { return ndarray.FromInt64([]int{len(v)}, v) }
		if err := write("train.npz", []npz.Named{{Name: "inputs", Array: train.Inputs}, {Name: "labels", Array: labels(train.Labels)}}); err != nil {
			return nil, err
		}
		if err := write("validation.npz", []npz.Named{{Name: "inputs", Array: val.Inputs}, {Name: "labels", Array: labels(val.Labels)}}); err != nil {
			return nil, err
		}
		if err := write("test.npz", []npz.Named{{Name: "inputs", Array: test.Inputs}}); err != nil {
			return nil, err
		}
		cj, _ := json.MarshalIndent(classes, "", "  ")
		if err := os.WriteFile(filepath.Join(out, "classes.json"), append(cj, '\n'), 0o644); err != nil {
			return nil, err
		}
		files = append(files, "classes.json")
		readme = classificationReadme(b, train.Len(), val.Len(), test.Len(), len(classes))
	default:
		return nil, fmt.Errorf("benchmark %s: unknown kind %q", b.Name, spec.Kind)
	}
	if err := os.WriteFile(filepath.Join(out, "README.md"), []byte(readme), 0o644); err != nil {
		return nil, err
	}
	return append(files, "README.md"), nil
}

const inputLayout = "Inputs follow the paper's tensor layout (Chung et al. 2025): float32 (n, 22, 30, 5, 7) = " +
	"(sweeps, 22 time steps, 30 channels, 5 whisker rows A–E, 7 arcs). Channel step·6 + f holds raw frame " +
	"t·5 + step of force/moment f (Fx, Fy, Fz in mN, Mx, My, Mz in mN·mm) measured at the whisker base; " +
	"grid cells A5, A6, B5, B6 and E6 have no whisker and are zero.\n"

func neuralReadme(b Benchmark, stim ndarray.Array) string {
	syn := ""
	if b.Synthetic {
		syn = "\nThe neural responses of this version are SYNTHETIC (a calibrated surrogate), not recordings.\n"
	}
	return fmt.Sprintf(`# %s, version %s

%s
%s
## Files

- neural_stimuli.npz: "inputs" %s, the six Rodgers stimuli in the order concave near, concave
  medium, concave far, convex near, convex medium, convex far.

%s
## What to send back

One activations .npz with one array per layer named "neural__<layer>", shaped (6, ...) in the
stimulus order above; trailing dimensions are flattened into features. Score it offline first:

    whiskerbench eval neural --activations ACTS.npz --neural NEURAL.npz

(rename the arrays to "<layer>" for the offline command), then submit with 'whiskerbench submit'.
`, b.Name, b.Version, b.Description, syn, stim.ShapeString(), inputLayout)
}

func classificationReadme(b Benchmark, ntrain, nval, ntest, classes int) string {
	return fmt.Sprintf(`# %s, version %s

%s

## Files

- train.npz: "inputs" (%d, 22, 30, 5, 7) float32 and "labels" (%d,) int64 (class index).
- validation.npz: "inputs" (%d, 22, 30, 5, 7) and "labels" (%d,).
- test.npz: "inputs" (%d, 22, 30, 5, 7) only. Its labels are held out and never leave the server.
- classes.json: the %d class names; a label is an index into this list.

%s
## What to send back

One activations .npz with, for every layer you want scored, arrays named "train__<layer>",
"validation__<layer>" (optional) and "test__<layer>", each shaped (n, ...) with the rows in the
order of the matching input file. The server fits a linear probe on your train activations
with the public labels and reports top-1 and top-5 accuracy on the held-out test set.
`, b.Name, b.Version, b.Description, ntrain, ntrain, nval, nval, ntest, classes, inputLayout)
}
