package gops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// directMaxPool is the reference: y[c, b, oh, ow] = max over the in-grid
// taps x[c, b, oh·S−P+i, ow·S−P+j] (padding is −inf, so it never wins).
func directMaxPool(x []float64, C int, g ConvGeom) []float64 {
	ho, wo := g.Out()
	y := make([]float64, C*g.B*ho*wo)
	for c := 0; c < C; c++ {
		for b := 0; b < g.B; b++ {
			for oh := 0; oh < ho; oh++ {
				for ow := 0; ow < wo; ow++ {
					m := math.Inf(-1)
					for i := 0; i < g.KH; i++ {
						for j := 0; j < g.KW; j++ {
							h, w := oh*g.Stride-g.Pad+i, ow*g.Stride-g.Pad+j
							if h >= 0 && h < g.H && w >= 0 && w < g.W {
								m = math.Max(m, x[c*g.B*g.H*g.W+(b*g.H+h)*g.W+w])
							}
						}
					}
					y[c*g.B*ho*wo+(b*ho+oh)*wo+ow] = m
				}
			}
		}
	}
	return y
}

var poolGeoms = []struct {
	name string
	C    int
	g    ConvGeom
}{
	// ResNet-18's maxpool on conv1's 3x4 output: 3x3 stride 2 pad 1 -> 2x2.
	{"3x3 s2 p1 on 3x4", 3, ConvGeom{B: 2, H: 3, W: 4, KH: 3, KW: 3, Stride: 2, Pad: 1}},
	{"2x2 s2 p0 on 4x6", 2, ConvGeom{B: 2, H: 4, W: 6, KH: 2, KW: 2, Stride: 2}},
	{"3x3 s1 p1 on 2x3", 2, ConvGeom{B: 1, H: 2, W: 3, KH: 3, KW: 3, Stride: 1, Pad: 1}},
}

func TestMaxPoolMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range poolGeoms {
		g := tc.g
		// All-negative inputs: a zero-padded pool would return 0 at the
		// borders, the −inf-padded one a negative value.
		x := randVals(rng, tc.C*g.B*g.H*g.W)
		for i := range x {
			x[i] = -math.Abs(x[i]) - 0.1
		}
		want := directMaxPool(x, tc.C, g)
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			got := runDtype(t, dt, [][]int{{tc.C, g.B * g.H * g.W}}, [][]float64{x},
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return MaxPool(in[0], g) })
			if len(got) != len(want) {
				t.Fatalf("%s: %d outputs, want %d", tc.name, len(got), len(want))
			}
			for i := range got {
				if math.Abs(got[i]-want[i]) > 1e-6 || got[i] >= 0 {
					t.Fatalf("%s %v: y[%d] = %v, want %v", tc.name, dt, i, got[i], want[i])
				}
			}
		}
	}
}

// TestMaxPoolGolden: grid 3x4 [[1 2 3 4],[5 6 7 8],[9 10 11 12]] under 3x3
// stride 2 pad 1 -> windows centred on (0,0), (0,2), (2,0), (2,2):
// [[6, 8], [10, 12]]. With ties (all ones) the gradient goes to the first
// in-grid tap of each window only: (0,0) for window (0,0), (0,1) for (0,1)
// etc., so dx has exactly four ones.
func TestMaxPoolGolden(t *testing.T) {
	g := ConvGeom{B: 1, H: 3, W: 4, KH: 3, KW: 3, Stride: 2, Pad: 1}
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	got := runDtype(t, tensor.Float64, [][]int{{1, 12}}, [][]float64{x},
		func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return MaxPool(in[0], g) })
	if want := []float64{6, 8, 10, 12}; len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("max pool = %v, want %v", got, want)
	}
	ones := make([]float64, 12)
	for i := range ones {
		ones[i] = 1
	}
	dx := make([]float64, 12)
	maxPoolGrad(dx, ones, []float64{1, 1, 1, 1}, 1, g)
	// First in-grid taps: window (0,0) starts at grid (0,0); (0,1) at (0,1);
	// (1,0) at (1,0); (1,1) at (1,1).
	want := []float64{1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0}
	for i := range want {
		if dx[i] != want[i] {
			t.Fatalf("tie gradient %v, want %v", dx, want)
		}
	}
}

func TestPoolGradCheck(t *testing.T) {
	for _, tc := range poolGeoms {
		g := tc.g
		t.Run("max_pool "+tc.name, func(t *testing.T) {
			gradCheck(t, [][]int{{tc.C, g.B * g.H * g.W}}, []bool{true}, nil,
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return MaxPool(in[0], g) })
		})
	}
	cases := []struct {
		name   string
		shapes [][]int
		build  builder
	}{
		{"avg_positions", [][]int{{3, 4 * 5}}, func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return AvgPositions(in[0], 5) }},
		{"col_concat", [][]int{{2, 3}, {2, 1}, {2, 4}}, func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return ColConcat(in...) }},
		{"col_slice", [][]int{{3, 7}}, func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return ColSlice(in[0], 2, 5) }},
		{"col_pad", [][]int{{3, 2}}, func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return ColPad(in[0], 1, 6) }},
	}
	for _, tc := range cases {
		diff := make([]bool, len(tc.shapes))
		for i := range diff {
			diff[i] = true
		}
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, tc.shapes, diff, nil, tc.build) })
	}
}

func TestColOpsGolden(t *testing.T) {
	// a = [[1 2],[3 4]], b = [[5],[6]]: concat [[1 2 5],[3 4 6]]; columns
	// [1, 3) of that: [[2 5],[4 6]]; avg of runs of 3 columns: [8/3, 13/3].
	cat := func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return ColConcat(in[0], in[1]) }
	cases := []struct {
		name  string
		build builder
		want  []float64
	}{
		{"concat", cat, []float64{1, 2, 5, 3, 4, 6}},
		{"slice", func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
			c, err := cat(g, in)
			if err != nil {
				return nil, err
			}
			return ColSlice(c, 1, 3)
		}, []float64{2, 5, 4, 6}},
		{"avg", func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
			c, err := cat(g, in)
			if err != nil {
				return nil, err
			}
			return AvgPositions(c, 3)
		}, []float64{8.0 / 3, 13.0 / 3}},
		{"pad", func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return ColPad(in[1], 1, 3) }, []float64{0, 5, 0, 0, 6, 0}},
	}
	for _, tc := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			got := runDtype(t, dt, [][]int{{2, 2}, {2, 1}}, [][]float64{{1, 2, 3, 4}, {5, 6}}, tc.build)
			if len(got) != len(tc.want) {
				t.Fatalf("%s: %v, want %v", tc.name, got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-6 {
					t.Fatalf("%s %v: %v, want %v", tc.name, dt, got, tc.want)
				}
			}
		}
	}
}

func TestPoolErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 12), G.WithName("x"))
	if _, err := MaxPool(x, ConvGeom{B: 1, H: 3, W: 4, KH: 3, KW: 3, Stride: 2, Pad: 2}); err == nil {
		t.Error("MaxPool accepted pad 2 for a 3x3 kernel")
	}
	if _, err := AvgPositions(x, 5); err == nil {
		t.Error("AvgPositions accepted 12 columns in runs of 5")
	}
	if _, err := ColSlice(x, 3, 13); err == nil {
		t.Error("ColSlice accepted columns past the end")
	}
	y := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("y"))
	if _, err := ColConcat(x, y); err == nil {
		t.Error("ColConcat accepted mismatched rows")
	}
}
