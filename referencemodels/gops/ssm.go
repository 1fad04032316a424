package gops

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Mamba helpers (Chung et al. 2025, paper-spec §2.7), in the feature-major
// sequence layout of the GPT helpers: a batch of B sequences of T
// positions is one (features, B·T) matrix with column b·T + t, so a whole
// layer is a handful of matrix products and the scan runs along each
// sample's T columns.

// ---------------------------------------------------------------------------
// Sequence stacking: T per-step matrices (r, B) -> (r, B·T).

func stackPositions[T float](o []T, in [][]T, r, B int) {
	n := len(in)
	for t, x := range in {
		for i := 0; i < r; i++ {
			for b := 0; b < B; b++ {
				o[i*B*n+b*n+t] = x[i*B+b]
			}
		}
	}
}

// StackPositions builds the (r, B·T) sequence matrix from the per-step
// tokens xs[t] (r, B); it is the inverse of SelectPosition over all t.
func StackPositions(xs []*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("stack_positions: no steps")
	}
	if err := require2D("stack_positions", xs[0]); err != nil {
		return nil, err
	}
	r, B, n := rows(xs[0]), cols(xs[0]), len(xs)
	dims := make([]int, n)
	want := make([][]int, n)
	wrt := make([]bool, n)
	for i, x := range xs {
		if err := require2D("stack_positions", x); err != nil {
			return nil, err
		}
		if rows(x) != r || cols(x) != B {
			return nil, fmt.Errorf("stack_positions: step %d shape %v, want (%d, %d)", i, x.Shape(), r, B)
		}
		dims[i], want[i], wrt[i] = 2, []int{r, B}, true
	}
	k := &kernel{
		name: fmt.Sprintf("stack_positions{%d,%d,%d}", r, B, n), inDims: dims, outDims: 2,
		shape: fixed("stack_positions", tensor.Shape{r, B * n}, want...),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { stackPositions(o, in, r, B) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { stackPositions(o, in, r, B) },
		wrt:   wrt,
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		out := make(G.Nodes, n)
		for t := range out {
			s, err := SelectPosition(g, B, n, t)
			if err != nil {
				return nil, err
			}
			out[t] = s
		}
		return out, nil
	}
	return apply(k, xs...)
}

// ---------------------------------------------------------------------------
// SiLU and softplus, elementwise.

// logistic is the exact σ(x) in float64 (gates.go's sigmoid clamps).
func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func silu[T float](o, x []T) {
	for i, v := range x {
		f := float64(v)
		o[i] = T(f * logistic(f))
	}
}

func siluGrad[T float](o, x, g []T) {
	for i, v := range x {
		f := float64(v)
		s := logistic(f)
		o[i] = T(float64(g[i]) * s * (1 + f*(1-s)))
	}
}

// softplusThreshold: above it softplus(x) = x, as in PyTorch's softplus
// and mamba_ssm's scan kernel (threshold 20).
const softplusThreshold = 20

func softplus[T float](o, x []T) {
	for i, v := range x {
		f := float64(v)
		if f > softplusThreshold {
			o[i] = v
			continue
		}
		o[i] = T(math.Log1p(math.Exp(f)))
	}
}

func softplusGrad[T float](o, x, g []T) {
	for i, v := range x {
		f := float64(v)
		if f > softplusThreshold {
			o[i] = g[i]
			continue
		}
		o[i] = T(float64(g[i]) * logistic(f))
	}
}

