//go:build !amd64 || purego

package gemm

// Kernels off amd64 (or with the purego tag) is gonum's BLAS alone.
func Kernels() []Kernel { return []Kernel{Gonum} }

// The assembly kernels exist only on amd64; mulTiled never selects these.

func sgemm6x64(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("gemm: sgemm6x64 without amd64 assembly")
}

func sgemm6x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("gemm: sgemm6x16 without amd64 assembly")
}

func sgemm6x16avx2(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("gemm: sgemm6x16avx2 without amd64 assembly")
}
