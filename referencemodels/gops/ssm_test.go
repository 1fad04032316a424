package gops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestSSMGradients checks the symbolic gradients of the Mamba ops against
// central differences in float64.
func TestSSMGradients(t *testing.T) {
	const B, T = 2, 5
	// Scan inputs: u, Δ (3, B·T), A_log (3, 2), B, C (2, B·T), D (3).
	scanShapes := [][]int{{3, B * T}, {3, B * T}, {3, 2}, {2, B * T}, {2, B * T}, {3}}
	scanInit := func(i int, x []float64, _ *rand.Rand) {
		for j := range x {
			switch i {
			case 1: // Δ > 0, as after softplus
				x[j] = 0.05 + 0.5*math.Abs(x[j])
			case 2:
				x[j] *= 0.5
			}
		}
	}
	cases := []struct {
		name   string
		shapes [][]int
		diff   []bool
		init   func(i int, x []float64, rng *rand.Rand)
		build  builder
	}{
		{"stack_positions", [][]int{{2, 3}, {2, 3}, {2, 3}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return StackPositions(in) }},
		{"silu", [][]int{{3, 4}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SiLU(in[0]) }},
		{"softplus", [][]int{{3, 4}}, []bool{true},
			func(_ int, x []float64, _ *rand.Rand) { x[0] = 25 }, // linear branch above the threshold
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Softplus(in[0]) }},
		{"causal_conv1d K=4", [][]int{{3, B * T}, {3, 1, 4}, {3}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return CausalConv1D(in[0], in[1], in[2], B, T) }},
		{"causal_conv1d K>T", [][]int{{2, B * 3}, {2, 1, 4}, {2}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return CausalConv1D(in[0], in[1], in[2], B, 3) }},
		{"selective_scan", scanShapes, []bool{true, true, true, true, true, true}, scanInit,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				return SelectiveScan(in[0], in[1], in[2], in[3], in[4], in[5], B, T)
			}},
		// Scan fed by softplus(Δ) and gated by SiLU(z), as in the mixer.
		{"scan·silu(z)", append(append([][]int(nil), scanShapes...), []int{3, B * T}), []bool{true, true, true, true, true, true, true},
			func(i int, x []float64, rng *rand.Rand) {
				if i == 2 {
					scanInit(i, x, rng)
				}
			},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				dt, err := Softplus(in[1])
				if err != nil {
					return nil, err
				}
				y, err := SelectiveScan(in[0], dt, in[2], in[3], in[4], in[5], B, T)
				if err != nil {
					return nil, err
				}
				z, err := SiLU(in[6])
				if err != nil {
					return nil, err
				}
				return G.HadamardProd(y, z)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, tc.shapes, tc.diff, tc.init, tc.build) })
	}
}

// run32 evaluates build over float32 inputs and returns the output data.
func run32(t *testing.T, vals [][]float32, shapes [][]int, build builder) []float32 {
	t.Helper()
	g := G.NewGraph()
	ins := make([]*G.Node, len(vals))
	for i, v := range vals {
		tt := tensor.New(tensor.WithShape(shapes[i]...), tensor.WithBacking(v))
		ins[i] = G.NewTensor(g, tensor.Float32, len(shapes[i]), G.WithShape(shapes[i]...), G.WithValue(tt), G.WithName(string(rune('a'+i))))
	}
	out, err := build(g, ins)
	if err != nil {
		t.Fatal(err)
	}
	v := evalNode(t, g, out)
	return append([]float32(nil), v.Data().([]float32)...)
}

// TestSSMForward32 checks the float32 kernels on cases small enough to
// work out by hand.
func TestSSMForward32(t *testing.T) {
	near := func(name string, got []float32, want []float64) {
		t.Helper()
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > 1e-6*(1+math.Abs(want[i])) {
				t.Fatalf("%s[%d] = %.8g, want %.8g", name, i, got[i], want[i])
			}
		}
	}
	// One channel, one sample, T = 3, K = 2: out_t = b + w0·x_{t−1} + w1·x_t.
	conv := run32(t, [][]float32{{1, 2, 3}, {0.5, -1}, {0.25}}, [][]int{{1, 3}, {1, 1, 2}, {1}},
		func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return CausalConv1D(in[0], in[1], in[2], 1, 3) })
	near("conv", conv, []float64{0.25 - 1, 0.25 + 0.5 - 2, 0.25 + 1 - 3})
	// d_inner 1, d_state 1, T = 2: A = −e^{A_log};
	// h0 = Δ0·B0·u0, y0 = C0·h0 + D·u0; h1 = e^{Δ1·A}·h0 + Δ1·B1·u1, y1 = C1·h1 + D·u1.
	u, dl, aLog, bm, cm, D := []float64{1, -2}, []float64{0.5, 0.25}, 0.3, []float64{2, 1}, []float64{-1, 3}, 0.7
	A := -math.Exp(aLog)
	h0 := dl[0] * bm[0] * u[0]
	h1 := math.Exp(dl[1]*A)*h0 + dl[1]*bm[1]*u[1]
	want := []float64{cm[0]*h0 + D*u[0], cm[1]*h1 + D*u[1]}
	f := func(x []float64) []float32 {
		o := make([]float32, len(x))
		for i, v := range x {
			o[i] = float32(v)
		}
		return o
	}
	y := run32(t, [][]float32{f(u), f(dl), {float32(aLog)}, f(bm), f(cm), {float32(D)}},
		[][]int{{1, 2}, {1, 2}, {1, 1}, {1, 2}, {1, 2}, {1}},
		func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
			return SelectiveScan(in[0], in[1], in[2], in[3], in[4], in[5], 1, 2)
		})
	near("scan", y, want)
	// softplus(0) = ln 2, softplus(30) = 30; silu(1) = σ(1).
	sp := run32(t, [][]float32{{0, 30}}, [][]int{{1, 2}},
		func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Softplus(in[0]) })
	near("softplus", sp, []float64{math.Ln2, 30})
	si := run32(t, [][]float32{{1, -2}}, [][]int{{1, 2}},
		func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SiLU(in[0]) })
	near("silu", si, []float64{1 / (1 + math.Exp(-1)), -2 / (1 + math.Exp(2))})
}
