package gops

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Selective scan of Mamba-1 (S6), per sample b, channel d and state n,
// with A = −exp(A_log) and Δ > 0 given (Chung et al. 2025, paper-spec
// §2.7; mamba_ssm selective_scan_ref):
//
//	h[t, n] = exp(Δ[d,t]·A[d,n])·h[t−1, n] + Δ[d,t]·B[n,t]·u[d,t],  h[−1] = 0
//	y[d, t] = Σ_n C[n,t]·h[t, n] + D[d]·u[d,t]
//
// Layout: u, Δ, y are (d_inner, B·T) and B, C are (d_state, B·T), column
// b·T + t; A_log is (d_inner, d_state) and D (d_inner,). The state is
// kept per (b, d) in float64 and never materialised for the whole batch;
// the backward pass recomputes it.

type scanDims struct{ di, N, B, T int }

func (s scanDims) String() string { return fmt.Sprintf("%d,%d,%d,%d", s.di, s.N, s.B, s.T) }

// scanForward writes y; in = u, Δ, A_log, B, C, D.
func scanForward[T float](y []T, in [][]T, s scanDims) {
	u, dl, al, bm, cm, dd := in[0], in[1], in[2], in[3], in[4], in[5]
	BT := s.B * s.T
	h := make([]float64, s.N)
	A := make([]float64, s.N)
	for d := 0; d < s.di; d++ {
		for n := range A {
			A[n] = -math.Exp(float64(al[d*s.N+n]))
		}
		for b := 0; b < s.B; b++ {
			clear(h)
			for t := 0; t < s.T; t++ {
				col := b*s.T + t
				x, delta := float64(u[d*BT+col]), float64(dl[d*BT+col])
				acc := float64(dd[d]) * x
				for n := range h {
					h[n] = math.Exp(delta*A[n])*h[n] + delta*float64(bm[n*BT+col])*x
					acc += float64(cm[n*BT+col]) * h[n]
				}
				y[d*BT+col] = T(acc)
			}
		}
	}
}

// offsets returns the bounds of the packed gradient: du, dΔ (di·BT each), dA_log (di·N),
// dB, dC (N·BT each), dD (di).
func (s scanDims) offsets() (off [7]int) {
	BT := s.B * s.T
	sizes := [6]int{s.di * BT, s.di * BT, s.di * s.N, s.N * BT, s.N * BT, s.di}
	for i, n := range sizes {
		off[i+1] = off[i] + n
	}
	return off
}

// scanBackward writes the packed gradient of Σ g⊙y; in = u, Δ, A_log, B,
// C, D, g. Derivation, with a[t,n] = exp(Δ_t A_n) and dh the total
// gradient reaching h[t] (from y_t and, through a[t+1], from h[t+1]):
//
//	dh[t] = g_t C[t] + a[t+1]·dh[t+1]
//	dC[n,t] += g_t h[t,n];  dD += g_t u_t;  du_t = g_t D + Σ_n dh[t,n] Δ_t B[n,t]
//	dΔ_t = Σ_n dh[t,n] (h[t−1,n] a[t,n] A_n + B[n,t] u_t)
//	dA_n += dh[t,n] h[t−1,n] a[t,n] Δ_t;  dA_log = dA·A
//	dB[n,t] += dh[t,n] Δ_t u_t
func scanBackward[T float](o []T, in [][]T, s scanDims) {
	u, dl, al, bm, cm, dd, g := in[0], in[1], in[2], in[3], in[4], in[5], in[6]
	BT := s.B * s.T
	off := s.offsets()
	du, dDelta, dAlog := o[off[0]:off[1]], o[off[1]:off[2]], o[off[2]:off[3]]
	dB, dC, dD := o[off[3]:off[4]], o[off[4]:off[5]], o[off[5]:off[6]]
	// dB and dC sum over channels: accumulate in float64.
	accB := make([]float64, s.N*BT)
	accC := make([]float64, s.N*BT)
	hs := make([]float64, (s.T+1)*s.N) // hs[(t+1)·N + n] = h[t, n]; row 0 = h[−1] = 0
	as := make([]float64, s.T*s.N)
	A := make([]float64, s.N)
	dA := make([]float64, s.N)
	dh := make([]float64, s.N)
	for d := 0; d < s.di; d++ {
		for n := range A {
			A[n] = -math.Exp(float64(al[d*s.N+n]))
		}
		clear(dA)
		var sumD float64
		Dd := float64(dd[d])
		for b := 0; b < s.B; b++ {
			for t := 0; t < s.T; t++ {
				col := b*s.T + t
				x, delta := float64(u[d*BT+col]), float64(dl[d*BT+col])
				prev, cur, a := hs[t*s.N:][:s.N], hs[(t+1)*s.N:][:s.N], as[t*s.N:][:s.N]
				for n := range cur {
					a[n] = math.Exp(delta * A[n])
					cur[n] = a[n]*prev[n] + delta*float64(bm[n*BT+col])*x
				}
			}
			clear(dh)
			for t := s.T - 1; t >= 0; t-- {
				col := b*s.T + t
				x, delta, gy := float64(u[d*BT+col]), float64(dl[d*BT+col]), float64(g[d*BT+col])
				prev, cur, a := hs[t*s.N:][:s.N], hs[(t+1)*s.N:][:s.N], as[t*s.N:][:s.N]
				sumD += gy * x
				dx := gy * Dd
				var dDel float64
				for n := range dh {
					accC[n*BT+col] += gy * cur[n]
					dh[n] += gy * float64(cm[n*BT+col])
					bn := float64(bm[n*BT+col])
					da := dh[n] * prev[n] * a[n] // ∂/∂(Δ·A_n) through a
					dDel += da*A[n] + dh[n]*bn*x
					dA[n] += da * delta
					accB[n*BT+col] += dh[n] * delta * x
					dx += dh[n] * delta * bn
					dh[n] *= a[n] // carried to h[t−1]
				}
				du[d*BT+col] = T(dx)
				dDelta[d*BT+col] = T(dDel)
			}
		}
		for n := range dA {
			dAlog[d*s.N+n] = T(dA[n] * A[n])
		}
		dD[d] = T(sumD)
	}
	for i, v := range accB {
		dB[i] = T(v)
	}
	for i, v := range accC {
		dC[i] = T(v)
	}
}

