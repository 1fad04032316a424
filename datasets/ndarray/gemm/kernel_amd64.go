//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// Kernels lists the float32 product kernels this CPU can run, fastest
// first; the last is always Gonum. CPU features are fixed facts of the
// machine, read by x/sys/cpu.
func Kernels() []Kernel {
	var ks []Kernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, AVX512)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, AVX2)
	}
	return append(ks, Gonum)
}

// sgemm6x64 adds A·B into C for a 6×64 block of C: A is 6×k with row stride
// lda, B is k×64 with row stride ldb, C is 6×64 with row stride ldc (strides
// in elements). AVX-512F; implemented in kernel_amd64.s.
//
//go:noescape
func sgemm6x64(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// sgemm6x16 is sgemm6x64 for a 6×16 block of C (AVX-512F).
//
//go:noescape
func sgemm6x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// sgemm6x16avx2 is sgemm6x16 for CPUs with AVX2 and FMA but no AVX-512.
//
//go:noescape
func sgemm6x16avx2(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
