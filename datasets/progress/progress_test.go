package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestBarLine(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	var buf bytes.Buffer
	no := false
	b := New(&buf, "build", 100, Options{Unit: "sweeps", Now: c.now, TTY: &no, Interval: time.Second})
	c.t = c.t.Add(10 * time.Second)
	b.Add(25) // 2.5 sweeps/s; 75 left → 30 s
	want := "build  25/100 sweeps   25%  2.5 sweeps/s  ETA 0:30  elapsed 0:10"
	if got := b.Line(); got != want {
		t.Fatalf("line\n got %q\nwant %q", got, want)
	}
	if !strings.Contains(buf.String(), want+"\n") {
		t.Fatalf("log-style output %q lacks the line", buf.String())
	}
	b.Add(1) // within the interval: no new line
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Fatalf("%d lines after a quick second Add, want 1", n)
	}
	b.SetExtra("loss 0.5")
	b.Finish()
	b.Finish()
	if n := strings.Count(buf.String(), "\n"); n != 2 || !strings.HasSuffix(buf.String(), "loss 0.5\n") {
		t.Fatalf("finish output %q", buf.String())
	}
}

func TestBarTerminalRedrawsInPlace(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	var buf bytes.Buffer
	yes := true
	b := New(&buf, "x", 0, Options{Now: c.now, TTY: &yes, Interval: time.Millisecond})
	c.t = c.t.Add(time.Second)
	b.Add(3)
	if !strings.HasPrefix(buf.String(), "\r\033[Kx  3 items") || strings.Contains(buf.String(), "\n") {
		t.Fatalf("tty output %q", buf.String())
	}
}
