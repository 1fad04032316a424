package gops

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GPT helpers, in the feature-major layout: a sequence batch is (d, B·T)
// with column b·T + s.

// ---------------------------------------------------------------------------
// tanh-approximation GELU (Chung et al. 2025, paper-spec §2.6).

const geluK = 0.7978845608028654 // √(2/π)

func gelu[T float](o, x []T) {
	for i, v := range x {
		f := float64(v)
		o[i] = T(0.5 * f * (1 + math.Tanh(geluK*(f+0.044715*f*f*f))))
	}
}

func geluGrad[T float](o, x, g []T) {
	for i, v := range x {
		f := float64(v)
		t := math.Tanh(geluK * (f + 0.044715*f*f*f))
		d := 0.5*(1+t) + 0.5*f*(1-t*t)*geluK*(1+3*0.044715*f*f)
		o[i] = T(d * float64(g[i]))
	}
}

// GELU applies the tanh-approximation GELU elementwise to a matrix.
func GELU(x *G.Node) (*G.Node, error) {
	if err := require2D("gelu", x); err != nil {
		return nil, err
	}
	R, N := rows(x), cols(x)
	k := &kernel{
		name: fmt.Sprintf("gelu{%d,%d}", R, N), inDims: []int{2}, outDims: 2,
		shape: fixed("gelu", tensor.Shape{R, N}, []int{R, N}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { gelu(o, in[0]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { gelu(o, in[0]) },
		wrt:   []bool{true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		return one(apply(&kernel{
			name: fmt.Sprintf("gelu_grad{%d,%d}", R, N), inDims: []int{2, 2}, outDims: 2,
			shape: fixed("gelu_grad", tensor.Shape{R, N}, []int{R, N}, []int{R, N}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { geluGrad(o, in[0], in[1]) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { geluGrad(o, in[0], in[1]) },
		}, in[0], g))
	}
	return apply(k, x)
}

// ---------------------------------------------------------------------------
// Causal softmax over the last axis of (M, T, T) scores, after scaling:
// row i attends to j ≤ i only (lower-triangular mask, paper-spec §2.6).

func causalSoftmax[T float](o, x []T, M, n int, scale float64) {
	for m := 0; m < M; m++ {
		for i := 0; i < n; i++ {
			row := x[(m*n+i)*n:][:n]
			dst := o[(m*n+i)*n:][:n]
			mx := math.Inf(-1)
			for j := 0; j <= i; j++ {
				mx = math.Max(mx, scale*float64(row[j]))
			}
			var z float64
			for j := 0; j <= i; j++ {
				e := math.Exp(scale*float64(row[j]) - mx)
				dst[j] = T(e)
				z += e
			}
			for j := 0; j <= i; j++ {
				dst[j] = T(float64(dst[j]) / z)
			}
			clear(dst[i+1:])
		}
	}
}

func causalSoftmaxGrad[T float](o, p, g []T, M, n int, scale float64) {
	for r := 0; r < M*n; r++ {
		pr, gr, dst := p[r*n:][:n], g[r*n:][:n], o[r*n:][:n]
		var s float64
		for j := range pr {
			s += float64(pr[j]) * float64(gr[j])
		}
		for j := range pr {
			dst[j] = T(scale * float64(pr[j]) * (float64(gr[j]) - s))
		}
	}
}

// CausalSoftmax returns softmax(scale·x) over the last axis of x (M, T, T)
// with entries above the diagonal masked out.
func CausalSoftmax(x *G.Node, scale float64) (*G.Node, error) {
	s := x.Shape()
	if s.Dims() != 3 || s[1] != s[2] {
		return nil, fmt.Errorf("causal_softmax: want (M, T, T), got %v", s)
	}
	M, n := s[0], s[1]
	k := &kernel{
		name: fmt.Sprintf("causal_softmax{%d,%d,%g}", M, n, scale), inDims: []int{3}, outDims: 3,
		shape: fixed("causal_softmax", tensor.Shape{M, n, n}, []int{M, n, n}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { causalSoftmax(o, in[0], M, n, scale) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { causalSoftmax(o, in[0], M, n, scale) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, out, g *G.Node) (G.Nodes, error) {
		return one(apply(&kernel{
			name: fmt.Sprintf("causal_softmax_grad{%d,%d,%g}", M, n, scale), inDims: []int{3, 3}, outDims: 3,
			shape: fixed("causal_softmax_grad", tensor.Shape{M, n, n}, []int{M, n, n}, []int{M, n, n}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { causalSoftmaxGrad(o, in[0], in[1], M, n, scale) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { causalSoftmaxGrad(o, in[0], in[1], M, n, scale) },
		}, out, g))
	}
	return apply(k, x)
}

// ---------------------------------------------------------------------------
// Head split/merge: (nh·hd, B·T) <-> (B·nh, T, hd), element
// [(b·nh + h), s, d] = x[h·hd + d, b·T + s].

func splitHeads[T float](o, x []T, B, n, nh, hd int) {
	for b := 0; b < B; b++ {
		for h := 0; h < nh; h++ {
			for s := 0; s < n; s++ {
				dst := o[((b*nh+h)*n+s)*hd:][:hd]
				for d := range dst {
					dst[d] = x[(h*hd+d)*B*n+b*n+s]
				}
			}
		}
	}
}

func mergeHeads[T float](o, x []T, B, n, nh, hd int) {
	for b := 0; b < B; b++ {
		for h := 0; h < nh; h++ {
			for s := 0; s < n; s++ {
				src := x[((b*nh+h)*n+s)*hd:][:hd]
				for d, v := range src {
					o[(h*hd+d)*B*n+b*n+s] = v
				}
			}
		}
	}
}

// SplitHeads turns x (nh·hd, B·T) into (B·nh, T, hd) for batched matmuls.
func SplitHeads(x *G.Node, B, T, nh int) (*G.Node, error) {
	if err := require2D("split_heads", x); err != nil {
		return nil, err
	}
	if rows(x)%nh != 0 || cols(x) != B*T {
		return nil, fmt.Errorf("split_heads: shape %v does not split into %d heads over %d×%d", x.Shape(), nh, B, T)
	}
	hd := rows(x) / nh
	k := &kernel{
		name: fmt.Sprintf("split_heads{%d,%d,%d,%d}", B, T, nh, hd), inDims: []int{2}, outDims: 3,
		shape: fixed("split_heads", tensor.Shape{B * nh, T, hd}, []int{nh * hd, B * T}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { splitHeads(o, in[0], B, T, nh, hd) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { splitHeads(o, in[0], B, T, nh, hd) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(MergeHeads(g, B, nh)) }
	return apply(k, x)
}

// MergeHeads is the inverse of SplitHeads: (B·nh, T, hd) -> (nh·hd, B·T).
func MergeHeads(x *G.Node, B, nh int) (*G.Node, error) {
	s := x.Shape()
	if s.Dims() != 3 || s[0] != B*nh {
		return nil, fmt.Errorf("merge_heads: shape %v, want (%d, T, hd)", s, B*nh)
	}
	T, hd := s[1], s[2]
	k := &kernel{
		name: fmt.Sprintf("merge_heads{%d,%d,%d,%d}", B, T, nh, hd), inDims: []int{3}, outDims: 2,
		shape: fixed("merge_heads", tensor.Shape{nh * hd, B * T}, []int{B * nh, T, hd}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { mergeHeads(o, in[0], B, T, nh, hd) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { mergeHeads(o, in[0], B, T, nh, hd) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(SplitHeads(g, B, T, nh)) }
	return apply(k, x)
}

// ---------------------------------------------------------------------------
// Token interleave: after every observation token the same action token,
// giving [o_0, a, o_1, a, …] of length 2T (paper-spec §2.6).

func interleave[T float](o []T, in [][]T, r, B, steps int) {
	a := in[0]
	n := 2 * steps
	for t := 0; t < steps; t++ {
		obs := in[1+t]
		for i := 0; i < r; i++ {
			for b := 0; b < B; b++ {
				o[i*B*n+b*n+2*t] = obs[i*B+b]
				o[i*B*n+b*n+2*t+1] = a[i]
			}
		}
	}
}

// Interleave builds the (r, B·2T) sequence from the action token a (r,)
// and the observation tokens obs[t] (r, B).
func Interleave(a *G.Node, obs []*G.Node) (*G.Node, error) {
	if a.Shape().Dims() != 1 || len(obs) == 0 {
		return nil, fmt.Errorf("interleave: want a vector token and observations")
	}
	r, B, steps := a.Shape()[0], 0, len(obs)
	dims := []int{1}
	want := [][]int{{r}}
	for i, o := range obs {
		if err := require2D("interleave", o); err != nil {
			return nil, err
		}
		if i == 0 {
			B = cols(o)
		}
		if rows(o) != r || cols(o) != B {
			return nil, fmt.Errorf("interleave: observation %d shape %v, want (%d, %d)", i, o.Shape(), r, B)
		}
		dims = append(dims, 2)
		want = append(want, []int{r, B})
	}
	wrt := make([]bool, len(dims))
	for i := range wrt {
		wrt[i] = true
	}
	n := 2 * steps
	k := &kernel{
		name: fmt.Sprintf("interleave{%d,%d,%d}", r, B, steps), inDims: dims, outDims: 2,
		shape: fixed("interleave", tensor.Shape{r, B * n}, want...),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { interleave(o, in, r, B, steps) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { interleave(o, in, r, B, steps) },
		wrt:   wrt,
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		out := make(G.Nodes, 0, 1+steps)
		da, err := apply(&kernel{
			name: fmt.Sprintf("interleave_da{%d,%d,%d}", r, B, steps), inDims: []int{2}, outDims: 1,
			shape: fixed("interleave_da", tensor.Shape{r}, []int{r, B * n}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { sumOdd(o, in[0], B, n) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { sumOdd(o, in[0], B, n) },
		}, g)
		if err != nil {
			return nil, err
		}
		out = append(out, da)
		for t := 0; t < steps; t++ {
			c, err := SelectPosition(g, B, n, 2*t)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	return apply(k, append([]*G.Node{a}, obs...)...)
}

func sumOdd[T float](o, g []T, B, n int) {
	for i := range o {
		var s float64
		for b := 0; b < B; b++ {
			for p := 1; p < n; p += 2 {
				s += float64(g[i*B*n+b*n+p])
			}
		}
		o[i] = T(s)
	}
}

// SelectPosition returns position s of every sequence of x (d, B·T) as a
// (d, B) matrix.
func SelectPosition(x *G.Node, B, T, s int) (*G.Node, error) {
	if err := require2D("select_position", x); err != nil {
		return nil, err
	}
	if cols(x) != B*T || s < 0 || s >= T {
		return nil, fmt.Errorf("select_position %d of shape %v with B=%d, T=%d", s, x.Shape(), B, T)
	}
	d := rows(x)
	k := &kernel{
		name: fmt.Sprintf("select_position{%d,%d,%d,%d}", d, B, T, s), inDims: []int{2}, outDims: 2,
		shape: fixed("select_position", tensor.Shape{d, B}, []int{d, B * T}),
		f32: func(o []float32, in [][]float32, _ []tensor.Shape) {
			for i := 0; i < d; i++ {
				for b := 0; b < B; b++ {
					o[i*B+b] = in[0][i*B*T+b*T+s]
				}
			}
		},
		f64: func(o []float64, in [][]float64, _ []tensor.Shape) {
			for i := 0; i < d; i++ {
				for b := 0; b < B; b++ {
					o[i*B+b] = in[0][i*B*T+b*T+s]
				}
			}
		},
		wrt: []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		return one(apply(&kernel{
			name: fmt.Sprintf("scatter_position{%d,%d,%d,%d}", d, B, T, s), inDims: []int{2}, outDims: 2,
			shape: fixed("scatter_position", tensor.Shape{d, B * T}, []int{d, B}),
			f32: func(o []float32, in [][]float32, _ []tensor.Shape) {
				clear(o)
				for i := 0; i < d; i++ {
					for b := 0; b < B; b++ {
						o[i*B*T+b*T+s] = in[0][i*B+b]
					}
				}
			},
			f64: func(o []float64, in [][]float64, _ []tensor.Shape) {
				clear(o)
				for i := 0; i < d; i++ {
					for b := 0; b < B; b++ {
						o[i*B*T+b*T+s] = in[0][i*B+b]
					}
				}
			},
		}, g))
	}
	return apply(k, x)
}

// ---------------------------------------------------------------------------
// Learned absolute positions: x[:, b·T + s] += wpe[s, :] for wpe
// (block, d), block ≥ T (paper-spec §2.6).

func addPos[T float](o, x, wpe []T, d, B, n int) {
	for i := 0; i < d; i++ {
		for b := 0; b < B; b++ {
			for s := 0; s < n; s++ {
				j := i*B*n + b*n + s
				o[j] = x[j] + wpe[s*d+i]
			}
		}
	}
}

func posGrad[T float](o, g []T, d, B, n int) {
	clear(o)
	for i := 0; i < d; i++ {
		for b := 0; b < B; b++ {
			for s := 0; s < n; s++ {
				o[s*d+i] += g[i*B*n+b*n+s]
			}
		}
	}
}

// AddPositions adds the first T rows of wpe (block, d) to the sequences of
// x (d, B·T).
func AddPositions(x, wpe *G.Node, B, T int) (*G.Node, error) {
	if err := require2D("add_positions", x); err != nil {
		return nil, err
	}
	d := rows(x)
	ws := wpe.Shape()
	if ws.Dims() != 2 || ws[1] != d || ws[0] < T || cols(x) != B*T {
		return nil, fmt.Errorf("add_positions: x %v, wpe %v, B=%d, T=%d", x.Shape(), ws, B, T)
	}
	block := ws[0]
	k := &kernel{
		name: fmt.Sprintf("add_positions{%d,%d,%d,%d}", d, B, T, block), inDims: []int{2, 2}, outDims: 2,
		shape: fixed("add_positions", tensor.Shape{d, B * T}, []int{d, B * T}, []int{block, d}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { addPos(o, in[0], in[1], d, B, T) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { addPos(o, in[0], in[1], d, B, T) },
		wrt:   []bool{true, true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		dw, err := apply(&kernel{
			name: fmt.Sprintf("positions_grad{%d,%d,%d,%d}", d, B, T, block), inDims: []int{2}, outDims: 2,
			shape: fixed("positions_grad", tensor.Shape{block, d}, []int{d, B * T}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { posGrad(o, in[0], d, B, T) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { posGrad(o, in[0], d, B, T) },
		}, g)
		return G.Nodes{g, dw}, err
	}
	return apply(k, x, wpe)
}
