package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

// DefaultsOptions say how to build the default benchmarks.
type DefaultsOptions struct {
	Root       string // benchmark data root (DATA_DIR/benchmarks)
	Shapes     benchmarks.ShapesOptions
	NeuralSeed uint64
	Workers    int
	Progress   io.Writer
	Logger     *slog.Logger
}

// SyntheticSource is the default neural source: the calibrated synthetic
// cortex with the given seed.
func SyntheticSource(seed uint64) benchmarks.NeuralSource {
	return benchmarks.NeuralSource{
		Name:      "synthetic-cortex",
		Synthetic: true,
		Params:    map[string]string{"seed": strconv.FormatUint(seed, 10)},
		Make: func(ctx context.Context, raw []ndarray.Array) ([]npz.Named, error) {
			cfg := synth.DefaultConfig()
			cfg.Seed = seed
			animals, _, err := synth.Synthesize(ctx, raw, cfg)
			if err != nil {
				return nil, err
			}
			return synth.Arrays(animals), nil
		},
	}
}

// registeredWith returns a registered version of name whose build
// parameters equal params, if there is one.
func (c *Catalog) registeredWith(ctx context.Context, name string, params map[string]string) (Benchmark, bool, error) {
	all, err := c.List(ctx)
	if err != nil {
		return Benchmark{}, false, err
	}
	for _, b := range all {
		if b.Name != name {
			continue
		}
		var p map[string]string
		if json.Unmarshal(b.Params, &p) == nil && reflect.DeepEqual(p, params) {
			return b, true, nil
		}
	}
	return Benchmark{}, false, nil
}

// BuildAndRegister builds (or resumes) one benchmark version, computes its
// figures and registers it.
func (c *Catalog) BuildAndRegister(ctx context.Context, build func() (string, *benchmarks.Spec, error)) (Benchmark, error) {
	dir, spec, err := build()
	if err != nil {
		return Benchmark{}, err
	}
	if old, err := c.Get(ctx, spec.Name, spec.Version); err == nil {
		return old, nil
	}
	f, err := ComputeFigures(ctx, dir, spec)
	if err != nil {
		return Benchmark{}, fmt.Errorf("%s %s figures: %w", spec.Name, spec.Version, err)
	}
	return c.Register(ctx, dir, spec, f)
}

// EnsureDefaults builds and registers the default benchmark versions that
// the catalog lacks. It is idempotent and resumes interrupted builds.
func (c *Catalog) EnsureDefaults(ctx context.Context, o DefaultsOptions) ([]Benchmark, error) {
	lg := o.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	var out []Benchmark
	src := SyntheticSource(o.NeuralSeed)
	neuralParams := benchmarks.NeuralParams(src)
	if b, ok, err := c.registeredWith(ctx, benchmarks.BarrelCortex, neuralParams); err != nil {
		return nil, err
	} else if ok {
		out = append(out, b)
	} else {
		lg.Info("building default benchmark", "name", benchmarks.BarrelCortex)
		b, err := c.BuildAndRegister(ctx, func() (string, *benchmarks.Spec, error) {
			return benchmarks.BuildNeural(ctx, o.Root, src, benchmarks.NeuralOptions{ScorerVersion: NeuralScorer, Workers: o.Workers, Progress: o.Progress})
		})
		if err != nil {
			return nil, err
		}
		lg.Info("registered benchmark", "name", b.Name, "version", b.Version)
		out = append(out, b)
	}
	so := o.Shapes
	so.ScorerVersion, so.Workers, so.Progress = ClassificationScorer, o.Workers, o.Progress
	if b, ok, err := c.registeredWith(ctx, benchmarks.TactileShapes, benchmarks.ShapesParams(so)); err != nil {
		return nil, err
	} else if ok {
		out = append(out, b)
	} else {
		lg.Info("building default benchmark", "name", benchmarks.TactileShapes)
		b, err := c.BuildAndRegister(ctx, func() (string, *benchmarks.Spec, error) {
			return benchmarks.BuildShapes(ctx, o.Root, so)
		})
		if err != nil {
			return nil, err
		}
		lg.Info("registered benchmark", "name", b.Name, "version", b.Version)
		out = append(out, b)
	}
	return out, nil
}
