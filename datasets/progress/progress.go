package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar tracks done/total units of work. It is safe for concurrent use.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	unit     string
	total    int64
	done     int64
	start    time.Time
	last     time.Time
	every    time.Duration
	tty      bool
	now      func() time.Time
	finished bool
	extra    string
}

// Options adjust a Bar.
type Options struct {
	// Unit names what is counted ("sweeps", "samples", "MB").
	Unit string
	// Interval between redraws; default 200 ms on a terminal, 5 s otherwise.
	Interval time.Duration
	// Now replaces the clock (tests).
	Now func() time.Time
	// TTY forces terminal (true) or log (false) style; nil detects.
	TTY *bool
}

// New starts a bar for total units (0 when unknown) writing to w.
func New(w io.Writer, label string, total int64, o Options) *Bar {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	tty := isTerminal(w)
	if o.TTY != nil {
		tty = *o.TTY
	}
	every := o.Interval
	if every <= 0 {
		every = 5 * time.Second
		if tty {
			every = 200 * time.Millisecond
		}
	}
	unit := o.Unit
	if unit == "" {
		unit = "items"
	}
	t := now()
	return &Bar{w: w, label: label, unit: unit, total: total, start: t, last: t, every: every, tty: tty, now: now}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Add records n more units done and redraws when the interval has passed.
func (b *Bar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if t := b.now(); t.Sub(b.last) >= b.every {
		b.last = t
		b.draw(false)
	}
}

// SetExtra sets a short status shown after the rate (e.g. "loss 1.23").
func (b *Bar) SetExtra(s string) {
	b.mu.Lock()
	b.extra = s
	b.mu.Unlock()
}

// Skip records n units that were already done (resumed work): they count
// towards the total but not towards the rate.
func (b *Bar) Skip(n int64) {
	b.mu.Lock()
	b.total -= n
	b.mu.Unlock()
}

// Finish draws the final line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	b.draw(true)
}

// Line returns the current status line (without terminal control).
func (b *Bar) Line() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.line()
}

func (b *Bar) line() string {
	el := b.now().Sub(b.start)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s  %d", b.label, b.done)
	if b.total > 0 {
		fmt.Fprintf(&sb, "/%d %s  %3.0f%%", b.total, b.unit, 100*float64(b.done)/float64(b.total))
	} else {
		fmt.Fprintf(&sb, " %s", b.unit)
	}
	rate := 0.0
	if s := el.Seconds(); s > 0 {
		rate = float64(b.done) / s
	}
	fmt.Fprintf(&sb, "  %.3g %s/s", rate, b.unit)
	if b.total > 0 && b.done < b.total && rate > 0 {
		eta := time.Duration(float64(b.total-b.done) / rate * float64(time.Second))
		fmt.Fprintf(&sb, "  ETA %s", fmtDur(eta))
	}
	fmt.Fprintf(&sb, "  elapsed %s", fmtDur(el))
	if b.extra != "" {
		sb.WriteString("  " + b.extra)
	}
	return sb.String()
}

func (b *Bar) draw(final bool) {
	l := b.line()
	switch {
	case b.tty && final:
		fmt.Fprintf(b.w, "\r\033[K%s\n", l)
	case b.tty:
		fmt.Fprintf(b.w, "\r\033[K%s", l)
	default:
		fmt.Fprintln(b.w, l)
	}
}

func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
