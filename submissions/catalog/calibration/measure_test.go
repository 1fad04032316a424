package calibration

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/neural/synth"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth/synthtest"
	"github.com/whiskerbench/whiskerbench/evaluator"
)

func TestTargetsCheck(t *testing.T) {
	tg := PaperTargets()
	at := Figures{PooledMedianRYY: 0.14113, PooledNegative: 0.286, A2AMean: 0.17541514365056302}
	for _, tc := range []struct {
		name string
		f    Figures
		want []string // substrings of the error; none: calibrated
	}{
		{"on target", at, nil},
		{"edge of tolerance", Figures{PooledMedianRYY: 0.14113 + 0.0599, PooledNegative: 0.286 - 0.0999, A2AMean: 0.1754 + 0.0999}, nil},
		{"r_yy off", Figures{PooledMedianRYY: 0.25, PooledNegative: 0.286, A2AMean: 0.18}, []string{"pooled median r_yy 0.2500"}},
		{"all off", Figures{PooledMedianRYY: -0.1, PooledNegative: 0.6, A2AMean: 0.5}, []string{"r_yy", "negative", "animal-to-animal"}},
		{"nan", Figures{PooledMedianRYY: math.NaN(), PooledNegative: 0.286, A2AMean: 0.18}, []string{"r_yy NaN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tg.Check(tc.f)
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("unexpected %v", err)
				}
				if l := tg.Loss(tc.f); l > 3 {
					t.Errorf("loss %v within tolerance, want ≤ 3 (each term ≤ 1)", l)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one mentioning %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if l := tg.Loss(at); l != 0 {
		t.Errorf("loss on target %v, want 0", l)
	}
	// One tolerance off in r_yy alone: loss 1.
	if l := tg.Loss(Figures{PooledMedianRYY: 0.14113 + 0.06, PooledNegative: 0.286, A2AMean: 0.17541514365056302}); math.Abs(l-1) > 1e-9 {
		t.Errorf("loss one tolerance off %v, want 1", l)
	}
}

func TestMeasureSignalAndNoise(t *testing.T) {
	// The figures respond to the signal: with the readouts' distinct
	// contacts, strong driven rates and no gain noise the pooled RDM is
	// reliable; with no driven rate at all (every unit at baseline, the
	// stimuli indistinguishable) it is not.
	opt := evaluator.DefaultOptions()
	opt.Iterations = 200
	st := synthtest.Readouts(1000)
	for _, tc := range []struct {
		name     string
		cfg      func(*synth.Config)
		min, max float64 // bounds on the pooled median r_yy
	}{
		{"strong signal", func(c *synth.Config) { c.RateScale, c.SharedGain, c.PrivateGain, c.ResponsiveFraction = 40, 0, 0, 1 }, 0.8, 1},
		{"no signal", func(c *synth.Config) { c.RateScale = 0 }, -1, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := synth.DefaultConfig()
			tc.cfg(&cfg)
			animals, _, err := synth.Synthesize(context.Background(), st, cfg)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Measure(context.Background(), animals, opt)
			if err != nil {
				t.Fatal(err)
			}
			if f.PooledSplits != opt.Iterations {
				t.Errorf("%d valid split halves of %d", f.PooledSplits, opt.Iterations)
			}
			if f.PooledMedianRYY < tc.min || f.PooledMedianRYY > tc.max {
				t.Errorf("median r_yy %.3f outside [%g, %g]", f.PooledMedianRYY, tc.min, tc.max)
			}
			if f.PooledNegative < 0 || f.PooledNegative > 1 || f.A2ADefined > cfg.Animals {
				t.Errorf("figures out of range: %+v", f)
			}
		})
	}
}
