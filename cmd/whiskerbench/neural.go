package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

func neuralCommand() *command {
	synthCmd := &command{
		name:  "synth",
		short: "write a SYNTHETIC barrel-cortex dataset (Rodgers layout) driven by the simulated stimuli",
		usage: "--seed S --out neural.npz [--json]\n\nSimulates the six Rodgers stimuli, then draws synthetic animals whose units respond to\ntheir whiskers' forces and moments with Poisson spiking and trial-to-trial gain noise,\ncalibrated to the published reliability figures. The output is labelled synthetic.",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			seed := fs.Uint64("seed", synth.DefaultConfig().Seed, "seed of the synthetic animals (the default is the calibrated one)")
			out := fs.String("out", "", "output .npz (required)")
			asJSON := fs.Bool("json", false, "print the synthesis report as JSON")
			workers := fs.Int("workers", runtime.GOMAXPROCS(0), "whiskers simulated in parallel")
			return func(ctx context.Context, args []string) error {
				if *out == "" || len(args) > 0 {
					return usagef("neural synth needs --out")
				}
				raw, _, _, err := benchmarks.RodgersStimuli(ctx, *workers, e.stderr)
				if err != nil {
					return err
				}
				cfg := synth.DefaultConfig()
				cfg.Seed = *seed
				animals, rep, err := synth.Synthesize(ctx, raw, cfg)
				if err != nil {
					return err
				}
				if err := npz.WriteFile(*out, synth.Arrays(animals)); err != nil {
					return err
				}
				if *asJSON {
					return writeJSON(e.stdout, rep)
				}
				fmt.Fprintf(e.stdout, "wrote %s: SYNTHETIC neural data, %d animals, %d units (%d responsive), seed %d\n", *out, len(rep.Animals), rep.Units, rep.Responsive, *seed)
				for _, a := range rep.Animals {
					fmt.Fprintf(e.stdout, "  %-8s site %-4s %4d units %2d sessions %3d trial rows\n", a.ID, a.Site, a.Units, len(a.Sessions), a.Rows)
				}
				return nil
			}
		},
	}
	return &command{name: "neural", short: "neural datasets (synthetic surrogate)", subs: []*command{synthCmd}}
}
