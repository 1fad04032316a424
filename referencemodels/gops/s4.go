package gops

import (
	"fmt"
	"math"
	"math/cmplx"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// S4 encoder ops (Chung et al. 2025, paper-spec §2.5), in the sequence
// layout of the GPT helpers: a sequence batch is (H, B·L) with column
// b·L + l. The SSM is diagonal (S4D): per channel h and complex mode n,
// A_n = −exp(A_re) + i·A_im, Δ = exp(log_dt), zero-order hold
// Ā = exp(ΔA), B̄ = (exp(ΔA) − 1)/A, and the length-L convolution kernel
// is the Vandermonde product K_l = 2·Re Σ_n C_n B̄_n Ā_n^l, so that
// y_k = Σ_{j≤k} K_j u_{k−j} + D u_k equals the recurrence
// x_k = Ā x_{k−1} + B̄ u_k, y_k = 2·Re(C x_k) + D u_k exactly.

// The per-step tokens are stacked into a sequence with StackPositions.

// ---------------------------------------------------------------------------
// S4D kernel K (H, L) from log_dt (H,), A_re (H, N2), A_im (H, N2) and
// C (H, N2, 2) (re, im pairs).

// s4dMode holds the discretised quantities of one (channel, mode).
type s4dMode struct {
	dt      float64    // Δ
	ea      float64    // exp(A_re) = −Re A
	a, e, c complex128 // A, exp(ΔA), C
	w       complex128 // C·(exp(ΔA) − 1)/A = C·B̄
}

func s4dAt[T float](logDt, aRe, aIm, c []T, h, n, N2 int) s4dMode {
	j := h*N2 + n
	m := s4dMode{dt: math.Exp(float64(logDt[h])), ea: math.Exp(float64(aRe[j]))}
	m.a = complex(-m.ea, float64(aIm[j]))
	m.e = cmplx.Exp(complex(m.dt, 0) * m.a)
	m.c = complex(float64(c[2*j]), float64(c[2*j+1]))
	m.w = m.c * (m.e - 1) / m.a
	return m
}

func s4dKernel[T float](o, logDt, aRe, aIm, c []T, H, N2, L int) {
	acc := make([]float64, L)
	for h := 0; h < H; h++ {
		clear(acc)
		for n := 0; n < N2; n++ {
			m := s4dAt(logDt, aRe, aIm, c, h, n, N2)
			p := m.w // C·B̄·Ā^l
			for l := range acc {
				acc[l] += 2 * real(p)
				p *= m.e
			}
		}
		for l, v := range acc {
			o[h*L+l] = T(v)
		}
	}
}

// s4dWhich selects the parameter an s4dKernelGrad computes.
type s4dWhich int

const (
	s4dLogDt s4dWhich = iota
	s4dARe
	s4dAIm
	s4dC
)

func (w s4dWhich) String() string { return [...]string{"log_dt", "A_re", "A_im", "C"}[w] }

// s4dKernelGrad writes the gradient of one parameter given g = ∂L/∂K
// (H, L). With F = 2·Σ_l g_l W Ā^l (L's dependence on this mode is Re F,
// F holomorphic in W = C·B̄, z = ΔA), P = 2·Σ_l g_l Ā^l and
// Q = 2·Σ_l g_l l Ā^l:
//
//	∂F/∂C = P·B̄
//	∂F/∂A = P·C·(Δ·Ā·A − (Ā − 1))/A² + W·Q·Δ   (Δ fixed)
//	∂F/∂Δ = P·C·Ā + W·Q·A                       (A fixed)
//
// and for a real parameter r with w(r) holomorphic, ∂L/∂r = Re(∂F/∂w ·
// ∂w/∂r): ∂A/∂A_re = −exp(A_re), ∂A/∂A_im = i, ∂C/∂C_re = 1, ∂C/∂C_im = i,
// ∂Δ/∂log_dt = Δ.
func s4dKernelGrad[T float](which s4dWhich, o, logDt, aRe, aIm, c, g []T, H, N2, L int) {
	for h := 0; h < H; h++ {
		gr := g[h*L:][:L]
		var dlog float64
		for n := 0; n < N2; n++ {
			m := s4dAt(logDt, aRe, aIm, c, h, n, N2)
			var P, Q complex128
			p := complex(1, 0)
			for l, gv := range gr {
				P += complex(2*float64(gv), 0) * p
				Q += complex(2*float64(gv)*float64(l), 0) * p
				p *= m.e
			}
			j := h*N2 + n
			switch which {
			case s4dLogDt:
				dF := P*m.c*m.e + m.w*Q*m.a
				dlog += m.dt * real(dF)
			case s4dARe, s4dAIm:
				dt := complex(m.dt, 0)
				dF := P*m.c*(dt*m.e*m.a-(m.e-1))/(m.a*m.a) + m.w*Q*dt
				if which == s4dARe {
					o[j] = T(-m.ea * real(dF))
				} else {
					o[j] = T(-imag(dF))
				}
			case s4dC:
				dF := P * (m.e - 1) / m.a
				o[2*j], o[2*j+1] = T(real(dF)), T(-imag(dF))
			}
		}
		if which == s4dLogDt {
			o[h] = T(dlog)
		}
	}
}

// S4DKernel returns the length-L S4D convolution kernel K (H, L),
// K[h, l] = 2·Re Σ_n C_n (exp(ΔA_n) − 1)/A_n · exp(ΔA_n·l), from
// logDt (H,), aRe = log(−Re A) (H, N2), aIm = Im A (H, N2) and c (H, N2, 2)
// holding (Re C, Im C).
func S4DKernel(logDt, aRe, aIm, c *G.Node, L int) (*G.Node, error) {
	ls, as := logDt.Shape(), aRe.Shape()
	if ls.Dims() != 1 || as.Dims() != 2 || L <= 0 {
		return nil, fmt.Errorf("s4d_kernel: log_dt %v, A_re %v, L %d: want (H,), (H, N2), L > 0", ls, as, L)
	}
	H, N2 := ls[0], as[1]
	in := [][]int{{H}, {H, N2}, {H, N2}, {H, N2, 2}}
	for i, x := range []*G.Node{aRe, aIm, c} {
		if err := checkShape("s4d_kernel", x.Shape(), in[i+1]...); err != nil {
			return nil, err
		}
	}
	k := &kernel{
		name: fmt.Sprintf("s4d_kernel{%d,%d,%d}", H, N2, L), inDims: []int{1, 2, 2, 3}, outDims: 2,
		shape: fixed("s4d_kernel", tensor.Shape{H, L}, in...),
		f32: func(o []float32, x [][]float32, _ []tensor.Shape) {
			s4dKernel(o, x[0], x[1], x[2], x[3], H, N2, L)
		},
		f64: func(o []float64, x [][]float64, _ []tensor.Shape) {
			s4dKernel(o, x[0], x[1], x[2], x[3], H, N2, L)
		},
		wrt: []bool{true, true, true, true},
	}
	k.grad = func(ins G.Nodes, _, g *G.Node) (G.Nodes, error) {
		out := make(G.Nodes, 4)
		gin := [][]int{in[0], in[1], in[2], in[3], {H, L}}
		for w := s4dLogDt; w <= s4dC; w++ {
			gi, err := apply(&kernel{
				name: fmt.Sprintf("s4d_kernel_grad_%v{%d,%d,%d}", w, H, N2, L), inDims: []int{1, 2, 2, 3, 2}, outDims: len(in[w]),
				shape: fixed("s4d_kernel_grad", tensor.Shape(in[w]), gin...),
				f32: func(o []float32, x [][]float32, _ []tensor.Shape) {
					s4dKernelGrad(w, o, x[0], x[1], x[2], x[3], x[4], H, N2, L)
				},
				f64: func(o []float64, x [][]float64, _ []tensor.Shape) {
					s4dKernelGrad(w, o, x[0], x[1], x[2], x[3], x[4], H, N2, L)
				},
			}, ins[0], ins[1], ins[2], ins[3], g)
			if err != nil {
				return nil, err
			}
			out[w] = gi
		}
		return out, nil
	}
	return apply(k, logDt, aRe, aIm, c)
}

// ---------------------------------------------------------------------------
// Causal convolution per channel over each sequence, with skip D:
// y[h, b·L+t] = Σ_{j≤t} K[h, j]·u[h, b·L+t−j] + D[h]·u[h, b·L+t].

func causalConv[T float](o, u, k, d []T, H, B, L int) {
	for h := 0; h < H; h++ {
		kh := k[h*L:][:L]
		dh := float64(d[h])
		for b := 0; b < B; b++ {
			us, os := u[(h*B+b)*L:][:L], o[(h*B+b)*L:][:L]
			for t := range os {
				s := dh * float64(us[t])
				for j := 0; j <= t; j++ {
					s += float64(kh[j]) * float64(us[t-j])
				}
				os[t] = T(s)
			}
		}
	}
}

// causalConvDU is the adjoint in u: du_j = D·g_j + Σ_{t≥j} K_{t−j} g_t.
func causalConvDU[T float](o, k, d, g []T, H, B, L int) {
	for h := 0; h < H; h++ {
		kh := k[h*L:][:L]
		dh := float64(d[h])
		for b := 0; b < B; b++ {
			gs, os := g[(h*B+b)*L:][:L], o[(h*B+b)*L:][:L]
			for j := range os {
				s := dh * float64(gs[j])
				for t := j; t < L; t++ {
					s += float64(kh[t-j]) * float64(gs[t])
				}
				os[j] = T(s)
			}
		}
	}
}

// causalConvDK: dK[h, m] = Σ_b Σ_{t≥m} g_t u_{t−m}.
func causalConvDK[T float](o, u, g []T, H, B, L int) {
	for h := 0; h < H; h++ {
		for m := 0; m < L; m++ {
			var s float64
			for b := 0; b < B; b++ {
				us, gs := u[(h*B+b)*L:][:L], g[(h*B+b)*L:][:L]
				for t := m; t < L; t++ {
					s += float64(gs[t]) * float64(us[t-m])
				}
			}
			o[h*L+m] = T(s)
		}
	}
}

// rowDot: o[h] = Σ_n u[h, n]·g[h, n] (the gradient of D).
func rowDot[T float](o, u, g []T) {
	N := len(u) / len(o)
	for h := range o {
		var s float64
		for n := h * N; n < (h+1)*N; n++ {
			s += float64(u[n]) * float64(g[n])
		}
		o[h] = T(s)
	}
}

// CausalConv convolves every sequence of u (H, B·L) causally with the
// per-channel kernel k (H, L) and adds the skip d (H,)·u.
func CausalConv(u, k, d *G.Node, B int) (*G.Node, error) {
	if err := require2D("causal_conv", u); err != nil {
		return nil, err
	}
	if err := require2D("causal_conv", k); err != nil {
		return nil, err
	}
	H, L := rows(k), cols(k)
	if B <= 0 || rows(u) != H || cols(u) != B*L {
		return nil, fmt.Errorf("causal_conv: u %v, kernel %v, batch %d: want u (%d, %d)", u.Shape(), k.Shape(), B, H, B*L)
	}
	if err := checkShape("causal_conv", d.Shape(), H); err != nil {
		return nil, err
	}
	us, ks, ds := []int{H, B * L}, []int{H, L}, []int{H}
	dims := fmt.Sprintf("{%d,%d,%d}", H, B, L)
	kn := &kernel{
		name: "causal_conv" + dims, inDims: []int{2, 2, 1}, outDims: 2,
		shape: fixed("causal_conv", tensor.Shape{H, B * L}, us, ks, ds),
		f32:   func(o []float32, x [][]float32, _ []tensor.Shape) { causalConv(o, x[0], x[1], x[2], H, B, L) },
		f64:   func(o []float64, x [][]float64, _ []tensor.Shape) { causalConv(o, x[0], x[1], x[2], H, B, L) },
		wrt:   []bool{true, true, true},
	}
	kn.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		du, err := apply(&kernel{
			name: "causal_conv_du" + dims, inDims: []int{2, 1, 2}, outDims: 2,
			shape: fixed("causal_conv_du", tensor.Shape{H, B * L}, ks, ds, us),
			f32:   func(o []float32, x [][]float32, _ []tensor.Shape) { causalConvDU(o, x[0], x[1], x[2], H, B, L) },
			f64:   func(o []float64, x [][]float64, _ []tensor.Shape) { causalConvDU(o, x[0], x[1], x[2], H, B, L) },
		}, in[1], in[2], g)
		if err != nil {
			return nil, err
		}
		dk, err := apply(&kernel{
			name: "causal_conv_dk" + dims, inDims: []int{2, 2}, outDims: 2,
			shape: fixed("causal_conv_dk", tensor.Shape{H, L}, us, us),
			f32:   func(o []float32, x [][]float32, _ []tensor.Shape) { causalConvDK(o, x[0], x[1], H, B, L) },
			f64:   func(o []float64, x [][]float64, _ []tensor.Shape) { causalConvDK(o, x[0], x[1], H, B, L) },
		}, in[0], g)
		if err != nil {
			return nil, err
		}
		dd, err := apply(&kernel{
			name: "causal_conv_dd" + dims, inDims: []int{2, 2}, outDims: 1,
			shape: fixed("causal_conv_dd", tensor.Shape{H}, us, us),
			f32:   func(o []float32, x [][]float32, _ []tensor.Shape) { rowDot(o, x[0], x[1]) },
			f64:   func(o []float64, x [][]float64, _ []tensor.Shape) { rowDot(o, x[0], x[1]) },
		}, in[0], g)
		return G.Nodes{du, dk, dd}, err
	}
	return apply(kn, u, k, d)
}