// elementwise builds a unary elementwise op on a matrix with its gradient
// kernel grad(x, g).
func elementwise(name string, x *G.Node, f32 func(o, x []float32), f64 func(o, x []float64),
	g32 func(o, x, g []float32), g64 func(o, x, g []float64)) (*G.Node, error) {
	if err := require2D(name, x); err != nil {
		return nil, err
	}
	R, N := rows(x), cols(x)
	k := &kernel{
		name: fmt.Sprintf("%s{%d,%d}", name, R, N), inDims: []int{2}, outDims: 2,
		shape: fixed(name, tensor.Shape{R, N}, []int{R, N}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { f32(o, in[0]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { f64(o, in[0]) },
		wrt:   []bool{true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		return one(apply(&kernel{
			name: fmt.Sprintf("%s_grad{%d,%d}", name, R, N), inDims: []int{2, 2}, outDims: 2,
			shape: fixed(name+"_grad", tensor.Shape{R, N}, []int{R, N}, []int{R, N}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { g32(o, in[0], in[1]) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { g64(o, in[0], in[1]) },
		}, in[0], g))
	}
	return apply(k, x)
}

// SiLU returns x·σ(x) elementwise for a matrix x.
func SiLU(x *G.Node) (*G.Node, error) {
	return elementwise("silu", x, silu[float32], silu[float64], siluGrad[float32], siluGrad[float64])
}

// Softplus returns log(1 + eˣ) elementwise for a matrix x (x itself above
// 20, as PyTorch does).
func Softplus(x *G.Node) (*G.Node, error) {
	return elementwise("softplus", x, softplus[float32], softplus[float64], softplusGrad[float32], softplusGrad[float64])
}

// ---------------------------------------------------------------------------
// Causal depthwise conv1d over time: Conv1d(C, C, K, groups=C, padding
// K−1) truncated to the first T outputs, i.e.
// out[c, t] = bias[c] + Σ_k w[c, 0, k]·x[c, t + k − (K−1)], with x = 0 at
// negative times (mamba_ssm's conv1d(x)[..., :T], paper-spec §2.7).

func causalConv1D[T float](o, x, w, bias []T, C, B, n, K int) {
	for c := 0; c < C; c++ {
		wc := w[c*K : (c+1)*K]
		for b := 0; b < B; b++ {
			src, dst := x[c*B*n+b*n:][:n], o[c*B*n+b*n:][:n]
			for t := range dst {
				s := float64(bias[c])
				for k, wk := range wc {
					if j := t + k - (K - 1); j >= 0 {
						s += float64(wk) * float64(src[j])
					}
				}
				dst[t] = T(s)
			}
		}
	}
}

func causalConvDX[T float](dx, g, w []T, C, B, n, K int) {
	for c := 0; c < C; c++ {
		wc := w[c*K : (c+1)*K]
		for b := 0; b < B; b++ {
			gs, dst := g[c*B*n+b*n:][:n], dx[c*B*n+b*n:][:n]
			for j := range dst {
				// x_j feeds out_t for t = j − k + K − 1 < n.
				var s float64
				for k, wk := range wc {
					if t := j - k + K - 1; t < n {
						s += float64(wk) * float64(gs[t])
					}
				}
				dst[j] = T(s)
			}
		}
	}
}

func causalConvDW[T float](dw, g, x []T, C, B, n, K int) {
	for c := 0; c < C; c++ {
		for k := 0; k < K; k++ {
			var s float64
			for b := 0; b < B; b++ {
				gs, xs := g[c*B*n+b*n:][:n], x[c*B*n+b*n:][:n]
				for t := max(0, K-1-k); t < n; t++ {
					s += float64(gs[t]) * float64(xs[t+k-(K-1)])
				}
			}
			dw[c*K+k] = T(s)
		}
	}
}

// CausalConv1D applies the causal depthwise conv with weight w (C, 1, K)
// and bias (C,) along the T positions of every sample of x (C, B·T).
func CausalConv1D(x, w, bias *G.Node, B, T int) (*G.Node, error) {
	if err := require2D("causal_conv1d", x); err != nil {
		return nil, err
	}
	ws := w.Shape()
	C := rows(x)
	if ws.Dims() != 3 || ws[0] != C || ws[1] != 1 || cols(x) != B*T || B <= 0 || T <= 0 {
		return nil, fmt.Errorf("causal_conv1d: x %v, weight %v, B=%d, T=%d", x.Shape(), ws, B, T)
	}
	K := ws[2]
	xs, wsh := []int{C, B * T}, []int{C, 1, K}
	k := &kernel{
		name: fmt.Sprintf("causal_conv1d{%d,%d,%d,%d}", C, B, T, K), inDims: []int{2, 3, 1}, outDims: 2,
		shape: fixed("causal_conv1d", tensor.Shape{C, B * T}, xs, wsh, []int{C}),
		f32: func(o []float32, in [][]float32, _ []tensor.Shape) {
			causalConv1D(o, in[0], in[1], in[2], C, B, T, K)
		},
		f64: func(o []float64, in [][]float64, _ []tensor.Shape) {
			causalConv1D(o, in[0], in[1], in[2], C, B, T, K)
		},
		wrt: []bool{true, true, true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		dx, err := apply(&kernel{
			name: fmt.Sprintf("causal_conv1d_dx{%d,%d,%d,%d}", C, B, T, K), inDims: []int{2, 3}, outDims: 2,
			shape: fixed("causal_conv1d_dx", tensor.Shape{C, B * T}, xs, wsh),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { causalConvDX(o, in[0], in[1], C, B, T, K) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { causalConvDX(o, in[0], in[1], C, B, T, K) },
		}, g, in[1])
		if err != nil {
			return nil, err
		}
		dw, err := apply(&kernel{
			name: fmt.Sprintf("causal_conv1d_dw{%d,%d,%d,%d}", C, B, T, K), inDims: []int{2, 2}, outDims: 3,
			shape: fixed("causal_conv1d_dw", tensor.Shape{C, 1, K}, xs, xs),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { causalConvDW(o, in[0], in[1], C, B, T, K) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { causalConvDW(o, in[0], in[1], C, B, T, K) },
		}, g, in[0])
		if err != nil {
			return nil, err
		}
		db, err := RowSum(g)
		return G.Nodes{dx, dw, db}, err
	}
	return apply(k, x, w, bias)
}
