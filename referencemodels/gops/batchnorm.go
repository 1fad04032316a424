package gops

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ---------------------------------------------------------------------------
// BatchNorm over the columns of a (C, N) matrix: each channel (row) is
// normalised over its N columns, which are the batch for BatchNorm1d
// (N = B) and batch × positions for BatchNorm2d (N = B·H·W) in this
// package's channel-major layout. PyTorch semantics: a training pass
// normalises with the batch mean and biased variance and moves the running
// statistics by momentum towards the batch mean and unbiased variance; an
// inference pass normalises with the running statistics.

// BNEps and BNMomentum are PyTorch's BatchNorm defaults.
const (
	BNEps      = 1e-5
	BNMomentum = 0.1
)

// BNState is a BatchNorm's running statistics, (C,) each, shared with the
// model's buffers: a training graph's forward pass updates them in place.
type BNState struct {
	Mean, Var []float32
	// Name identifies the layer; it enters the op's hash, so two layers
	// never merge.
	Name string
}

func bnBatchStats[T float](x []T, C int) (mu, inv, varU []float64) {
	N := len(x) / C
	mu = make([]float64, C)
	inv = make([]float64, C)
	varU = make([]float64, C)
	for c := 0; c < C; c++ {
		row := x[c*N : (c+1)*N]
		var s float64
		for _, v := range row {
			s += float64(v)
		}
		m := s / float64(N)
		var q float64
		for _, v := range row {
			d := float64(v) - m
			q += d * d
		}
		mu[c] = m
		inv[c] = 1 / math.Sqrt(q/float64(N)+BNEps)
		if N > 1 {
			varU[c] = q / float64(N-1)
		} else {
			varU[c] = q
		}
	}
	return mu, inv, varU
}

func bnRunningStats(st *BNState) (mu, inv []float64) {
	C := len(st.Mean)
	mu = make([]float64, C)
	inv = make([]float64, C)
	for c := 0; c < C; c++ {
		mu[c] = float64(st.Mean[c])
		inv[c] = 1 / math.Sqrt(float64(st.Var[c])+BNEps)
	}
	return mu, inv
}

func bnApply[T float](o, x, gamma, beta []T, mu, inv []float64) {
	C := len(gamma)
	N := len(x) / C
	for c := 0; c < C; c++ {
		g, b := float64(gamma[c])*inv[c], float64(beta[c])
		for n, v := range x[c*N : (c+1)*N] {
			o[c*N+n] = T((float64(v)-mu[c])*g + b)
		}
	}
}

func bnForward[T float](o, x, gamma, beta []T, st *BNState, train bool) {
	C := len(gamma)
	if !train {
		mu, inv := bnRunningStats(st)
		bnApply(o, x, gamma, beta, mu, inv)
		return
	}
	mu, inv, varU := bnBatchStats(x, C)
	bnApply(o, x, gamma, beta, mu, inv)
	for c := 0; c < C; c++ {
		st.Mean[c] = float32((1-BNMomentum)*float64(st.Mean[c]) + BNMomentum*mu[c])
		st.Var[c] = float32((1-BNMomentum)*float64(st.Var[c]) + BNMomentum*varU[c])
	}
}

// bnGradX is the input gradient. With batch statistics (x̂ = (x−μ)·inv):
// dx = inv·(dŷ − mean(dŷ) − x̂·mean(dŷ·x̂)), dŷ = γ·dy; with running
// statistics the normalisation is an affine map: dx = γ·inv·dy.
func bnGradX[T float](dx, x, gamma, dy []T, st *BNState, train bool) {
	C := len(gamma)
	N := len(x) / C
	if !train {
		_, inv := bnRunningStats(st)
		for c := 0; c < C; c++ {
			s := float64(gamma[c]) * inv[c]
			for n := 0; n < N; n++ {
				dx[c*N+n] = T(float64(dy[c*N+n]) * s)
			}
		}
		return
	}
	mu, inv, _ := bnBatchStats(x, C)
	for c := 0; c < C; c++ {
		g := float64(gamma[c])
		var m1, m2 float64
		for n := 0; n < N; n++ {
			dh := float64(dy[c*N+n]) * g
			m1 += dh
			m2 += dh * (float64(x[c*N+n]) - mu[c]) * inv[c]
		}
		m1 /= float64(N)
		m2 /= float64(N)
		for n := 0; n < N; n++ {
			dh := float64(dy[c*N+n]) * g
			xh := (float64(x[c*N+n]) - mu[c]) * inv[c]
			dx[c*N+n] = T(inv[c] * (dh - m1 - xh*m2))
		}
	}
}

