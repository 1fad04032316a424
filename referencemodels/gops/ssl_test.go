package gops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// evalScalar builds f over constant float64 inputs and returns its value.
func evalScalar(t *testing.T, vals [][]float64, shapes [][]int, f func(in []*G.Node) (*G.Node, error)) float64 {
	t.Helper()
	g := G.NewGraph()
	ins := make([]*G.Node, len(vals))
	for i, v := range vals {
		ins[i] = G.NewTensor(g, tensor.Float64, len(shapes[i]), G.WithShape(shapes[i]...), G.WithName(string(rune('a'+i))),
			G.WithValue(tensor.New(tensor.WithShape(shapes[i]...), tensor.WithBacking(v))))
	}
	out, err := f(ins)
	if err != nil {
		t.Fatal(err)
	}
	v := evalNode(t, g, out)
	return v.Data().(float64)
}

// TestNTXentHand: 2 samples, 4 interleaved views in D = 2 (columns of z):
// z0 = (2, 0), z1 = (1, 0) (views of sample 0), z2 = (0, 3), z3 = (0, −1)
// (views of sample 1). Normalised: u0 = u1 = (1, 0), u2 = (0, 1),
// u3 = (0, −1). Similarities /τ, diagonal removed:
//
//	row 0: s01 = 1/τ (positive), s02 = s03 = 0
//	       → ℓ0 = log(e^{1/τ} + 2) − 1/τ = log(1 + 2e^{−1/τ}); row 1 alike.
//	row 2: s23 = −1/τ (positive), s20 = s21 = 0
//	       → ℓ2 = log(e^{−1/τ} + 2) + 1/τ = log(1 + 2e^{1/τ}); row 3 alike.
//
// Mean over the 4 rows: ½[log(1 + 2e^{−1/τ}) + log(1 + 2e^{1/τ})]
// (τ = 0.1: ≈ ½[9.08e-5 + 10.6932]).
func TestNTXentHand(t *testing.T) {
	z := []float64{ // (D=2, M=4) row-major: row d, column view
		2, 1, 0, 0,
		0, 0, 3, -1,
	}
	for _, tau := range []float64{0.1, 1, 0.5} {
		got := evalScalar(t, [][]float64{z}, [][]int{{2, 4}}, func(in []*G.Node) (*G.Node, error) { return NTXent(in[0], tau) })
		want := 0.5 * (math.Log(1+2*math.Exp(-1/tau)) + math.Log(1+2*math.Exp(1/tau)))
		if math.Abs(got-want) > 1e-8*(1+want) {
			t.Errorf("τ %v: NT-Xent %.12g, want %.12g", tau, got, want)
		}
	}
}

// TestSimSiamLossHand: D = 2, one sample (M = 2 views). p0 = (1, 0),
// p1 = (1, 1), z0 = (0, 2), z1 = (3, 0). ½D(p1,z2) + ½D(p2,z1) in the
// paper's 1-based view numbering is −½[cos(p0, z1) + cos(p1, z0)] =
// −½[1 + 1/√2].
func TestSimSiamLossHand(t *testing.T) {
	p := []float64{1, 1, 0, 1}
	z := []float64{0, 3, 2, 0}
	got := evalScalar(t, [][]float64{p, z}, [][]int{{2, 2}, {2, 2}}, func(in []*G.Node) (*G.Node, error) { return SimSiamLoss(in[0], in[1]) })
	want := -0.5 * (1 + 1/math.Sqrt2)
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("SimSiam loss %.12g, want %.12g", got, want)
	}
}

// TestAEStepLossHand: r = [1, 2], x = [0, 0], h = [−3], as one of two
// equal steps (totals nr = 4, nh = 2): 0.5·(1 + 4)/4 + 1e-4·3/2 = 0.62515;
// as the only step (nr = 2, nh = 1): 0.5·5/2 + 1e-4·3 = 1.2503.
func TestAEStepLossHand(t *testing.T) {
	for _, tc := range []struct {
		nr, nh int
		want   float64
	}{{4, 2, 0.62515}, {2, 1, 1.2503}} {
		got := evalScalar(t, [][]float64{{1, 2}, {0, 0}, {-3}}, [][]int{{1, 2}, {1, 2}, {1, 1}}, func(in []*G.Node) (*G.Node, error) {
			return AEStepLoss(in[0], in[1], in[2], tc.nr, tc.nh)
		})
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("totals %d, %d: %.12g, want %.12g", tc.nr, tc.nh, got, tc.want)
		}
	}
}

