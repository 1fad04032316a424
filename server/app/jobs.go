package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"github.com/whiskerbench/whiskerbench/referencemodels/zoo"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/queue"
	"github.com/whiskerbench/whiskerbench/submissions/store"
)

// JobFuncs are the functions behind the queue's built-in job kinds, for the
// configuration cfg on the open store st: the same work serve does in
// process, run by whichever worker takes the job. logger may be nil (cfg's
// logger is used).
func JobFuncs(cfg Config, st *store.Store, logger *slog.Logger) queue.Funcs {
	if logger == nil {
		logger = cfg.Logger()
	}
	return queue.Funcs{
		EnsureBenchmarks: func(ctx context.Context) error {
			start := time.Now()
			bs, err := catalog.New(st.DB).EnsureDefaults(ctx, DefaultsOptions(cfg, slogWriter{logger: logger}, logger))
			if err != nil {
				return fmt.Errorf("build default benchmarks: %w", err)
			}
			for _, b := range bs {
				logger.InfoContext(ctx, "benchmark ready", "name", b.Name, "version", b.Version, "synthetic", b.Synthetic)
			}
			logger.InfoContext(ctx, "default benchmarks ready", "elapsed", time.Since(start).Round(time.Second))
			return nil
		},
		ZooRetrain: func(ctx context.Context, args queue.ZooRetrainArgs) error {
			return RetrainZoo(ctx, cfg, args, slogWriter{logger: logger}, logger)
		},
		SeedZoo: func(ctx context.Context) error {
			_, err := SeedZoo(ctx, cfg, st, zoo.FS(), logger)
			if errors.Is(err, ErrNoBenchmarks) {
				logger.InfoContext(ctx, "zoo seeding waits for the default benchmarks", "retry_in", seedSnooze)
				return river.JobSnooze(seedSnooze)
			}
			return err
		},
	}
}

// RetrainZoo retrains one bundled reference model from its config in
// args.ZooDir on the default tactile benchmark under cfg's data directory
// (runs in DATA-DIR/zoo-runs, resumable), writes its bundles and record
// into args.ZooDir and scores both bundles on the default neural
// benchmark: what 'whiskerbench zoo retrain NAME' does, as a queue job.
func RetrainZoo(ctx context.Context, cfg Config, args queue.ZooRetrainArgs, progress io.Writer, logger *slog.Logger) error {
	entries, err := zoo.Entries(args.ZooDir)
	if err != nil {
		return err
	}
	sel, err := zoo.Select(entries, []string{args.Name})
	if err != nil {
		return err
	}
	root := filepath.Join(cfg.DataDir, "benchmarks")
	d, err := zoo.EnsureData(ctx, root, cfg.WorkerCount(), progress, logger)
	if err != nil {
		return err
	}
	rec, err := zoo.Retrain(ctx, sel[0], d, args.ZooDir, zoo.Options{RunsDir: filepath.Join(cfg.DataDir, "zoo-runs"), Fresh: args.Fresh, Progress: progress, Logger: logger})
	if err != nil {
		return err
	}
	logger.InfoContext(ctx, "zoo model retrained", "model", rec.Name, "test_top1", rec.Trained.TestTop1, "epochs", rec.Epochs)
	return submissions.ScoreZoo(ctx, sel, args.ZooDir, root, cfg.WorkerCount(), progress, logger)
}
