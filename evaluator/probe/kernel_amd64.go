//go:build amd64 && !purego

package probe

import "golang.org/x/sys/cpu"

// hasAVX512 reports whether the AVX-512 float32 micro-kernels may run. It is
// a constant fact of the machine, read once by the runtime, not mutable
// package state.
func hasAVX512() bool { return cpu.X86.HasAVX512F }

// sgemm6x64 adds A·B into C for a 6×64 block of C: A is 6×k with row stride
// lda, B is k×64 with row stride ldb, C is 6×64 with row stride ldc (strides
// in elements). Implemented in kernel_amd64.s.
//
//go:noescape
func sgemm6x64(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// sgemm6x16 is sgemm6x64 for a 6×16 block of C.
//
//go:noescape
func sgemm6x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
