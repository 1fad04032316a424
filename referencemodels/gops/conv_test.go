package gops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestConvGeomOut(t *testing.T) {
	// floor((H+2P−K)/S)+1 per dimension.
	cases := []struct {
		g      ConvGeom
		ho, wo int
	}{
		// ResNet-18 conv1 on the 5x7 grid (paper-spec §2.4): (5+6−7)/2+1 = 3,
		// (7+6−7)/2+1 = 4.
		{ConvGeom{B: 1, H: 5, W: 7, KH: 7, KW: 7, Stride: 2, Pad: 3}, 3, 4},
		// 3x3 stride 1 pad 1 keeps the grid.
		{ConvGeom{B: 1, H: 2, W: 2, KH: 3, KW: 3, Stride: 1, Pad: 1}, 2, 2},
		// 3x3 stride 2 pad 1 on 2x2: (2+2−3)/2+1 = 1.
		{ConvGeom{B: 1, H: 2, W: 2, KH: 3, KW: 3, Stride: 2, Pad: 1}, 1, 1},
		// 1x1 stride 2 on 2x2: (2−1)/2+1 = 1; on 3x4: 2x2.
		{ConvGeom{B: 1, H: 2, W: 2, KH: 1, KW: 1, Stride: 2}, 1, 1},
		{ConvGeom{B: 1, H: 3, W: 4, KH: 1, KW: 1, Stride: 2}, 2, 2},
	}
	for _, tc := range cases {
		if ho, wo := tc.g.Out(); ho != tc.ho || wo != tc.wo {
			t.Errorf("%+v: Out() = %d,%d, want %d,%d", tc.g, ho, wo, tc.ho, tc.wo)
		}
	}
}

// directConv is the reference: y[co, b, oh, ow] = Σ w[co, c, i, j] ·
// x[c, b, oh·S−P+i, ow·S−P+j] (zero outside the grid), returned in the
// (Cout, B·Ho·Wo) layout; x is (C, B·H·W), w (Cout, C, KH, KW).
func directConv(x, w []float64, C, Cout int, g ConvGeom) []float64 {
	ho, wo := g.Out()
	y := make([]float64, Cout*g.B*ho*wo)
	for co := 0; co < Cout; co++ {
		for b := 0; b < g.B; b++ {
			for oh := 0; oh < ho; oh++ {
				for ow := 0; ow < wo; ow++ {
					var s float64
					for c := 0; c < C; c++ {
						for i := 0; i < g.KH; i++ {
							for j := 0; j < g.KW; j++ {
								h, v := oh*g.Stride-g.Pad+i, ow*g.Stride-g.Pad+j
								if h < 0 || h >= g.H || v < 0 || v >= g.W {
									continue
								}
								s += w[((co*C+c)*g.KH+i)*g.KW+j] * x[c*g.B*g.H*g.W+(b*g.H+h)*g.W+v]
							}
						}
					}
					y[co*g.B*ho*wo+(b*ho+oh)*wo+ow] = s
				}
			}
		}
	}
	return y
}

// runDtype evaluates build over inputs converted to dt and returns the
// output as float64.
func runDtype(t *testing.T, dt tensor.Dtype, shapes [][]int, vals [][]float64, b builder) []float64 {
	t.Helper()
	g := G.NewGraph()
	ins := make([]*G.Node, len(shapes))
	for i, s := range shapes {
		var back any = vals[i]
		if dt == tensor.Float32 {
			f := make([]float32, len(vals[i]))
			for j, v := range vals[i] {
				f[j] = float32(v)
			}
			back = f
		}
		tt := tensor.New(tensor.WithShape(s...), tensor.WithBacking(back))
		ins[i] = G.NewTensor(g, dt, len(s), G.WithShape(s...), G.WithValue(tt), G.WithName(string(rune('a'+i))))
	}
	out, err := b(g, ins)
	if err != nil {
		t.Fatal(err)
	}
	v := evalNode(t, g, out)
	switch d := v.Data().(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		o := make([]float64, len(d))
		for i, x := range d {
			o[i] = float64(x)
		}
		return o
	}
	t.Fatalf("unexpected value %T", v.Data())
	return nil
}

