package gops

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// run evaluates build over float64 inputs and returns the output data.
func run(t *testing.T, shapes [][]int, vals [][]float64, b builder) []float64 {
	t.Helper()
	g := G.NewGraph()
	ins := make([]*G.Node, len(shapes))
	for i, s := range shapes {
		tt := tensor.New(tensor.WithShape(s...), tensor.WithBacking(vals[i]))
		ins[i] = G.NewTensor(g, tensor.Float64, len(s), G.WithShape(s...), G.WithValue(tt), G.WithName(string(rune('a'+i))))
	}
	out, err := b(g, ins)
	if err != nil {
		t.Fatal(err)
	}
	v := evalNode(t, g, out)
	switch d := v.Data().(type) {
	case float64:
		return []float64{d}
	case []float64:
		return append([]float64(nil), d...)
	}
	t.Fatalf("unexpected value %T", v.Data())
	return nil
}

func TestForwardGolden(t *testing.T) {
	ones4 := []float64{1, 1, 1, 1}
	conv := func(same bool, b, h, w int) builder {
		return func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
			c, err := Im2Col(in[0], b, h, w, same)
			if err != nil {
				return nil, err
			}
			return G.Mul(in[1], c)
		}
	}
	cases := []struct {
		name   string
		shapes [][]int
		vals   [][]float64
		build  builder
		want   []float64
	}{
		// Grid [[1,2],[3,4]], all-ones 2x2 kernel. 'same' pads one zero
		// row/column after: out = [[1+2+3+4, 2+4], [3+4, 4]] = [[10,6],[7,4]].
		{"conv same 2x2", [][]int{{1, 4}, {1, 4}}, [][]float64{{1, 2, 3, 4}, ones4},
			conv(true, 1, 2, 2), []float64{10, 6, 7, 4}},
		// 'valid' keeps the one full window: 10.
		{"conv valid 2x2", [][]int{{1, 4}, {1, 4}}, [][]float64{{1, 2, 3, 4}, ones4},
			conv(false, 1, 2, 2), []float64{10}},
		// Kernel picks only the (di,dj)=(1,1) tap: out[i,j] = x[i+1,j+1] or 0.
		// Grid 2x3 [[1,2,3],[4,5,6]] -> [[5,6,0],[0,0,0]].
		{"conv same shift", [][]int{{1, 6}, {1, 4}}, [][]float64{{1, 2, 3, 4, 5, 6}, {0, 0, 0, 1}},
			conv(true, 1, 2, 3), []float64{5, 6, 0, 0, 0, 0}},
		// Two samples in the batch do not mix: second grid all 10s.
		{"conv batch", [][]int{{1, 8}, {1, 4}}, [][]float64{{1, 2, 3, 4, 10, 10, 10, 10}, ones4},
			conv(true, 2, 2, 2), []float64{10, 6, 7, 4, 40, 20, 20, 10}},
		// Column [1,2,3]: mean 2, variance 2/3, (x−2)/√(2/3+1e−5)·γ + β with
		// γ = 2, β = 1: 1 ∓ 2·1.2247357.
		{"layer_norm", [][]int{{3, 1}, {3}, {3}}, [][]float64{{1, 2, 3}, {2, 2, 2}, {1, 1, 1}},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return LayerNorm(in[0], in[1], in[2]) },
			[]float64{1 - 2/math.Sqrt(2.0/3+1e-5), 1, 1 + 2/math.Sqrt(2.0/3+1e-5)}},
		// Equal logits over K=4 classes: loss ln 4.
		{"xent uniform", [][]int{{4, 1}, {4, 1}}, [][]float64{{0, 0, 0, 0}, {0, 0, 1, 0}},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SoftmaxXent(in[0], in[1]) },
			[]float64{math.Log(4)}},
		// Logits (2,1) [ln 3, 0] for target class 0: p0 = 3/4, loss ln(4/3).
		{"xent", [][]int{{2, 1}, {2, 1}}, [][]float64{{math.Log(3), 0}, {1, 0}},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SoftmaxXent(in[0], in[1]) },
			[]float64{math.Log(4.0 / 3)}},
		// x (C=2, b=2·P=2): rows c, columns (b, p). Out row c·P+p, column b.
		// x = [[a0 a1 b0 b1],[c0 c1 d0 d1]] = [[1 2 3 4],[5 6 7 8]] ->
		// rows (c0p0: 1,3), (c0p1: 2,4), (c1p0: 5,7), (c1p1: 6,8).
		{"flatten_chw", [][]int{{2, 4}}, [][]float64{{1, 2, 3, 4, 5, 6, 7, 8}},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return FlattenCHW(in[0], 2) },
			[]float64{1, 3, 2, 4, 5, 7, 6, 8}},
		{"add_bias", [][]int{{2, 2}, {2}}, [][]float64{{1, 2, 3, 4}, {10, 20}},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return AddBias(in[0], in[1]) },
			[]float64{11, 12, 23, 24}},
		// GELU(1) = 0.5·(1 + tanh(√(2/π)·1.044715)) = 0.8411920.
		{"gelu", [][]int{{1, 2}}, [][]float64{{1, 0}},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return GELU(in[0]) },
			[]float64{0.5 * (1 + math.Tanh(math.Sqrt(2/math.Pi)*1.044715)), 0}},
		// Scores [[1, 9],[0, ln 3]] scaled by 1: row 0 sees only itself (1, 0);
		// row 1: softmax(0, ln 3) = (1/4, 3/4).
		{"causal_softmax", [][]int{{1, 2, 2}}, [][]float64{{1, 9, 0, math.Log(3)}},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return CausalSoftmax(in[0], 1) },
			[]float64{1, 0, 0.25, 0.75}},
		// a = [9], o_0 = [1 2], o_1 = [3 4] (B = 2): sequences (1 9 3 9), (2 9 4 9).
		{"interleave", [][]int{{1}, {1, 2}, {1, 2}}, [][]float64{{9}, {1, 2}, {3, 4}},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Interleave(in[0], in[1:]) },
			[]float64{1, 9, 3, 9, 2, 9, 4, 9}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc.shapes, tc.vals, tc.build)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-9 {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}
