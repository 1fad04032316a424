package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// TestTactileFrequencies checks the draw distribution of paper-spec §2.11
// over 40000 draws: P(horizontal) = P(vertical) = 1/4, P(none) = 1/2,
// k uniform in {1..4}, P(reverse) = 1/2 (0 when disabled). The tolerance
// 0.01 is over 4 standard deviations (√(.25·.75/40000) ≈ 0.0022;
// √(.25/40000) = 0.0025 for the halves).
func TestTactileFrequencies(t *testing.T) {
	const n = 40000
	for _, tr := range []Tactile{NewTactile(), {}} {
		t.Run(tr.Name(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			refl := map[Reflection]int{}
			rot := map[int]int{}
			rev := 0
			for range n {
				d := tr.sample(rng)
				refl[d.Reflection]++
				rot[d.Rotation]++
				if d.TemporalReversed {
					rev++
				}
			}
			check := func(what string, count int, p float64) {
				t.Helper()
				if f := float64(count) / n; math.Abs(f-p) > 0.01 {
					t.Errorf("%s: frequency %.4f, want %.2f ± 0.01", what, f, p)
				}
			}
			check("horizontal", refl[Horizontal], 0.25)
			check("vertical", refl[Vertical], 0.25)
			check("no reflection", refl[NoReflection], 0.5)
			if len(refl) != 3 {
				t.Errorf("reflections drawn: %v", refl)
			}
			for k := 1; k <= 4; k++ {
				check(fmt.Sprintf("rotation k=%d", k), rot[k], 0.25)
			}
			if len(rot) != 4 {
				t.Errorf("rotations drawn: %v, want only 1..4", rot)
			}
			want := 0.5
			if !tr.TemporalReversal {
				want = 0
			}
			check("temporal reversal", rev, want)
		})
	}
}

// reference applies a tactile draw with the exported single functions in
// the paper's order.
func reference(t *testing.T, x ndarray.Array, d Draw) ndarray.Array {
	t.Helper()
	switch d.Reflection {
	case Horizontal:
		x = must(t)(FlipH(x))
	case Vertical:
		x = must(t)(FlipV(x))
	}
	x = must(t)(Rotate(x, d.Rotation))
	if d.TemporalReversed {
		x = must(t)(TemporalReverse(x))
	}
	return x
}

// sampleOf returns sample n of a batch as a batch of one.
func sampleOf(x ndarray.Array, n int) ndarray.Array {
	per := Steps * Channels * Cells
	return ndarray.FromFloat32([]int{1, Steps, Channels, Height, Width}, slices.Clone(x.F32[n*per:][:per]))
}

// TestTactileApply checks, for 24 seeds, that Apply equals the reported
// draw done with the single functions, that the one draw is applied to
// every sample of the batch (each sample alone gives the same result),
// that the rng is consumed as sample documents, that the input is left
// unmodified and that the same seed gives the same output.
func TestTactileApply(t *testing.T) {
	x := randomInput(3, 21)
	before := cloneArray(x)
	seen := map[string]bool{}
	for seed := range uint64(24) {
		tr := NewTactile()
		got, d, err := tr.Apply(x, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if want := tr.sample(rand.New(rand.NewPCG(seed, 1))); want.String() != d.String() {
			t.Fatalf("seed %d: Apply drew %v, sample draws %v", seed, d, want)
		}
		sameArray(t, "Apply vs reference "+d.String(), got, reference(t, x, d))
		for n := range 3 {
			sameArray(t, "sample alone "+d.String(), sampleOf(got, n), reference(t, sampleOf(x, n), d))
		}
		again, _, err := tr.Apply(x, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		sameArray(t, "same seed", again, got)
		seen[d.Reflection.String()] = true
		if d.TemporalReversed {
			seen["reversed"] = true
		}
		if d.Rotation == 1 || d.Rotation == 3 {
			seen["quarter turn"] = true
		}
	}
	for _, k := range []string{"none", "horizontal", "vertical", "reversed", "quarter turn"} {
		if !seen[k] {
			t.Errorf("no seed drew %s; the check above is incomplete", k)
		}
	}
	sameArray(t, "input after the calls", x, before)
}

// TestTactileErrors checks malformed input and a nil rng are errors.
func TestTactileErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, x := range badInputs() {
		if _, _, err := NewTactile().Apply(x, rng); err == nil {
			t.Errorf("Apply accepted %s input %s", name, x.ShapeString())
		}
	}
	if _, _, err := NewTactile().Apply(randomInput(1, 1), nil); err == nil {
		t.Error("Apply accepted a nil rng")
	}
	if _, err := applyDraw(randomInput(1, 1), Draw{Reflection: 7}); err == nil {
		t.Error("applyDraw accepted reflection 7")
	}
}