func randVals(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

var convGeoms = []struct {
	name    string
	C, Cout int
	g       ConvGeom
}{
	{"7x7 s2 p3 on 5x7", 3, 4, ConvGeom{B: 2, H: 5, W: 7, KH: 7, KW: 7, Stride: 2, Pad: 3}},
	{"3x3 s1 p1 on 2x2", 3, 2, ConvGeom{B: 3, H: 2, W: 2, KH: 3, KW: 3, Stride: 1, Pad: 1}},
	{"3x3 s2 p1 on 2x2", 2, 3, ConvGeom{B: 2, H: 2, W: 2, KH: 3, KW: 3, Stride: 2, Pad: 1}},
	{"1x1 s2 p0 on 3x4", 2, 3, ConvGeom{B: 2, H: 3, W: 4, KH: 1, KW: 1, Stride: 2}},
	{"2x3 s1 p0 on 4x5", 2, 2, ConvGeom{B: 1, H: 4, W: 5, KH: 2, KW: 3, Stride: 1}},
	{"3x3 s3 p2 on 5x7", 1, 2, ConvGeom{B: 2, H: 5, W: 7, KH: 3, KW: 3, Stride: 3, Pad: 2}},
}

// TestConvGeomMatchesDirect compares MatMul(w, Im2ColGeom(x)) with the
// direct-loop convolution in float64 (1e-12) and float32 (1e-4).
func TestConvGeomMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range convGeoms {
		g := tc.g
		ho, wo := g.Out()
		x := randVals(rng, tc.C*g.B*g.H*g.W)
		w := randVals(rng, tc.Cout*tc.C*g.KH*g.KW)
		want := directConv(x, w, tc.C, tc.Cout, g)
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			tol := 1e-12
			if dt == tensor.Float32 {
				tol = 1e-4
			}
			got := runDtype(t, dt, [][]int{{tc.C, g.B * g.H * g.W}, {tc.Cout, tc.C * g.KH * g.KW}}, [][]float64{x, w},
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
					c, err := Im2ColGeom(in[0], g)
					if err != nil {
						return nil, err
					}
					return MatMul(in[1], c)
				})
			if len(got) != tc.Cout*g.B*ho*wo {
				t.Fatalf("%s %v: %d outputs, want %d", tc.name, dt, len(got), tc.Cout*g.B*ho*wo)
			}
			for i := range got {
				if math.Abs(got[i]-want[i]) > tol*(1+math.Abs(want[i])) {
					t.Fatalf("%s %v: y[%d] = %v, want %v", tc.name, dt, i, got[i], want[i])
				}
			}
		}
	}
}

// TestCol2ImGeomAdjoint checks <Im2Col(x), y> = <x, Col2Im(y)> for random
// x and y in float64 and float32.
func TestCol2ImGeomAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range convGeoms {
		g := tc.g
		ho, wo := g.Out()
		xs := []int{tc.C, g.B * g.H * g.W}
		ys := []int{tc.C * g.KH * g.KW, g.B * ho * wo}
		x, y := randVals(rng, xs[0]*xs[1]), randVals(rng, ys[0]*ys[1])
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			tol := 1e-12
			if dt == tensor.Float32 {
				tol = 1e-4
			}
			px := runDtype(t, dt, [][]int{xs}, [][]float64{x},
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Im2ColGeom(in[0], g) })
			ay := runDtype(t, dt, [][]int{ys}, [][]float64{y},
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Col2ImGeom(in[0], g) })
			var l, r, scale float64
			for i := range px {
				l += px[i] * y[i]
				scale += math.Abs(px[i] * y[i])
			}
			for i := range ay {
				r += x[i] * ay[i]
			}
			if math.Abs(l-r) > tol*(1+scale) {
				t.Errorf("%s %v: <im2col x, y> = %v, <x, col2im y> = %v", tc.name, dt, l, r)
			}
		}
	}
}

func TestConvGeomGradCheck(t *testing.T) {
	for _, tc := range convGeoms {
		g := tc.g
		ho, wo := g.Out()
		t.Run("im2col "+tc.name, func(t *testing.T) {
			gradCheck(t, [][]int{{tc.C, g.B * g.H * g.W}}, []bool{true}, nil,
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Im2ColGeom(in[0], g) })
		})
		t.Run("col2im "+tc.name, func(t *testing.T) {
			gradCheck(t, [][]int{{tc.C * g.KH * g.KW, g.B * ho * wo}}, []bool{true}, nil,
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return Col2ImGeom(in[0], g) })
		})
		t.Run("conv "+tc.name, func(t *testing.T) {
			gradCheck(t, [][]int{{tc.C, g.B * g.H * g.W}, {tc.Cout, tc.C * g.KH * g.KW}}, []bool{true, true}, nil,
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) {
					c, err := Im2ColGeom(in[0], g)
					if err != nil {
						return nil, err
					}
					return MatMul(in[1], c)
				})
		})
	}
}

func TestConvGeomErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 35), G.WithName("x"))
	bad := []ConvGeom{
		{B: 1, H: 5, W: 7, KH: 3, KW: 3, Stride: 0},          // zero stride
		{B: 1, H: 5, W: 7, KH: 7, KW: 7, Stride: 1},          // kernel larger than the unpadded grid
		{B: 1, H: 5, W: 7, KH: 3, KW: 3, Stride: 1, Pad: -1}, // negative padding
		{B: 2, H: 5, W: 7, KH: 3, KW: 3, Stride: 1},          // columns 35 ≠ 2·5·7
	}
	for _, geom := range bad {
		if _, err := Im2ColGeom(x, geom); err == nil {
			t.Errorf("Im2ColGeom accepted %+v", geom)
		}
	}
	c := G.NewMatrix(g, tensor.Float64, G.WithShape(10, 35), G.WithName("c"))
	if _, err := Col2ImGeom(c, ConvGeom{B: 1, H: 5, W: 7, KH: 3, KW: 3, Stride: 1, Pad: 1}); err == nil {
		t.Error("Col2ImGeom accepted 10 rows for a 3x3 kernel")
	}
}
