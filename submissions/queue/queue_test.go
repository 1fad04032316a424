package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/submissions/store"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// testArgs is a job kind for the tests; N tells jobs apart.
type testArgs struct {
	N int `json:"n"`
}

func (testArgs) Kind() string { return "queue_test" }

// sameDatabase opens n stores on one fresh, migrated database of the
// dialect, as n machines would.
func sameDatabase(t *testing.T, dialect string, n int) []*store.Store {
	t.Helper()
	ctx := context.Background()
	var o store.Options
	switch dialect {
	case "sqlite":
		o.DataDir = t.TempDir()
	case "postgres":
		o.Database = storetest.PostgresDSN(t)
	default:
		t.Fatalf("unknown dialect %q", dialect)
	}
	out := make([]*store.Store, n)
	for i := range out {
		s, err := store.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	if err := out[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return out
}

// fast are options that make the tests quick: short polls and backoff.
func fast(o Options) Options {
	if o.PollInterval == 0 {
		o.PollInterval = 50 * time.Millisecond
	}
	if o.Backoff == (Backoff{}) {
		o.Backoff = Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(testWriter{}, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	return o
}

type testWriter struct{}

func (testWriter) Write(p []byte) (int, error) { return len(p), nil }

// newQueue builds a client and stops and closes it at the end of the test.
func newQueue(t *testing.T, st *store.Store, o Options) *Queue {
	t.Helper()
	q, err := New(context.Background(), st, fast(o))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		q.Stop(ctx)
		q.Close()
	})
	return q
}

func start(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func insert(t *testing.T, q *Queue, args river.JobArgs, opts *river.InsertOpts) int64 {
	t.Helper()
	res, err := q.Insert(context.Background(), args, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res.ID
}

// waitState polls until job id reaches state, failing after limit.
func waitState(t *testing.T, q *Queue, id int64, state rivertype.JobState, limit time.Duration) *rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last *rivertype.JobRow
	for time.Now().Before(deadline) {
		j, err := q.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		last = j
		if j.State == state {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %d: state %s after %v, want %s (attempt %d, errors %v)", id, last.State, limit, state, last.Attempt, last.Errors)
	return nil
}

func TestRunsOnceAndCompletes(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			st := sameDatabase(t, d, 1)[0]
			var runs atomic.Int32
			var gotN atomic.Int64
			q := newQueue(t, st, Options{Kinds: []Kind{HandleFunc(time.Minute, func(ctx context.Context, j *river.Job[testArgs]) error {
				runs.Add(1)
				gotN.Store(int64(j.Args.N))
				return nil
			})}})
			id := insert(t, q, testArgs{N: 7}, nil)
			start(t, q)
			j := waitState(t, q, id, rivertype.JobStateCompleted, 15*time.Second)
			time.Sleep(300 * time.Millisecond) // a second run, if any, would show now
			if n := runs.Load(); n != 1 {
				t.Fatalf("worker ran %d times, want 1", n)
			}
			if gotN.Load() != 7 {
				t.Fatalf("worker saw N=%d, want 7", gotN.Load())
			}
			if j.Attempt != 1 || len(j.Errors) != 0 {
				t.Fatalf("completed job: attempt %d, errors %v; want 1 attempt, no errors", j.Attempt, j.Errors)
			}
		})
	}
}

func TestInsertTx(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			st := sameDatabase(t, d, 1)[0]
			seen := make(chan int, 10)
			q := newQueue(t, st, Options{Kinds: []Kind{HandleFunc(time.Minute, func(ctx context.Context, j *river.Job[testArgs]) error {
				seen <- j.Args.N
				return nil
			})}})
			start(t, q)
			ctx := context.Background()
			// Rolled back: the job must not exist.
			var rolledBack int64
			errRollback := errors.New("roll back")
			err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				// Another write in the same transaction, as a caller would.
				if err := tx.Exec("SELECT 1").Error; err != nil {
					return err
				}
				res, err := q.InsertTx(ctx, tx, testArgs{N: 1}, nil)
				if err != nil {
					return err
				}
				rolledBack = res.ID
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatalf("transaction: %v", err)
			}
			if _, err := q.Job(ctx, rolledBack); !errors.Is(err, river.ErrNotFound) {
				t.Fatalf("job of a rolled-back transaction: err %v, want not found", err)
			}
			// Committed: the job runs.
			var committed int64
			if err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				res, err := q.InsertTx(ctx, tx, testArgs{N: 2}, nil)
				committed = res.ID
				return err
			}); err != nil {
				t.Fatal(err)
			}
			waitState(t, q, committed, rivertype.JobStateCompleted, 15*time.Second)
			if n := <-seen; n != 2 {
				t.Fatalf("worker ran job N=%d, want 2", n)
			}
			select {
			case n := <-seen:
				t.Fatalf("worker also ran job N=%d", n)
			case <-time.After(200 * time.Millisecond):
			}
			// Outside a transaction InsertTx refuses.
			if _, err := q.InsertTx(ctx, st.DB, testArgs{N: 3}, nil); err == nil {
				t.Fatal("InsertTx outside a transaction: no error")
			}
		})
	}
}

