package catalog

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/evaluator/probe"
)

// Figures are what a benchmark version's scores are read against.
type Figures struct {
	Ceiling   map[string]any `json:"ceiling"`
	Baselines map[string]any `json:"baselines"`
}

// ComputeFigures computes a version's ceilings and baselines from its files.
func ComputeFigures(ctx context.Context, dir string, spec *benchmarks.Spec) (Figures, error) {
	switch spec.Kind {
	case benchmarks.NeuralRSA:
		return neuralFigures(dir, spec)
	case benchmarks.Classification:
		return classificationFigures(ctx, dir, spec)
	}
	return Figures{}, fmt.Errorf("benchmark %s: unknown kind %q", spec.Name, spec.Kind)
}

// LoadNeural reads a neural benchmark's stimulus tensor and neural data.
func LoadNeural(dir string, spec *benchmarks.Spec) (ndarray.Array, evaluator.NeuralData, error) {
	sf, ok1 := spec.FileByRole(benchmarks.RoleStimuli)
	nf, ok2 := spec.FileByRole(benchmarks.RoleNeural)
	if !ok1 || !ok2 {
		return ndarray.Array{}, evaluator.NeuralData{}, fmt.Errorf("benchmark %s %s lacks its stimuli or neural file", spec.Name, spec.Version)
	}
	st, err := npz.ReadFile(filepath.Join(dir, sf.Path), npz.DefaultLimits())
	if err != nil {
		return ndarray.Array{}, evaluator.NeuralData{}, err
	}
	stim, ok := npz.Lookup(st, "inputs")
	if !ok {
		return ndarray.Array{}, evaluator.NeuralData{}, fmt.Errorf("%s: no 'inputs' array", sf.Path)
	}
	na, err := npz.ReadFile(filepath.Join(dir, nf.Path), npz.DefaultLimits())
	if err != nil {
		return ndarray.Array{}, evaluator.NeuralData{}, err
	}
	named := make([]evaluator.NamedArray, len(na))
	for i, a := range na {
		named[i] = evaluator.NamedArray{Name: a.Name, Array: a.Array}
	}
	nd, err := evaluator.NeuralFromArrays(named)
	if err != nil {
		return ndarray.Array{}, evaluator.NeuralData{}, fmt.Errorf("%s: %w", nf.Path, err)
	}
	return stim, nd, nil
}

func neuralFigures(dir string, spec *benchmarks.Spec) (Figures, error) {
	stim, nd, err := LoadNeural(dir, spec)
	if err != nil {
		return Figures{}, err
	}
	opt := evaluator.DefaultOptions()
	f := Figures{Ceiling: map[string]any{}, Baselines: map[string]any{}}
	for _, m := range []string{evaluator.MetricPaperV1, evaluator.MetricV2} {
		c, err := evaluator.EvaluateCeiling(m, evaluator.ManyToOne, nd, opt)
		if err != nil {
			return Figures{}, fmt.Errorf("ceiling %s: %w", m, err)
		}
		f.Ceiling[m] = c
		p, err := evaluator.EvaluateCeiling(m, evaluator.Pairwise, nd, opt)
		if err != nil {
			return Figures{}, fmt.Errorf("pairwise ceiling %s: %w", m, err)
		}
		f.Ceiling[m+"/pairwise"] = p
		in, err := evaluator.EvaluateInput(m, stim, nd, opt)
		if err != nil {
			return Figures{}, fmt.Errorf("raw-input baseline %s: %w", m, err)
		}
		f.Baselines["raw-input/"+m] = in
	}
	return f, nil
}

// timeAveraged turns (n, 22, ...) inputs into (n, features) by averaging
// over the time axis: the raw-input features of the paper's §1.11 baseline.
func timeAveraged(in ndarray.Array) ndarray.Array {
	n, t := in.Shape[0], in.Shape[1]
	per := ndarray.Size(in.Shape[2:])
	out := make([]float32, n*per)
	for i := 0; i < n; i++ {
		for s := 0; s < t; s++ {
			row := in.F32[(i*t+s)*per : (i*t+s+1)*per]
			for j, v := range row {
				out[i*per+j] += v / float32(t)
			}
		}
	}
	return ndarray.FromFloat32([]int{n, per}, out)
}

// ClassificationSplits loads the train, validation and held-out test splits
// of a classification benchmark.
func ClassificationSplits(dir string) (train, val, test tactile.Batch, classes []string, err error) {
	pubDir, heldDir := filepath.Join(dir, "public"), filepath.Join(dir, "heldout")
	pm, err := tactile.ReadManifest(pubDir)
	if err != nil {
		return
	}
	hm, err := tactile.ReadManifest(heldDir)
	if err != nil {
		return
	}
	if train, err = tactile.LoadSplit(pubDir, pm, tactile.Train); err != nil {
		return
	}
	if val, err = tactile.LoadSplit(pubDir, pm, tactile.Validation); err != nil {
		return
	}
	if test, err = tactile.LoadSplit(heldDir, hm, tactile.Test); err != nil {
		return
	}
	return train, val, test, pm.ClassNames, nil
}

func classificationFigures(ctx context.Context, dir string, spec *benchmarks.Spec) (Figures, error) {
	train, _, test, classes, err := ClassificationSplits(dir)
	if err != nil {
		return Figures{}, err
	}
	res, err := probe.Evaluate(ctx,
		probe.Dataset{Features: timeAveraged(train.Inputs), Labels: ndarray.FromInt64([]int{train.Len()}, train.Labels)},
		probe.Dataset{Features: timeAveraged(test.Inputs), Labels: ndarray.FromInt64([]int{test.Len()}, test.Labels)},
		probe.Options{})
	if err != nil {
		return Figures{}, fmt.Errorf("raw-input probe baseline: %w", err)
	}
	k := min(5, len(classes))
	return Figures{
		Ceiling: map[string]any{"note": "classification has no ceiling below 1"},
		Baselines: map[string]any{
			"chance_top1":     1 / float64(len(classes)),
			"chance_top5":     float64(k) / float64(len(classes)),
			"raw-input-probe": res,
		},
	}, nil
}
