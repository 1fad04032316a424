package rsa

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/cpu"
)

// rdmBlockCols is the number of feature columns in one unit of RDM work.
// Partial moments are summed block by block in block order, so the result
// is bit-identical whatever the number of workers.
const rdmBlockCols = 4096

// simdAvailable reports whether the AVX2+FMA kernels may run on this CPU.
// (cpu.X86 is filled once by x/sys/cpu at start-up.)
func simdAvailable() bool { return haveSIMDKernels && cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// ConstantRowError reports a stimulus row whose features are all equal, so
// its Pearson correlation with any other row is undefined.
type ConstantRowError struct{ Row int }

func (e *ConstantRowError) Error() string {
	return fmt.Sprintf("row %d is constant (zero variance across features): correlation undefined", e.Row)
}

// NonFiniteError reports a row whose moments are not finite, i.e. that holds
// a NaN or an infinity (or values so large that their squares overflow).
type NonFiniteError struct{ Row int }

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("row %d holds NaN or infinite values", e.Row)
}

// RDMFloat32 returns the rows×rows dissimilarity matrix 1 − r, with r the
// Pearson correlation between rows of the row-major rows×cols matrix x
// computed across columns (numpy corrcoef of rows; Chung et al. 2025,
// paper-spec §1.5). The diagonal is exactly 0 and the matrix is symmetric.
//
// x is read once, in place (no float64 copy): per-row sums and pairwise
// cross-products of pivot-shifted values are accumulated in float64 over
// fixed blocks of columns, spread over up to workers goroutines
// (workers ≤ 0 means GOMAXPROCS).
func RDMFloat32(x []float32, rows, cols, workers int) ([]float64, error) {
	return rdm(x, rows, cols, workers, simdAvailable())
}

// RDMFloat64 is RDMFloat32 for float64 input.
func RDMFloat64(x []float64, rows, cols, workers int) ([]float64, error) {
	return rdm(x, rows, cols, workers, simdAvailable())
}

type float interface{ ~float32 | ~float64 }

func rdm[T float](x []T, rows, cols, workers int, simd bool) ([]float64, error) {
	if rows < 2 {
		return nil, fmt.Errorf("rdm: need at least 2 rows, have %d", rows)
	}
	if cols < 2 {
		return nil, fmt.Errorf("rdm: need at least 2 feature columns, have %d", cols)
	}
	if rows > math.MaxInt/cols || len(x) != rows*cols {
		return nil, fmt.Errorf("rdm: %d×%d matrix needs %d elements, have %d", rows, cols, rows*cols, len(x))
	}
	sums, cross := rowMoments(x, rows, cols, workers, simd)
	return rdmFromRawMoments(sums, cross, rows, float64(cols))
}

// rowMoments returns, for the pivot-shifted rows z_i = x_i − x_i[0], the sums
// Σ z_i and the cross-products Σ z_i z_j (upper triangle of a rows×rows
// matrix). The pivot makes the one-pass formula immune to large offsets,
// keeps constant rows exactly zero, and float32 differences and products are
// exact in float64.
func rowMoments[T float](x []T, rows, cols, workers int, simd bool) (sums, cross []float64) {
	piv := make([]float64, rows)
	pivB := make([]float64, 4*rows) // each pivot broadcast to 4 lanes for the SIMD kernels
	for i := range rows {
		piv[i] = float64(x[i*cols])
		for l := range 4 {
			pivB[4*i+l] = piv[i]
		}
	}
	nb := (cols + rdmBlockCols - 1) / rdmBlockCols
	stride := rows + rows*rows
	partial := make([]float64, nb*stride)
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, nb)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				b := int(next.Add(1) - 1)
				if b >= nb {
					return
				}
				lo := b * rdmBlockCols
				hi := min(lo+rdmBlockCols, cols)
				blockMoments(x, rows, cols, lo, hi, piv, pivB, partial[b*stride:(b+1)*stride], simd)
			}
		})
	}
	wg.Wait()
	sums = make([]float64, rows)
	cross = make([]float64, rows*rows)
	for b := range nb {
		p := partial[b*stride:]
		for i := range rows {
			sums[i] += p[i]
		}
		for k := range rows * rows {
			cross[k] += p[rows+k]
		}
	}
	return sums, cross
}

