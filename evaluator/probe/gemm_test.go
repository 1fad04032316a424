package probe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveMul is the textbook triple loop in float64, the reference for mul.
func naiveMul(m, l, nc int, a []float64, lda int, b []float64, ldb int) []float64 {
	c := make([]float64, m*nc)
	for i := 0; i < m; i++ {
		for j := 0; j < nc; j++ {
			var s float64
			for t := 0; t < l; t++ {
				s += a[i*lda+t] * b[t*ldb+j]
			}
			c[i*nc+j] = s
		}
	}
	return c
}

func TestMulMatchesNaive(t *testing.T) {
	tests := []struct {
		name     string
		m, l, nc int
		lda, ldb int // 0 means tight
		workers  int
	}{
		{name: "one tile", m: 6, l: 5, nc: 64, workers: 1},
		{name: "tail rows only", m: 5, l: 7, nc: 16, workers: 2},
		{name: "16-wide tail columns", m: 13, l: 33, nc: 80, workers: 2},
		{name: "several k panels", m: 25, l: 2100, nc: 128, workers: 2},
		{name: "padded strides", m: 19, l: 40, nc: 32, lda: 45, ldb: 48, workers: 3},
		{name: "more workers than tiles", m: 8, l: 9, nc: 16, workers: 7},
		{name: "width not a multiple of 16 (gonum path)", m: 11, l: 17, nc: 10, workers: 2},
		{name: "empty inner dimension", m: 4, l: 0, nc: 16, workers: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lda, ldb := max(tc.lda, tc.l), max(tc.ldb, tc.nc)
			rng := rand.New(rand.NewPCG(1, uint64(tc.m*1000+tc.l)))
			a64 := make([]float64, max(0, (tc.m-1)*lda+tc.l))
			b64 := make([]float64, max(0, (tc.l-1)*ldb+tc.nc))
			for i := range a64 {
				a64[i] = rng.NormFloat64()
			}
			for i := range b64 {
				b64[i] = rng.NormFloat64()
			}
			want := naiveMul(tc.m, tc.l, tc.nc, a64, lda, b64, ldb)
			a32, b32 := toF32(a64), toF32(b64)
			c32 := make([]float32, tc.m*tc.nc)
			c64 := make([]float64, tc.m*tc.nc)
			tol32 := 1e-5 * math.Sqrt(float64(tc.l)+1) * 4
			for _, kern := range kernels() {
				for i := range c32 {
					c32[i] = 99 // mul must overwrite, not accumulate
				}
				mulWith(kern, tc.m, tc.l, tc.nc, a32, lda, b32, ldb, c32, tc.nc, tc.workers)
				for i := range want {
					if d := math.Abs(float64(c32[i]) - want[i]); d > tol32 {
						t.Fatalf("%v kernel, element %d: got %g want %g (|diff| %g > %g)", kern, i, c32[i], want[i], d, tol32)
					}
				}
			}
			mul(tc.m, tc.l, tc.nc, a64, lda, b64, ldb, c64, tc.nc, tc.workers)
			for i := range want {
				if d := math.Abs(c64[i] - want[i]); d > 1e-10*(float64(tc.l)+1) {
					t.Fatalf("float64 element %d: got %g want %g", i, c64[i], want[i])
				}
			}
		})
	}
}

func TestMulDeterministicAcrossWorkers(t *testing.T) {
	m, l, nc := 47, 1500, 64
	rng := rand.New(rand.NewPCG(3, 4))
	a := make([]float32, m*l)
	b := make([]float32, l*nc)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	for _, kern := range kernels() {
		ref := make([]float32, m*nc)
		mulWith(kern, m, l, nc, a, l, b, nc, ref, nc, 1)
		for _, w := range []int{2, 3, 8} {
			got := make([]float32, m*nc)
			mulWith(kern, m, l, nc, a, l, b, nc, got, nc, w)
			for i := range got {
				if got[i] != ref[i] {
					t.Fatalf("%v kernel, workers=%d, element %d: %v != %v with one worker", kern, w, i, got[i], ref[i])
				}
			}
		}
	}
}

func toF32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func BenchmarkMulFloat32(b *testing.B) {
	const m, l, nc = 10000, 4096, 128
	rng := rand.New(rand.NewPCG(5, 6))
	a := make([]float32, m*l)
	w := make([]float32, l*nc)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	c := make([]float32, m*nc)
	for _, kern := range kernels() {
		b.Run(kern.String(), func(b *testing.B) {
			for b.Loop() {
				mulWith(kern, m, l, nc, a, l, w, nc, c, nc, 2)
			}
			b.ReportMetric(2*float64(m)*float64(l)*float64(nc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
