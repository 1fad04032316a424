package queue

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Kind is one job kind a client can run: its River worker and its timeout.
// Build one with Handle or HandleFunc and pass it in Options.Kinds.
type Kind struct {
	name    string
	timeout time.Duration
	add     func(*river.Workers) error
}

// Name is the job kind (the args type's Kind()).
func (k Kind) Name() string { return k.name }

// Timeout is how long one attempt of this kind may run before its context
// is cancelled (unless the worker's own Timeout method says otherwise for a
// given job).
func (k Kind) Timeout() time.Duration { return k.timeout }

// Handle registers w for the job kind of T. timeout bounds each attempt
// (River's one-minute default is never used: a kind without a positive
// timeout is rejected by New). When w's own Timeout method returns non-zero
// for a job, that value wins.
func Handle[T river.JobArgs](timeout time.Duration, w river.Worker[T]) Kind {
	var args T
	name := args.Kind()
	return Kind{
		name:    name,
		timeout: timeout,
		add: func(ws *river.Workers) error {
			if err := river.AddWorkerSafely[T](ws, timedWorker[T]{Worker: w, timeout: timeout}); err != nil {
				return fmt.Errorf("register job kind %q: %w", name, err)
			}
			return nil
		},
	}
}

// HandleFunc is Handle for a plain function.
func HandleFunc[T river.JobArgs](timeout time.Duration, f func(ctx context.Context, job *river.Job[T]) error) Kind {
	return Handle(timeout, river.WorkFunc(f))
}

// timedWorker gives a worker its kind's timeout.
type timedWorker[T river.JobArgs] struct {
	river.Worker[T]
	timeout time.Duration
}

func (w timedWorker[T]) Timeout(job *river.Job[T]) time.Duration {
	if d := w.Worker.Timeout(job); d != 0 {
		return d
	}
	return w.timeout
}

// Backoff is the retry policy: after the n-th failed attempt a job waits
// Base·2^(n-1), at most Max, with ±10% jitter so that jobs that failed
// together do not all retry in the same instant.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// DefaultBackoff waits 15 s after the first failure, doubling up to 30 min.
func DefaultBackoff() Backoff { return Backoff{Base: 15 * time.Second, Max: 30 * time.Minute} }

// Delay is the wait before the retry that follows failed attempt n (n ≥ 1),
// without jitter.
func (b Backoff) Delay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// NextRetry implements river.ClientRetryPolicy. Like River's default policy
// it counts recorded errors rather than attempts, so that snoozes do not
// lengthen the backoff.
func (b Backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.Delay(len(job.Errors) + 1)
	if spread := int64(d) / 10; spread > 0 {
		d += time.Duration(rand.Int64N(2*spread+1) - spread)
	}
	return time.Now().Add(d)
}

func (b Backoff) validate() error {
	if b.Base <= 0 || b.Max < b.Base {
		return fmt.Errorf("queue backoff %v..%v: need 0 < Base <= Max", b.Base, b.Max)
	}
	return nil
}
