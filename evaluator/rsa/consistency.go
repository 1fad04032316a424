package rsa

import (
	"math"
	"slices"
)

// ReliabilityCutoff is the paper's filter threshold on the RAW split-half
// reliabilities r_yy and r_xx (RYY_CUTOFF = 0.5; Chung et al. 2025,
// paper-spec §1.7).
const ReliabilityCutoff = 0.5

// Iteration holds one split-half iteration's components of the
// noise-corrected RSA, as the paper stores them (paper-spec §1.6 step 5).
type Iteration struct {
	Seed      uint32
	RXX       float64 // source split-half RSA (exactly 1 for a model)
	RXXSB     float64
	RYY       float64 // target split-half RSA
	RYYSB     float64
	Denom     float64 // sqrt(RXXSB·RYYSB), NaN when undefined
	Corrected float64 // r_xy / Denom, NaN when undefined
}

// Consistency is the noise-corrected RSA of one source against one target
// over all split-half iterations.
type Consistency struct {
	RXY        float64     // RSA of the full trial means (same in every iteration)
	Iterations []Iteration // the non-dropped iterations, in seed order
	Dropped    int         // iterations dropped because a half mean was undefined
}

// ModelConsistency scores a model RDM (upper triangle; a model has no
// trials, so its halves equal the whole and r_xx = SB(r_xx) = 1) against
// target population p of sh (paper-spec §1.6).
func ModelConsistency(model []float64, sh *SplitHalves, target int) Consistency {
	c := Consistency{RXY: RSA(model, sh.Full(target))}
	for i := range sh.Iterations() {
		if !sh.Valid(target, i) {
			c.Dropped++
			continue
		}
		ryy := sh.Reliability(target, i)
		it := Iteration{Seed: sh.Seed(i), RXX: 1, RXXSB: 1, RYY: ryy, RYYSB: SpearmanBrown(ryy)}
		it.Corrected, it.Denom = Corrected(c.RXY, 1, ryy)
		c.Iterations = append(c.Iterations, it)
	}
	return c
}

// NeuralConsistency scores neural population source against population
// target of sh; both are split with the same seed, independently
// (paper-spec §1.4, §1.9). An iteration is dropped when either is.
func NeuralConsistency(sh *SplitHalves, source, target int) Consistency {
	c := Consistency{RXY: RSA(sh.Full(source), sh.Full(target))}
	for i := range sh.Iterations() {
		if !sh.Valid(source, i) || !sh.Valid(target, i) {
			c.Dropped++
			continue
		}
		rxx, ryy := sh.Reliability(source, i), sh.Reliability(target, i)
		it := Iteration{Seed: sh.Seed(i), RXX: rxx, RXXSB: SpearmanBrown(rxx), RYY: ryy, RYYSB: SpearmanBrown(ryy)}
		it.Corrected, it.Denom = Corrected(c.RXY, rxx, ryy)
		c.Iterations = append(c.Iterations, it)
	}
	return c
}

// Filtered is the paper's per-file summary for RSA (paper-spec §1.7): the
// mean of the corrected score over the iterations whose raw r_yy and raw
// r_xx are both ≥ cutoff, and how many iterations that is. The mean is NaN
// when none is kept.
func (c Consistency) Filtered(cutoff float64) (mean float64, kept int) {
	var sum float64
	for _, it := range c.Iterations {
		if it.RYY < cutoff || it.RXX < cutoff || math.IsNaN(it.Corrected) {
			continue
		}
		sum += it.Corrected
		kept++
	}
	if kept == 0 {
		return math.NaN(), 0
	}
	return sum / float64(kept), kept
}

// UnfilteredMedian is the NaN-median of the corrected score over all kept
// iterations with no reliability filter, and the number of finite values:
// the aggregation the paper's plot uses for its raw-input bar
// (paper-spec §1.11 caveat).
func (c Consistency) UnfilteredMedian() (median float64, finite int) {
	v := make([]float64, 0, len(c.Iterations))
	for _, it := range c.Iterations {
		if !math.IsNaN(it.Corrected) {
			v = append(v, it.Corrected)
		}
	}
	return Median(v), len(v)
}

// Median returns the median of v (NaN for an empty slice); v is not modified.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