func TestRetryWithBackoff(t *testing.T) {
	const base = 300 * time.Millisecond
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			st := sameDatabase(t, d, 1)[0]
			var mu sync.Mutex
			var starts, ends []time.Time
			q := newQueue(t, st, Options{
				Backoff: Backoff{Base: base, Max: 10 * base},
				Kinds: []Kind{HandleFunc(time.Minute, func(ctx context.Context, j *river.Job[testArgs]) error {
					mu.Lock()
					defer mu.Unlock()
					starts = append(starts, time.Now())
					defer func() { ends = append(ends, time.Now()) }()
					if j.Attempt < 3 {
						return fmt.Errorf("transient failure %d", j.Attempt)
					}
					return nil
				})},
			})
			id := insert(t, q, testArgs{}, nil)
			start(t, q)
			j := waitState(t, q, id, rivertype.JobStateCompleted, 20*time.Second)
			if j.Attempt != 3 || len(j.Errors) != 2 {
				t.Fatalf("job: attempt %d, %d errors; want 3 attempts, 2 errors", j.Attempt, len(j.Errors))
			}
			if j.Errors[0].Error != "transient failure 1" {
				t.Fatalf("first recorded error %q", j.Errors[0].Error)
			}
			mu.Lock()
			defer mu.Unlock()
			// Backoff doubles: ≥ base after the first failure, ≥ 2·base after
			// the second (less 10% jitter).
			for i, want := range []time.Duration{base, 2 * base} {
				gap := starts[i+1].Sub(ends[i])
				if gap < want*9/10 {
					t.Fatalf("retry %d came %v after the failure, want ≥ %v", i+1, gap, want*9/10)
				}
			}
		})
	}
}

func TestTimeoutCancelsAndRetries(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			st := sameDatabase(t, d, 1)[0]
			firstErr := make(chan error, 1)
			var took atomic.Int64
			q := newQueue(t, st, Options{Kinds: []Kind{HandleFunc(timeout, func(ctx context.Context, j *river.Job[testArgs]) error {
				if j.Attempt > 1 {
					return nil
				}
				t0 := time.Now()
				select {
				case <-ctx.Done():
					took.Store(int64(time.Since(t0)))
					firstErr <- ctx.Err()
					return ctx.Err()
				case <-time.After(30 * time.Second):
					firstErr <- nil
					return nil
				}
			})}})
			id := insert(t, q, testArgs{}, nil)
			start(t, q)
			j := waitState(t, q, id, rivertype.JobStateCompleted, 20*time.Second)
			if err := <-firstErr; !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("first attempt ended with %v, want its deadline exceeded", err)
			}
			if d := time.Duration(took.Load()); d < timeout*9/10 || d > 10*timeout {
				t.Fatalf("first attempt was cancelled after %v, want about %v", d, timeout)
			}
			if j.Attempt != 2 || len(j.Errors) != 1 {
				t.Fatalf("job: attempt %d, %d errors; want 2 attempts, 1 error", j.Attempt, len(j.Errors))
			}
		})
	}
}

