package calibration

import (
	"context"
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth"
	"github.com/whiskerbench/whiskerbench/evaluator"
)

// Grid is the calibration search space: every combination of the listed
// RateScale (signal) and SharedGain (trial-to-trial noise) values, the two
// knobs the calibration figures respond to most (see the package
// documentation). The other fields stay at the base synth.Config's values.
type Grid struct {
	RateScale  []float64
	SharedGain []float64
}

// DefaultGrid is the search space of the documented calibration.
func DefaultGrid() Grid {
	return Grid{
		RateScale:  []float64{1, 1.15, 1.3, 1.45, 1.6},
		SharedGain: []float64{0.2, 0.3, 0.4},
	}
}

// CalibrationPoint is one grid point: the figures averaged over the seeds
// (Mean), their spread (SD, sample standard deviation over seeds) and the
// loss of the mean figures.
type CalibrationPoint struct {
	RateScale, SharedGain float64
	Mean, SD              Figures
	Loss                  float64
}

// Calibration is the outcome of Calibrate: every grid point in order
// (RateScale outer, SharedGain inner), the best one (least loss of the
// seed-averaged figures), and the default seed: the first seed of
// 1..maxSeed whose own figures at the best point are within the targets'
// tolerances (0 when none is), with those figures.
type Calibration struct {
	Points      []CalibrationPoint
	Best        CalibrationPoint
	Seed        uint64
	SeedFigures Figures
}

// Calibrate runs the calibration: for every grid point and every seed it
// synthesises the cortex from base with that point's knobs and measures the
// figures with opt, then picks the point whose seed-averaged figures are
// closest to t (Targets.Loss). Averaging over seeds calibrates the
// generative model rather than one draw of it. The procedure is
// deterministic; progress, if non-nil, is called after each grid point.
// The figures vary widely between seeds (see the package documentation), so
// the default seed is searched for separately, in 1..maxSeed.
func Calibrate(ctx context.Context, stimuli []ndarray.Array, base synth.Config, g Grid, seeds []uint64, maxSeed uint64, t Targets, opt evaluator.Options, progress func(CalibrationPoint)) (Calibration, error) {
	if len(g.RateScale) == 0 || len(g.SharedGain) == 0 || len(seeds) == 0 {
		return Calibration{}, fmt.Errorf("calibration: calibrate: empty grid or no seeds")
	}
	var cal Calibration
	cal.Best.Loss = math.Inf(1)
	for _, rs := range g.RateScale {
		for _, sg := range g.SharedGain {
			p := CalibrationPoint{RateScale: rs, SharedGain: sg}
			figs := make([]Figures, len(seeds))
			for i, sd := range seeds {
				f, err := measureAt(ctx, stimuli, base, rs, sg, sd, opt)
				if err != nil {
					return Calibration{}, fmt.Errorf("calibration: calibrate: RateScale %g SharedGain %g seed %d: %w", rs, sg, sd, err)
				}
				figs[i] = f
			}
			p.Mean, p.SD = summarise(figs)
			p.Loss = t.Loss(p.Mean)
			cal.Points = append(cal.Points, p)
			if p.Loss < cal.Best.Loss {
				cal.Best = p
			}
			if progress != nil {
				progress(p)
			}
		}
	}
	for sd := uint64(1); sd <= maxSeed; sd++ {
		f, err := measureAt(ctx, stimuli, base, cal.Best.RateScale, cal.Best.SharedGain, sd, opt)
		if err != nil {
			return Calibration{}, fmt.Errorf("calibration: calibrate: seed %d: %w", sd, err)
		}
		if t.Check(f) == nil {
			cal.Seed, cal.SeedFigures = sd, f
			break
		}
	}
	return cal, nil
}

func measureAt(ctx context.Context, stimuli []ndarray.Array, base synth.Config, rs, sg float64, seed uint64, opt evaluator.Options) (Figures, error) {
	cfg := base
	cfg.RateScale, cfg.SharedGain, cfg.Seed = rs, sg, seed
	animals, _, err := synth.Synthesize(ctx, stimuli, cfg)
	if err != nil {
		return Figures{}, err
	}
	return Measure(ctx, animals, opt)
}

// summarise returns the mean and sample SD over seeds of each figure
// (counts are averaged and rounded).
func summarise(fs []Figures) (mean, sd Figures) {
	get := func(f Figures) [6]float64 {
		return [6]float64{f.PooledMedianRYY, f.PooledNegative, f.A2AMean, f.A2ASEM, f.A2AMax, float64(f.A2ADefined)}
	}
	var m, s [6]float64
	n := float64(len(fs))
	for _, f := range fs {
		v := get(f)
		for i := range v {
			m[i] += v[i] / n
		}
	}
	if len(fs) > 1 {
		for _, f := range fs {
			v := get(f)
			for i := range v {
				s[i] += (v[i] - m[i]) * (v[i] - m[i]) / (n - 1)
			}
		}
	}
	for i := range s {
		s[i] = math.Sqrt(s[i])
	}
	splits := 0
	for _, f := range fs {
		splits += f.PooledSplits
	}
	mean = Figures{PooledMedianRYY: m[0], PooledNegative: m[1], A2AMean: m[2], A2ASEM: m[3], A2AMax: m[4],
		A2ADefined: int(math.Round(m[5])), PooledSplits: int(math.Round(float64(splits) / n))}
	sd = Figures{PooledMedianRYY: s[0], PooledNegative: s[1], A2AMean: s[2], A2ASEM: s[3], A2AMax: s[4]}
	return mean, sd
}
