package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/whiskerbench/whiskerbench/referencemodels/zoo"
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
