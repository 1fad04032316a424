package probe

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray/gemm"
)

// float is the element type of the design matrices: float32 for the fast
// path, float64 for the exact path.
type float interface{ ~float32 | ~float64 }

// kernel names a float32 matrix-product implementation (package gemm).
type kernel = gemm.Kernel

const (
	kernelAuto  = gemm.Auto
	kernelGonum = gemm.Gonum
)

// kernels lists the float32 kernels this CPU runs, fastest first.
func kernels() []kernel { return gemm.Kernels() }

// mul sets c to a·b, all row-major: a is m×l with row stride lda, b is l×nc
// with row stride ldb, c is m×nc with row stride ldc. Every element of c is
// accumulated in the same order whatever the worker count, so results are
// reproducible. Float32 products use the fastest kernel this CPU runs
// (float64 ones, gonum's BLAS).
func mul[T float](m, l, nc int, a []T, lda int, b []T, ldb int, c []T, ldc int, workers int) {
	mulWith(kernelAuto, m, l, nc, a, lda, b, ldb, c, ldc, workers)
}

// mulWith is mul with a chosen float32 kernel, which must be kernelAuto or
// in kernels(); see gemm.MulWith.
func mulWith[T float](kern kernel, m, l, nc int, a []T, lda int, b []T, ldb int, c []T, ldc int, workers int) {
	switch a := any(a).(type) {
	case []float32:
		gemm.MulWith(kern, nil, m, l, nc, a, lda, any(b).([]float32), ldb, any(c).([]float32), ldc, workers)
	case []float64:
		if m == 0 || nc == 0 {
			return
		}
		if l == 0 {
			c := any(c).([]float64)
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+nc])
			}
			return
		}
		gonum.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, nc, l, 1, a, lda, any(b).([]float64), ldb, 0, any(c).([]float64), ldc)
	}
}
