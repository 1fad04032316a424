package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/whiskerbench/whiskerbench/referencemodels/train"
)

func trainCommand() *command {
	return &command{
		name:  "train",
		short: "train a reference EAD model on a tactile dataset (resumable)",
		usage: `--config FILE.yaml

FILE.yaml (or .json) names the dataset, the architecture (a preset such as
"timedecay-addnet" or "intersection-ln-linear" with a width, or a full arch
config), the optimiser (sgd, adam, adamw), the schedule (step_lr,
cos_w_warmup, constant_lr), epochs, batch size, seed and output directory.
The output directory receives bundle.tar (best validation accuracy, with
test metrics at the end), curve.svg and checkpoint/. Run the same command
again after an interruption to resume from the last completed epoch.
See docs/bundle.md and the train package documentation for every field.`,
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			path := fs.String("config", "", "training config, YAML or JSON (required)")
			return func(ctx context.Context, args []string) error {
				if *path == "" || len(args) > 0 {
					return usagef("train needs --config FILE.yaml")
				}
				cfg, err := train.LoadConfig(*path)
				if err != nil {
					return err
				}
				res, err := train.Run(ctx, cfg, train.Options{Progress: e.stderr})
				if errors.Is(err, context.Canceled) {
					return fmt.Errorf("interrupted; run the same command again to resume from the last completed epoch")
				}
				if err != nil {
					return err
				}
				best := res.History[res.BestEpoch-1]
				fmt.Fprintf(e.stdout, "trained %d epochs; best validation top-1 %.4f top-5 %.4f at epoch %d\n",
					len(res.History), best.Val.Top1, best.Val.Top5, res.BestEpoch)
				if res.Test != nil {
					fmt.Fprintf(e.stdout, "test top-1 %.4f top-5 %.4f (%d sweeps)\n", res.Test.Top1, res.Test.Top5, res.Test.N)
				}
				fmt.Fprintf(e.stdout, "bundle: %s\ncurve:  %s\n", res.BundlePath, res.CurvePath)
				return nil
			}
		},
	}
}
