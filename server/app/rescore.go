package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/queue"
	"github.com/whiskerbench/whiskerbench/submissions/store"
)

// RescoreArgs is the job that re-scores one scored submission against the
// current benchmark versions, for one ranking change.
type RescoreArgs struct {
	ChangeID     int64 `json:"change_id"`
	SubmissionID int64 `json:"submission_id"`
}

// RescoreKind names the re-scoring job.
const RescoreKind = "rescore_submission"

// Kind implements river.JobArgs.
func (RescoreArgs) Kind() string { return RescoreKind }

// InsertOpts keeps one re-scoring job per submission and change.
func (RescoreArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// jobInserter adds jobs to a queue.
type jobInserter interface {
	insert(ctx context.Context, args river.JobArgs) (queue.Inserted, error)
}

// queueInserter is a jobInserter over a queue.
type queueInserter struct{ q *queue.Queue }

func (i queueInserter) insert(ctx context.Context, args river.JobArgs) (queue.Inserted, error) {
	return i.q.Insert(ctx, args, nil)
}

// rescoreKind runs re-scoring jobs and finishes their change after the
// last one.
func rescoreKind(subs *submissions.Service, lb *leaderboard.Service, logger *slog.Logger) queue.Kind {
	return queue.HandleFunc(ScoreTimeout, func(ctx context.Context, job *river.Job[RescoreArgs]) error {
		a := job.Args
		err := subs.Rescore(ctx, a.SubmissionID, nil)
		reason := ""
		switch {
		case err == nil:
		case errors.Is(err, submissions.ErrFailed):
			reason = err.Error()
		case job.Attempt >= job.MaxAttempts:
			reason = fmt.Sprintf("re-scoring failed after %d attempts: %v", job.Attempt, err)
		default:
			return err
		}
		done, ferr := lb.RescoreFinished(ctx, a.ChangeID, a.SubmissionID, reason)
		if ferr != nil {
			return errors.Join(err, ferr)
		}
		logger.InfoContext(ctx, "re-scored", "submission", a.SubmissionID, "change", a.ChangeID, "failed", reason != "", "change_finished", done)
		if errors.Is(err, submissions.ErrFailed) {
			return river.JobCancel(err)
		}
		return err
	})
}

// queueRescoring records a change of the current benchmark versions, if
// there is one, and queues the re-scoring of every scored submission
// (again, harmlessly, for a change whose jobs were queued before a crash).
// It returns the change's reason ("" when nothing changed) and the number
// of jobs queued.
func queueRescoring(ctx context.Context, lb *leaderboard.Service, ins jobInserter, logger *slog.Logger) (string, int, error) {
	d, err := lb.DetectChange(ctx)
	if err != nil {
		return "", 0, fmt.Errorf("detect benchmark version changes: %w", err)
	}
	if d.Change.Baseline {
		return "", 0, nil
	}
	for _, id := range d.Pending {
		if _, err := ins.insert(ctx, RescoreArgs{ChangeID: d.Change.ID, SubmissionID: id}); err != nil {
			return d.Change.Reason, 0, fmt.Errorf("queue re-scoring of submission %d: %w", id, err)
		}
	}
	if d.Created || len(d.Pending) > 0 {
		logger.InfoContext(ctx, "benchmark versions changed: re-scoring", "reason", d.Change.Reason, "submissions", len(d.Pending), "change", d.Change.ID)
	}
	return d.Change.Reason, len(d.Pending), nil
}

// afterBenchmarks runs once the default benchmarks are registered: it
// queues re-scoring when their versions changed and the zoo's seeding.
func afterBenchmarks(ctx context.Context, cfg Config, lb *leaderboard.Service, ins jobInserter, logger *slog.Logger) error {
	if _, _, err := queueRescoring(ctx, lb, ins, logger); err != nil {
		return err
	}
	if cfg.SeedZoo {
		if _, err := ins.insert(ctx, queue.SeedZooArgs{}); err != nil {
			return fmt.Errorf("queue the zoo's seeding: %w", err)
		}
	}
	return nil
}

// QueueRescoring is what a command that registered a benchmark version
// (an admin's import) runs: it records the ranking change and queues the
// re-scoring jobs for the workers. It returns the change's reason ("" when
// the current versions did not change) and the number of jobs queued.
func QueueRescoring(ctx context.Context, cfg Config, st *store.Store, logger *slog.Logger) (string, int, error) {
	if logger == nil {
		logger = cfg.Logger()
	}
	q, err := queue.New(ctx, st, queue.Options{InsertOnly: true, Logger: logger})
	if err != nil {
		return "", 0, err
	}
	defer q.Close()
	return queueRescoring(ctx, leaderboard.New(st.DB), queueInserter{q}, logger)
}