// SelectiveScan returns y (d_inner, B·T) of the Mamba-1 selective scan of
// u (d_inner, B·T) with step sizes delta (d_inner, B·T, already through
// softplus), A_log (d_inner, d_state), B and C (d_state, B·T) and skip D
// (d_inner,). The SiLU(z) gate is applied by the caller.
func SelectiveScan(u, delta, aLog, bm, cm, dskip *G.Node, B, T int) (*G.Node, error) {
	for i, x := range []*G.Node{u, delta, aLog, bm, cm} {
		if err := require2D(fmt.Sprintf("selective_scan input %d", i), x); err != nil {
			return nil, err
		}
	}
	di, N := rows(aLog), cols(aLog)
	s := scanDims{di: di, N: N, B: B, T: T}
	BT := B * T
	if B <= 0 || T <= 0 || dskip.Shape().Dims() != 1 {
		return nil, fmt.Errorf("selective_scan: B=%d, T=%d, D shape %v", B, T, dskip.Shape())
	}
	want := [][]int{{di, BT}, {di, BT}, {di, N}, {N, BT}, {N, BT}, {di}}
	k := &kernel{
		name: fmt.Sprintf("selective_scan{%v}", s), inDims: []int{2, 2, 2, 2, 2, 1}, outDims: 2,
		shape: fixed("selective_scan", tensor.Shape{di, BT}, want...),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { scanForward(o, in, s) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { scanForward(o, in, s) },
		wrt:   []bool{true, true, true, true, true, true},
	}
	if _, err := k.shape([]tensor.Shape{u.Shape(), delta.Shape(), aLog.Shape(), bm.Shape(), cm.Shape(), dskip.Shape()}); err != nil {
		return nil, err
	}
	off := s.offsets()
	total := off[6]
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		packed, err := apply(&kernel{
			name: fmt.Sprintf("selective_scan_grad{%v}", s), inDims: []int{2, 2, 2, 2, 2, 1, 2}, outDims: 1,
			shape: fixed("selective_scan_grad", tensor.Shape{total}, append(want, []int{di, BT})...),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { scanBackward(o, in, s) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { scanBackward(o, in, s) },
		}, in[0], in[1], in[2], in[3], in[4], in[5], g)
		if err != nil {
			return nil, err
		}
		out := make(G.Nodes, 6)
		for i := range out {
			if out[i], err = segment(packed, off[i], want[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return apply(k, u, delta, aLog, bm, cm, dskip)
}

// segment copies elements [lo, lo + Π shape) of the vector v into a new
// tensor of the given shape (the unpacking of a packed gradient).
func segment(v *G.Node, lo int, shape []int) (*G.Node, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	total := v.Shape().TotalSize()
	if v.Shape().Dims() != 1 || lo < 0 || lo+n > total {
		return nil, fmt.Errorf("segment [%d, %d) of %v", lo, lo+n, v.Shape())
	}
	return apply(&kernel{
		name: fmt.Sprintf("segment{%d,%d,%v}", total, lo, shape), inDims: []int{1}, outDims: len(shape),
		shape: fixed("segment", tensor.Shape(append([]int(nil), shape...)), []int{total}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { copy(o, in[0][lo:lo+n]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { copy(o, in[0][lo:lo+n]) },
	}, v)
}
