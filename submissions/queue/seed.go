package queue

import (
	"time"

	"github.com/riverqueue/river"
)

// SeedZooKind is the job kind that submits, scores and publishes the
// bundled reference zoo once the default benchmarks are registered.
const SeedZooKind = "seed_zoo"

// SeedZooTimeout bounds one attempt of seed_zoo: it runs every zoo bundle
// and its untrained twin on the benchmark inputs and scores them, minutes
// of CPU, far beyond River's one-minute default.
const SeedZooTimeout = 6 * time.Hour

// SeedZooArgs are the (empty) arguments of seed_zoo.
type SeedZooArgs struct{}

// Kind implements river.JobArgs.
func (SeedZooArgs) Kind() string { return SeedZooKind }

// InsertOpts makes seed_zoo unique among unfinished jobs, like
// ensure_benchmarks; seeding itself is idempotent.
func (SeedZooArgs) InsertOpts() river.InsertOpts { return EnsureBenchmarksArgs{}.InsertOpts() }
