package gops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// builder makes the op under test from its inputs.
type builder func(g *G.ExprGraph, in []*G.Node) (*G.Node, error)

// gradCheck compares the symbolic gradient of sum(out ⊙ R) (or of a
// scalar out) with central differences, in float64, for every input whose
// diff flag is set; init fills the input values.
func gradCheck(t *testing.T, shapes [][]int, diff []bool, init func(i int, x []float64, rng *rand.Rand), b builder) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	g := G.NewGraph()
	ins := make([]*G.Node, len(shapes))
	vals := make([][]float64, len(shapes))
	for i, s := range shapes {
		n := 1
		for _, d := range s {
			n *= d
		}
		vals[i] = make([]float64, n)
		for j := range vals[i] {
			vals[i][j] = rng.NormFloat64()
		}
		if init != nil {
			init(i, vals[i], rng)
		}
		tt := tensor.New(tensor.WithShape(s...), tensor.WithBacking(vals[i]))
		ins[i] = G.NewTensor(g, tensor.Float64, len(s), G.WithShape(s...), G.WithValue(tt), G.WithName(string(rune('a'+i))))
	}
	out, err := b(g, ins)
	if err != nil {
		t.Fatal(err)
	}
	cost := out
	if !out.IsScalar() {
		n := out.Shape().TotalSize()
		r := make([]float64, n)
		for j := range r {
			r[j] = rng.NormFloat64()
		}
		rn := G.NewConstant(tensor.New(tensor.WithShape(out.Shape().Clone()...), tensor.WithBacking(r)))
		prod, err := G.HadamardProd(out, rn)
		if err != nil {
			t.Fatal(err)
		}
		if cost, err = G.Sum(prod); err != nil {
			t.Fatal(err)
		}
	}
	var wrt G.Nodes
	for i, d := range diff {
		if d {
			wrt = append(wrt, ins[i])
		}
	}
	var costVal G.Value
	G.Read(cost, &costVal)
	if _, err := G.Backpropagate(G.Nodes{cost}, G.Nodes{g.AddNode(G.NewConstant(1.0))}, wrt); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer vm.Close()
	eval := func() float64 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return costVal.Data().(float64)
	}
	eval()
	grads := make([][]float64, len(ins))
	for i, d := range diff {
		if !d {
			continue
		}
		gv, err := ins[i].Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads[i] = append([]float64(nil), gv.Data().([]float64)...)
	}
	const h = 1e-5
	for i, d := range diff {
		if !d {
			continue
		}
		for j := range vals[i] {
			old := vals[i][j]
			vals[i][j] = old + h
			up := eval()
			vals[i][j] = old - h
			dn := eval()
			vals[i][j] = old
			fd := (up - dn) / (2 * h)
			if e := math.Abs(fd - grads[i][j]); e > 1e-6*(1+math.Abs(fd)) {
				t.Fatalf("input %d elem %d: symbolic %.9g, finite difference %.9g", i, j, grads[i][j], fd)
			}
		}
	}
}

func TestGradients(t *testing.T) {
	// A tiny grid: batch 2 of 3x4 positions, 3 channels.
	const b, h, w = 2, 3, 4
	cases := []struct {
		name   string
		shapes [][]int
		diff   []bool
		init   func(i int, x []float64, rng *rand.Rand)
		build  builder
	}{
		{"im2col same", [][]int{{3, b * h * w}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Im2Col(in[0], b, h, w, true) }},
		{"im2col valid", [][]int{{3, b * h * w}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Im2Col(in[0], b, h, w, false) }},
		{"col2im same", [][]int{{12, b * h * w}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Col2Im(in[0], b, h, w, true) }},
		{"add_bias", [][]int{{3, 5}, {3}}, []bool{true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return AddBias(in[0], in[1]) }},
		{"row_slice", [][]int{{6, 4}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return RowSlice(in[0], 2, 5) }},
		{"row_concat", [][]int{{2, 4}, {3, 4}, {1, 4}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return RowConcat(in...) }},
		{"layer_norm", [][]int{{5, 6}, {5}, {5}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return LayerNorm(in[0], in[1], in[2]) }},
		{"tau_mul", [][]int{{1}, {3, 4}}, []bool{true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return TauMul(in[0], in[1]) }},
		{"softmax_xent", [][]int{{4, 3}, {4, 3}}, []bool{true, false},
			func(i int, x []float64, rng *rand.Rand) {
				if i == 1 { // one-hot targets: column b has class b
					clear(x)
					for c := 0; c < 3; c++ {
						x[c*3+c] = 1
					}
				}
			},
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SoftmaxXent(in[0], in[1]) }},
		{"flatten_chw", [][]int{{3, b * 6}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return FlattenCHW(in[0], b) }},
		{"conv via im2col+matmul", [][]int{{3, b * h * w}, {4, 12}, {4}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				c, err := Im2Col(in[0], b, h, w, true)
				if err != nil {
					return nil, err
				}
				m, err := G.Mul(in[1], c)
				if err != nil {
					return nil, err
				}
				return AddBias(m, in[2])
			}},
		{"gelu", [][]int{{3, 4}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return GELU(in[0]) }},
		{"causal_softmax", [][]int{{2, 4, 4}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return CausalSoftmax(in[0], 0.7) }},
		{"split_heads", [][]int{{6, 2 * 3}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SplitHeads(in[0], 2, 3, 2) }},
		{"interleave", [][]int{{2}, {2, 3}, {2, 3}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Interleave(in[0], in[1:]) }},
		{"select_position", [][]int{{2, 3 * 4}}, []bool{true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return SelectPosition(in[0], 3, 4, 3) }},
		{"add_positions", [][]int{{2, 3 * 4}, {5, 2}}, []bool{true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return AddPositions(in[0], in[1], 3, 4) }},
		// Attention core: split heads, Q·Kᵀ, causal softmax, ·V, merge.
		{"attention", [][]int{{4, 2 * 3}, {4, 2 * 3}, {4, 2 * 3}}, []bool{true, true, true}, nil,
			func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				var hs [3]*G.Node
				for i := range hs {
					h, err := SplitHeads(in[i], 2, 3, 2)
					if err != nil {
						return nil, err
					}
					hs[i] = h
				}
				s, err := G.BatchedMatMul(hs[0], hs[1], false, true)
				if err != nil {
					return nil, err
				}
				p, err := CausalSoftmax(s, 0.5)
				if err != nil {
					return nil, err
				}
				y, err := G.BatchedMatMul(p, hs[2])
				if err != nil {
					return nil, err
				}
				return MergeHeads(y, 2, 2)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, tc.shapes, tc.diff, tc.init, tc.build) })
	}
}

// evalNode runs g once in a fresh tape machine and returns out's value.
func evalNode(t *testing.T, g *G.ExprGraph, out *G.Node) G.Value {
	t.Helper()
	var v G.Value
	G.Read(out, &v)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return v
}
