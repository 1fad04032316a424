package gops

import (
	"fmt"
	"math"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Layout: every activation is a feature-major matrix (features, samples):
// a conv activation with C channels over a batch of B grids H×W is
// (C, B·H·W) with column (b·H + h)·W + w, and a linear activation is
// (F, B). A PyTorch weight (out, in[, 2, 2]) then multiplies from the
// left unchanged.

func checkShape(name string, s tensor.Shape, want ...int) error {
	if len(s) != len(want) {
		return fmt.Errorf("%s: input shape %v, want %v", name, s, want)
	}
	for i, d := range want {
		if d >= 0 && s[i] != d {
			return fmt.Errorf("%s: input shape %v, want %v", name, s, want)
		}
	}
	return nil
}

func fixed(name string, out tensor.Shape, in ...[]int) func([]tensor.Shape) (tensor.Shape, error) {
	return func(s []tensor.Shape) (tensor.Shape, error) {
		for i, w := range in {
			if err := checkShape(name, s[i], w...); err != nil {
				return nil, err
			}
		}
		return out.Clone(), nil
	}
}

func one(n *G.Node, err error) (G.Nodes, error) {
	if err != nil {
		return nil, err
	}
	return G.Nodes{n}, nil
}

func rows(n *G.Node) int { return n.Shape()[0] }
func cols(n *G.Node) int { return n.Shape()[1] }

func require2D(name string, n *G.Node) error {
	if n.Shape().Dims() != 2 {
		return fmt.Errorf("%s: want a matrix, got shape %v", name, n.Shape())
	}
	return nil
}

// ---------------------------------------------------------------------------
// 2x2 im2col with PyTorch padding. 'same' for an even 2x2 kernel pads 0
// before and 1 after (bottom/right) in each dimension; 'valid' pads none
// (Chung et al. 2025, paper-spec §2.2).

func convOut(h, w int, same bool) (int, int) {
	if same {
		return h, w
	}
	return h - 1, w - 1
}

func im2col[T float](out, x []T, C, b, h, w int, same bool) {
	ho, wo := convOut(h, w, same)
	N, M := b*ho*wo, b*h*w
	for c := 0; c < C; c++ {
		src := x[c*M : (c+1)*M]
		for di := 0; di < 2; di++ {
			for dj := 0; dj < 2; dj++ {
				row := out[(c*4+di*2+dj)*N : (c*4+di*2+dj+1)*N]
				for bb := 0; bb < b; bb++ {
					for i := 0; i < ho; i++ {
						dst := row[(bb*ho+i)*wo : (bb*ho+i+1)*wo]
						ii := i + di
						if ii >= h {
							clear(dst)
							continue
						}
						s := src[(bb*h+ii)*w+dj : (bb*h+ii+1)*w]
						n := copy(dst, s)
						clear(dst[n:])
					}
				}
			}
		}
	}
}

func col2im[T float](x, out []T, C, b, h, w int, same bool) {
	ho, wo := convOut(h, w, same)
	N, M := b*ho*wo, b*h*w
	clear(x)
	for c := 0; c < C; c++ {
		dst := x[c*M : (c+1)*M]
		for di := 0; di < 2; di++ {
			for dj := 0; dj < 2; dj++ {
				row := out[(c*4+di*2+dj)*N : (c*4+di*2+dj+1)*N]
				for bb := 0; bb < b; bb++ {
					for i := 0; i < ho; i++ {
						ii := i + di
						if ii >= h {
							continue
						}
						src := row[(bb*ho+i)*wo : (bb*ho+i+1)*wo]
						d := dst[(bb*h+ii)*w+dj : (bb*h+ii+1)*w]
						src = src[:min(len(src), len(d))]
						d = d[:len(src)]
						for j, v := range src {
							d[j] += v
						}
					}
				}
			}
		}
	}
}

// Im2Col turns x (C, b·h·w) into the 2x2 patch matrix (4C, b·ho·wo) whose
// row c·4 + di·2 + dj matches a PyTorch conv weight (out, C, 2, 2)
// reshaped to (out, 4C); same selects 'same' padding, else 'valid'.
func Im2Col(x *G.Node, b, h, w int, same bool) (*G.Node, error) {
	if err := require2D("im2col", x); err != nil {
		return nil, err
	}
	C := rows(x)
	ho, wo := convOut(h, w, same)
	k := &kernel{
		name: fmt.Sprintf("im2col2x2{%d,%d,%d,%d,%v}", C, b, h, w, same), inDims: []int{2}, outDims: 2,
		shape: fixed("im2col", tensor.Shape{4 * C, b * ho * wo}, []int{C, b * h * w}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { im2col(o, in[0], C, b, h, w, same) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { im2col(o, in[0], C, b, h, w, same) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(Col2Im(g, b, h, w, same)) }
	return apply(k, x)
}

// Col2Im is the adjoint of Im2Col: it sums patch columns (4C, b·ho·wo)
// back onto the grid (C, b·h·w).
func Col2Im(c *G.Node, b, h, w int, same bool) (*G.Node, error) {
	if err := require2D("col2im", c); err != nil {
		return nil, err
	}
	if rows(c)%4 != 0 {
		return nil, fmt.Errorf("col2im: %d rows is not a multiple of 4", rows(c))
	}
	C := rows(c) / 4
	ho, wo := convOut(h, w, same)
	k := &kernel{
		name: fmt.Sprintf("col2im2x2{%d,%d,%d,%d,%v}", C, b, h, w, same), inDims: []int{2}, outDims: 2,
		shape: fixed("col2im", tensor.Shape{C, b * h * w}, []int{4 * C, b * ho * wo}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { col2im(o, in[0], C, b, h, w, same) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { col2im(o, in[0], C, b, h, w, same) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(Im2Col(g, b, h, w, same)) }
	return apply(k, c)
}

// ---------------------------------------------------------------------------
// Bias, row sums, row slices and concatenation.

func addBias[T float](o, x, b []T) {
	N := len(x) / len(b)
	for m, bv := range b {
		src, dst := x[m*N:(m+1)*N], o[m*N:(m+1)*N]
		for n, v := range src {
			dst[n] = v + bv
		}
	}
}

func rowSum[T float](o, x []T) {
	N := len(x) / len(o)
	for m := range o {
		var s T
		for _, v := range x[m*N : (m+1)*N] {
			s += v
		}
		o[m] = s
	}
}

// AddBias returns x (M, N) plus b (M,) broadcast along the columns.
func AddBias(x, b *G.Node) (*G.Node, error) {
	if err := require2D("add_bias", x); err != nil {
		return nil, err
	}
	M, N := rows(x), cols(x)
	k := &kernel{
		name: fmt.Sprintf("add_bias{%d,%d}", M, N), inDims: []int{2, 1}, outDims: 2,
		shape: fixed("add_bias", tensor.Shape{M, N}, []int{M, N}, []int{M}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { addBias(o, in[0], in[1]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { addBias(o, in[0], in[1]) },
		wrt:   []bool{true, true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		db, err := RowSum(g)
		return G.Nodes{g, db}, err
	}
	return apply(k, x, b)
}

// RowSum returns the sum of each row of x (M, N) as an (M,) vector.
func RowSum(x *G.Node) (*G.Node, error) {
	if err := require2D("row_sum", x); err != nil {
		return nil, err
	}
	M, N := rows(x), cols(x)
	return apply(&kernel{
		name: fmt.Sprintf("row_sum{%d,%d}", M, N), inDims: []int{2}, outDims: 1,
		shape: fixed("row_sum", tensor.Shape{M}, []int{M, N}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { rowSum(o, in[0]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { rowSum(o, in[0]) },
	}, x)
}

// RowSlice returns rows [lo, hi) of x (R, N) as a new contiguous matrix.
func RowSlice(x *G.Node, lo, hi int) (*G.Node, error) {
	if err := require2D("row_slice", x); err != nil {
		return nil, err
	}
	R, N := rows(x), cols(x)
	if lo < 0 || hi > R || lo >= hi {
		return nil, fmt.Errorf("row_slice [%d, %d) of %d rows", lo, hi, R)
	}
	k := &kernel{
		name: fmt.Sprintf("row_slice{%d,%d,%d,%d}", R, N, lo, hi), inDims: []int{2}, outDims: 2,
		shape: fixed("row_slice", tensor.Shape{hi - lo, N}, []int{R, N}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { copy(o, in[0][lo*N:hi*N]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { copy(o, in[0][lo*N:hi*N]) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(RowPad(g, lo, R)) }
	return apply(k, x)
}

// RowPad places x (r, N) at rows [lo, lo+r) of a zero (R, N) matrix.
func RowPad(x *G.Node, lo, R int) (*G.Node, error) {
	if err := require2D("row_pad", x); err != nil {
		return nil, err
	}
	r, N := rows(x), cols(x)
	if lo < 0 || lo+r > R {
		return nil, fmt.Errorf("row_pad %d rows at %d into %d", r, lo, R)
	}
	k := &kernel{
		name: fmt.Sprintf("row_pad{%d,%d,%d,%d}", r, N, lo, R), inDims: []int{2}, outDims: 2,
		shape: fixed("row_pad", tensor.Shape{R, N}, []int{r, N}),
		f32: func(o []float32, in [][]float32, _ []tensor.Shape) {
			clear(o)
			copy(o[lo*N:], in[0])
		},
		f64: func(o []float64, in [][]float64, _ []tensor.Shape) {
			clear(o)
			copy(o[lo*N:], in[0])
		},
		wrt: []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(RowSlice(g, lo, lo+r)) }
	return apply(k, x)
}

func concatRows[T float](o []T, in [][]T) {
	off := 0
	for _, x := range in {
		copy(o[off:], x)
		off += len(x)
	}
}

// RowConcat stacks matrices with equal column counts along the rows (the
// channel concat of a harbor in this layout).
func RowConcat(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("row_concat: no inputs")
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	N := cols(xs[0])
	R := 0
	dims := make([]int, len(xs))
	want := make([][]int, len(xs))
	wrt := make([]bool, len(xs))
	name := "row_concat{"
	for i, x := range xs {
		if err := require2D("row_concat", x); err != nil {
			return nil, err
		}
		if cols(x) != N {
			return nil, fmt.Errorf("row_concat: input %d has %d columns, want %d", i, cols(x), N)
		}
		dims[i], want[i], wrt[i] = 2, []int{rows(x), N}, true
		R += rows(x)
		name += fmt.Sprintf("%d,", rows(x))
	}
	k := &kernel{
		name: fmt.Sprintf("%s;%d}", name, N), inDims: dims, outDims: 2,
		shape: fixed("row_concat", tensor.Shape{R, N}, want...),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { concatRows(o, in) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { concatRows(o, in) },
		wrt:   wrt,
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		out := make(G.Nodes, len(in))
		off := 0
		for i, x := range in {
			s, err := RowSlice(g, off, off+rows(x))
			if err != nil {
				return nil, err
			}
			out[i] = s
			off += rows(x)
		}
		return out, nil
	}
	return apply(k, xs...)
}

// ---------------------------------------------------------------------------
// LayerNorm over the rows (channels) of each column (position), eps 1e-5,
// affine (Chung et al. 2025, paper-spec §2.3).

// LNEps is the LayerNorm epsilon (PyTorch default, paper-spec §2.3).
const LNEps = 1e-5

func lnStats[T float](x []T, C int) (mu, inv []float64) {
	N := len(x) / C
	mu = make([]float64, N)
	inv = make([]float64, N)
	for c := 0; c < C; c++ {
		for n, v := range x[c*N : (c+1)*N] {
			mu[n] += float64(v)
		}
	}
	for n := range mu {
		mu[n] /= float64(C)
	}
	for c := 0; c < C; c++ {
		for n, v := range x[c*N : (c+1)*N] {
			d := float64(v) - mu[n]
			inv[n] += d * d
		}
	}
	for n := range inv {
		inv[n] = 1 / math.Sqrt(inv[n]/float64(C)+LNEps)
	}
	return mu, inv
}

func layerNorm[T float](o, x, gamma, beta []T) {
	C := len(gamma)
	N := len(x) / C
	mu, inv := lnStats(x, C)
	for c := 0; c < C; c++ {
		g, b := float64(gamma[c]), float64(beta[c])
		src, dst := x[c*N:(c+1)*N], o[c*N:(c+1)*N]
		for n, v := range src {
			dst[n] = T((float64(v)-mu[n])*inv[n]*g + b)
		}
	}
}

func layerNormGradX[T float](dx, x, gamma, dy []T) {
	C := len(gamma)
	N := len(x) / C
	mu, inv := lnStats(x, C)
	m1 := make([]float64, N) // mean over c of dxhat
	m2 := make([]float64, N) // mean over c of dxhat·xhat
	for c := 0; c < C; c++ {
		g := float64(gamma[c])
		for n := 0; n < N; n++ {
			dh := float64(dy[c*N+n]) * g
			xh := (float64(x[c*N+n]) - mu[n]) * inv[n]
			m1[n] += dh
			m2[n] += dh * xh
		}
	}
	for c := 0; c < C; c++ {
		g := float64(gamma[c])
		for n := 0; n < N; n++ {
			dh := float64(dy[c*N+n]) * g
			xh := (float64(x[c*N+n]) - mu[n]) * inv[n]
			dx[c*N+n] = T(inv[n] * (dh - m1[n]/float64(C) - xh*m2[n]/float64(C)))
		}
	}
}

func layerNormGradGamma[T float](dg, x, dy []T) {
	C := len(dg)
	N := len(x) / C
	mu, inv := lnStats(x, C)
	for c := 0; c < C; c++ {
		var s float64
		for n := 0; n < N; n++ {
			s += float64(dy[c*N+n]) * (float64(x[c*N+n]) - mu[n]) * inv[n]
		}
		dg[c] = T(s)
	}
}

// LayerNorm normalises every column of x (C, N) over its C rows and applies
// the affine gamma, beta (C,).
func LayerNorm(x, gamma, beta *G.Node) (*G.Node, error) {
	if err := require2D("layer_norm", x); err != nil {
		return nil, err
	}
	C, N := rows(x), cols(x)
	k := &kernel{
		name: fmt.Sprintf("layer_norm{%d,%d}", C, N), inDims: []int{2, 1, 1}, outDims: 2,
		shape: fixed("layer_norm", tensor.Shape{C, N}, []int{C, N}, []int{C}, []int{C}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { layerNorm(o, in[0], in[1], in[2]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { layerNorm(o, in[0], in[1], in[2]) },
		wrt:   []bool{true, true, true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		dx, err := apply(&kernel{
			name: fmt.Sprintf("layer_norm_dx{%d,%d}", C, N), inDims: []int{2, 1, 2}, outDims: 2,
			shape: fixed("layer_norm_dx", tensor.Shape{C, N}, []int{C, N}, []int{C}, []int{C, N}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { layerNormGradX(o, in[0], in[1], in[2]) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { layerNormGradX(o, in[0], in[1], in[2]) },
		}, in[0], in[1], g)
		if err != nil {
			return nil, err
		}
		dg, err := apply(&kernel{
			name: fmt.Sprintf("layer_norm_dgamma{%d,%d}", C, N), inDims: []int{2, 2}, outDims: 1,
			shape: fixed("layer_norm_dgamma", tensor.Shape{C}, []int{C, N}, []int{C, N}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { layerNormGradGamma(o, in[0], in[1]) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { layerNormGradGamma(o, in[0], in[1]) },
		}, in[0], g)
		if err != nil {
			return nil, err
		}
		db, err := RowSum(g)
		return G.Nodes{dx, dg, db}, err
	}
	return apply(k, x, gamma, beta)
}

// ---------------------------------------------------------------------------
// Scalar-parameter product (TimeDecay's τ·s, paper-spec §2.2).

func scaleBy[T float](o, tau, s []T) {
	t := tau[0]
	for i, v := range s {
		o[i] = t * v
	}
}

func dot[T float](o, a, b []T) {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	o[0] = T(s)
}

// TauMul returns tau·s for a one-element tau (1,) and a matrix s.
func TauMul(tau, s *G.Node) (*G.Node, error) {
	if err := require2D("tau_mul", s); err != nil {
		return nil, err
	}
	M, N := rows(s), cols(s)
	k := &kernel{
		name: fmt.Sprintf("tau_mul{%d,%d}", M, N), inDims: []int{1, 2}, outDims: 2,
		shape: fixed("tau_mul", tensor.Shape{M, N}, []int{1}, []int{M, N}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { scaleBy(o, in[0], in[1]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { scaleBy(o, in[0], in[1]) },
		wrt:   []bool{true, true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		dt, err := apply(&kernel{
			name: fmt.Sprintf("tau_dot{%d,%d}", M, N), inDims: []int{2, 2}, outDims: 1,
			shape: fixed("tau_dot", tensor.Shape{1}, []int{M, N}, []int{M, N}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { dot(o, in[0], in[1]) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { dot(o, in[0], in[1]) },
		}, in[1], g)
		if err != nil {
			return nil, err
		}
		ds, err := TauMul(in[0], g)
		return G.Nodes{dt, ds}, err
	}
	return apply(k, tau, s)
}

// ---------------------------------------------------------------------------
// Softmax cross-entropy over the rows of logits (K, B), mean over columns.

func xent[T float](o, logits, target []T, K int) {
	B := len(logits) / K
	var loss float64
	for b := 0; b < B; b++ {
		mx := math.Inf(-1)
		for k := 0; k < K; k++ {
			mx = math.Max(mx, float64(logits[k*B+b]))
		}
		var z float64
		for k := 0; k < K; k++ {
			z += math.Exp(float64(logits[k*B+b]) - mx)
		}
		lz := math.Log(z) + mx
		for k := 0; k < K; k++ {
			if y := float64(target[k*B+b]); y != 0 {
				loss -= y * (float64(logits[k*B+b]) - lz)
			}
		}
	}
	o[0] = T(loss / float64(B))
}

func xentGrad[T float](o, logits, target, g []T, K int) {
	B := len(logits) / K
	scale := float64(g[0]) / float64(B)
	for b := 0; b < B; b++ {
		mx := math.Inf(-1)
		for k := 0; k < K; k++ {
			mx = math.Max(mx, float64(logits[k*B+b]))
		}
		var z float64
		for k := 0; k < K; k++ {
			z += math.Exp(float64(logits[k*B+b]) - mx)
		}
		for k := 0; k < K; k++ {
			p := math.Exp(float64(logits[k*B+b])-mx) / z
			o[k*B+b] = T(scale * (p - float64(target[k*B+b])))
		}
	}
}

// SoftmaxXent returns the mean over the B columns of the cross-entropy
// between softmax(logits[:, b]) and the target distribution target[:, b]
// (one-hot for class labels); logits and target are (K, B).
func SoftmaxXent(logits, target *G.Node) (*G.Node, error) {
	if err := require2D("softmax_xent", logits); err != nil {
		return nil, err
	}
	K, B := rows(logits), cols(logits)
	k := &kernel{
		name: fmt.Sprintf("softmax_xent{%d,%d}", K, B), inDims: []int{2, 2}, outDims: 0,
		shape: fixed("softmax_xent", tensor.ScalarShape(), []int{K, B}, []int{K, B}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { xent(o, in[0], in[1], K) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { xent(o, in[0], in[1], K) },
		wrt:   []bool{true, false},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		d, err := apply(&kernel{
			name: fmt.Sprintf("softmax_xent_grad{%d,%d}", K, B), inDims: []int{2, 2, 0}, outDims: 2,
			shape: fixed("softmax_xent_grad", tensor.Shape{K, B}, []int{K, B}, []int{K, B}, []int{}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { xentGrad(o, in[0], in[1], in[2], K) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { xentGrad(o, in[0], in[1], in[2], K) },
		}, in[0], in[1], g)
		return G.Nodes{d, nil}, err
	}
	return apply(k, logits, target)
}

// ---------------------------------------------------------------------------
// C,H,W flatten for the linear nodes.

// FlattenCHW turns a conv activation x (C, b·P) (P = H·W positions per
// sample) into the linear input (C·P, b) whose row c·P + p is PyTorch's
// flatten order C,H,W (paper-spec §2.2).
func FlattenCHW(x *G.Node, b int) (*G.Node, error) {
	return permute(x, b, true)
}

// UnflattenCHW is the inverse of FlattenCHW: (C·P, b) -> (C, b·P) for the
// given C.
func UnflattenCHW(x *G.Node, C int) (*G.Node, error) {
	if err := require2D("unflatten_chw", x); err != nil {
		return nil, err
	}
	if C <= 0 || rows(x)%C != 0 {
		return nil, fmt.Errorf("unflatten_chw: %d rows not a multiple of C=%d", rows(x), C)
	}
	return permute(x, C, false)
}

func flattenCHW[T float](o, x []T, C, b, P int) {
	for c := 0; c < C; c++ {
		for bb := 0; bb < b; bb++ {
			for p := 0; p < P; p++ {
				o[(c*P+p)*b+bb] = x[c*b*P+bb*P+p]
			}
		}
	}
}

func unflattenCHW[T float](o, x []T, C, b, P int) {
	for c := 0; c < C; c++ {
		for bb := 0; bb < b; bb++ {
			for p := 0; p < P; p++ {
				o[c*b*P+bb*P+p] = x[(c*P+p)*b+bb]
			}
		}
	}
}

func permute(x *G.Node, arg int, forward bool) (*G.Node, error) {
	if err := require2D("flatten_chw", x); err != nil {
		return nil, err
	}
	R, N := rows(x), cols(x)
	var C, b, P int
	var out tensor.Shape
	if forward {
		C, b = R, arg
		if b <= 0 || N%b != 0 {
			return nil, fmt.Errorf("flatten_chw: %d columns not a multiple of batch %d", N, b)
		}
		P = N / b
		out = tensor.Shape{C * P, b}
	} else {
		C, b = arg, N
		P = R / C
		out = tensor.Shape{C, b * P}
	}
	k := &kernel{
		name: fmt.Sprintf("flatten_chw{%d,%d,%d,%v}", C, b, P, forward), inDims: []int{2}, outDims: 2,
		shape: fixed("flatten_chw", out, []int{R, N}),
		wrt:   []bool{true},
	}
	if forward {
		k.f32 = func(o []float32, in [][]float32, _ []tensor.Shape) { flattenCHW(o, in[0], C, b, P) }
		k.f64 = func(o []float64, in [][]float64, _ []tensor.Shape) { flattenCHW(o, in[0], C, b, P) }
		k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(UnflattenCHW(g, C)) }
	} else {
		k.f32 = func(o []float32, in [][]float32, _ []tensor.Shape) { unflattenCHW(o, in[0], C, b, P) }
		k.f64 = func(o []float64, in [][]float64, _ []tensor.Shape) { unflattenCHW(o, in[0], C, b, P) }
		k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(FlattenCHW(g, b)) }
	}
	return apply(k, x)
}

// ---------------------------------------------------------------------------
// Taps: read a node's value while the graph runs.

// Capture receives a copy of a node's value each time the graph runs.
// It is safe for one writer (the machine running the graph) and readers
// after the run.
type Capture struct {
	mu    sync.Mutex
	Shape []int
	Data  []float64
}

// Values returns the last captured shape and data.
func (c *Capture) Values() ([]int, []float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Shape, c.Data
}

func store[T float](c *Capture, x []T, s tensor.Shape) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cap(c.Data) < len(x) {
		c.Data = make([]float64, len(x))
	}
	c.Data = c.Data[:len(x)]
	for i, v := range x {
		c.Data[i] = float64(v)
	}
	c.Shape = append(c.Shape[:0], s...)
}

// Tap adds a node that copies x into c whenever the graph runs; its own
// value is a dummy scalar. id must be unique within the graph.
func Tap(x *G.Node, c *Capture, id string) (*G.Node, error) {
	s := x.Shape().Clone()
	d := make([]int, 1)
	d[0] = s.Dims()
	return apply(&kernel{
		name: "tap{" + id + "}", inDims: d, outDims: 0,
		shape: fixed("tap", tensor.ScalarShape(), s),
		f32: func(o []float32, in [][]float32, sh []tensor.Shape) {
			store(c, in[0], sh[0])
			o[0] = 0
		},
		f64: func(o []float64, in [][]float64, sh []tensor.Shape) {
			store(c, in[0], sh[0])
			o[0] = 0
		},
	}, x)
}
