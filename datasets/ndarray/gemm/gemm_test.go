package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naive returns op(a)·op(b) in float64 by the textbook triple loop; at(i,p)
// and bt(p,j) read the logical operands.
func naive(m, k, n int, at func(i, p int) float64, bt func(p, j int) float64) []float64 {
	c := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += at(i, p) * bt(p, j)
			}
			c[i*n+j] = s
		}
	}
	return c
}

func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, max(0, n))
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

type shape struct {
	name          string
	m, k, n       int
	lda, ldb, ldc int // 0 means tight
	workers       int
}

var shapes = []shape{
	{name: "one tile", m: 6, k: 5, n: 64, workers: 1},
	{name: "tail rows only", m: 5, k: 7, n: 16, workers: 2},
	{name: "16-wide tail columns", m: 13, k: 33, n: 80, workers: 2},
	{name: "several k panels", m: 25, k: 2100, n: 128, workers: 2},
	{name: "padded strides", m: 19, k: 40, n: 32, lda: 45, ldb: 48, ldc: 35, workers: 3},
	{name: "more workers than tiles", m: 8, k: 9, n: 16, workers: 7},
	{name: "odd width", m: 11, k: 17, n: 10, workers: 2},
	{name: "odd everything", m: 7, k: 3, n: 27, lda: 9, ldb: 31, ldc: 29, workers: 2},
	{name: "wide, few rows (column split)", m: 27, k: 108, n: 1200, workers: 2},
	{name: "several column blocks", m: 13, k: 70, n: 1104, workers: 1},
	{name: "empty inner dimension", m: 4, k: 0, n: 16, workers: 2},
	{name: "one element", m: 1, k: 1, n: 1, workers: 1},
}

func tol(k int) float64 { return 1e-5 * math.Sqrt(float64(k)+1) * 4 }

// TestProductsMatchNaive checks Mul, MulNT and MulTN, with every kernel
// this CPU runs, against the float64 triple loop on random shapes.
func TestProductsMatchNaive(t *testing.T) {
	for _, tc := range shapes {
		for _, op := range []string{"NN", "NT", "TN"} {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				m, k, n := tc.m, tc.k, tc.n
				// Stored dimensions of a and b.
				ar, ac, br, bc := m, k, k, n
				if op == "TN" {
					ar, ac = k, m
				}
				if op == "NT" {
					br, bc = n, k
				}
				lda, ldb, ldc := max(tc.lda, ac), max(tc.ldb, bc), max(tc.ldc, n)
				rng := rand.New(rand.NewPCG(1, uint64(m*1000+k)))
				a := randSlice(rng, (ar-1)*lda+ac)
				b := randSlice(rng, (br-1)*ldb+bc)
				if ar == 0 {
					a = nil
				}
				if br == 0 {
					b = nil
				}
				at := func(i, p int) float64 { return float64(a[i*lda+p]) }
				if op == "TN" {
					at = func(i, p int) float64 { return float64(a[p*lda+i]) }
				}
				bt := func(p, j int) float64 { return float64(b[p*ldb+j]) }
				if op == "NT" {
					bt = func(p, j int) float64 { return float64(b[j*ldb+p]) }
				}
				want := naive(m, k, n, at, bt)
				var s Scratch
				for _, kern := range append([]Kernel{Auto}, Kernels()...) {
					for _, sc := range []*Scratch{nil, &s} {
						c := make([]float32, (m-1)*ldc+n)
						for i := range c {
							c[i] = 99 // must overwrite, not accumulate
						}
						switch op {
						case "NN":
							MulWith(kern, sc, m, k, n, a, lda, b, ldb, c, ldc, tc.workers)
						case "NT":
							MulNTWith(kern, sc, m, k, n, a, lda, b, ldb, c, ldc, tc.workers)
						case "TN":
							MulTNWith(kern, sc, m, k, n, a, lda, b, ldb, c, ldc, tc.workers)
						}
						for i := 0; i < m; i++ {
							for j := 0; j < n; j++ {
								got, w := float64(c[i*ldc+j]), want[i*n+j]
								if d := math.Abs(got - w); d > tol(k) {
									t.Fatalf("%v kernel, c[%d,%d]: got %g want %g (|diff| %g > %g)", kern, i, j, got, w, d, tol(k))
								}
							}
							for j := n; j < ldc && i < m-1; j++ {
								if c[i*ldc+j] != 99 {
									t.Fatalf("%v kernel wrote c[%d,%d] outside the %d columns", kern, i, j, n)
								}
							}
						}
					}
				}
			})
		}
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range [][3]int{{47, 1500, 64}, {20, 300, 2048}} {
		m, k, n := sh[0], sh[1], sh[2]
		a, b := randSlice(rng, m*k), randSlice(rng, k*n)
		for _, kern := range Kernels() {
			ref := make([]float32, m*n)
			MulWith(kern, nil, m, k, n, a, k, b, n, ref, n, 1)
			for _, w := range []int{2, 3, 8} {
				got := make([]float32, m*n)
				MulWith(kern, nil, m, k, n, a, k, b, n, got, n, w)
				for i := range got {
					if got[i] != ref[i] {
						t.Fatalf("%dx%dx%d %v kernel, workers=%d, element %d: %v != %v with one worker", m, k, n, kern, w, i, got[i], ref[i])
					}
				}
			}
		}
	}
}

func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	r, c := 45, 70
	src := randSlice(rng, r*c)
	dst := make([]float32, c*(r+3))
	Transpose(r, c, src, c, dst, r+3)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if dst[j*(r+3)+i] != src[i*c+j] {
				t.Fatalf("dst[%d,%d] = %v, want %v", j, i, dst[j*(r+3)+i], src[i*c+j])
			}
		}
	}
}

func TestBadDimensionsPanic(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a too-short a")
		}
	}()
	Mul(nil, 4, 4, 16, make([]float32, 15), 4, make([]float32, 64), 16, make([]float32, 64), 16, 1)
}

func BenchmarkMul(b *testing.B) {
	// The probe's shape (tall a, 128 columns) and the ConvRNN conv's
	// forward, dW and dX products (few rows, very wide).
	for _, sh := range []struct {
		name    string
		op      string
		m, k, n int
	}{
		{"probe 10000x4096x128", "NN", 10000, 4096, 128},
		{"conv fwd 108x432x16384", "NN", 108, 432, 16384},
		{"conv dW 108x16384x432", "NT", 108, 16384, 432},
		{"conv dX 432x108x16384", "TN", 432, 108, 16384},
	} {
		rng := rand.New(rand.NewPCG(5, 6))
		a, w := randSlice(rng, sh.m*sh.k), randSlice(rng, sh.k*sh.n)
		c := make([]float32, sh.m*sh.n)
		for _, kern := range Kernels() {
			b.Run(sh.name+"/"+kern.String(), func(b *testing.B) {
				var s Scratch
				for b.Loop() {
					switch sh.op {
					case "NN":
						MulWith(kern, &s, sh.m, sh.k, sh.n, a, sh.k, w, sh.n, c, sh.n, 1)
					case "NT":
						MulNTWith(kern, &s, sh.m, sh.k, sh.n, a, sh.k, w, sh.k, c, sh.n, 1)
					case "TN":
						MulTNWith(kern, &s, sh.m, sh.k, sh.n, a, sh.m, w, sh.n, c, sh.n, 1)
					}
				}
				b.ReportMetric(2*float64(sh.m)*float64(sh.k)*float64(sh.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}
