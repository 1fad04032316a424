package leaderboard

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestStampFlightNeverOlder checks stampFlight's promise: a caller that
// arrives while a read runs is answered by a later read, never by the
// running one, and callers that arrive meanwhile share that later read.
func TestStampFlightNeverOlder(t *testing.T) {
	var f stampFlight
	var reads atomic.Int64
	gate, started := make(chan struct{}), make(chan struct{}, 8)
	read := func(context.Context) (stampParts, error) {
		n := reads.Add(1)
		started <- struct{}{}
		if n == 1 {
			<-gate
		}
		return stampParts{Subs: n}, nil
	}
	ctx := context.Background()
	first := make(chan stampParts)
	go func() {
		p, _ := f.do(ctx, read)
		first <- p
	}()
	<-started // read 1 runs and blocks
	var wg sync.WaitGroup
	got := make([]int64, 3)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := f.do(ctx, read)
			if err != nil {
				t.Error(err)
			}
			got[i] = p.Subs
		}()
	}
	// Wait until a later read is queued, then let read 1 finish.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		f.mu.Lock()
		queued := f.next != nil
		f.mu.Unlock()
		if queued {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no read queued behind the running one")
		}
	}
	close(gate)
	if p := <-first; p.Subs != 1 {
		t.Errorf("first caller got read %d, want 1", p.Subs)
	}
	wg.Wait()
	for i, n := range got {
		if n < 2 {
			t.Errorf("caller %d arrived during read 1 and got read %d: a read older than the caller", i, n)
		}
	}
	if n := reads.Load(); n > 4 {
		t.Errorf("%d reads for 4 callers", n)
	}
}

// TestStampFlightConcurrent hammers stampFlight: every answer comes from
// a read that started after its caller arrived (a shared logical clock
// orders arrivals and read starts), at most one read runs at a time, and
// concurrent callers share reads.
func TestStampFlightConcurrent(t *testing.T) {
	var f stampFlight
	var clock, reads, inFlight atomic.Int64
	read := func(context.Context) (stampParts, error) {
		if inFlight.Add(1) != 1 {
			t.Error("two stamp reads at once")
		}
		defer inFlight.Add(-1)
		reads.Add(1)
		start := clock.Add(1)
		time.Sleep(200 * time.Microsecond)
		return stampParts{Subs: start}, nil
	}
	const callers, calls = 32, 20
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				arrived := clock.Add(1)
				p, err := f.do(context.Background(), read)
				if err != nil {
					t.Error(err)
					return
				}
				if p.Subs <= arrived {
					t.Errorf("caller arrived at %d got a read started at %d", arrived, p.Subs)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := reads.Load(); n >= callers*calls {
		t.Errorf("%d reads for %d calls: none shared", n, callers*calls)
	}
}

// TestStampFlightCancel checks that a waiting caller whose context ends
// returns its error, and that the shared read still answers the others.
func TestStampFlightCancel(t *testing.T) {
	var f stampFlight
	gate := make(chan struct{})
	errRead := errors.New("read failed")
	var reads atomic.Int64
	read := func(context.Context) (stampParts, error) {
		if reads.Add(1) == 1 {
			<-gate
			return stampParts{}, errRead
		}
		return stampParts{Subs: 7}, nil
	}
	firstErr := make(chan error)
	go func() {
		_, err := f.do(context.Background(), read)
		firstErr <- err
	}()
	for reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.do(ctx, read); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v, want context.Canceled", err)
	}
	close(gate)
	if err := <-firstErr; !errors.Is(err, errRead) {
		t.Errorf("first caller: %v, want the read's error", err)
	}
	if p, err := f.do(context.Background(), read); err != nil || p.Subs != 7 {
		t.Errorf("after the failed read: %+v, %v; want a fresh read", p, err)
	}
}

// TestStampFlightPaced checks the pacing: back-to-back callers get reads
// that start at least the interval apart, each still started after its
// caller arrived, and a lone caller after a pause reads at once.
func TestStampFlightPaced(t *testing.T) {
	const interval = 30 * time.Millisecond
	f := stampFlight{interval: interval}
	var mu sync.Mutex
	var starts []time.Time
	read := func(context.Context) (stampParts, error) {
		mu.Lock()
		defer mu.Unlock()
		starts = append(starts, time.Now())
		return stampParts{Subs: int64(len(starts))}, nil
	}
	ctx := context.Background()
	for i := range 4 {
		arrived := time.Now()
		p, err := f.do(ctx, read)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got := starts[p.Subs-1]
		mu.Unlock()
		if got.Before(arrived) {
			t.Errorf("call %d: read started %s before the caller arrived", i, arrived.Sub(got))
		}
	}
	for i := 1; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-1]); d < interval {
			t.Errorf("reads %d and %d started %s apart, want ≥ %s", i-1, i, d, interval)
		}
	}
	time.Sleep(2 * interval)
	t0 := time.Now()
	if _, err := f.do(ctx, read); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d >= interval {
		t.Errorf("a lone caller after a pause waited %s, want no pacing wait", d)
	}
}
