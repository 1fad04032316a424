package gops

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// s4dParams are random S4D parameters for H channels and N2 modes, near
// the S4D-Lin initialisation (A_n ≈ −½ + iπn) but perturbed so that every
// mode differs.
type s4dParams struct {
	H, N2              int
	logDt, aRe, aIm, c []float64
	d                  []float64
}

func randS4D(rng *rand.Rand, H, N2 int) s4dParams {
	p := s4dParams{H: H, N2: N2, logDt: make([]float64, H), aRe: make([]float64, H*N2),
		aIm: make([]float64, H*N2), c: make([]float64, 2*H*N2), d: make([]float64, H)}
	for h := 0; h < H; h++ {
		p.logDt[h] = math.Log(1e-2) + rng.Float64()*(math.Log(0.5)-math.Log(1e-2))
		p.d[h] = rng.NormFloat64()
		for n := 0; n < N2; n++ {
			p.aRe[h*N2+n] = math.Log(0.5) + 0.3*rng.NormFloat64()
			p.aIm[h*N2+n] = math.Pi*float64(n) + 0.2*rng.NormFloat64()
		}
	}
	for i := range p.c {
		p.c[i] = rng.NormFloat64() * math.Sqrt(0.5)
	}
	return p
}

// recurrenceS4D is the reference: per channel and sequence, the complex
// diagonal recurrence x_k = Ā x_{k−1} + B̄ u_k, y_k = 2·Re(C·x_k) + D u_k
// with zero-order hold Ā = exp(ΔA), B̄ = (exp(ΔA) − 1)/A, x_{−1} = 0.
// u and the result are (H, B·L) with column b·L + k.
func recurrenceS4D(p s4dParams, u []float64, B, L int) []float64 {
	y := make([]float64, len(u))
	for h := 0; h < p.H; h++ {
		dt := math.Exp(p.logDt[h])
		for b := 0; b < B; b++ {
			x := make([]complex128, p.N2)
			for k := 0; k < L; k++ {
				uk := u[(h*B+b)*L+k]
				var s complex128
				for n := range x {
					j := h*p.N2 + n
					A := complex(-math.Exp(p.aRe[j]), p.aIm[j])
					Ab := cmplx.Exp(complex(dt, 0) * A)
					Bb := (Ab - 1) / A
					x[n] = Ab*x[n] + Bb*complex(uk, 0)
					s += complex(p.c[2*j], p.c[2*j+1]) * x[n]
				}
				y[(h*B+b)*L+k] = 2*real(s) + p.d[h]*uk
			}
		}
	}
	return y
}

// s4dGraph runs S4DKernel + CausalConv on u in the given dtype.
func s4dGraph(t *testing.T, dt tensor.Dtype, p s4dParams, u []float64, B, L int) []float64 {
	t.Helper()
	g := G.NewGraph()
	conv := func(x []float64) any {
		if dt == tensor.Float64 {
			return append([]float64(nil), x...)
		}
		o := make([]float32, len(x))
		for i, v := range x {
			o[i] = float32(v)
		}
		return o
	}
	node := func(name string, x []float64, shape ...int) *G.Node {
		return G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(conv(x)))))
	}
	H, N2 := p.H, p.N2
	k, err := S4DKernel(node("log_dt", p.logDt, H), node("a_re", p.aRe, H, N2), node("a_im", p.aIm, H, N2),
		node("c", p.c, H, N2, 2), L)
	if err != nil {
		t.Fatal(err)
	}
	y, err := CausalConv(node("u", u, H, B*L), k, node("d", p.d, H), B)
	if err != nil {
		t.Fatal(err)
	}
	v := evalNode(t, g, y)
	out := make([]float64, len(u))
	switch d := v.Data().(type) {
	case []float64:
		copy(out, d)
	case []float32:
		for i, x := range d {
			out[i] = float64(x)
		}
	}
	return out
}

// TestS4DMatchesRecurrence: the kernel (Vandermonde) + causal convolution
// form equals the ZOH recurrence to 1e-9 in float64 (and 1e-4 relative in
// float32), for random parameters, inputs and lengths including the 22
// steps of the model.
func TestS4DMatchesRecurrence(t *testing.T) {
	cases := []struct{ H, N2, B, L int }{{1, 1, 1, 1}, {3, 4, 2, 7}, {4, 8, 3, 22}}
	for i, tc := range cases {
		rng := rand.New(rand.NewPCG(uint64(i), 77))
		p := randS4D(rng, tc.H, tc.N2)
		u := make([]float64, tc.H*tc.B*tc.L)
		for j := range u {
			u[j] = rng.NormFloat64()
		}
		want := recurrenceS4D(p, u, tc.B, tc.L)
		got := s4dGraph(t, tensor.Float64, p, u, tc.B, tc.L)
		got32 := s4dGraph(t, tensor.Float32, p, u, tc.B, tc.L)
		var scale float64
		for _, v := range want {
			scale = math.Max(scale, math.Abs(v))
		}
		for j := range want {
			if e := math.Abs(got[j] - want[j]); e > 1e-9 {
				t.Fatalf("case %+v elem %d: float64 %.15g, recurrence %.15g (err %.2g)", tc, j, got[j], want[j], e)
			}
			if e := math.Abs(got32[j] - want[j]); e > 1e-4*(1+scale) {
				t.Fatalf("case %+v elem %d: float32 %.7g, recurrence %.7g", tc, j, got32[j], want[j])
			}
		}
	}
}

