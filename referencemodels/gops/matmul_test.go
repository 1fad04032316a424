package gops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestMatMulGradCheck(t *testing.T) {
	ws := NewWorkspace(2)
	for _, tc := range []struct {
		name string
		a, b []int
		f    func(a, b *G.Node) (*G.Node, error)
	}{
		{"matmul", []int{5, 7}, []int{7, 3}, ws.MatMul},
		{"matmul_nt", []int{5, 7}, []int{3, 7}, ws.MatMulNT},
		{"matmul_tn", []int{7, 5}, []int{7, 3}, ws.MatMulTN},
		{"matmul nil workspace", []int{4, 6}, []int{6, 9}, MatMul},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gradCheck(t, [][]int{tc.a, tc.b}, []bool{true, true}, nil,
				func(_ *G.ExprGraph, in []*G.Node) (*G.Node, error) { return tc.f(in[0], in[1]) })
		})
	}
}

func TestMatMulShapeErrors(t *testing.T) {
	g := G.NewGraph()
	a := G.NewMatrix(g, tensor.Float32, G.WithShape(3, 4), G.WithName("a"))
	b := G.NewMatrix(g, tensor.Float32, G.WithShape(5, 6), G.WithName("b"))
	var ws *Workspace
	for name, f := range map[string]func(a, b *G.Node) (*G.Node, error){"nn": ws.MatMul, "nt": ws.MatMulNT, "tn": ws.MatMulTN} {
		if _, err := f(a, b); err == nil {
			t.Errorf("%s: no error for non-conforming shapes", name)
		}
	}
}

// TestMatMulMatchesGorgoniaFloat32 runs a float32 conv-shaped product
// (odd sizes, batch-wide columns) through gops.MatMul and through G.Mul
// and compares the values and both gradients.
func TestMatMulMatchesGorgoniaFloat32(t *testing.T) {
	for _, sh := range [][3]int{{27, 12, 64 * 9}, {13, 108, 64}, {117, 287, 64}, {5, 3, 7}} {
		M, K, N := sh[0], sh[1], sh[2]
		rng := rand.New(rand.NewPCG(uint64(M), uint64(K)))
		rnd := func(n int) []float32 {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			return x
		}
		av, bv, rv := rnd(M*K), rnd(K*N), rnd(M*N)
		run := func(mul func(a, b *G.Node) (*G.Node, error)) (out, da, db []float32) {
			g := G.NewGraph()
			a := G.NewMatrix(g, tensor.Float32, G.WithShape(M, K), G.WithName("a"),
				G.WithValue(tensor.New(tensor.WithShape(M, K), tensor.WithBacking(append([]float32(nil), av...)))))
			b := G.NewMatrix(g, tensor.Float32, G.WithShape(K, N), G.WithName("b"),
				G.WithValue(tensor.New(tensor.WithShape(K, N), tensor.WithBacking(append([]float32(nil), bv...)))))
			c, err := mul(a, b)
			if err != nil {
				t.Fatal(err)
			}
			r := G.NewConstant(tensor.New(tensor.WithShape(M, N), tensor.WithBacking(rv)))
			p, err := G.HadamardProd(c, r)
			if err != nil {
				t.Fatal(err)
			}
			cost, err := G.Sum(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := G.Grad(cost, a, b); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g)
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			ga, _ := a.Grad()
			gb, _ := b.Grad()
			cp := func(v G.Value) []float32 { return append([]float32(nil), v.Data().([]float32)...) }
			return cp(c.Value()), cp(ga), cp(gb)
		}
		o1, a1, b1 := run(NewWorkspace(0).MatMul)
		o2, a2, b2 := run(G.Mul)
		for name, pair := range map[string][2][]float32{"value": {o1, o2}, "grad a": {a1, a2}, "grad b": {b1, b2}} {
			got, want := pair[0], pair[1]
			if len(got) != len(want) {
				t.Fatalf("%v %s: %d elements, want %d", sh, name, len(got), len(want))
			}
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%v %s[%d]: gops %g, gorgonia %g", sh, name, i, got[i], want[i])
				}
			}
		}
	}
}