func TestTwoClientsNeverRunAJobTwice(t *testing.T) {
	const jobs = 50
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			stores := sameDatabase(t, d, 2)
			var runs [jobs]atomic.Int32
			var byClient [2]atomic.Int32
			var done atomic.Int32
			qs := make([]*Queue, 2)
			for i, st := range stores {
				qs[i] = newQueue(t, st, Options{
					Workers: 4,
					ID:      fmt.Sprintf("machine-%d", i),
					Kinds: []Kind{HandleFunc(time.Minute, func(ctx context.Context, j *river.Job[testArgs]) error {
						runs[j.Args.N].Add(1)
						byClient[i].Add(1)
						time.Sleep(5 * time.Millisecond)
						done.Add(1)
						return nil
					})},
				})
			}
			for _, q := range qs {
				start(t, q)
			}
			ids := make([]int64, jobs)
			for n := range jobs {
				ids[n] = insert(t, qs[n%2], testArgs{N: n}, nil)
			}
			deadline := time.Now().Add(60 * time.Second)
			for done.Load() < jobs && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			for _, id := range ids {
				waitState(t, qs[0], id, rivertype.JobStateCompleted, 10*time.Second)
			}
			time.Sleep(300 * time.Millisecond)
			for n := range runs {
				if c := runs[n].Load(); c != 1 {
					t.Errorf("job %d ran %d times, want exactly 1", n, c)
				}
			}
			t.Logf("%s: machine-0 ran %d jobs, machine-1 ran %d", d, byClient[0].Load(), byClient[1].Load())
		})
	}
}

// TestKilledWorkerJobIsRescued kills a client mid-job without letting it
// write anything more to the database (its connection pool is closed under
// it, as when a machine dies), then starts a second client, whose rescuer
// finds the job stuck in "running" and retries it.
func TestKilledWorkerJobIsRescued(t *testing.T) {
	const timeout = time.Second
	const rescueAfter = time.Second
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			stores := sameDatabase(t, d, 2)
			started := make(chan struct{}, 1)
			var aRuns, bRuns atomic.Int32
			a := newQueue(t, stores[0], Options{
				ID:          "doomed",
				RescueAfter: rescueAfter,
				noLeader:    true,
				Kinds: []Kind{HandleFunc(timeout, func(ctx context.Context, j *river.Job[testArgs]) error {
					aRuns.Add(1)
					started <- struct{}{}
					<-ctx.Done()
					return ctx.Err()
				})},
			})
			id := insert(t, a, testArgs{}, nil)
			start(t, a)
			select {
			case <-started:
			case <-time.After(15 * time.Second):
				t.Fatal("first client never started the job")
			}
			// The machine dies: no more writes reach the database.
			if err := a.db.Close(); err != nil {
				t.Fatal(err)
			}
			kctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			a.client.StopAndCancel(kctx)
			cancel()

			b := newQueue(t, stores[1], Options{
				ID:          "survivor",
				RescueAfter: rescueAfter,
				Kinds: []Kind{HandleFunc(timeout, func(ctx context.Context, j *river.Job[testArgs]) error {
					bRuns.Add(1)
					return nil
				})},
			})
			if j, err := b.Job(context.Background(), id); err != nil || j.State != rivertype.JobStateRunning {
				t.Fatalf("after the kill the job is %v (err %v), want still running", j.State, err)
			}
			start(t, b)
			j := waitState(t, b, id, rivertype.JobStateCompleted, 60*time.Second)
			if aRuns.Load() != 1 || bRuns.Load() != 1 {
				t.Fatalf("runs: killed client %d, survivor %d; want 1 and 1", aRuns.Load(), bRuns.Load())
			}
			if j.Attempt != 2 {
				t.Fatalf("completed on attempt %d, want 2", j.Attempt)
			}
			if len(j.AttemptedBy) == 0 || j.AttemptedBy[len(j.AttemptedBy)-1] != "survivor" {
				t.Fatalf("attempted by %v, want the survivor last", j.AttemptedBy)
			}
		})
	}
}