// TestS4DKernelGolden: one channel, one mode with Δ = 1, A = −1/2 (real),
// C = 1: Ā = e^{−1/2}, B̄ = (e^{−1/2} − 1)/(−1/2) = 2(1 − e^{−1/2}), so
// K_l = 2·2(1 − e^{−1/2})·e^{−l/2} with e^{−1/2} = 0.6065306597:
// K_0 = 4·0.3934693403 = 1.5738773611, K_1 = 0.9546048742, K_2 = 0.5789971241.
func TestS4DKernelGolden(t *testing.T) {
	p := s4dParams{H: 1, N2: 1, logDt: []float64{0}, aRe: []float64{math.Log(0.5)}, aIm: []float64{0},
		c: []float64{1, 0}, d: []float64{0}}
	// A unit impulse at k = 0 reads the kernel out: y_k = K_k.
	y := s4dGraph(t, tensor.Float64, p, []float64{1, 0, 0}, 1, 3)
	for l, want := range []float64{1.5738773611, 0.9546048742, 0.5789971241} {
		if math.Abs(y[l]-want) > 1e-10 {
			t.Errorf("K_%d = %.10f, want %.10f", l, y[l], want)
		}
	}
}

func TestS4GradCheck(t *testing.T) {
	const H, N2, B, L = 2, 3, 2, 5
	s4dInit := func(i int, x []float64, rng *rand.Rand) {
		switch i {
		case 0: // log Δ in [log 0.01, log 0.5]
			for j := range x {
				x[j] = math.Log(0.01) + rng.Float64()*(math.Log(0.5)-math.Log(0.01))
			}
		case 1: // log(−Re A) near log ½
			for j := range x {
				x[j] = math.Log(0.5) + 0.3*x[j]
			}
		case 2: // Im A near πn
			for j := range x {
				x[j] = math.Pi*float64(j%N2) + 0.2*x[j]
			}
		}
	}
	kernelShapes := [][]int{{H}, {H, N2}, {H, N2}, {H, N2, 2}}
	cases := []struct {
		name   string
		shapes [][]int
		diff   []bool
		init   func(i int, x []float64, rng *rand.Rand)
		build  builder
	}{
		{"stack_steps", [][]int{{3, 2}, {3, 2}, {3, 2}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return StackPositions(in) }},
		{"s4d_kernel", kernelShapes, []bool{true, true, true, true}, s4dInit,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return S4DKernel(in[0], in[1], in[2], in[3], L) }},
		{"causal_conv", [][]int{{H, B * L}, {H, L}, {H}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return CausalConv(in[0], in[1], in[2], B) }},
		{"gelu_erf", [][]int{{3, 4}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return GELUErf(in[0]) }},
		{"glu", [][]int{{6, 4}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return GLU(in[0]) }},
		// The S4D layer: kernel, convolution with skip, erf-GELU.
		{"s4d layer", append(append([][]int(nil), kernelShapes...), []int{H, B * L}, []int{H}),
			[]bool{true, true, true, true, true, true}, s4dInit,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				k, err := S4DKernel(in[0], in[1], in[2], in[3], L)
				if err != nil {
					return nil, err
				}
				y, err := CausalConv(in[4], k, in[5], B)
				if err != nil {
					return nil, err
				}
				return GELUErf(y)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, tc.shapes, tc.diff, tc.init, tc.build) })
	}
}

// TestS4ElementwiseGolden: GELU(x) = x·Φ(x): GELU(1) = Φ(1) = 0.8413447461,
// GELU(−1) = −(1 − Φ(1)) = −0.1586552539; GLU([a; b]) = a·σ(b):
// 2·σ(0) = 1, −3·σ(ln 2) = −3·2/3 = −2.
func TestS4ElementwiseGolden(t *testing.T) {
	g := make([]float64, 2)
	geluErf(g, []float64{1, -1})
	if math.Abs(g[0]-0.8413447461) > 1e-10 || math.Abs(g[1]+0.1586552539) > 1e-10 {
		t.Errorf("gelu_erf(1, −1) = %v", g)
	}
	o := make([]float64, 2)
	glu(o, []float64{2, -3, 0, math.Ln2})
	if math.Abs(o[0]-1) > 1e-12 || math.Abs(o[1]+2) > 1e-12 {
		t.Errorf("glu = %v, want [1 −2]", o)
	}
}

func TestS4ShapeErrors(t *testing.T) {
	g := G.NewGraph()
	m := func(name string, s ...int) *G.Node {
		return G.NewTensor(g, tensor.Float64, len(s), G.WithShape(s...), G.WithName(name))
	}
	if _, err := S4DKernel(m("dt", 3), m("are", 3, 4), m("aim", 3, 5), m("c", 3, 4, 2), 5); err == nil {
		t.Error("S4DKernel accepted mismatched A_im")
	}
	if _, err := S4DKernel(m("dt2", 3), m("are2", 3, 4), m("aim2", 3, 4), m("c2", 3, 4), 5); err == nil {
		t.Error("S4DKernel accepted C without the (re, im) axis")
	}
	if _, err := CausalConv(m("u", 3, 10), m("k", 3, 4), m("d", 3), 2); err == nil {
		t.Error("CausalConv accepted u with B·L ≠ columns")
	}
	if _, err := GLU(m("x", 3, 2)); err == nil {
		t.Error("GLU accepted an odd row count")
	}
	if _, err := StackPositions([]*G.Node{m("a", 2, 3), m("b", 2, 4)}); err == nil {
		t.Error("StackPositions accepted steps of different shapes")
	}
}
