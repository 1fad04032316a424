package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestResumeMatchesUninterrupted: a run cancelled in the middle of an
// epoch and restarted with the same config ends with the parameters, and
// the bundle bytes, of an uninterrupted run; and the uninterrupted run is
// itself reproducible (deterministic for a seed).
func TestResumeMatchesUninterrupted(t *testing.T) {
	ds := smallDataset(t)
	cases := []struct {
		name  string
		extra string
		stop  [2]int // cancel after this (epoch, step)
	}{
		{"sgd momentum, step_lr, clipping", "epochs: 3\noptimizer: {kind: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0001}\nschedule: {kind: step_lr, step_size: 1, gamma: 0.5}\ngrad_clip: 0.5\n", [2]int{1, 2}},
		{"adamw, cos_w_warmup, gpt dropout", "epochs: 3\noptimizer: {kind: adamw, lr: 0.003}\nschedule: {kind: cos_w_warmup, warmup_epochs: 1}\n", [2]int{1, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			yaml := func(out string) *Config {
				y := "dataset: " + ds + "\nout: " + out + "\nbatch_size: 8\nseed: 11\n" + tc.extra
				if strings.Contains(tc.name, "gpt") {
					y += "preset: {name: timedecay-gpt-linear, width: 0.03, repr_dim: 8, n_embd: 8}\n"
				} else {
					y += "preset: {name: ugrnn-linear, width: 0.03, repr_dim: 8}\n"
				}
				return parse(t, y)
			}
			ctx := context.Background()
			a, err := Run(ctx, yaml(filepath.Join(base, "a")), Options{Commit: "c"})
			if err != nil {
				t.Fatal(err)
			}
			a2, err := Run(ctx, yaml(filepath.Join(base, "a2")), Options{Commit: "c"})
			if err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			cfgB := yaml(filepath.Join(base, "b"))
			_, err = Run(cctx, cfgB, Options{Commit: "c", AfterStep: func(e, s int) {
				if e == tc.stop[0] && s == tc.stop[1] {
					cancel()
				}
			}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run: err = %v", err)
			}
			b, err := Run(ctx, cfgB, Options{Commit: "c"})
			if err != nil {
				t.Fatal(err)
			}
			if b.ResumedAt != tc.stop[0] {
				t.Fatalf("resumed at epoch %d, want %d", b.ResumedAt, tc.stop[0])
			}
			for _, other := range []*Result{a2, b} {
				for i, p := range a.Final {
					q := other.Final[i]
					for j := range p.Data {
						if math.Float32bits(p.Data[j]) != math.Float32bits(q.Data[j]) {
							t.Fatalf("%s: %s[%d] = %v, uninterrupted run %v", other.Dir, p.Name, j, q.Data[j], p.Data[j])
						}
					}
				}
				ba, _ := os.ReadFile(a.BundlePath)
				bb, _ := os.ReadFile(other.BundlePath)
				if len(ba) == 0 || !bytes.Equal(ba, bb) {
					t.Fatalf("%s: bundle differs from the uninterrupted run's", other.Dir)
				}
			}
		})
	}
}

func TestResumeRefusesAnotherConfig(t *testing.T) {
	ds, out := smallDataset(t), t.TempDir()
	cfg := parse(t, tinyYAML(ds, out, "1", "optimizer: {kind: sgd, lr: 0.01}\nschedule: {kind: constant_lr}\n"))
	if _, err := Run(context.Background(), cfg, Options{Commit: "c"}); err != nil {
		t.Fatal(err)
	}
	other := parse(t, tinyYAML(ds, out, "1", "optimizer: {kind: sgd, lr: 0.02}\nschedule: {kind: constant_lr}\n"))
	if _, err := Run(context.Background(), other, Options{Commit: "c"}); err == nil || !strings.Contains(err.Error(), "different config") {
		t.Fatalf("err = %v", err)
	}
}

// TestNaNLossStops: a divergent learning rate stops the run with a clear
// message instead of writing NaN weights.
func TestNaNLossStops(t *testing.T) {
	ds, out := smallDataset(t), t.TempDir()
	cfg := parse(t, tinyYAML(ds, out, "3", "optimizer: {kind: sgd, lr: 1.0e+30}\nschedule: {kind: constant_lr}\n"))
	_, err := Run(context.Background(), cfg, Options{Commit: "c"})
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "training stopped at epoch 1") || !strings.Contains(err.Error(), "lower the learning rate") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, BundleFile)); !os.IsNotExist(err) {
		t.Fatalf("a bundle was written before the first epoch ended: %v", err)
	}
}
