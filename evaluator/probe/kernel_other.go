//go:build !amd64 || purego

package probe

// hasAVX512 is false off amd64: the float32 products go through gonum's BLAS.
func hasAVX512() bool { return false }

func sgemm6x64(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("probe: sgemm6x64 called without AVX-512")
}

func sgemm6x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("probe: sgemm6x16 called without AVX-512")
}
