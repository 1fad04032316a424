package synth

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth/synthtest"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

func TestSynthesizeLayout(t *testing.T) {
	cfg := DefaultConfig()
	animals, rep, err := Synthesize(context.Background(), synthtest.Readouts(1000), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Synthetic || !strings.Contains(rep.Model, "synthetic") {
		t.Errorf("report not labelled synthetic: Synthetic %v, Model %q", rep.Synthetic, rep.Model)
	}
	if len(animals) != cfg.Animals || len(rep.Animals) != cfg.Animals {
		t.Fatalf("%d animals (%d reported), want %d", len(animals), len(rep.Animals), cfg.Animals)
	}
	total := 0
	units := map[int]bool{}
	for a, an := range animals {
		ar := rep.Animals[a]
		if want := animalID(a); an.ID != want || ar.ID != want || !strings.HasPrefix(an.ID, "synth") {
			t.Errorf("animal %d: ID %q (report %q), want %q", a, an.ID, ar.ID, want)
		}
		d := an.Data
		if d.DType != ndarray.Float64 || d.Dims() != 3 || d.Shape[1] != StimulusCount {
			t.Fatalf("%s: %s %s, want float64 (rows, 6, units)", an.ID, d.DType, d.ShapeString())
		}
		rows, nu := d.Shape[0], d.Shape[2]
		total += nu
		units[nu] = true
		if nu < cfg.MinUnits || nu != ar.Units || rows != ar.Rows {
			t.Errorf("%s: %d units, %d rows; report %d, %d; min %d", an.ID, nu, rows, ar.Units, ar.Rows, cfg.MinUnits)
		}
		if len(ar.Sessions) < 1 || len(ar.Sessions) > cfg.MaxSessions {
			t.Errorf("%s: %d sessions, want 1..%d", an.ID, len(ar.Sessions), cfg.MaxSessions)
		}
		// Walk the sessions' unit blocks: each trial row has exactly its own
		// stimulus finite for every unit of the session, NaN past the
		// session's trials; per-stimulus trial counts match the report.
		col := 0
		maxRows := 0
		for si, sr := range ar.Sessions {
			ntr := 0
			for s, n := range sr.Trials {
				if n < cfg.MinTrials || n > cfg.MaxTrials {
					t.Errorf("%s session %d: %d trials of stimulus %d outside [%d, %d]", an.ID, si, n, s, cfg.MinTrials, cfg.MaxTrials)
				}
				ntr += n
			}
			maxRows = max(maxRows, ntr)
			for u := col; u < col+sr.Units; u++ {
				var got [StimulusCount]int
				for r := range rows {
					finite := 0
					for s := range StimulusCount {
						v := d.F64[(r*StimulusCount+s)*nu+u]
						if !math.IsNaN(v) {
							finite++
							got[s]++
							if v < 0 || math.IsInf(v, 0) {
								t.Fatalf("%s row %d stimulus %d unit %d: rate %v", an.ID, r, s, u, v)
							}
						}
					}
					if want := 0; r >= ntr && finite != want || r < ntr && finite != 1 {
						t.Fatalf("%s session %d unit %d row %d: %d finite columns, want %d", an.ID, si, u, r, finite, map[bool]int{true: 1, false: 0}[r < ntr])
					}
				}
				if got != sr.Trials {
					t.Fatalf("%s unit %d: trials per stimulus %v, report %v", an.ID, u, got, sr.Trials)
				}
			}
			col += sr.Units
		}
		if col != nu || maxRows != rows {
			t.Errorf("%s: sessions cover %d units and %d rows, array has %d and %d", an.ID, col, maxRows, nu, rows)
		}
	}
	if total != cfg.Units {
		t.Errorf("%d units in all, want %d", total, cfg.Units)
	}
	if len(units) < 2 {
		t.Errorf("every animal has the same unit count %v, want them unequal", units)
	}
}

func TestSynthesizeDeterministic(t *testing.T) {
	st := synthtest.Readouts(1000)
	cfg := DefaultConfig()
	cfg.Units, cfg.Animals = 120, 3
	run := func(seed uint64) []Animal {
		c := cfg
		c.Seed = seed
		a, _, err := Synthesize(context.Background(), st, c)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	equal := func(x, y []Animal) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !slices.Equal(x[i].Data.Shape, y[i].Data.Shape) {
				return false
			}
			for k, v := range x[i].Data.F64 {
				w := y[i].Data.F64[k]
				if v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
					return false
				}
			}
		}
		return true
	}
	if !equal(run(7), run(7)) {
		t.Error("two syntheses with seed 7 differ")
	}
	if equal(run(7), run(8)) {
		t.Error("seeds 7 and 8 give identical data")
	}
}

