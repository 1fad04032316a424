package evaluator

import (
	"math"
	"slices"

	"github.com/whiskerbench/whiskerbench/evaluator/nprand"
)

// newRNG returns the bootstrap generator: MT19937, so that resamples are
// reproducible across Go versions and platforms.
func newRNG(seed uint32) *nprand.MT19937 { return nprand.New(seed) }

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// sumSq returns Σ (x − mean)².
func sumSq(v []float64) float64 {
	m := mean(v)
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s
}

// semPop is the paper's SEM: population standard deviation (ddof 0) over
// sqrt(n) (paper-spec §1.7–1.8).
func semPop(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	n := float64(len(v))
	return math.Sqrt(sumSq(v)/n) / math.Sqrt(n)
}

// semSample is the usual SEM, sample standard deviation (ddof 1) over
// sqrt(n); NaN for fewer than 2 values.
func semSample(v []float64) float64 {
	if len(v) < 2 {
		return math.NaN()
	}
	n := float64(len(v))
	return math.Sqrt(sumSq(v)/(n-1)) / math.Sqrt(n)
}

func maxOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	return slices.Max(v)
}

func minOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	return slices.Min(v)
}

// quantile is numpy's default (linear) quantile of sorted values.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	f := pos - float64(lo)
	return sorted[lo] + f*(sorted[hi]-sorted[lo])
}

// minFiniteShare is the share of bootstrap statistics that must be finite
// for a percentile interval to be reported; otherwise the interval is
// undefined (the estimator is undefined on too many resamples).
const minFiniteShare = 0.95

// percentileCI is the 95% percentile bootstrap interval of stats (2.5th and
// 97.5th percentiles of the finite values).
func percentileCI(stats []float64) Interval {
	fin := make([]float64, 0, len(stats))
	for _, v := range stats {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			fin = append(fin, v)
		}
	}
	if len(fin) == 0 || float64(len(fin)) < minFiniteShare*float64(len(stats)) {
		return Interval{Low: NaN(), High: NaN()}
	}
	slices.Sort(fin)
	return Interval{Low: Value(quantile(fin, 0.025)), High: Value(quantile(fin, 0.975))}
}

// bootstrapMean is the percentile interval of the mean of v over
// resamples of v with replacement; undefined for fewer than 2 values.
func bootstrapMean(v []float64, resamples int, seed uint32) Interval {
	if len(v) < 2 {
		return Interval{Low: NaN(), High: NaN()}
	}
	rng := newRNG(seed)
	stats := make([]float64, resamples)
	for b := range stats {
		var s float64
		for range v {
			s += v[rng.IntN(len(v))]
		}
		stats[b] = s / float64(len(v))
	}
	return percentileCI(stats)
}
