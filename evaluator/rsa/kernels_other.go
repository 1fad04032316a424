//go:build !amd64

package rsa

// haveSIMDKernels reports that this architecture has no assembly kernels, so
// simdAvailable() is false and the pure-Go kernels always run.
const haveSIMDKernels = false

// simdSelf3 processes nothing on this architecture: every column is left to
// the Go kernel.
func simdSelf3[T float](a, b, c []T, pivB []float64, acc *[9]float64) int { return 0 }

// simdCross33 processes nothing on this architecture.
func simdCross33[T float](a0, a1, a2, b0, b1, b2 []T, pavB, pbvB []float64, acc *[9]float64) int {
	return 0
}
