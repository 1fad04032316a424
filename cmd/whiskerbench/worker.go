package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/whiskerbench/whiskerbench/server/app"
)

// workerFlags are the configuration flags the worker reads: the database,
// logging, the stop timeout and what the jobs themselves need.
var workerFlags = []string{"data-dir", "database", "log-level", "log-format", "shutdown-timeout", "benchmark-test-seed", "shape-classes", "shape-per-class", "shape-test-per-class", "workers"}

func workerCommand() *command {
	return &command{
		name:  "worker",
		short: "run queued jobs only (no web server); start several to share one Postgres",
		usage: "[flags]\n\nRuns jobs from the database's queue until SIGTERM/SIGINT, then lets running\njobs finish for up to --shutdown-timeout before cancelling them (a cancelled\njob goes back to the queue for another worker). Any number of workers, on any\nnumber of machines, may share one Postgres database and one storage volume;\neach job runs once. On the embedded SQLite database, workers must run on the\nmachine that holds the data directory.",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			cfg, finish := bindConfig(fs, e, workerFlags...)
			concurrency := fs.Int("concurrency", 1, "jobs this worker runs at once (each job uses up to --workers CPU workers)")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("worker takes no arguments, got %q", args)
				}
				if err := finish(); err != nil {
					return usagef("%v", err)
				}
				if *concurrency < 1 {
					return usagef("--concurrency %d: must be at least 1", *concurrency)
				}
				return runWorker(ctx, *cfg, *concurrency)
			}
		},
	}
}

func runWorker(ctx context.Context, cfg app.Config, concurrency int) error {
	logger := cfg.Logger()
	st, err := app.OpenStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	stopTimeout := cfg.ShutdownTimeout
	if stopTimeout == 0 {
		stopTimeout = time.Millisecond // cancel running jobs at once
	}
	cfg.ShutdownTimeout = stopTimeout
	q, err := app.WorkerQueue(ctx, cfg, st, logger, concurrency)
	if err != nil {
		return err
	}
	defer q.Close()
	// The queue gets a context of its own so that the signal starts the
	// graceful stop below rather than River's.
	if err := q.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	logger.InfoContext(ctx, "worker running", "concurrency", concurrency, "kinds", q.Kinds(), "database", string(st.Dialect))
	<-ctx.Done()
	logger.Info("stopping: letting running jobs finish", "timeout", stopTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), stopTimeout+30*time.Second)
	defer cancel()
	if err := q.Stop(sctx); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	logger.Info("worker stopped cleanly")
	return nil
}
