package leaderboard

import (
	"context"
	"sync"
	"time"
)

// stampFlight coalesces concurrent stamp reads without ever answering a
// caller with a read that started before it asked: at most one read runs;
// callers that arrive while it runs join the next read, which starts only
// when the running one has finished, so it starts after every one of them
// arrived, and they all share its result.
//
// Reads are also paced: one starts no sooner than interval after the
// previous one started. Under load the reads would otherwise run back to
// back and keep a core busy (a third of the CPU at 30 000 requests a
// second); paced, a caller waits at most interval longer, and the pending
// read stays joinable until it starts, so it serves everyone who asked in
// the meantime. A lone caller after a pause reads at once.
type stampFlight struct {
	interval time.Duration

	mu        sync.Mutex
	running   *stampCall // the read pending or in progress, nil when none
	next      *stampCall // the read not yet started; joinable
	lastStart time.Time  // when the latest read started
}

// stampCall is one stamp read and those waiting on it.
type stampCall struct {
	ctx   context.Context // of the caller that opened it, without its cancellation
	done  chan struct{}
	parts stampParts
	err   error
}

// stampReader reads the stamp's figures from the database.
type stampReader func(context.Context) (stampParts, error)

// do returns the result of a read that started no earlier than this call.
func (f *stampFlight) do(ctx context.Context, read stampReader) (stampParts, error) {
	f.mu.Lock()
	c := f.next
	if c == nil {
		c = &stampCall{ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		f.next = c
		if f.running == nil {
			wait := f.launch()
			if wait <= 0 {
				// Nothing to wait for: read on this goroutine.
				f.start()
				f.mu.Unlock()
				f.run(c, read)
				return c.wait(ctx)
			}
			go f.runAfter(c, read, wait)
		}
	}
	f.mu.Unlock()
	return c.wait(ctx)
}

// launch makes f.next the pending read and returns how long it must wait
// for its start. f.mu is held.
func (f *stampFlight) launch() time.Duration {
	f.running = f.next
	return time.Until(f.lastStart.Add(f.interval))
}

// start marks the pending read started: callers that arrive from now on need a later
// read. f.mu is held.
func (f *stampFlight) start() {
	f.next = nil
	f.lastStart = time.Now()
}

func (f *stampFlight) runAfter(c *stampCall, read stampReader, wait time.Duration) {
	time.Sleep(wait)
	f.mu.Lock()
	f.start()
	f.mu.Unlock()
	f.run(c, read)
}

// run performs call c's read, publishes it, and launches the queued read,
// if any. Reads ignore cancellation, since several callers share them;
// each caller still stops waiting when its own context ends.
func (f *stampFlight) run(c *stampCall, read stampReader) {
	c.parts, c.err = read(c.ctx)
	f.mu.Lock()
	f.running = nil
	if n := f.next; n != nil {
		wait := f.launch()
		go f.runAfter(n, read, wait)
	}
	f.mu.Unlock()
	close(c.done)
}

func (c *stampCall) wait(ctx context.Context) (stampParts, error) {
	select {
	case <-c.done:
		return c.parts, c.err
	case <-ctx.Done():
		return stampParts{}, ctx.Err()
	}
}
