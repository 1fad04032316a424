package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// EnsureBenchmarksKind is the job kind that builds and registers the
// default benchmarks the data directory lacks.
const EnsureBenchmarksKind = "ensure_benchmarks"

// EnsureBenchmarksTimeout bounds one attempt of ensure_benchmarks: building
// the default benchmarks simulates datasets and fits baselines, which takes
// minutes on a laptop and must never meet River's one-minute default.
const EnsureBenchmarksTimeout = 6 * time.Hour

// EnsureBenchmarksArgs are the (empty) arguments of ensure_benchmarks.
type EnsureBenchmarksArgs struct{}

// Kind implements river.JobArgs.
func (EnsureBenchmarksArgs) Kind() string { return EnsureBenchmarksKind }

// InsertOpts makes ensure_benchmarks unique among unfinished jobs: while one
// is available, scheduled, retrying or running, inserting another is a
// no-op (Inserted.Duplicate is true). A finished one does not block a new
// one, and the build itself is idempotent.
func (EnsureBenchmarksArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable,
				rivertype.JobStatePending,
				rivertype.JobStateRetryable,
				rivertype.JobStateRunning,
				rivertype.JobStateScheduled,
			},
		},
	}
}

// Funcs are the functions the built-in job kinds call. They are injected so
// that this package does not import what the jobs do (the benchmark
// catalogue, the scorer); server/app supplies them.
type Funcs struct {
	// EnsureBenchmarks builds and registers the default benchmarks the data
	// directory lacks. Nil leaves ensure_benchmarks unregistered.
	EnsureBenchmarks func(ctx context.Context) error
	// ZooRetrain retrains and scores one bundled reference model. Nil
	// leaves zoo_retrain unregistered.
	ZooRetrain func(ctx context.Context, args ZooRetrainArgs) error
	// SeedZoo submits, scores and publishes the bundled reference zoo. Nil
	// leaves seed_zoo unregistered.
	SeedZoo func(ctx context.Context) error
}

// Kinds returns the job kinds for the non-nil functions.
func (f Funcs) Kinds() []Kind {
	var out []Kind
	if f.EnsureBenchmarks != nil {
		fn := f.EnsureBenchmarks
		out = append(out, HandleFunc(EnsureBenchmarksTimeout, func(ctx context.Context, _ *river.Job[EnsureBenchmarksArgs]) error {
			if err := fn(ctx); err != nil {
				return fmt.Errorf("ensure default benchmarks: %w", err)
			}
			return nil
		}))
	}
	if f.ZooRetrain != nil {
		out = append(out, zooRetrainKind(f.ZooRetrain))
	}
	if f.SeedZoo != nil {
		fn := f.SeedZoo
		out = append(out, HandleFunc(SeedZooTimeout, func(ctx context.Context, _ *river.Job[SeedZooArgs]) error {
			if err := fn(ctx); err != nil {
				return fmt.Errorf("seed the reference zoo: %w", err)
			}
			return nil
		}))
	}
	return out
}
