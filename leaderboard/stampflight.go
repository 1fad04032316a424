package leaderboard

import (
	"context"
	"sync"
)

// stampFlight coalesces concurrent stamp reads without ever answering a
// caller with a read that started before it asked: at most one read runs;
// callers that arrive while it runs join the next read, which starts only
// when the running one has finished, so it starts after every one of them
// arrived, and they all share its result.
type stampFlight struct {
	mu      sync.Mutex
	running *stampCall // the read in progress, nil when none
	next    *stampCall // the read that starts after running; joinable
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
	if f.running == nil {
		c := &stampCall{ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		f.running = c
		f.mu.Unlock()
		f.run(c, read)
		return c.wait(ctx)
	}
	c := f.next
	if c == nil {
		c = &stampCall{ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		f.next = c
	}
	f.mu.Unlock()
	return c.wait(ctx)
}

// run performs call c's read, publishes it, and starts the queued read,
// if any. Reads ignore cancellation, since several callers share them;
// each caller still stops waiting when its own context ends.
func (f *stampFlight) run(c *stampCall, read stampReader) {
	c.parts, c.err = read(c.ctx)
	f.mu.Lock()
	n := f.next
	f.running, f.next = n, nil
	f.mu.Unlock()
	close(c.done)
	if n != nil {
		go f.run(n, read)
	}
}

func (c *stampCall) wait(ctx context.Context) (stampParts, error) {
	select {
	case <-c.done:
		return c.parts, c.err
	case <-ctx.Done():
		return stampParts{}, ctx.Err()
	}
}
