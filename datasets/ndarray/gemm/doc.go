// Package gemm holds whiskerbench's float32 matrix-multiply kernels over
// row-major slices: C = A·B, A·Bᵀ and Aᵀ·B, with AVX-512 and AVX2+FMA
// assembly micro-kernels on amd64 (chosen by CPU feature) and gonum's
// pure-Go BLAS elsewhere or under the purego build tag. Results are
// reproducible: every element of C is accumulated in the same order
// whatever the worker count.
package gemm
