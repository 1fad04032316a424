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
	"github.com/whiskerbench/whiskerbench/server/app"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/queue"
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
NAME.json (the run's record) into the --out directory, scores both bundles on
the default neural benchmark (as 'zoo score' does), then prints the table.

With --enqueue it trains nothing here: it inserts one zoo_retrain job per
model into the job queue of --database, and every 'whiskerbench worker' on
that database takes jobs, so several machines share the work. The workers
read the configs from and write the bundles to the --out directory at the
same absolute path, which they must all see (a shared volume).`,
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			all := fs.Bool("all", false, "retrain every model of the zoo")
			cfg, finish := bindConfig(fs, e, storageFlags...)
			enqueue := fs.Bool("enqueue", false, "queue one zoo_retrain job per model for the workers of --database instead of training here")
			out := fs.String("out", filepath.Join("referencemodels", "zoo"), "zoo directory: the configs, and where the bundles go")
			fresh := fs.Bool("fresh", false, "discard existing runs and train from scratch")
			workers := fs.Int("workers", runtime.GOMAXPROCS(0), "simulation workers when the benchmark must be built")
			return func(ctx context.Context, args []string) error {
				if err := finish(); err != nil {
					return usagef("%v", err)
				}
				dataDir := &cfg.DataDir
				entries, err := zooEntries("retrain", *out, *all, args, *workers)
				if err != nil {
					return err
				}
				log := slog.New(slog.NewTextHandler(e.stderr, nil))
				if *enqueue {
					return enqueueZoo(ctx, e, *cfg, entries, *out, *fresh, log)
				}
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
				if err := submissions.ScoreZoo(ctx, entries, *out, filepath.Join(*dataDir, "benchmarks"), *workers, e.stderr, log); err != nil {
					return err
				}
				return zoo.Table(e.stdout, *out, entries)
			}
		},
	}
	score := &command{
		name:  "score",
		short: "score bundled reference models (trained and untrained) on the default neural benchmark",
		usage: `NAME... | --all [--data-dir D] [--out referencemodels/zoo] [--workers N]

Runs each model's NAME.tar and NAME.untrained.tar on the stimuli of the
default neural benchmark (barrel-cortex-rsa-v1 with the synthetic cortex,
found under D/benchmarks or built there) exactly as the server runs a weights
submission, scores them with rsa-paper-v1 and rsa-v2, stores the figures in
NAME.json and prints the table. 'zoo retrain' does this after training.`,
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			all := fs.Bool("all", false, "score every model of the zoo")
			dataDir := fs.String("data-dir", "whiskerbench-data", "data directory: the benchmark under DIR/benchmarks")
			out := fs.String("out", filepath.Join("referencemodels", "zoo"), "zoo directory")
			workers := fs.Int("workers", runtime.GOMAXPROCS(0), "simulation workers when the benchmark must be built")
			return func(ctx context.Context, args []string) error {
				entries, err := zooEntries("score", *out, *all, args, *workers)
				if err != nil {
					return err
				}
				log := slog.New(slog.NewTextHandler(e.stderr, nil))
				if err := submissions.ScoreZoo(ctx, entries, *out, filepath.Join(*dataDir, "benchmarks"), *workers, e.stderr, log); err != nil {
					return err
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
	return &command{name: "zoo", short: "the bundled reference models: retrain, score and list", subs: []*command{retrain, score, list}}
}

// zooEntries checks the arguments of 'zoo retrain|score' (model NAMEs or
// --all, a positive worker count) and returns the entries they select.
func zooEntries(sub, dir string, all bool, names []string, workers int) ([]zoo.Entry, error) {
	if all == (len(names) > 0) {
		return nil, usagef("zoo %s takes model NAMEs or --all", sub)
	}
	if workers < 1 {
		return nil, usagef("zoo %s: --workers %d must be positive", sub, workers)
	}
	entries, err := zoo.Entries(dir)
	if err != nil {
		return nil, err
	}
	if all {
		return entries, nil
	}
	if entries, err = zoo.Select(entries, names); err != nil {
		return nil, usagef("%v", err)
	}
	return entries, nil
}

// enqueueZoo inserts one zoo_retrain job per entry into cfg's queue.
func enqueueZoo(ctx context.Context, e *env, cfg app.Config, entries []zoo.Entry, zooDir string, fresh bool, log *slog.Logger) error {
	abs, err := filepath.Abs(zooDir)
	if err != nil {
		return fmt.Errorf("zoo retrain --enqueue: %w", err)
	}
	st, err := app.OpenStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := app.WorkerQueue(ctx, cfg, st, log, 1)
	if err != nil {
		return err
	}
	defer q.Close()
	for _, en := range entries {
		ins, err := q.Insert(ctx, queue.ZooRetrainArgs{Name: en.Name, ZooDir: abs, Fresh: fresh}, nil)
		if err != nil {
			return fmt.Errorf("queue %s: %w", en.Name, err)
		}
		state := "queued"
		if ins.Duplicate {
			state = "already queued"
		}
		fmt.Fprintf(e.stdout, "%s: %s as job %d (%s)\n", en.Name, state, ins.ID, queue.ZooRetrainKind)
	}
	fmt.Fprintf(e.stdout, "run 'whiskerbench worker --database ...' on each machine; they write into %s\n", abs)
	return nil
}