func TestSynthesizeErrors(t *testing.T) {
	good := synthtest.Readouts(1000)
	nan := synthtest.Readouts(1000)
	nan[2].F32[17] = float32(math.NaN())
	short := synthtest.Readouts(400)
	wrong := slices.Clone(good)
	wrong[1] = ndarray.Zeros32(1000, 29, 6)
	withCfg := func(f func(*Config)) Config {
		c := DefaultConfig()
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name    string
		stimuli []ndarray.Array
		cfg     Config
		want    string
	}{
		{"five stimuli", good[:5], DefaultConfig(), "5 readouts"},
		{"nan readout", nan, DefaultConfig(), "not finite"},
		{"shape mismatch", wrong, DefaultConfig(), "differs"},
		{"window past readout", short, DefaultConfig(), "longer than"},
		{"one animal", good, withCfg(func(c *Config) { c.Animals = 1 }), "animals"},
		{"too few units", good, withCfg(func(c *Config) { c.Units = 100 }), "units"},
		{"bad site", good, withCfg(func(c *Config) { c.Sites = []string{"RZ9"} }), "RZ9"},
		{"negative gain", good, withCfg(func(c *Config) { c.SharedGain = -0.1 }), "SharedGain"},
		{"nan rate", good, withCfg(func(c *Config) { c.RateScale = math.NaN() }), "RateScale"},
		{"trials", good, withCfg(func(c *Config) { c.MinTrials, c.MaxTrials = 30, 20 }), "trials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Synthesize(context.Background(), tc.stimuli, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Synthesize(ctx, good, DefaultConfig()); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Units, cfg.Animals = 90, 3
	animals, _, err := Synthesize(context.Background(), synthtest.Readouts(1000), cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "neural.npz")
	if err := npz.WriteFile(path, Arrays(animals)); err != nil {
		t.Fatal(err)
	}
	back, err := npz.ReadFile(path, npz.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(animals) {
		t.Fatalf("%d arrays read back, %d written", len(back), len(animals))
	}
	for i, b := range back {
		a := animals[i]
		if b.Name != a.ID {
			t.Errorf("array %d: name %q, want %q", i, b.Name, a.ID)
		}
		if b.Array.DType != ndarray.Float64 || !slices.Equal(b.Array.Shape, a.Data.Shape) {
			t.Fatalf("%s: %s %s read back, %s %s written", a.ID, b.Array.DType, b.Array.ShapeString(), a.Data.DType, a.Data.ShapeString())
		}
		for k, v := range b.Array.F64 {
			w := a.Data.F64[k]
			if v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
				t.Fatalf("%s element %d: %v read back, %v written", a.ID, k, v, w)
			}
		}
	}
}

func TestBins(t *testing.T) {
	// ⌈d/0.045⌉: numpy's arange(0, d+0.045, 0.045) has ⌈d/0.045⌉+1 edges.
	for _, tc := range []struct {
		d    float64
		want int
	}{
		{0.045, 1}, {0.046, 2}, {0.09, 2}, {0.5, 12}, {0.99, 22}, {1.0, 23}, {0.001, 1},
	} {
		if got := bins(tc.d); got != tc.want {
			t.Errorf("bins(%g) = %d, want %d", tc.d, got, tc.want)
		}
	}
}

func TestResponseMean(t *testing.T) {
	// A unit at a constant 20 spikes/s with no gain noise, window 0.5 s:
	// expected count 20·0.5 = 10 over ⌈0.5/0.045⌉ = 12 bins, so the
	// response value is 10/(12·0.045) = 18.5185… spikes/s (paper-spec §1.2:
	// the last bin overruns the window). Poisson SD of the mean over n
	// trials: sqrt(10/n)/(12·0.045).
	cfg := DefaultConfig()
	cfg.PrivateGain = 0
	sf, err := newStimulusFeatures(synthtest.Readouts(1000), cfg.FrameRate)
	if err != nil {
		t.Fatal(err)
	}
	g := &generator{cfg: cfg, sf: sf, grid: newWhiskerGrid(), x: make([]float64, 1000), r: make([]float64, 1000), cum: make([][]float64, StimulusCount)}
	for s := range g.cum {
		g.cum[s] = make([]float64, 1001)
	}
	tu := tuning{whiskers: []int{0}, weights: []float64{1}, baseline: 20}
	g.expected(&tu)
	for _, tc := range []struct {
		name   string
		window float64
		gain   float64
		want   float64
	}{
		{"0.5 s", 0.5, 1, 10 / (12 * 0.045)},
		{"0.99 s", 0.99, 1, 20 * 0.99 / (22 * 0.045)},
		{"gain 2", 0.5, 2, 20 / (12 * 0.045)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			const n = 20000
			var sum float64
			for range n {
				sum += g.response(r, trial{stimulus: 0, window: tc.window, gain: tc.gain})
			}
			nb := float64(bins(tc.window))
			se := math.Sqrt(tc.want*nb*BinWidth/n) / (nb * BinWidth)
			if got := sum / n; math.Abs(got-tc.want) > 5*se {
				t.Errorf("mean response %.4f, want %.4f ± %.4f (5 SE)", got, tc.want, 5*se)
			}
		})
	}
}

func TestRateFunction(t *testing.T) {
	// One whisker, moment feature only, threshold 0.5, scale 30, baseline 2:
	// a step drive of height h held long (≫ τ) gives
	// 2 + 30·z/(z+1) with z = softplus(4(h−0.5))/4.
	sf := &stimulusFeatures{frames: 400, whiskers: 1, v: make([][][][]float64, StimulusCount)}
	for s := range sf.v {
		fv := make([][]float64, features)
		for f := range fv {
			fv[f] = make([]float64, 400)
		}
		for k := 100; k < 400; k++ {
			fv[featMoment][k] = float64(s) // stimulus s: step of height s
		}
		sf.v[s] = [][][]float64{fv}
	}
	tu := tuning{whiskers: []int{0}, weights: []float64{1}, tau: 0.005, threshold: 0.5, baseline: 2, scale: 30}
	tu.mix[featMoment] = 1
	x, out := make([]float64, 400), make([]float64, 400)
	for _, h := range []int{0, 1, 3} {
		sf.rate(&tu, h, 1000, x, out)
		z := math.Log1p(math.Exp(4*(float64(h)-0.5))) / 4
		want := 2 + 30*z/(z+1)
		if math.Abs(out[399]-want) > 1e-9 {
			t.Errorf("height %d: rate %.9f at the end, want %.9f", h, out[399], want)
		}
		z0 := math.Log1p(math.Exp(-2)) / 4 // before the step: y = 0
		if w0 := 2 + 30*z0/(z0+1); math.Abs(out[50]-w0) > 1e-12 {
			t.Errorf("height %d: rate %.12f before the step, want %.12f", h, out[50], w0)
		}
		if h > 0 && !(out[101] < out[150]) {
			t.Errorf("height %d: the filtered response does not rise after the step (%g, %g)", h, out[101], out[150])
		}
	}
	tu.scale = 0
	sf.rate(&tu, 3, 1000, x, out)
	if out[300] != 2 {
		t.Errorf("unresponsive unit: rate %g, want its baseline 2", out[300])
	}
}
