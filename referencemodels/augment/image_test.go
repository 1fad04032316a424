package augment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// padded reports whether flat grid cell i is one of the five zero-padded
// cells of paper-spec §2.1 (A5, A6, B5, B6, E6).
func padded(i int) bool {
	switch i % Cells {
	case 5, 6, 12, 13, 34:
		return true
	}
	return false
}

// close32 reports |a−b| ≤ 1e-5·max(1, |b|).
func close32(a float32, b float64) bool {
	return math.Abs(float64(a)-b) <= 1e-5*math.Max(1, math.Abs(b))
}

// TestImageStyleScaling checks channel scaling alone (Contrast 0, no
// greyscale): out = a_ch·x with a_ch in [0.6, 1.4], so padded zeros stay
// zero, values change, and nothing moves between cells.
func TestImageStyleScaling(t *testing.T) {
	x := randomInput(2, 31)
	before := cloneArray(x)
	im := ImageStyle{JitterProb: 1, ChannelScale: 0.4}
	got, d, err := im.Apply(x, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Jittered || d.Greyscale || len(d.ChannelScale) != Channels || d.Contrast != 1 {
		t.Fatalf("draw %+v, want jitter with 30 factors, contrast 1, no greyscale", d)
	}
	distinct := map[float64]bool{}
	for _, a := range d.ChannelScale {
		if a < 0.6 || a > 1.4 {
			t.Fatalf("channel factor %v outside [0.6, 1.4]", a)
		}
		distinct[a] = true
	}
	if len(distinct) < Channels {
		t.Fatalf("only %d distinct channel factors", len(distinct))
	}
	changed := 0
	for i, v := range x.F32 {
		ch := i / Cells % Channels
		if padded(i) && got.F32[i] != 0 {
			t.Fatalf("padded cell %v became %v", x.Index(i), got.F32[i])
		}
		if !close32(got.F32[i], d.ChannelScale[ch]*float64(v)) {
			t.Fatalf("out %v = %v, want %v·%v", x.Index(i), got.F32[i], d.ChannelScale[ch], v)
		}
		if got.F32[i] != v {
			changed++
		}
	}
	if changed < len(x.F32)/2 {
		t.Fatalf("only %d of %d values changed", changed, len(x.F32))
	}
	sameArray(t, "input after the call", x, before)
}

// TestImageStyleContrast checks contrast alone (ChannelScale 0): each
// sample keeps its mean m and its deviations are scaled by the factor,
// out − m = κ·(x − m), κ in [0.6, 1.4].
func TestImageStyleContrast(t *testing.T) {
	x := randomInput(2, 32)
	for i := range x.F32 {
		x.F32[i] += 0.5 // a non-zero mean, so contrast moves values
	}
	im := ImageStyle{JitterProb: 1, Contrast: 0.4}
	got, d, err := im.Apply(x, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	if d.Contrast < 0.6 || d.Contrast > 1.4 || d.Contrast == 1 {
		t.Fatalf("contrast factor %v, want one in [0.6, 1.4] other than 1", d.Contrast)
	}
	per := Steps * Channels * Cells
	for n := range 2 {
		var sum float64
		for _, v := range x.F32[n*per:][:per] {
			sum += float64(v)
		}
		m := sum / float64(per)
		var outSum float64
		for i := n * per; i < (n+1)*per; i++ {
			outSum += float64(got.F32[i])
			if want := m + d.Contrast*(float64(x.F32[i])-m); !close32(got.F32[i], want) {
				t.Fatalf("out %v = %v, want %v", x.Index(i), got.F32[i], want)
			}
		}
		if om := outSum / float64(per); math.Abs(om-m) > 1e-5 {
			t.Fatalf("sample %d mean %v after contrast, %v before", n, om, m)
		}
	}
}

// TestImageStyleGreyscale checks greyscale alone: at every (n, t, r, c)
// all 30 channels equal the input's channel mean; padded zeros stay zero.
func TestImageStyleGreyscale(t *testing.T) {
	x := randomInput(2, 33)
	got, d, err := ImageStyle{GreyscaleProb: 1}.Apply(x, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if d.Jittered || !d.Greyscale {
		t.Fatalf("draw %+v, want greyscale only", d)
	}
	for nt := range 2 * Steps {
		for cell := range Cells {
			var sum float64
			for ch := range Channels {
				sum += float64(x.F32[(nt*Channels+ch)*Cells+cell])
			}
			for ch := range Channels {
				v := got.F32[(nt*Channels+ch)*Cells+cell]
				if !close32(v, sum/Channels) {
					t.Fatalf("map (%d, %d) cell %d = %v, want channel mean %v", nt, ch, cell, v, sum/Channels)
				}
				if padded(cell) && v != 0 {
					t.Fatalf("padded cell %d became %v", cell, v)
				}
			}
		}
	}
}

// TestImageStyleDraws checks the default draw frequencies over 20000 draws
// (P(jitter) = 0.8, P(greyscale) = 0.2, ± 0.01, over 3.5 standard
// deviations √(.16/20000) ≈ 0.0028), that channel factors fill
// [0.6, 1.4] with mean 1, and that the zero value draws nothing.
func TestImageStyleDraws(t *testing.T) {
	const n = 20000
	rng := rand.New(rand.NewPCG(9, 10))
	im := NewImageStyle()
	jit, grey := 0, 0
	lo, hi, sum, count := math.Inf(1), math.Inf(-1), 0.0, 0
	for range n {
		d := im.sample(rng)
		if d.Jittered {
			jit++
			for _, a := range d.ChannelScale {
				lo, hi, sum, count = math.Min(lo, a), math.Max(hi, a), sum+a, count+1
			}
		}
		if d.Greyscale {
			grey++
		}
	}
	if f := float64(jit) / n; math.Abs(f-DefaultJitterProb) > 0.01 {
		t.Errorf("jitter frequency %.4f, want %.2f", f, DefaultJitterProb)
	}
	if f := float64(grey) / n; math.Abs(f-DefaultGreyscaleProb) > 0.01 {
		t.Errorf("greyscale frequency %.4f, want %.2f", f, DefaultGreyscaleProb)
	}
	if lo < 0.6 || lo > 0.601 || hi > 1.4 || hi < 1.399 || math.Abs(sum/float64(count)-1) > 0.002 {
		t.Errorf("channel factors span [%v, %v] with mean %v, want [0.6, 1.4] with mean 1", lo, hi, sum/float64(count))
	}
	x := randomInput(1, 34)
	got, d, err := ImageStyle{}.Apply(x, rng)
	if err != nil {
		t.Fatal(err)
	}
	if d.Jittered || d.Greyscale {
		t.Fatalf("zero ImageStyle drew %+v", d)
	}
	sameArray(t, "zero ImageStyle", got, x)
}

// TestImageStyleOneDrawPerBatch checks that Apply applies one draw to all
// samples (each sample alone gives the same values) for 32 seeds.
func TestImageStyleOneDrawPerBatch(t *testing.T) {
	x := randomInput(3, 35)
	before := cloneArray(x)
	jittered, greyed := false, false
	for seed := range uint64(32) {
		got, d, err := NewImageStyle().Apply(x, rand.New(rand.NewPCG(seed, 2)))
		if err != nil {
			t.Fatal(err)
		}
		jittered, greyed = jittered || d.Jittered, greyed || d.Greyscale
		for n := range 3 {
			sameArray(t, "sample alone "+d.String(), sampleOf(got, n), applyImageDraw(sampleOf(x, n), d))
		}
	}
	if !jittered || !greyed {
		t.Errorf("seeds drew jitter %t, greyscale %t; want both seen", jittered, greyed)
	}
	sameArray(t, "input after the calls", x, before)
}

// TestImageStyleErrors checks invalid options, malformed input and a nil
// rng are errors.
func TestImageStyleErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomInput(1, 36)
	for name, im := range map[string]ImageStyle{
		"negative jitter prob": {JitterProb: -0.1},
		"scale above 1":        {ChannelScale: 1.5},
		"NaN contrast":         {Contrast: math.NaN()},
		"greyscale prob 2":     {GreyscaleProb: 2},
	} {
		if _, _, err := im.Apply(x, rng); err == nil {
			t.Errorf("%s: accepted %+v", name, im)
		}
	}
	for name, bad := range badInputs() {
		if _, _, err := NewImageStyle().Apply(bad, rng); err == nil {
			t.Errorf("Apply accepted %s input %s", name, bad.ShapeString())
		}
	}
	if _, _, err := NewImageStyle().Apply(x, nil); err == nil {
		t.Error("Apply accepted a nil rng")
	}
}
