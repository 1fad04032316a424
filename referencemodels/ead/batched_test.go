package ead

import (
	"context"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// TestBatchedActivationsMatchWhole: batching (with a remainder batch)
// gives the activations of one pass over all samples.
func TestBatchedActivationsMatchWhole(t *testing.T) {
	m, err := NewRandom(tiny(arch.CellUGRNN, false, arch.DecoderAddnet), 5)
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(5, 7)
	ctx := context.Background()
	whole, err := Activations(ctx, m, x)
	if err != nil {
		t.Fatal(err)
	}
	for _, batch := range []int{1, 2, 5, 9} {
		var seen []int
		got, err := BatchedActivations(ctx, m, x, batch, func(d int) { seen = append(seen, d) })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(whole) || seen[len(seen)-1] != 5 {
			t.Fatalf("batch %d: %d layers (want %d), progress %v", batch, len(got), len(whole), seen)
		}
		for name, w := range whole {
			g := got[name]
			if g.ShapeString() != w.ShapeString() {
				t.Fatalf("batch %d %s: shape %s, want %s", batch, name, g.ShapeString(), w.ShapeString())
			}
			for i := range w.F32 {
				if d := g.F32[i] - w.F32[i]; d > 1e-5 || d < -1e-5 {
					t.Fatalf("batch %d %s[%d]: %v, whole pass %v", batch, name, i, g.F32[i], w.F32[i])
				}
			}
		}
	}
}

func TestBatchedActivationsErrors(t *testing.T) {
	m, err := NewRandom(tiny(arch.CellTimeDecay, false, arch.DecoderLinear), 5)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		x     ndarray.Array
		batch int
		want  string
	}{
		{"shape", ndarray.Zeros32(2, 22, 30, 5, 6), 2, "want (n, 22, 30, 5, 7)"},
		{"dims", ndarray.Zeros32(2, 22, 30, 35), 2, "want (n, 22, 30, 5, 7)"},
		{"empty", ndarray.Zeros32(0, 22, 30, 5, 7), 2, "no samples"},
		{"batch", ndarray.Zeros32(1, 22, 30, 5, 7), 0, "batch 0"},
		{"dtype", ndarray.Zeros64(1, 22, 30, 5, 7), 1, "dtype float64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := BatchedActivations(context.Background(), m, tc.x, tc.batch, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
