package optim

import (
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

func vec(name string, v ...float32) arch.Param {
	return arch.Param{Spec: arch.Spec{Name: name, Shape: []int{len(v)}}, Data: v}
}

func near(t *testing.T, what string, got []float32, want ...float64) {
	t.Helper()
	for i, w := range want {
		if math.Abs(float64(got[i])-w) > 1e-6*(1+math.Abs(w)) {
			t.Fatalf("%s[%d] = %.9g, want %.9g", what, i, got[i], w)
		}
	}
}

// TestLARSHand: w0 = (3, 4) (‖w‖ = 5), g = (0, 1) (‖g‖ = 1) twice, lr 1,
// momentum 0.9, wd 0.1, η 0.001.
//
//	step 1: local = 0.001·5/(1 + 0.1·5) = 1/300;
//	        d = (g + 0.1·w)·local = (0.3, 1.4)/300 = (0.001, 0.0046667);
//	        buf = d; w1 = (2.999, 3.9953333).
//	step 2: ‖w1‖ = √(2.999² + 3.9953333²) = 4.9956671;
//	        local = 0.001·4.9956671/(1 + 0.49956671) = 0.0033314042;
//	        d = (0.2999, 1.39953333)·local = (0.00099908813, 0.0046624112);
//	        buf = 0.9·buf + d = (0.0018990881, 0.0088624112);
//	        w2 = w1 − buf = (2.9971009, 3.9864709).
//
// A tensor (2) with a zero gradient: local = η‖w‖/(0 + wd‖w‖) = η/wd
// = 0.01, d = wd·w·local·lr = 0.1·2·0.01 = 0.002, w = 1.998. A zero tensor
// gets local = 0 and stays 0. A nil gradient leaves its tensor alone.
func TestLARSHand(t *testing.T) {
	o := &LARS{LR: 1, Momentum: 0.9, WeightDecay: 0.1, Eta: DefaultLARSEta}
	p := arch.Params{vec("a", 3, 4), vec("b", 2), vec("frozen", 7), vec("zero", 0, 0)}
	if err := o.Step(p, [][]float32{{0, 1}, {0}, nil, {1, -1}}); err != nil {
		t.Fatal(err)
	}
	near(t, "w1", p[0].Data, 2.999, 3.99533333)
	near(t, "buf1", o.buf[0], 0.001, 0.00466666667)
	near(t, "zero-gradient tensor", p[1].Data, 1.998)
	near(t, "zero tensor", p[3].Data, 0, 0)
	near(t, "frozen", p[2].Data, 7)
	if err := o.Step(p, [][]float32{{0, 1}, nil, nil, nil}); err != nil {
		t.Fatal(err)
	}
	near(t, "buf2", o.buf[0], 0.0018990881, 0.0088624112)
	near(t, "w2", p[0].Data, 2.9971009, 3.9864709)
	near(t, "frozen", p[2].Data, 7)
}

// TestLARSState: a run restored from the state after step 1 takes the
// same second step as the uninterrupted one.
func TestLARSState(t *testing.T) {
	mk := func() arch.Params { return arch.Params{vec("a", 1, -2, 0.5)} }
	g := [][]float32{{0.3, 0.1, -0.2}}
	a := &LARS{LR: 0.5, Momentum: 0.9, WeightDecay: 1e-4, Eta: DefaultLARSEta}
	pa := mk()
	for i := 0; i < 2; i++ {
		if err := a.Step(pa, g); err != nil {
			t.Fatal(err)
		}
	}
	b := &LARS{LR: 0.5, Momentum: 0.9, WeightDecay: 1e-4, Eta: DefaultLARSEta}
	pb := mk()
	if err := b.Step(pb, g); err != nil {
		t.Fatal(err)
	}
	c := &LARS{LR: 0.5, Momentum: 0.9, WeightDecay: 1e-4, Eta: DefaultLARSEta}
	if err := c.SetState(pb, b.State()); err != nil {
		t.Fatal(err)
	}
	if err := c.Step(pb, g); err != nil {
		t.Fatal(err)
	}
	for j := range pa[0].Data {
		if pa[0].Data[j] != pb[0].Data[j] {
			t.Fatalf("element %d: %v uninterrupted, %v restored", j, pa[0].Data[j], pb[0].Data[j])
		}
	}
	if err := c.SetState(pb, State{Steps: 1, Slots: map[string][][]float32{"exp_avg": {{1, 2, 3}}}}); err == nil {
		t.Error("LARS accepted an Adam slot")
	}
}
