package gops

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestBatchNormGradCheck(t *testing.T) {
	for _, train := range []bool{true, false} {
		st := &BNState{Name: "bn", Mean: []float32{0.5, -1, 2}, Var: []float32{1.5, 0.25, 4}}
		gradCheck(t, [][]int{{3, 5}, {3}, {3}}, []bool{true, true, true}, nil,
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return BatchNorm(in[0], in[1], in[2], st, train) })
	}
}

// TestBatchNormForward checks one channel by hand. x = [1, 2, 3, 6]:
// mean 3, biased variance (4+1+0+9)/4 = 3.5, unbiased 14/3. With γ = 2,
// β = 1: y = 2·(x−3)/√(3.5+1e-5) + 1. Running stats from (0, 1) with
// momentum 0.1: mean 0.3, var 0.9 + 0.1·14/3 = 1.3666….
// In inference with running (0.3, 1.3666…): y = 2·(x−0.3)/√(1.3666…+1e-5) + 1.
func TestBatchNormForward(t *testing.T) {
	x := []float64{1, 2, 3, 6}
	st := &BNState{Name: "bn", Mean: []float32{0}, Var: []float32{1}}
	run := func(train bool) []float64 {
		g := G.NewGraph()
		xn := G.NewTensor(g, tensor.Float64, 2, G.WithShape(1, 4), G.WithName("x"), G.WithValue(tensor.New(tensor.WithShape(1, 4), tensor.WithBacking(x))))
		gn := G.NewTensor(g, tensor.Float64, 1, G.WithShape(1), G.WithName("g"), G.WithValue(tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{2}))))
		bn := G.NewTensor(g, tensor.Float64, 1, G.WithShape(1), G.WithName("b"), G.WithValue(tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{1}))))
		y, err := BatchNorm(xn, gn, bn, st, train)
		if err != nil {
			t.Fatal(err)
		}
		v := evalNode(t, g, y)
		return append([]float64(nil), v.Data().([]float64)...)
	}
	got := run(true)
	for i, xi := range x {
		want := 2*(xi-3)/math.Sqrt(3.5+1e-5) + 1
		if math.Abs(got[i]-want) > 1e-12 {
			t.Errorf("train y[%d] = %v, want %v", i, got[i], want)
		}
	}
	if math.Abs(float64(st.Mean[0])-0.3) > 1e-7 || math.Abs(float64(st.Var[0])-(0.9+0.1*14.0/3)) > 1e-6 {
		t.Fatalf("running stats %v %v, want 0.3 1.36667", st.Mean[0], st.Var[0])
	}
	rm, rv := float64(st.Mean[0]), float64(st.Var[0])
	got = run(false)
	for i, xi := range x {
		want := 2*(xi-rm)/math.Sqrt(rv+1e-5) + 1
		if math.Abs(got[i]-want) > 1e-12 {
			t.Errorf("eval y[%d] = %v, want %v", i, got[i], want)
		}
	}
	if float64(st.Mean[0]) != rm || float64(st.Var[0]) != rv {
		t.Error("an inference pass changed the running statistics")
	}
}

func TestBatchNormErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 1), G.WithName("x"))
	v := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("v"))
	if _, err := BatchNorm(x, v, v, &BNState{Name: "a", Mean: make([]float32, 3), Var: make([]float32, 3)}, false); err == nil {
		t.Error("mismatched running statistics accepted")
	}
	if _, err := BatchNorm(x, v, v, &BNState{Name: "b", Mean: make([]float32, 2), Var: make([]float32, 2)}, true); err == nil {
		t.Error("training pass over a single column accepted")
	}
}
