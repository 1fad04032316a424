package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/progress"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

func activationsCommand() *command {
	return &command{
		name:  "activations",
		short: "run a weight bundle on stimuli and write one activation array per layer",
		usage: `--bundle B --inputs STIMULI.npz --out ACTS.npz [--prefix neural] [--batch 64]

B is a bundle directory or .tar (docs/bundle.md). STIMULI.npz holds an "inputs"
float32 array (n, 22, 30, 5, 7). The model runs in inference mode (no dropout)
and ACTS.npz receives one (n, F) float32 array per layer, time-averaged by the
paper's rule (layer l keeps steps t >= l-1). With --prefix P the arrays are
named P__<layer> (the submission format: --prefix neural gives neural__conv1, ...).`,
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			bpath := fs.String("bundle", "", "weight bundle directory or .tar (required)")
			inputs := fs.String("inputs", "", "stimuli .npz with an inputs array (required)")
			out := fs.String("out", "", "output .npz (required)")
			prefix := fs.String("prefix", "", "name arrays PREFIX__<layer> (neural, train, validation or test)")
			batch := fs.Int("batch", 64, "samples per forward pass")
			return func(ctx context.Context, args []string) error {
				if *bpath == "" || *inputs == "" || *out == "" || len(args) > 0 {
					return usagef("activations needs --bundle, --inputs and --out")
				}
				if *batch < 1 {
					return usagef("activations: --batch %d must be positive", *batch)
				}
				switch *prefix {
				case "", intake.InputNeural, intake.InputTrain, intake.InputValidation, intake.InputTest:
				default:
					return usagef("activations: --prefix %q: use neural, train, validation or test", *prefix)
				}
				b, err := bundle.Load(ctx, *bpath, bundle.Limits{})
				if err != nil {
					return err
				}
				m, err := b.Model()
				if err != nil {
					return err
				}
				x, err := readInputs(*inputs)
				if err != nil {
					return err
				}
				n := x.Shape[0]
				bar := progress.New(e.stderr, "activations", int64(n), progress.Options{Unit: "samples"})
				last := 0
				acts, err := ead.BatchedActivations(ctx, m, x, *batch, func(done int) {
					bar.Add(int64(done - last))
					last = done
				})
				if err != nil {
					return err
				}
				bar.Finish()
				arrays := make([]npz.Named, 0, len(acts))
				for _, l := range b.Manifest.Layers {
					name := l
					if *prefix != "" {
						name = *prefix + intake.Sep + l
					}
					arrays = append(arrays, npz.Named{Name: name, Array: acts[l]})
				}
				if err := npz.WriteFile(*out, arrays); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "wrote %d layers for %d stimuli to %s\n", len(arrays), n, *out)
				return nil
			}
		},
	}
}

// readInputs reads the "inputs" array of a stimuli file, checking its
// dtype and shape before the data are decoded.
func readInputs(path string) (ndarray.Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("open inputs: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("stat %s: %w", path, err)
	}
	members, err := npz.Stat(f, st.Size(), npz.DefaultLimits())
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("%s: %w", path, err)
	}
	found := false
	for _, mb := range members {
		if mb.Name != "inputs" {
			continue
		}
		found = true
		if mb.DType != ndarray.Float32 || len(mb.Shape) != 5 || mb.Shape[0] < 1 || mb.Shape[1] != 22 || mb.Shape[2] != 30 || mb.Shape[3] != 5 || mb.Shape[4] != 7 {
			return ndarray.Array{}, fmt.Errorf("%s: inputs is %s %s, want float32 (n, 22, 30, 5, 7)", path, mb.DType, ndarray.ShapeString(mb.Shape))
		}
		if mb.NonFinite > 0 {
			return ndarray.Array{}, fmt.Errorf("%s: inputs has %d NaN/Inf values (first at flat index %d)", path, mb.NonFinite, mb.FirstNonFinite)
		}
	}
	if !found {
		return ndarray.Array{}, fmt.Errorf("%s holds no inputs array (it has %d others)", path, len(members))
	}
	x, err := npz.ReadMember(f, st.Size(), "inputs", npz.DefaultLimits())
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}
