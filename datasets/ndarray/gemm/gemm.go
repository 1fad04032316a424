package gemm

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// panelBytes is the size aimed at for one block of B (kc rows × nb
// columns): small enough to stay in a core's L2 cache while every row tile
// of A streams past it.
const panelBytes = 128 << 10

// colBlock is the widest column block of C computed per pass over A.
const colBlock = 512

// Kernel names a float32 matrix-product implementation.
type Kernel int

const (
	Auto   Kernel = iota // the fastest in Kernels()
	AVX512               // 6×64 and 6×16 AVX-512 tiles
	AVX2                 // 6×16 AVX2+FMA tiles
	Gonum                // gonum's pure-Go BLAS
)

// String returns the kernel's name: "auto", "avx512", "avx2" or "gonum".
func (k Kernel) String() string {
	if k < Auto || k > Gonum {
		return fmt.Sprintf("Kernel(%d)", int(k))
	}
	return [...]string{"auto", "avx512", "avx2", "gonum"}[k]
}

// Scratch holds packing buffers that Mul, MulNT and MulTN reuse across
// calls; the zero value is ready and nil means allocate per call. A Scratch
// must not be used by two calls at once.
type Scratch struct{ a, b, c []float32 }

func grow(p *[]float32, n int) []float32 {
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	return (*p)[:n]
}

func (s *Scratch) bufs() *Scratch {
	if s == nil {
		return &Scratch{}
	}
	return s
}

// Mul sets c to a·b with the fastest kernel this CPU runs; see MulWith.
func Mul(s *Scratch, m, k, n int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, workers int) {
	MulWith(Auto, s, m, k, n, a, lda, b, ldb, c, ldc, workers)
}

// MulNT sets c to a·bᵀ with the fastest kernel this CPU runs; see MulNTWith.
func MulNT(s *Scratch, m, k, n int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, workers int) {
	MulNTWith(Auto, s, m, k, n, a, lda, b, ldb, c, ldc, workers)
}

// MulTN sets c to aᵀ·b with the fastest kernel this CPU runs; see MulTNWith.
func MulTN(s *Scratch, m, k, n int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, workers int) {
	MulTNWith(Auto, s, m, k, n, a, lda, b, ldb, c, ldc, workers)
}

func resolve(kern Kernel) Kernel {
	if kern == Auto {
		return Kernels()[0]
	}
	return kern
}

func check(op string, m, k, n int, la, lda, ra, ca int, lb, ldb, rb, cb int, lc, ldc int) {
	// Dimensions come from the caller's own shapes, never from user
	// input, so a mismatch is a bug in the caller.
	bad := lda < ca || ldb < cb || ldc < n ||
		(ra > 0 && la < (ra-1)*lda+ca) || (rb > 0 && lb < (rb-1)*ldb+cb) || (m > 0 && lc < (m-1)*ldc+n)
	if bad {
		panic(fmt.Sprintf("gemm: %s dimensions m=%d k=%d n=%d lda=%d ldb=%d ldc=%d len=%d,%d,%d",
			op, m, k, n, lda, ldb, ldc, la, lb, lc))
	}
}

func clearC(m, n int, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		clear(c[i*ldc : i*ldc+n])
	}
}

// MulWith sets c to a·b, all row-major: a is m×k with row stride lda, b is
// k×n with row stride ldb, c is m×n with row stride ldc. kern must be Auto
// or in Kernels(). Every element of c is accumulated in the same order
// whatever the worker count, so results are reproducible. The assembly
// kernels work on 16-column strips; other widths are padded through s.
func MulWith(kern Kernel, s *Scratch, m, k, n int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, workers int) {
	check("mul", m, k, n, len(a), lda, m, k, len(b), ldb, k, n, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clearC(m, n, c, ldc)
		return
	}
	kern = resolve(kern)
	if kern == Gonum {
		gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
		return
	}
	if n%16 == 0 {
		mulTiled(kern, m, k, n, a, lda, b, ldb, c, ldc, workers)
		return
	}
	s = s.bufs()
	np := (n + 15) &^ 15
	bp := grow(&s.b, k*np)
	for p := 0; p < k; p++ {
		copy(bp[p*np:p*np+n], b[p*ldb:p*ldb+n])
		clear(bp[p*np+n : (p+1)*np])
	}
	mulPadded(kern, s, m, k, n, np, a, lda, bp, c, ldc, workers)
}

// mulPadded multiplies a by the packed k×np matrix bp into the first n
// columns of c.
func mulPadded(kern Kernel, s *Scratch, m, k, n, np int, a []float32, lda int, bp []float32, c []float32, ldc int, workers int) {
	if np == n {
		mulTiled(kern, m, k, n, a, lda, bp, np, c, ldc, workers)
		return
	}
	cp := grow(&s.c, m*np)
	mulTiled(kern, m, k, np, a, lda, bp, np, cp, np, workers)
	for i := 0; i < m; i++ {
		copy(c[i*ldc:i*ldc+n], cp[i*np:i*np+n])
	}
}