// TestConvTransposeWeightMatchesDirect: a ConvTranspose2d (stride 1,
// padding 1, 3x3) computed directly as y[o, p] = Σ_{i, q} x[i, q]·w[i, o,
// (p − q) + 1] (output position p = q − 1 + k, i.e. k = p − q + 1) equals
// the 'same' convolution with ConvTransposeWeight's kernel.
func TestConvTransposeWeightMatchesDirect(t *testing.T) {
	const in, out, H, W, B = 2, 3, 4, 5, 2
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, in*B*H*W)
	w := make([]float64, in*out*9)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	want := make([]float64, out*B*H*W)
	for o := 0; o < out; o++ {
		for b := 0; b < B; b++ {
			for ph := 0; ph < H; ph++ {
				for pw := 0; pw < W; pw++ {
					var s float64
					for i := 0; i < in; i++ {
						for qh := 0; qh < H; qh++ {
							for qw := 0; qw < W; qw++ {
								kh, kw := ph-qh+1, pw-qw+1
								if kh < 0 || kh > 2 || kw < 0 || kw > 2 {
									continue
								}
								s += x[i*B*H*W+(b*H+qh)*W+qw] * w[((i*out+o)*3+kh)*3+kw]
							}
						}
					}
					want[o*B*H*W+(b*H+ph)*W+pw] = s
				}
			}
		}
	}
	g := G.NewGraph()
	xn := G.NewTensor(g, tensor.Float64, 2, G.WithShape(in, B*H*W), G.WithName("x"), G.WithValue(tensor.New(tensor.WithShape(in, B*H*W), tensor.WithBacking(x))))
	wn := G.NewTensor(g, tensor.Float64, 2, G.WithShape(in, out*9), G.WithName("w"), G.WithValue(tensor.New(tensor.WithShape(in, out*9), tensor.WithBacking(w))))
	wc, err := ConvTransposeWeight(wn, in, out, 3)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := Im2ColGeom(xn, ConvGeom{B: B, H: H, W: W, KH: 3, KW: 3, Stride: 1, Pad: 1})
	if err != nil {
		t.Fatal(err)
	}
	y, err := G.Mul(wc, cols)
	if err != nil {
		t.Fatal(err)
	}
	v := evalNode(t, g, y)
	got := v.Data().([]float64)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-10 {
			t.Fatalf("element %d: %v, direct transposed convolution %v", i, got[i], want[i])
		}
	}
}

// TestSSLGradients grad-checks the SSL losses and the transposed-weight
// map in float64; the SimSiam loss takes no gradient with respect to z
// (stop-gradient) and the AE loss none with respect to the input.
func TestSSLGradients(t *testing.T) {
	cases := []struct {
		name   string
		shapes [][]int
		diff   []bool
		build  builder
	}{
		{"nt_xent τ=0.1", [][]int{{3, 6}}, []bool{true},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return NTXent(in[0], 0.1) }},
		{"nt_xent τ=0.7", [][]int{{4, 4}}, []bool{true},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return NTXent(in[0], 0.7) }},
		{"simsiam_loss", [][]int{{3, 4}, {3, 4}}, []bool{true, false},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SimSiamLoss(in[0], in[1]) }},
		{"ae_step_loss", [][]int{{2, 6}, {2, 6}, {3, 2}}, []bool{true, false, true},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return AEStepLoss(in[0], in[1], in[2], 24, 12) }},
		{"convt_weight", [][]int{{2, 3 * 9}}, []bool{true},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return ConvTransposeWeight(in[0], 2, 3, 3) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, tc.shapes, tc.diff, nil, tc.build) })
	}
}

func TestSSLLossErrors(t *testing.T) {
	g := G.NewGraph()
	odd := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("odd"))
	if _, err := NTXent(odd, 0.1); err == nil {
		t.Error("NT-Xent accepted an odd number of views")
	}
	even := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 4), G.WithName("even"))
	if _, err := NTXent(even, 0); err == nil {
		t.Error("NT-Xent accepted τ = 0")
	}
	if _, err := SimSiamLoss(odd, odd); err == nil {
		t.Error("SimSiam loss accepted an odd number of views")
	}
}
