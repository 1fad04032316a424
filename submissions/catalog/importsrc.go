package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/evaluator"
)

// canonicalStimulus maps a stimulus label to its canonical index, accepting
// the neural data's "close" for the simulator's "near" (paper-spec §3.7)
// and '-' or '_' for spaces.
func canonicalStimulus(label string) (int, bool) {
	l := strings.ToLower(strings.TrimSpace(label))
	l = strings.NewReplacer("-", " ", "_", " ", "close", "near").Replace(l)
	for i, s := range evaluator.StimulusOrder() {
		if s == l {
			return i, true
		}
	}
	return 0, false
}

// reorder permutes the stimulus axis of a (trials, 6, units) array so that
// column perm[i] of the input becomes column i.
func reorder(a ndarray.Array, perm [6]int) ndarray.Array {
	t, s, u := a.Shape[0], a.Shape[1], a.Shape[2]
	out := make([]float64, len(a.F64))
	for r := 0; r < t; r++ {
		for i := 0; i < s; i++ {
			copy(out[(r*s+i)*u:(r*s+i+1)*u], a.F64[(r*s+perm[i])*u:(r*s+perm[i]+1)*u])
		}
	}
	return ndarray.FromFloat64(a.Shape, out)
}

// ImportSource validates a neural file in the Rodgers layout (one float64
// array per animal, (trials, 6, units), NaN-padded) and returns it as a
// neural source for BuildNeural, with a report of what it found,
// including the zero-fill quirk of the paper's arrays (paper-spec §1.3).
// order, when not empty, lists the file's stimulus columns.
func ImportSource(path, order string) (benchmarks.NeuralSource, string, error) {
	arrays, err := npz.ReadFile(path, npz.DefaultLimits())
	if err != nil {
		return benchmarks.NeuralSource{}, "", err
	}
	perm := [6]int{0, 1, 2, 3, 4, 5}
	if order != "" {
		labels := strings.Split(order, ",")
		if len(labels) != 6 {
			return benchmarks.NeuralSource{}, "", fmt.Errorf("--stimulus-order lists %d stimuli, want 6", len(labels))
		}
		seen := [6]bool{}
		for col, l := range labels {
			i, ok := canonicalStimulus(l)
			if !ok {
				names := evaluator.StimulusOrder()
				return benchmarks.NeuralSource{}, "", fmt.Errorf("--stimulus-order: %q is not one of %s", l, strings.Join(names[:], ", "))
			}
			if seen[i] {
				return benchmarks.NeuralSource{}, "", fmt.Errorf("--stimulus-order names %q twice", l)
			}
			seen[i] = true
			perm[i] = col
		}
	}
	named := make([]evaluator.NamedArray, len(arrays))
	out := make([]npz.Named, len(arrays))
	for i, a := range arrays {
		arr := a.Array
		if arr.DType == ndarray.Float64 && arr.Dims() == 3 && arr.Shape[1] == 6 {
			arr = reorder(arr, perm)
		} else if arr.Dims() == 3 && arr.Shape[1] != 6 {
			return benchmarks.NeuralSource{}, "", fmt.Errorf("%s: animal %q has %d stimulus columns, want 6", path, a.Name, arr.Shape[1])
		}
		named[i] = evaluator.NamedArray{Name: a.Name, Array: arr}
		out[i] = npz.Named{Name: a.Name, Array: arr}
	}
	nd, err := evaluator.NeuralFromArrays(named)
	if err != nil {
		return benchmarks.NeuralSource{}, "", fmt.Errorf("%s: %w", path, err)
	}
	digest, err := benchmarks.FileSHA256(path)
	if err != nil {
		return benchmarks.NeuralSource{}, "", err
	}
	var rep strings.Builder
	units := 0
	fmt.Fprintf(&rep, "%s: %d animals\n", path, len(nd.Animals))
	for _, a := range nd.Animals {
		units += a.Units
		zf := len(a.ZeroFillRows())
		note := ""
		if zf > 0 {
			note = fmt.Sprintf(" — %d trial rows show the zero-fill quirk (other stimulus columns exactly 0): rsa-paper-v1 uses them as is, rsa-v2 treats them as missing", zf)
		}
		fmt.Fprintf(&rep, "  %-12s %4d trial rows %4d units%s\n", a.ID, a.Trials, a.Units, note)
	}
	fmt.Fprintf(&rep, "  %d units in all\n", units)
	src := benchmarks.NeuralSource{
		Name:   "import:" + digest[:16],
		Params: map[string]string{"file_sha256": digest, "stimulus_order": order},
		Make:   func(context.Context, []ndarray.Array) ([]npz.Named, error) { return out, nil },
	}
	return src, rep.String(), nil
}
