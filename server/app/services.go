package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/blobs"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/queue"
	"github.com/whiskerbench/whiskerbench/submissions/store"
)

// ScoreArgs is the job that scores one submission.
type ScoreArgs struct {
	SubmissionID int64 `json:"submission_id"`
}

// ScoreKind names the scoring job.
const ScoreKind = "score_submission"

// ScoreTimeout bounds one scoring attempt; River's one-minute default
// would kill any real run.
const ScoreTimeout = 2 * time.Hour

// Kind implements river.JobArgs.
func (ScoreArgs) Kind() string { return ScoreKind }

// InsertOpts keeps one pending scoring job per submission.
func (ScoreArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// services are the pieces serve and worker share.
type services struct {
	blobs   *blobs.FS
	catalog *catalog.Catalog
	subs    *submissions.Service
	queue   *queue.Queue
}

// enqueuer inserts scoring jobs into a queue set after construction (the
// service and the queue need each other).
type enqueuer struct {
	mu sync.Mutex
	q  *queue.Queue
}

func (e *enqueuer) EnqueueScore(ctx context.Context, id int64) error {
	_, err := e.insert(ctx, ScoreArgs{SubmissionID: id})
	return err
}

// insert adds any job to the queue.
func (e *enqueuer) insert(ctx context.Context, args river.JobArgs) (queue.Inserted, error) {
	e.mu.Lock()
	q := e.q
	e.mu.Unlock()
	if q == nil {
		return queue.Inserted{}, errors.New("no job queue")
	}
	return q.Insert(ctx, args, nil)
}

// newServices builds the blob store, catalogue, submission service and the
// job queue with every job kind. insertOnly makes a queue that only adds
// jobs (workers run elsewhere).
func newServices(ctx context.Context, cfg Config, st *store.Store, logger *slog.Logger, concurrency int, insertOnly bool) (*services, error) {
	bs, err := blobs.NewFS(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return nil, err
	}
	cat := catalog.New(st.DB)
	enq := &enqueuer{}
	subs := submissions.New(st.DB, bs, cat, enq, submissions.Options{MaxUploadBytes: cfg.MaxUploadBytes, DailyLimit: cfg.DailyLimit,
		MaxBundleParams: cfg.MaxBundleParams, MaxBundleTime: time.Duration(cfg.MaxBundleSecs) * time.Second, Logger: logger})
	lb := leaderboard.New(st.DB)
	funcs := JobFuncs(cfg, st, logger)
	ensure := funcs.EnsureBenchmarks
	funcs.EnsureBenchmarks = func(ctx context.Context) error {
		if err := ensure(ctx); err != nil {
			return err
		}
		return afterBenchmarks(ctx, cfg, lb, enq, logger)
	}
	kinds := append(funcs.Kinds(), rescoreKind(subs, lb, logger), queue.HandleFunc(ScoreTimeout, func(ctx context.Context, job *river.Job[ScoreArgs]) error {
		id := job.Args.SubmissionID
		err := subs.Score(ctx, id, func(p float64) {
			logger.InfoContext(ctx, "scoring", "submission", id, "progress", fmt.Sprintf("%.0f%%", 100*p))
		})
		if errors.Is(err, submissions.ErrFailed) {
			// Already failed with its reason; a retry would fail the same way.
			return river.JobCancel(err)
		}
		if err != nil && job.Attempt >= job.MaxAttempts {
			subs.Fail(ctx, id, fmt.Sprintf("scoring failed after %d attempts: %v", job.Attempt, err))
		}
		return err
	}))
	q, err := queue.New(ctx, st, queue.Options{Workers: concurrency, InsertOnly: insertOnly, Kinds: kinds, StopTimeout: cfg.ShutdownTimeout, Logger: logger})
	if err != nil {
		return nil, err
	}
	enq.mu.Lock()
	enq.q = q
	enq.mu.Unlock()
	return &services{blobs: bs, catalog: cat, subs: subs, queue: q}, nil
}

// WorkerQueue builds a job queue that runs every job kind with the given
// concurrency: what 'whiskerbench worker' runs.
func WorkerQueue(ctx context.Context, cfg Config, st *store.Store, logger *slog.Logger, concurrency int) (*queue.Queue, error) {
	cfg.ShutdownTimeout = max(cfg.ShutdownTimeout, time.Millisecond)
	svc, err := newServices(ctx, cfg, st, logger, concurrency, false)
	if err != nil {
		return nil, err
	}
	return svc.queue, nil
}
