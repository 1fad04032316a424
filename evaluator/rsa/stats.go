package rsa

import (
	"math"
	"slices"
)

// productTolerance is the |r_xx_sb · r_yy_sb| below which the denominator of
// the noise-corrected score is treated as zero: numpy's isclose(p, 0) with
// its default atol = 1e-8, which the reference implementation uses
// (Chung et al. 2025, paper-spec §1.6 step 4).
const productTolerance = 1e-8

// Pearson returns the Pearson correlation of x and y (equal lengths),
// computed two-pass in float64 and clipped to [−1, 1]. It is NaN when
// either vector is constant or shorter than 2, or the lengths differ.
func Pearson(x, y []float64) float64 {
	n := len(x)
	if n < 2 || len(y) != n {
		return math.NaN()
	}
	var mx, my float64
	for i := range n {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxy, sxx, syy float64
	for i := range n {
		a, b := x[i]-mx, y[i]-my
		sxy += a * b
		sxx += a * a
		syy += b * b
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	r := sxy / math.Sqrt(sxx) / math.Sqrt(syy)
	return max(-1, min(1, r))
}

// Ranks returns the 1-based ranks of x, ties given their average rank
// (scipy.stats.rankdata's "average" method). NaN inputs get NaN ranks.
func Ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		va, vb := x[a], x[b]
		switch {
		case math.IsNaN(va) && math.IsNaN(vb):
			return 0
		case math.IsNaN(va):
			return 1
		case math.IsNaN(vb):
			return -1
		case va < vb:
			return -1
		case va > vb:
			return 1
		}
		return 0
	})
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
			if math.IsNaN(x[idx[k]]) {
				r[idx[k]] = math.NaN()
			}
		}
		i = j + 1
	}
	return r
}

// Spearman returns the Spearman rank correlation of x and y: the Pearson
// correlation of their average ranks.
func Spearman(x, y []float64) float64 {
	return Pearson(Ranks(x), Ranks(y))
}

// RSA is the paper's "rsa_pearsonr": the Pearson correlation between two
// RDM upper-triangle vectors (Chung et al. 2025, paper-spec §1.5).
func RSA(a, b []float64) float64 { return Pearson(a, b) }

// RSASpearman is the Spearman variant of RSA on the same vectors. (The
// paper's library version raises on its Spearman option, paper-spec §1.5;
// this is offered for analyses, not used by rsa-paper-v1.)
func RSASpearman(a, b []float64) float64 { return Spearman(a, b) }

// SpearmanBrown projects a split-half correlation to full length:
// SB(r) = 2r / (1 + r) (paper-spec §1.6 step 3).
func SpearmanBrown(r float64) float64 { return 2 * r / (1 + r) }

// Corrected returns the noise-corrected score
// r_xy / sqrt(SB(r_xx) · SB(r_yy)) and its denominator (paper-spec §1.6
// step 4). Both are NaN when the product of the corrected reliabilities is
// negative, within 1e-8 of zero, or NaN. Values above 1 are returned as is.
func Corrected(rxy, rxx, ryy float64) (score, denom float64) {
	p := SpearmanBrown(rxx) * SpearmanBrown(ryy)
	if math.IsNaN(p) || p < 0 || math.Abs(p) <= productTolerance {
		return math.NaN(), math.NaN()
	}
	d := math.Sqrt(p)
	return rxy / d, d
}