// rdmFromRawMoments turns pivot-shifted sums and cross-products over f
// columns into 1 − r.
func rdmFromRawMoments(sums, cross []float64, n int, f float64) ([]float64, error) {
	cov := make([]float64, n*n)
	for i := range n {
		for j := i; j < n; j++ {
			c := cross[i*n+j] - sums[i]*sums[j]/f
			cov[i*n+j], cov[j*n+i] = c, c
		}
	}
	return rdmFromCov(cov, n)
}

// rdmFromCov turns a (co)variance or co-moment matrix into 1 − r, checking
// that every row has a finite, positive variance.
func rdmFromCov(cov []float64, n int) ([]float64, error) {
	sd := make([]float64, n)
	for i := range n {
		v := cov[i*n+i]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &NonFiniteError{Row: i}
		}
		if v <= 0 {
			return nil, &ConstantRowError{Row: i}
		}
		sd[i] = math.Sqrt(v)
	}
	out := make([]float64, n*n)
	for i := range n {
		for j := i + 1; j < n; j++ {
			r := cov[i*n+j] / sd[i] / sd[j]
			if math.IsNaN(r) {
				return nil, &NonFiniteError{Row: i}
			}
			// numpy corrcoef clips to [−1, 1] as well.
			r = max(-1, min(1, r))
			out[i*n+j], out[j*n+i] = 1-r, 1-r
		}
	}
	return out, nil
}

// blockMoments accumulates the moments of columns [lo, hi) into out
// (rows sums, then a rows×rows cross-product matrix, upper triangle used).
// Rows are processed in tiles of three so that the accumulators of one tile
// pair stay in registers.
func blockMoments[T float](x []T, rows, cols, lo, hi int, piv, pivB, out []float64, simd bool) {
	row := func(i int) []T { return x[i*cols+lo : i*cols+hi] }
	cross := out[rows:]
	for ta := 0; ta < rows; ta += 3 {
		na := min(3, rows-ta)
		for tb := ta; tb < rows; tb += 3 {
			nb := min(3, rows-tb)
			switch {
			case ta == tb && na == 3:
				var acc [9]float64
				self3(row(ta), row(ta+1), row(ta+2), piv[ta:ta+3], pivB[4*ta:4*ta+12], &acc, simd)
				out[ta], out[ta+1], out[ta+2] = acc[0], acc[1], acc[2]
				cross[ta*rows+ta] = acc[3]
				cross[ta*rows+ta+1] = acc[4]
				cross[ta*rows+ta+2] = acc[5]
				cross[(ta+1)*rows+ta+1] = acc[6]
				cross[(ta+1)*rows+ta+2] = acc[7]
				cross[(ta+2)*rows+ta+2] = acc[8]
			case ta != tb && na == 3 && nb == 3:
				var acc [9]float64
				cross33(row(ta), row(ta+1), row(ta+2), row(tb), row(tb+1), row(tb+2),
					piv[ta:ta+3], piv[tb:tb+3], pivB[4*ta:4*ta+12], pivB[4*tb:4*tb+12], &acc, simd)
				for a := range 3 {
					for b := range 3 {
						cross[(ta+a)*rows+tb+b] = acc[3*a+b]
					}
				}
			default:
				for a := ta; a < ta+na; a++ {
					if ta == tb {
						out[a] = shiftedSum(row(a), piv[a])
					}
					first := tb
					if ta == tb {
						first = a
					}
					for b := first; b < tb+nb; b++ {
						cross[a*rows+b] = shiftedDot(row(a), row(b), piv[a], piv[b])
					}
				}
			}
		}
	}
}

