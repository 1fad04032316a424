package synth

import (
	"math"
	"math/rand/v2"
)

// poisson draws a Poisson(lam) count. Below 10 it inverts by multiplying
// uniforms (Knuth); from 10 on it uses Hörmann's transformed rejection with
// squeeze, PTRS (W. Hörmann 1993, "The transformed rejection method for
// generating Poisson random variables", Insurance: Mathematics and
// Economics 12:39–45; constants from that paper). lam ≤ 0 gives 0.
func poisson(r *rand.Rand, lam float64) int {
	switch {
	case !(lam > 0):
		return 0
	case lam < 10:
		l := math.Exp(-lam)
		k, p := 0, r.Float64()
		for p > l {
			k++
			p *= r.Float64()
		}
		return k
	}
	slam, loglam := math.Sqrt(lam), math.Log(lam)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invAlpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lam + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invAlpha)-math.Log(a/(us*us)+b) <= -lam+k*loglam-lg {
			return int(k)
		}
	}
}

// logNormal returns a log-normal factor with mean 1 and log-SD sigma:
// exp(σ·z − σ²/2), z standard normal.
func logNormal(r *rand.Rand, sigma float64) float64 {
	return math.Exp(sigma*r.NormFloat64() - sigma*sigma/2)
}