// ---------------------------------------------------------------------------
// Exact (erf) GELU, PyTorch nn.GELU's default, used by the S4 blocks; the
// GPT MLP uses the tanh approximation (GELU).

func geluErf[T float](o, x []T) {
	for i, v := range x {
		f := float64(v)
		o[i] = T(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
	}
}

func geluErfGrad[T float](o, x, g []T) {
	const invSqrt2Pi = 0.3989422804014327 // 1/√(2π)
	for i, v := range x {
		f := float64(v)
		d := 0.5*(1+math.Erf(f/math.Sqrt2)) + f*invSqrt2Pi*math.Exp(-0.5*f*f)
		o[i] = T(d * float64(g[i]))
	}
}

// GELUErf applies x·Φ(x) (Φ the standard normal CDF) elementwise.
func GELUErf(x *G.Node) (*G.Node, error) {
	if err := require2D("gelu_erf", x); err != nil {
		return nil, err
	}
	R, N := rows(x), cols(x)
	k := &kernel{
		name: fmt.Sprintf("gelu_erf{%d,%d}", R, N), inDims: []int{2}, outDims: 2,
		shape: fixed("gelu_erf", tensor.Shape{R, N}, []int{R, N}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { geluErf(o, in[0]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { geluErf(o, in[0]) },
		wrt:   []bool{true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		return one(apply(&kernel{
			name: fmt.Sprintf("gelu_erf_grad{%d,%d}", R, N), inDims: []int{2, 2}, outDims: 2,
			shape: fixed("gelu_erf_grad", tensor.Shape{R, N}, []int{R, N}, []int{R, N}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { geluErfGrad(o, in[0], in[1]) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { geluErfGrad(o, in[0], in[1]) },
		}, in[0], g))
	}
	return apply(k, x)
}

// ---------------------------------------------------------------------------
// GLU over the rows: x (2d, N) -> a·σ(b) with a = rows [0, d), b = rows
// [d, 2d) (PyTorch's GLU on the feature axis).

func glu[T float](o, x []T) {
	n := len(o)
	for i := range o {
		o[i] = x[i] * sigmoid(x[n+i])
	}
}

func gluGrad[T float](o, x, g []T) {
	n := len(g)
	for i, gv := range g {
		s := sigmoid(x[n+i])
		o[i] = gv * s
		o[n+i] = gv * x[i] * s * (1 - s)
	}
}

// GLU returns rows [0, d) of x (2d, N) times the sigmoid of rows [d, 2d).
func GLU(x *G.Node) (*G.Node, error) {
	if err := require2D("glu", x); err != nil {
		return nil, err
	}
	R, N := rows(x), cols(x)
	if R%2 != 0 {
		return nil, fmt.Errorf("glu: %d rows is odd", R)
	}
	k := &kernel{
		name: fmt.Sprintf("glu{%d,%d}", R, N), inDims: []int{2}, outDims: 2,
		shape: fixed("glu", tensor.Shape{R / 2, N}, []int{R, N}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { glu(o, in[0]) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { glu(o, in[0]) },
		wrt:   []bool{true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		return one(apply(&kernel{
			name: fmt.Sprintf("glu_grad{%d,%d}", R, N), inDims: []int{2, 2}, outDims: 2,
			shape: fixed("glu_grad", tensor.Shape{R, N}, []int{R, N}, []int{R / 2, N}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { gluGrad(o, in[0], in[1]) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { gluGrad(o, in[0], in[1]) },
		}, in[0], g))
	}
	return apply(k, x)
}
