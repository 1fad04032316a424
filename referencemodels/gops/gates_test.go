package gops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestGatedMixGradCheck(t *testing.T) {
	const C, N = 3, 5
	for _, tc := range []struct {
		name string
		off  int
		a    MixAct
	}{{"tanh at 0", 0, MixTanh}, {"relu at 2C", 2 * C, MixReLU}, {"tanh at 1", 1, MixTanh}} {
		t.Run(tc.name, func(t *testing.T) {
			gradCheck(t, [][]int{{4*C + 1, N}, {C, N}}, []bool{true, true}, nil,
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return GatedMix(in[0], in[1], tc.off, 1, tc.a) })
		})
	}
}

func TestGatedMixShapeErrors(t *testing.T) {
	g := G.NewGraph()
	z := G.NewMatrix(g, tensor.Float32, G.WithShape(8, 5), G.WithName("z"))
	v := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 5), G.WithName("v"))
	w := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 4), G.WithName("w"))
	if _, err := GatedMix(z, v, 5, 1, MixTanh); err == nil {
		t.Error("no error for gate rows past the end of z")
	}
	if _, err := GatedMix(z, w, 0, 1, MixTanh); err == nil {
		t.Error("no error for mismatched columns")
	}
}

// TestGatedMixMatchesComposite compares GatedMix in float32 with the
// unfused graph it replaces (RowSlice, Sigmoid(·+1), Tanh/Rectify, lerp):
// value and both gradients.
func TestGatedMixMatchesComposite(t *testing.T) {
	const C, N = 4, 37
	rng := rand.New(rand.NewPCG(9, 10))
	rnd := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(2 * rng.NormFloat64())
		}
		return x
	}
	zv, vv, rv := rnd(4*C*N), rnd(C*N), rnd(C*N)
	for _, a := range []MixAct{MixTanh, MixReLU} {
		off := 0
		if a == MixReLU {
			off = 2 * C
		}
		run := func(fused bool) (out, dz, dv []float32) {
			g := G.NewGraph()
			z := G.NewMatrix(g, tensor.Float32, G.WithShape(4*C, N), G.WithName("z"),
				G.WithValue(tensor.New(tensor.WithShape(4*C, N), tensor.WithBacking(append([]float32(nil), zv...)))))
			v := G.NewMatrix(g, tensor.Float32, G.WithShape(C, N), G.WithName("v"),
				G.WithValue(tensor.New(tensor.WithShape(C, N), tensor.WithBacking(append([]float32(nil), vv...)))))
			var y *G.Node
			var err error
			if fused {
				y, err = GatedMix(z, v, off, 1, a)
			} else {
				must := func(n *G.Node, err error) *G.Node {
					if err != nil {
						t.Fatal(err)
					}
					return n
				}
				one := G.NewConstant(float32(1))
				gt := must(G.Sigmoid(must(G.Add(must(RowSlice(z, off, off+C)), one))))
				ca := must(RowSlice(z, off+C, off+2*C))
				var c *G.Node
				if a == MixReLU {
					c = must(G.Rectify(ca))
				} else {
					c = must(G.Tanh(ca))
				}
				y = must(G.Add(c, must(G.HadamardProd(gt, must(G.Sub(v, c))))))
			}
			if err != nil {
				t.Fatal(err)
			}
			r := G.NewConstant(tensor.New(tensor.WithShape(C, N), tensor.WithBacking(rv)))
			p, err := G.HadamardProd(y, r)
			if err != nil {
				t.Fatal(err)
			}
			cost, err := G.Sum(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := G.Grad(cost, z, v); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g)
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			gz, _ := z.Grad()
			gv, _ := v.Grad()
			cp := func(x G.Value) []float32 { return append([]float32(nil), x.Data().([]float32)...) }
			return cp(y.Value()), cp(gz), cp(gv)
		}
		o1, z1, v1 := run(true)
		o2, z2, v2 := run(false)
		for name, pair := range map[string][2][]float32{"value": {o1, o2}, "grad z": {z1, z2}, "grad v": {v1, v2}} {
			for i := range pair[0] {
				if d := math.Abs(float64(pair[0][i] - pair[1][i])); d > 2e-6*(1+math.Abs(float64(pair[1][i]))) {
					t.Fatalf("%v %s[%d]: fused %g, composite %g", a, name, i, pair[0][i], pair[1][i])
				}
			}
		}
	}
}
