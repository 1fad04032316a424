package synth

import (
	"math"
	"math/rand/v2"
)

// Random streams. Every draw comes from a PCG stream keyed by the seed and
// by what it is for (the structure of the recording, one animal, one unit),
// so a unit's draws do not depend on how many draws other units made.
const (
	streamLayout uint64 = iota + 1 // unit counts per animal
	streamAnimal                   // per animal: site, gain, sessions, trials
	streamUnit                     // per unit: tuning and spikes
)

// splitmix64 is Steele, Lea & Flood's 64-bit finaliser (SplitMix64), used
// to turn a tuple of integers into a well-mixed PCG stream selector.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stream returns the PCG generator for seed and the given key.
func stream(seed uint64, key ...uint64) *rand.Rand {
	h := splitmix64(seed)
	for _, k := range key {
		h = splitmix64(h ^ k)
	}
	return rand.New(rand.NewPCG(seed, h))
}

// gamma draws a Gamma(shape, 1) variate by Marsaglia & Tsang's method
// (ACM TOMS 26:363–372, 2000), with their boost U^(1/shape) for shape < 1.
func gamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gamma(r, shape+1) * math.Pow(r.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// dirichlet fills w with a symmetric Dirichlet(alpha) draw.
func dirichlet(r *rand.Rand, alpha float64, w []float64) {
	var sum float64
	for i := range w {
		w[i] = gamma(r, alpha)
		sum += w[i]
	}
	if !(sum > 0) { // every gamma underflowed (tiny alpha): put all weight on one
		clear(w)
		w[r.IntN(len(w))] = 1
		return
	}
	for i := range w {
		w[i] /= sum
	}
}