func shiftedSum[T float](a []T, p float64) float64 {
	var s0, s1 float64
	i := 0
	for ; i+1 < len(a); i += 2 {
		s0 += float64(a[i]) - p
		s1 += float64(a[i+1]) - p
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i]) - p
	}
	return s0 + s1
}

func shiftedDot[T float](a, b []T, pa, pb float64) float64 {
	b = b[:len(a)]
	var s0, s1 float64
	i := 0
	for ; i+1 < len(a); i += 2 {
		s0 = math.FMA(float64(a[i])-pa, float64(b[i])-pb, s0)
		s1 = math.FMA(float64(a[i+1])-pa, float64(b[i+1])-pb, s1)
	}
	for ; i < len(a); i++ {
		s0 = math.FMA(float64(a[i])-pa, float64(b[i])-pb, s0)
	}
	return s0 + s1
}

// self3 accumulates, for three rows, acc = [Σa Σb Σc Σaa Σab Σac Σbb Σbc Σcc]
// of pivot-shifted values. The SIMD kernel handles whole groups of four
// columns; the remainder runs here.
func self3[T float](a, b, c []T, piv, pivB []float64, acc *[9]float64, simd bool) {
	n := len(a)
	b, c = b[:n], c[:n]
	start := 0
	if simd && n >= 4 {
		start = simdSelf3(a, b, c, pivB, acc)
	}
	pa, pb, pc := piv[0], piv[1], piv[2]
	var sa, sb, sc, aa, ab, ac, bb, bc, cc float64
	for i := start; i < n; i++ {
		x := float64(a[i]) - pa
		y := float64(b[i]) - pb
		z := float64(c[i]) - pc
		sa += x
		sb += y
		sc += z
		aa = math.FMA(x, x, aa)
		ab = math.FMA(x, y, ab)
		ac = math.FMA(x, z, ac)
		bb = math.FMA(y, y, bb)
		bc = math.FMA(y, z, bc)
		cc = math.FMA(z, z, cc)
	}
	acc[0] += sa
	acc[1] += sb
	acc[2] += sc
	acc[3] += aa
	acc[4] += ab
	acc[5] += ac
	acc[6] += bb
	acc[7] += bc
	acc[8] += cc
}

// cross33 accumulates the nine cross-products Σ a_i b_j (i, j < 3) of
// pivot-shifted values into acc[3i+j].
func cross33[T float](a0, a1, a2, b0, b1, b2 []T, pa, pb, pavB, pbvB []float64, acc *[9]float64, simd bool) {
	n := len(a0)
	a1, a2, b0, b1, b2 = a1[:n], a2[:n], b0[:n], b1[:n], b2[:n]
	start := 0
	if simd && n >= 4 {
		start = simdCross33(a0, a1, a2, b0, b1, b2, pavB, pbvB, acc)
	}
	var s0, s1, s2, s3, s4, s5, s6, s7, s8 float64
	for i := start; i < n; i++ {
		x0 := float64(a0[i]) - pa[0]
		x1 := float64(a1[i]) - pa[1]
		x2 := float64(a2[i]) - pa[2]
		y0 := float64(b0[i]) - pb[0]
		y1 := float64(b1[i]) - pb[1]
		y2 := float64(b2[i]) - pb[2]
		s0 = math.FMA(x0, y0, s0)
		s1 = math.FMA(x0, y1, s1)
		s2 = math.FMA(x0, y2, s2)
		s3 = math.FMA(x1, y0, s3)
		s4 = math.FMA(x1, y1, s4)
		s5 = math.FMA(x1, y2, s5)
		s6 = math.FMA(x2, y0, s6)
		s7 = math.FMA(x2, y1, s7)
		s8 = math.FMA(x2, y2, s8)
	}
	acc[0] += s0
	acc[1] += s1
	acc[2] += s2
	acc[3] += s3
	acc[4] += s4
	acc[5] += s5
	acc[6] += s6
	acc[7] += s7
	acc[8] += s8
}
