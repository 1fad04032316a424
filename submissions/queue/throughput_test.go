package queue

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

// TestThroughput measures jobs per second through the queue, end to end
// (insert, fetch, run a no-op, complete), on each dialect. It runs only
// with WHISKERBENCH_BENCH_QUEUE=N (jobs); the figure goes to BENCHMARKS.md.
func TestThroughput(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("WHISKERBENCH_BENCH_QUEUE"))
	if n <= 0 {
		t.Skip("set WHISKERBENCH_BENCH_QUEUE=N to measure queue throughput")
	}
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			st := sameDatabase(t, d, 1)[0]
			var done atomic.Int64
			finished := make(chan struct{})
			q := newQueue(t, st, Options{Workers: 50, Kinds: []Kind{HandleFunc(time.Minute, func(ctx context.Context, j *river.Job[testArgs]) error {
				if done.Add(1) == int64(n) {
					close(finished)
				}
				return nil
			})}})
			startT := time.Now()
			start(t, q)
			for i := 0; i < n; i++ {
				insert(t, q, testArgs{N: i}, nil)
			}
			insertDone := time.Since(startT)
			select {
			case <-finished:
			case <-time.After(5 * time.Minute):
				t.Fatalf("%d of %d jobs done after 5 minutes", done.Load(), n)
			}
			el := time.Since(startT)
			t.Logf("%s: %d jobs in %v (inserts took %v): %.0f jobs/s end to end", d, n, el.Round(time.Millisecond), insertDone.Round(time.Millisecond), float64(n)/el.Seconds())
		})
	}
}
