package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// ZooRetrainKind is the job kind that retrains one bundled reference model
// from its recorded config and scores it ('whiskerbench zoo retrain
// --enqueue' inserts one per model, so that workers share the work).
const ZooRetrainKind = "zoo_retrain"

// ZooRetrainTimeout bounds one attempt: a CPU-sized zoo model trains in
// minutes, a full-width one in hours.
const ZooRetrainTimeout = 24 * time.Hour

// ZooRetrainArgs name the model and the zoo directory its config is read
// from and its bundles are written to; every worker must see that
// directory at that path (a shared volume).
type ZooRetrainArgs struct {
	Name   string `json:"name"`
	ZooDir string `json:"zoo_dir"`
	Fresh  bool   `json:"fresh,omitempty"`
}

// Kind implements river.JobArgs.
func (ZooRetrainArgs) Kind() string { return ZooRetrainKind }

// InsertOpts makes a retrain unique per (model, zoo directory) among
// unfinished jobs, so enqueueing twice does not train twice at once.
func (ZooRetrainArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
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

func zooRetrainKind(fn func(ctx context.Context, args ZooRetrainArgs) error) Kind {
	return HandleFunc(ZooRetrainTimeout, func(ctx context.Context, job *river.Job[ZooRetrainArgs]) error {
		if err := fn(ctx, job.Args); err != nil {
			return fmt.Errorf("retrain zoo model %s: %w", job.Args.Name, err)
		}
		return nil
	})
}