func TestGracefulStop(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			st := sameDatabase(t, d, 1)[0]
			t.Run("running job finishes", func(t *testing.T) {
				started := make(chan struct{}, 1)
				var finished atomic.Bool
				q := newQueue(t, st, Options{StopTimeout: 10 * time.Second, Kinds: []Kind{HandleFunc(time.Minute, func(ctx context.Context, j *river.Job[testArgs]) error {
					started <- struct{}{}
					select {
					case <-time.After(500 * time.Millisecond):
						finished.Store(true)
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				})}})
				id := insert(t, q, testArgs{}, nil)
				start(t, q)
				<-started
				if err := q.Stop(context.Background()); err != nil {
					t.Fatal(err)
				}
				if !finished.Load() {
					t.Fatal("Stop returned before the running job finished")
				}
				j, err := q.Job(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				if j.State != rivertype.JobStateCompleted {
					t.Fatalf("job %s after a graceful stop, want completed", j.State)
				}
			})
			t.Run("job past the stop timeout is handed back", func(t *testing.T) {
				started := make(chan struct{}, 1)
				q := newQueue(t, st, Options{StopTimeout: 300 * time.Millisecond, Kinds: []Kind{HandleFunc(time.Minute, func(ctx context.Context, j *river.Job[testArgs]) error {
					started <- struct{}{}
					<-ctx.Done()
					return ctx.Err()
				})}})
				id := insert(t, q, testArgs{N: 1}, nil)
				start(t, q)
				<-started
				t0 := time.Now()
				if err := q.Stop(context.Background()); err != nil {
					t.Fatal(err)
				}
				if el := time.Since(t0); el < 250*time.Millisecond {
					t.Fatalf("Stop returned after %v, before the stop timeout", el)
				}
				j, err := q.Job(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				if j.State != rivertype.JobStateAvailable || j.Attempt != 0 {
					t.Fatalf("interrupted job: %s, attempt %d; want available again with the attempt not counted", j.State, j.Attempt)
				}
			})
		})
	}
}

func TestInsertOnlyClient(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			stores := sameDatabase(t, d, 2)
			server := newQueue(t, stores[0], Options{InsertOnly: true})
			if err := server.Start(context.Background()); err == nil {
				t.Fatal("an insert-only client started")
			}
			id := insert(t, server, testArgs{N: 3}, nil)
			time.Sleep(200 * time.Millisecond)
			if j, err := server.Job(context.Background(), id); err != nil || j.State != rivertype.JobStateAvailable {
				t.Fatalf("job inserted by the insert-only client: %v, %v; want available", j.State, err)
			}
			var runs atomic.Int32
			worker := newQueue(t, stores[1], Options{Kinds: []Kind{HandleFunc(time.Minute, func(ctx context.Context, j *river.Job[testArgs]) error {
				runs.Add(1)
				return nil
			})}})
			start(t, worker)
			waitState(t, server, id, rivertype.JobStateCompleted, 15*time.Second)
			if runs.Load() != 1 {
				t.Fatalf("worker ran %d times", runs.Load())
			}
		})
	}
}

