package catalog

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

// Current returns the latest version of each default benchmark that is
// registered.
func (c *Catalog) Current(ctx context.Context) ([]Benchmark, error) {
	var out []Benchmark
	for _, name := range []string{benchmarks.BarrelCortex, benchmarks.TactileShapes} {
		b, err := c.Latest(ctx, name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Expectations returns the row counts an activations upload must match:
// the current benchmarks' neural stimuli and classification splits.
func (c *Catalog) Expectations(ctx context.Context) (intake.Expect, error) {
	cur, err := c.Current(ctx)
	if err != nil {
		return intake.Expect{}, err
	}
	if len(cur) == 0 {
		return intake.Expect{}, fmt.Errorf("no benchmark is registered yet (they are being built, or run 'whiskerbench benchmark build'): %w", ErrNotFound)
	}
	var e intake.Expect
	for _, b := range cur {
		switch b.Kind {
		case benchmarks.NeuralRSA:
			e.Neural = 6
		case benchmarks.Classification:
			pm, err := tactile.ReadManifest(filepath.Join(b.DataDir, "public"))
			if err != nil {
				return intake.Expect{}, err
			}
			hm, err := tactile.ReadManifest(filepath.Join(b.DataDir, "heldout"))
			if err != nil {
				return intake.Expect{}, err
			}
			for _, sh := range pm.Shards {
				switch sh.Split {
				case tactile.Train:
					e.Train += sh.Sweeps
				case tactile.Validation:
					e.Validation += sh.Sweeps
				}
			}
			for _, sh := range hm.Shards {
				if sh.Split == tactile.Test {
					e.Test += sh.Sweeps
				}
			}
		}
	}
	return e, nil
}
