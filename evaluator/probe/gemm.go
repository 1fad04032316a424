package probe

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// float is the element type of the design matrices: float32 for the fast
// path, float64 for the exact path.
type float interface{ ~float32 | ~float64 }

// panelBytes is the size aimed at for one k-panel of B: small enough to stay
// in a core's L2 cache while every row tile of A streams past it.
const panelBytes = 128 << 10

// kernel names a float32 matrix-product implementation.
type kernel int

const (
	kernelAuto   kernel = iota // the fastest in kernels()
	kernelAVX512               // 6×64 and 6×16 AVX-512 tiles
	kernelAVX2                 // 6×16 AVX2+FMA tiles
	kernelGonum                // gonum's pure-Go BLAS
)

func (k kernel) String() string {
	return [...]string{"auto", "avx512", "avx2", "gonum"}[k]
}

// mul sets c to a·b, all row-major: a is m×l with row stride lda, b is l×nc
// with row stride ldb, c is m×nc with row stride ldc. Every element of c is
// accumulated in the same order whatever the worker count, so results are
// reproducible. Float32 products use the fastest kernel this CPU runs
// (float64 ones, gonum's BLAS).
func mul[T float](m, l, nc int, a []T, lda int, b []T, ldb int, c []T, ldc int, workers int) {
	mulWith(kernels()[0], m, l, nc, a, lda, b, ldb, c, ldc, workers)
}

// mulWith is mul with a chosen float32 kernel, which must be kernelAuto or
// in kernels().
// The assembly kernels need nc to be a multiple of 16; other widths fall
// back to gonum.
func mulWith[T float](kern kernel, m, l, nc int, a []T, lda int, b []T, ldb int, c []T, ldc int, workers int) {
	if m == 0 || nc == 0 {
		return
	}
	if kern == kernelAuto {
		kern = kernels()[0]
	}
	if lda < l || ldb < nc || ldc < nc || len(a) < (m-1)*lda+l || len(b) < (l-1)*ldb+nc || len(c) < (m-1)*ldc+nc {
		// Dimensions are computed inside this package, never taken from
		// user input, so a mismatch is a bug here.
		panic(fmt.Sprintf("probe: mul dimensions m=%d l=%d nc=%d lda=%d ldb=%d ldc=%d len=%d,%d,%d",
			m, l, nc, lda, ldb, ldc, len(a), len(b), len(c)))
	}
	if l == 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+nc])
		}
		return
	}
	switch a := any(a).(type) {
	case []float32:
		b, c := any(b).([]float32), any(c).([]float32)
		if kern != kernelGonum && nc%16 == 0 {
			mulTiled(kern, m, l, nc, a, lda, b, ldb, c, ldc, workers)
			return
		}
		gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, nc, l, 1, a, lda, b, ldb, 0, c, ldc)
	case []float64:
		b, c := any(b).([]float64), any(c).([]float64)
		gonum.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, nc, l, 1, a, lda, b, ldb, 0, c, ldc)
	}
}

// mulTiled is mul for float32 with an assembly kernel. The rows of c are
// split into contiguous runs of 6-row tiles, one run per worker; each worker
// walks the k dimension in panels of B sized to stay in its L2 cache.
func mulTiled(kern kernel, m, l, nc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, workers int) {
	kc := max(64, min(1024, panelBytes/(4*nc)))
	tiles := m / 6
	workers = max(1, min(workers, tiles))
	if workers == 1 {
		mulRows(kern, 0, m, l, nc, a, lda, b, ldb, c, ldc, kc)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		r0, r1 := 6*(tiles*w/workers), 6*(tiles*(w+1)/workers)
		if w == workers-1 {
			r1 = m
		}
		wg.Go(func() { mulRows(kern, r0, r1, l, nc, a, lda, b, ldb, c, ldc, kc) })
	}
	wg.Wait()
}

// mulRows computes rows r0..r1 of c. Rows past the last whole 6-row tile
// of the whole product (at most five) take a plain Go loop.
func mulRows(kern kernel, r0, r1, l, nc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, kc int) {
	for i := r0; i < r1; i++ {
		clear(c[i*ldc : i*ldc+nc])
	}
	for p0 := 0; p0 < l; p0 += kc {
		kb := min(kc, l-p0)
		i := r0
		for ; i+6 <= r1; i += 6 {
			j := 0
			if kern == kernelAVX512 {
				for ; j+64 <= nc; j += 64 {
					sgemm6x64(kb, &a[i*lda+p0], lda, &b[p0*ldb+j], ldb, &c[i*ldc+j], ldc)
				}
				for ; j < nc; j += 16 {
					sgemm6x16(kb, &a[i*lda+p0], lda, &b[p0*ldb+j], ldb, &c[i*ldc+j], ldc)
				}
			} else {
				for ; j < nc; j += 16 {
					sgemm6x16avx2(kb, &a[i*lda+p0], lda, &b[p0*ldb+j], ldb, &c[i*ldc+j], ldc)
				}
			}
		}
		for ; i < r1; i++ {
			crow := c[i*ldc : i*ldc+nc]
			for t, av := range a[i*lda+p0 : i*lda+p0+kb] {
				brow := b[(p0+t)*ldb : (p0+t)*ldb+nc]
				for j := range crow {
					crow[j] += av * brow[j]
				}
			}
		}
	}
}