// bnGradGamma is Σₙ dy·x̂ per channel, x̂ under the statistics in use.
func bnGradGamma[T float](dg, x, dy []T, st *BNState, train bool) {
	C := len(dg)
	N := len(x) / C
	var mu, inv []float64
	if train {
		mu, inv, _ = bnBatchStats(x, C)
	} else {
		mu, inv = bnRunningStats(st)
	}
	for c := 0; c < C; c++ {
		var s float64
		for n := 0; n < N; n++ {
			s += float64(dy[c*N+n]) * (float64(x[c*N+n]) - mu[c]) * inv[c]
		}
		dg[c] = T(s)
	}
}

// BatchNorm normalises every row of x (C, N) over its N columns and applies
// the affine gamma, beta (C,). train selects batch statistics (and updates
// st) or st's running statistics. st.Mean and st.Var must have C elements.
func BatchNorm(x, gamma, beta *G.Node, st *BNState, train bool) (*G.Node, error) {
	if err := require2D("batch_norm", x); err != nil {
		return nil, err
	}
	C, N := rows(x), cols(x)
	if st == nil || len(st.Mean) != C || len(st.Var) != C {
		return nil, fmt.Errorf("batch_norm %s: running statistics must have %d channels", st.name(), C)
	}
	if train && N < 2 {
		return nil, fmt.Errorf("batch_norm %s: a training pass needs at least 2 values per channel, got %d", st.Name, N)
	}
	mode := "eval"
	if train {
		mode = "train"
	}
	id := fmt.Sprintf("%s,%d,%d,%s", st.Name, C, N, mode)
	k := &kernel{
		name: "batch_norm{" + id + "}", inDims: []int{2, 1, 1}, outDims: 2,
		shape: fixed("batch_norm", tensor.Shape{C, N}, []int{C, N}, []int{C}, []int{C}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { bnForward(o, in[0], in[1], in[2], st, train) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { bnForward(o, in[0], in[1], in[2], st, train) },
		wrt:   []bool{true, true, true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		dx, err := apply(&kernel{
			name: "batch_norm_dx{" + id + "}", inDims: []int{2, 1, 2}, outDims: 2,
			shape: fixed("batch_norm_dx", tensor.Shape{C, N}, []int{C, N}, []int{C}, []int{C, N}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { bnGradX(o, in[0], in[1], in[2], st, train) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { bnGradX(o, in[0], in[1], in[2], st, train) },
		}, in[0], in[1], g)
		if err != nil {
			return nil, err
		}
		dg, err := apply(&kernel{
			name: "batch_norm_dgamma{" + id + "}", inDims: []int{2, 2}, outDims: 1,
			shape: fixed("batch_norm_dgamma", tensor.Shape{C}, []int{C, N}, []int{C, N}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { bnGradGamma(o, in[0], in[1], st, train) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { bnGradGamma(o, in[0], in[1], st, train) },
		}, in[0], g)
		if err != nil {
			return nil, err
		}
		db, err := RowSum(g)
		return G.Nodes{dx, dg, db}, err
	}
	return apply(k, x, gamma, beta)
}

func (st *BNState) name() string {
	if st == nil {
		return "<nil>"
	}
	return st.Name
}
