package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

func one(w float32) arch.Params {
	return arch.Params{{Spec: arch.Spec{Name: "w", Shape: []int{1}}, Data: []float32{w}}}
}

func TestUpdates(t *testing.T) {
	cases := []struct {
		name  string
		opt   Optimizer
		grads []float32 // gradient at each step
		want  float64   // w after the steps, from w0 = 1
	}{
		// SGD lr 0.1, momentum 0.9, wd 0: step 1 buf = 1, w = 0.9;
		// step 2 buf = 0.9·1 + 1 = 1.9, w = 0.9 − 0.19 = 0.71.
		{"sgd momentum", &SGD{LR: 0.1, Momentum: 0.9}, []float32{1, 1}, 0.71},
		// SGD lr 0.1, wd 0.5, no momentum: d = 1 + 0.5·1 = 1.5, w = 0.85.
		{"sgd wd", &SGD{LR: 0.1, WeightDecay: 0.5}, []float32{1}, 0.85},
		// Adam step 1: m̂ = g, v̂ = g², update lr·g/(|g|+ε) ≈ lr: w = 1 − 0.01.
		{"adam", &Adam{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, []float32{3}, 1 - 0.01*3/(3+1e-8)},
		// AdamW lr 0.01, wd 0.1: w = 1·(1 − 0.001) = 0.999, then −0.01.
		{"adamw", NewAdamW(0.01, 0.1), []float32{-2}, 0.999 + 0.01*2/(2+1e-8)},
		// Adam with L2 wd 1: g' = 0 + 1 → step −lr.
		{"adam l2", &Adam{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1}, []float32{0}, 0.99},
		// Two Adam steps with equal gradients: m̂ = g, v̂ = g² each step,
		// so w = 1 − 2·lr.
		{"adam two", NewAdamW(0.01, 0), []float32{0.5, 0.5}, 0.98},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := one(1)
			for _, g := range tc.grads {
				if err := tc.opt.Step(p, [][]float32{{g}}); err != nil {
					t.Fatal(err)
				}
			}
			if got := float64(p[0].Data[0]); math.Abs(got-tc.want) > 1e-6 {
				t.Fatalf("w = %.8f, want %.8f", got, tc.want)
			}
		})
	}
}

func TestMismatch(t *testing.T) {
	for _, opt := range []Optimizer{&SGD{LR: 1}, NewAdamW(1, 0)} {
		if err := opt.Step(one(1), [][]float32{{1, 2}}); err == nil || !strings.Contains(err.Error(), "gradient of w") {
			t.Errorf("%T: err = %v", opt, err)
		}
		if err := opt.Step(one(1), nil); err == nil {
			t.Errorf("%T accepted missing gradients", opt)
		}
	}
}

// TestStateRoundTrip: an optimiser restored from another's State after k
// steps continues exactly as the original does.
func TestStateRoundTrip(t *testing.T) {
	params := func() arch.Params {
		return arch.Params{
			{Spec: arch.Spec{Name: "a", Shape: []int{2}}, Data: []float32{1, -2}},
			{Spec: arch.Spec{Name: "b", Shape: []int{1}}, Data: []float32{0.5}},
		}
	}
	grads := [][][]float32{{{0.3, -1}, {2}}, {{-0.7, 0.1}, {0.4}}, {{1, 1}, {-3}}}
	cases := []struct {
		name string
		make func() Stateful
	}{
		{"sgd", func() Stateful { return &SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01} }},
		{"sgd no momentum", func() Stateful { return &SGD{LR: 0.1} }},
		{"adam", func() Stateful { return &Adam{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1} }},
		{"adamw", func() Stateful { return NewAdamW(0.01, 0.1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pa, oa := params(), tc.make()
			for _, g := range grads[:2] {
				if err := oa.Step(pa, g); err != nil {
					t.Fatal(err)
				}
			}
			pb, ob := pa.Clone(), tc.make()
			if err := ob.SetState(pb, oa.State()); err != nil {
				t.Fatal(err)
			}
			if err := oa.Step(pa, grads[2]); err != nil {
				t.Fatal(err)
			}
			if err := ob.Step(pb, grads[2]); err != nil {
				t.Fatal(err)
			}
			for i := range pa {
				for j := range pa[i].Data {
					if pa[i].Data[j] != pb[i].Data[j] {
						t.Fatalf("%s[%d]: %v after restore, %v uninterrupted", pa[i].Name, j, pb[i].Data[j], pa[i].Data[j])
					}
				}
			}
		})
	}
}

func TestSetStateRejectsMismatch(t *testing.T) {
	p := one(1)
	cases := []struct {
		name string
		opt  Stateful
		s    State
		want string
	}{
		{"unknown slot", &SGD{LR: 1}, State{Steps: 1, Slots: map[string][][]float32{"exp_avg": {{1}}}}, "unknown slot"},
		{"missing slot", NewAdamW(1, 0), State{Steps: 2, Slots: map[string][][]float32{"exp_avg": {{1}}}}, "exp_avg_sq missing"},
		{"wrong length", &SGD{LR: 1}, State{Steps: 1, Slots: map[string][][]float32{"momentum_buffer": {{1, 2}}}}, "slot momentum_buffer of w has 2 values"},
		{"wrong count", &SGD{LR: 1}, State{Steps: 1, Slots: map[string][][]float32{"momentum_buffer": {{1}, {2}}}}, "2 tensors for 1 parameters"},
		{"negative steps", &SGD{LR: 1}, State{Steps: -1}, "-1 steps"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.opt.SetState(p, tc.s); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestNilGradientSkips: a nil gradient (a buffer or a frozen parameter)
// leaves its parameter untouched, even under weight decay, while the
// others are updated.
func TestNilGradientSkips(t *testing.T) {
	for _, opt := range []Optimizer{&SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 0.5}, NewAdamW(0.1, 0.5)} {
		p := arch.Params{
			{Spec: arch.Spec{Name: "w", Shape: []int{1}}, Data: []float32{1}},
			{Spec: arch.Spec{Name: "running_mean", Shape: []int{1}, Buffer: true}, Data: []float32{2}},
		}
		for range 2 {
			if err := opt.Step(p, [][]float32{{1}, nil}); err != nil {
				t.Fatalf("%T: %v", opt, err)
			}
		}
		if p[1].Data[0] != 2 {
			t.Errorf("%T changed a parameter without gradient: %v", opt, p[1].Data[0])
		}
		if p[0].Data[0] == 1 {
			t.Errorf("%T did not update the parameter with a gradient", opt)
		}
	}
}