// MulNTWith sets c to a·bᵀ: a is m×k (stride lda), b is n×k (stride ldb),
// c is m×n (stride ldc). The assembly kernels see the smaller of a and b
// transposed into s.
func MulNTWith(kern Kernel, s *Scratch, m, k, n int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, workers int) {
	check("mul_nt", m, k, n, len(a), lda, m, k, len(b), ldb, n, k, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clearC(m, n, c, ldc)
		return
	}
	kern = resolve(kern)
	if kern == Gonum {
		gonum.Implementation{}.Sgemm(blas.NoTrans, blas.Trans, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
		return
	}
	s = s.bufs()
	if m < n {
		// Pack the smaller operand: cᵀ = b·aᵀ, with aᵀ packed k×mp and
		// cᵀ computed n×mp, then transposed into c.
		mp := (m + 15) &^ 15
		ap := grow(&s.a, k*mp)
		Transpose(m, k, a, lda, ap, mp)
		if mp != m {
			for p := 0; p < k; p++ {
				clear(ap[p*mp+m : (p+1)*mp])
			}
		}
		ct := grow(&s.c, n*mp)
		mulTiled(kern, n, k, mp, b, ldb, ap, mp, ct, mp, workers)
		Transpose(n, m, ct, mp, c, ldc)
		return
	}
	np := (n + 15) &^ 15
	bp := grow(&s.b, k*np)
	Transpose(n, k, b, ldb, bp, np)
	if np != n {
		for p := 0; p < k; p++ {
			clear(bp[p*np+n : (p+1)*np])
		}
	}
	mulPadded(kern, s, m, k, n, np, a, lda, bp, c, ldc, workers)
}

// MulTNWith sets c to aᵀ·b: a is k×m (stride lda), b is k×n (stride ldb),
// c is m×n (stride ldc). The assembly kernels see aᵀ packed into s.
func MulTNWith(kern Kernel, s *Scratch, m, k, n int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, workers int) {
	check("mul_tn", m, k, n, len(a), lda, k, m, len(b), ldb, k, n, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clearC(m, n, c, ldc)
		return
	}
	kern = resolve(kern)
	if kern == Gonum {
		gonum.Implementation{}.Sgemm(blas.Trans, blas.NoTrans, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
		return
	}
	s = s.bufs()
	ap := grow(&s.a, m*k)
	Transpose(k, m, a, lda, ap, k)
	// MulWith may use s.b and s.c but never s.a.
	MulWith(kern, s, m, k, n, ap, k, b, ldb, c, ldc, workers)
}

// Transpose writes the r×c matrix src (row stride lds) transposed into dst
// (c×r, row stride ldd), in cache-sized blocks.
func Transpose(r, c int, src []float32, lds int, dst []float32, ldd int) {
	const bs = 32
	for i0 := 0; i0 < r; i0 += bs {
		i1 := min(i0+bs, r)
		for j0 := 0; j0 < c; j0 += bs {
			j1 := min(j0+bs, c)
			for i := i0; i < i1; i++ {
				row := src[i*lds+j0 : i*lds+j1]
				for j, v := range row {
					dst[(j0+j)*ldd+i] = v
				}
			}
		}
	}
}

// mulTiled is MulWith with an assembly kernel and n a multiple of 16. The
// work is split among workers by contiguous runs of 6-row tiles of c (or,
// when there are too few tiles, by 16-column strips); each worker walks c in
// column blocks and the k dimension in panels of b sized to stay in L2.
func mulTiled(kern Kernel, m, k, n int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, workers int) {
	tiles := m / 6
	workers = max(1, workers)
	var wg sync.WaitGroup
	switch {
	case workers > 1 && (tiles >= 8*workers || (tiles >= workers && n < 64*workers)):
		workers = min(workers, tiles)
		for w := range workers {
			r0, r1 := 6*(tiles*w/workers), 6*(tiles*(w+1)/workers)
			if w == workers-1 {
				r1 = m
			}
			wg.Go(func() { mulBlock(kern, r0, r1, 0, n, k, a, lda, b, ldb, c, ldc) })
		}
	case workers > 1 && n >= 64*workers:
		strips := n / 16
		for w := range workers {
			j0, j1 := 16*(strips*w/workers), 16*(strips*(w+1)/workers)
			wg.Go(func() { mulBlock(kern, 0, m, j0, j1, k, a, lda, b, ldb, c, ldc) })
		}
	default:
		mulBlock(kern, 0, m, 0, n, k, a, lda, b, ldb, c, ldc)
	}
	wg.Wait()
}

// mulBlock computes rows r0..r1, columns j0..j1 of c (j0, j1 multiples of
// 16). Rows past the last whole 6-row tile of the range (at most five)
// take a plain Go loop. Each element is accumulated over k in order,
// whatever the blocking, so the result does not depend on the split.
func mulBlock(kern Kernel, r0, r1, j0, j1, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	nb := min(colBlock, j1-j0)
	kc := max(64, min(1024, panelBytes/(4*nb)))
	for jb0 := j0; jb0 < j1; jb0 += nb {
		jb1 := min(jb0+nb, j1)
		for i := r0; i < r1; i++ {
			clear(c[i*ldc+jb0 : i*ldc+jb1])
		}
		for p0 := 0; p0 < k; p0 += kc {
			kb := min(kc, k-p0)
			i := r0
			for ; i+6 <= r1; i += 6 {
				j := jb0
				if kern == AVX512 {
					for ; j+64 <= jb1; j += 64 {
						sgemm6x64(kb, &a[i*lda+p0], lda, &b[p0*ldb+j], ldb, &c[i*ldc+j], ldc)
					}
					for ; j < jb1; j += 16 {
						sgemm6x16(kb, &a[i*lda+p0], lda, &b[p0*ldb+j], ldb, &c[i*ldc+j], ldc)
					}
				} else {
					for ; j < jb1; j += 16 {
						sgemm6x16avx2(kb, &a[i*lda+p0], lda, &b[p0*ldb+j], ldb, &c[i*ldc+j], ldc)
					}
				}
			}
			for ; i < r1; i++ {
				crow := c[i*ldc+jb0 : i*ldc+jb1]
				for t, av := range a[i*lda+p0 : i*lda+p0+kb] {
					brow := b[(p0+t)*ldb+jb0 : (p0+t)*ldb+jb1]
					for j := range crow {
						crow[j] += av * brow[j]
					}
				}
			}
		}
	}
}