func TestEnsureBenchmarksJob(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			st := sameDatabase(t, d, 1)[0]
			var calls atomic.Int32
			release := make(chan struct{})
			funcs := Funcs{EnsureBenchmarks: func(ctx context.Context) error {
				if calls.Add(1) == 1 {
					<-release
				}
				return nil
			}}
			kinds := funcs.Kinds()
			if len(kinds) != 1 || kinds[0].Name() != EnsureBenchmarksKind || kinds[0].Timeout() != EnsureBenchmarksTimeout {
				t.Fatalf("kinds %+v", kinds)
			}
			q := newQueue(t, st, Options{Kinds: kinds})
			ctx := context.Background()
			first, err := q.Insert(ctx, EnsureBenchmarksArgs{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name string
				dup  bool
			}{
				{"second insert while the first waits", true},
			}
			for _, c := range cases {
				res, err := q.Insert(ctx, EnsureBenchmarksArgs{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if res.Duplicate != c.dup || res.ID != first.ID {
					t.Fatalf("%s: %+v, want duplicate of %d", c.name, res, first.ID)
				}
			}
			start(t, q)
			waitState(t, q, first.ID, rivertype.JobStateRunning, 15*time.Second)
			res, err := q.Insert(ctx, EnsureBenchmarksArgs{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Duplicate {
				t.Fatalf("insert while one runs: %+v, want duplicate", res)
			}
			close(release)
			waitState(t, q, first.ID, rivertype.JobStateCompleted, 15*time.Second)
			again, err := q.Insert(ctx, EnsureBenchmarksArgs{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if again.Duplicate || again.ID == first.ID {
				t.Fatalf("insert after completion: %+v, want a new job", again)
			}
			waitState(t, q, again.ID, rivertype.JobStateCompleted, 15*time.Second)
			if calls.Load() != 2 {
				t.Fatalf("EnsureBenchmarks called %d times, want 2", calls.Load())
			}
		})
	}
}

func TestEnsureBenchmarksErrorIsRetried(t *testing.T) {
	st := sameDatabase(t, "sqlite", 1)[0]
	var calls atomic.Int32
	q := newQueue(t, st, Options{Kinds: Funcs{EnsureBenchmarks: func(ctx context.Context) error {
		if calls.Add(1) == 1 {
			return errors.New("disk full")
		}
		return nil
	}}.Kinds()})
	id := insert(t, q, EnsureBenchmarksArgs{}, nil)
	start(t, q)
	j := waitState(t, q, id, rivertype.JobStateCompleted, 15*time.Second)
	if j.Attempt != 2 || j.MaxAttempts != 3 {
		t.Fatalf("attempt %d of max %d, want 2 of 3", j.Attempt, j.MaxAttempts)
	}
	if got := j.Errors[0].Error; got != "ensure default benchmarks: disk full" {
		t.Fatalf("recorded error %q", got)
	}
}

func TestRiverMigrations(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			stores := sameDatabase(t, d, 2)
			ctx := context.Background()
			tableExists := func() bool {
				var n int64
				var err error
				if d == "sqlite" {
					err = stores[0].DB.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'river_job'").Scan(&n).Error
				} else {
					err = stores[0].DB.Raw("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'river_job'").Scan(&n).Error
				}
				if err != nil {
					t.Fatal(err)
				}
				return n == 1
			}
			if tableExists() {
				t.Fatal("river_job exists before any queue was created")
			}
			// Two processes start at once on the fresh database.
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Go(func() {
					q, err := New(ctx, stores[i], fast(Options{InsertOnly: true}))
					if err == nil {
						err = q.Close()
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("concurrent start %d: %v", i, err)
				}
			}
			if !tableExists() {
				t.Fatal("river_job missing after New")
			}
			var versions int64
			if err := stores[0].DB.Raw("SELECT count(*) FROM river_migration").Scan(&versions).Error; err != nil {
				t.Fatal(err)
			}
			// A restart finds nothing to do and changes nothing.
			q := newQueue(t, stores[1], Options{InsertOnly: true})
			var after int64
			if err := stores[0].DB.Raw("SELECT count(*) FROM river_migration").Scan(&after).Error; err != nil {
				t.Fatal(err)
			}
			if versions == 0 || after != versions {
				t.Fatalf("river_migration rows: %d after first start, %d after restart", versions, after)
			}
			insert(t, q, testArgs{}, nil)
		})
	}
}

func TestOptionsRejected(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	ok := HandleFunc(time.Minute, func(context.Context, *river.Job[testArgs]) error { return nil })
	cases := []struct {
		name string
		o    Options
	}{
		{"no kinds", Options{}},
		{"zero timeout", Options{Kinds: []Kind{HandleFunc(0, func(context.Context, *river.Job[testArgs]) error { return nil })}}},
		{"negative timeout", Options{Kinds: []Kind{HandleFunc(-time.Second, func(context.Context, *river.Job[testArgs]) error { return nil })}}},
		{"kind twice", Options{Kinds: []Kind{ok, ok}}},
		{"zero Kind", Options{Kinds: []Kind{{}}}},
		{"negative workers", Options{Workers: -1, Kinds: []Kind{ok}}},
		{"negative attempts", Options{MaxAttempts: -1, Kinds: []Kind{ok}}},
		{"backoff max below base", Options{Backoff: Backoff{Base: time.Second, Max: time.Millisecond}, Kinds: []Kind{ok}}},
		{"negative stop timeout", Options{StopTimeout: -time.Second, Kinds: []Kind{ok}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(context.Background(), st, c.o); err == nil {
				t.Fatalf("New accepted %+v", c.o)
			}
		})
	}
	if _, err := New(context.Background(), nil, Options{InsertOnly: true}); err == nil {
		t.Fatal("New accepted a nil store")
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 10 * time.Second}
	cases := []struct {
		n    int
		want time.Duration
	}{
		{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second},
		{4, 8 * time.Second}, {5, 10 * time.Second}, {40, 10 * time.Second},
	}
	for _, c := range cases {
		if got := b.Delay(c.n); got != c.want {
			t.Errorf("Delay(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	for errs := range 4 {
		job := &rivertype.JobRow{Errors: make([]rivertype.AttemptError, errs)}
		want := b.Delay(errs + 1)
		for range 20 {
			d := time.Until(b.NextRetry(job))
			if d < want*9/10-50*time.Millisecond || d > want*11/10 {
				t.Fatalf("NextRetry after %d errors is %v away, want %v ±10%%", errs, d, want)
			}
		}
	}
}

// TestJobsWriteAndEnqueueInTransactions has jobs that, like a scorer, write
// rows and enqueue their follow-up in one gorm transaction while River works
// the queue: on SQLite this exercises the two pools (gorm's and River's
// single connection) contending for the file's write lock. Every job must
// succeed on its first attempt — a "database is locked" would show up as a
// recorded error and a retry.
func TestJobsWriteAndEnqueueInTransactions(t *testing.T) {
	const chains, links = 5, 10
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			st := sameDatabase(t, d, 1)[0]
			ctx := context.Background()
			if err := st.DB.Exec("CREATE TABLE queue_test_results (n INTEGER PRIMARY KEY)").Error; err != nil {
				t.Fatal(err)
			}
			var q *Queue
			q = newQueue(t, st, Options{Workers: 4, Kinds: []Kind{HandleFunc(time.Minute, func(ctx context.Context, j *river.Job[testArgs]) error {
				return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
					if err := tx.Exec("INSERT INTO queue_test_results (n) VALUES (?)", j.Args.N).Error; err != nil {
						return err
					}
					if j.Args.N%100 < links-1 {
						_, err := q.InsertTx(ctx, tx, testArgs{N: j.Args.N + 1}, nil)
						return err
					}
					return nil
				})
			})}})
			start(t, q)
			for c := range chains {
				insert(t, q, testArgs{N: c * 100}, nil)
			}
			deadline := time.Now().Add(60 * time.Second)
			var n int64
			for time.Now().Before(deadline) {
				if err := st.DB.Raw("SELECT count(*) FROM queue_test_results").Scan(&n).Error; err != nil {
					t.Fatal(err)
				}
				if n == chains*links {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if n != chains*links {
				t.Fatalf("%d result rows, want %d", n, chains*links)
			}
			res, err := q.Client().JobList(ctx, river.NewJobListParams().First(1000).States(rivertype.JobStates()...))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Jobs) != chains*links {
				t.Fatalf("%d jobs, want %d", len(res.Jobs), chains*links)
			}
			for _, j := range res.Jobs {
				if j.State != rivertype.JobStateCompleted {
					j = waitState(t, q, j.ID, rivertype.JobStateCompleted, 10*time.Second)
				}
				if j.Attempt != 1 || len(j.Errors) != 0 {
					t.Errorf("job %d: attempt %d, errors %v; want one clean attempt", j.ID, j.Attempt, j.Errors)
				}
			}
		})
	}
}
