package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"

	"github.com/whiskerbench/whiskerbench/referencemodels/zoo"
)

// zooCommand is the "zoo" group: retrain the bundled reference models from
// their recorded configs and list them.
func zooCommand() *command {
	retrain := &command{
		name:  "retrain",
		short: "retrain bundled reference models from their configs (and their untrained twins)",
		usage: `NAME... | --all [--data-dir D] [--out referencemodels/zoo] [--fresh] [--workers N]

Each NAME is a config NAME.yaml in the --out directory. The models train on
the public split of the default tactile-shapes-v1 benchmark, which is found
under D/benchmarks or built there (deterministically, about four minutes on
two cores) when missing, and are scored on its held-out objects. Runs live
in D/zoo-runs/NAME and resume after an interruption; a finished run is
reused unless --fresh. The command writes NAME.tar, NAME.untrained.tar (same
architecture and init seed, never trained), NAME.svg (training curve) and
NAME.json (the run's record) into the --out directory, then prints the table.`,
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			all := fs.Bool("all", false, "retrain every model of the zoo")
			dataDir := fs.String("data-dir", "whiskerbench-data", "data directory: the benchmark under DIR/benchmarks, runs under DIR/zoo-runs")
			out := fs.String("out", filepath.Join("referencemodels", "zoo"), "zoo directory: the configs, and where the bundles go")
			fresh := fs.Bool("fresh", false, "discard existing runs and train from scratch")
			workers := fs.Int("workers", runtime.GOMAXPROCS(0), "simulation workers when the benchmark must be built")
			return func(ctx context.Context, args []string) error {
				if *all == (len(args) > 0) {
					return usagef("zoo retrain takes model NAMEs or --all")
				}
				if *workers < 1 {
					return usagef("zoo retrain: --workers %d must be positive", *workers)
				}
				entries, err := zoo.Entries(*out)
				if err != nil {
					return err
				}
				if !*all {
					if entries, err = zoo.Select(entries, args); err != nil {
						return usagef("%v", err)
					}
				}
				log := slog.New(slog.NewTextHandler(e.stderr, nil))
				d, err := zoo.EnsureData(ctx, filepath.Join(*dataDir, "benchmarks"), *workers, e.stderr, log)
				if err != nil {
					return err
				}
				for _, en := range entries {
					r, err := zoo.Retrain(ctx, en, d, *out, zoo.Options{RunsDir: filepath.Join(*dataDir, "zoo-runs"), Fresh: *fresh, Progress: e.stderr, Logger: log})
					if errors.Is(err, context.Canceled) {
						return fmt.Errorf("interrupted; run the same command again to resume")
					}
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "%s: held-out top-1 %.3f top-5 %.3f (untrained %.3f / %.3f), %d epochs, %.0f s\n",
						r.Name, r.Trained.TestTop1, r.Trained.TestTop5, r.Untrained.TestTop1, r.Untrained.TestTop5, r.Epochs, r.WallSeconds)
				}
				return zoo.Table(e.stdout, *out, entries)
			}
		},
	}
	list := &command{
		name:  "list",
		short: "print the zoo's table (architecture, data, epochs, held-out accuracy)",
		usage: "[--out referencemodels/zoo]",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			out := fs.String("out", filepath.Join("referencemodels", "zoo"), "zoo directory")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("zoo list takes no arguments")
				}
				entries, err := zoo.Entries(*out)
				if err != nil {
					return err
				}
				return zoo.Table(e.stdout, *out, entries)
			}
		},
	}
	return &command{name: "zoo", short: "the bundled reference models: retrain and list", subs: []*command{retrain, list}}
}
