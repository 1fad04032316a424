package optim

import (
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// Optimizer applies one update to params from grads (same order, same
// lengths). A nil gradient leaves its parameter untouched: buffers
// (BatchNorm running statistics) and frozen parameters (a linear probe's
// encoder) have none. The learning rate is a field the caller may change
// between steps (schedules).
type Optimizer interface {
	Step(params arch.Params, grads [][]float32) error
}

func check(params arch.Params, grads [][]float32) error {
	if len(grads) != len(params) {
		return fmt.Errorf("optimizer: %d gradients for %d parameters", len(grads), len(params))
	}
	for i, g := range grads {
		if g == nil {
			continue
		}
		if len(g) != len(params[i].Data) {
			return fmt.Errorf("optimizer: gradient of %s has %d values, parameter %d", params[i].Name, len(g), len(params[i].Data))
		}
	}
	return nil
}

func state(s [][]float32, params arch.Params) [][]float32 {
	if s != nil {
		return s
	}
	s = make([][]float32, len(params))
	for i, p := range params {
		s[i] = make([]float32, len(p.Data))
	}
	return s
}

// SGD is PyTorch's SGD with momentum, no dampening, no Nesterov, weight
// decay as L2: d = g + wd·w; buf = d on the first step, else
// buf = momentum·buf + d; w −= lr·buf (paper-spec §2.10).
type SGD struct {
	LR, Momentum, WeightDecay float64
	buf                       [][]float32
	steps                     int
}

// Step implements Optimizer.
func (o *SGD) Step(params arch.Params, grads [][]float32) error {
	if err := check(params, grads); err != nil {
		return err
	}
	o.buf = state(o.buf, params)
	lr, m, wd := float32(o.LR), float32(o.Momentum), float32(o.WeightDecay)
	for i, p := range params {
		w, g, b := p.Data, grads[i], o.buf[i]
		if g == nil {
			continue
		}
		for j := range w {
			d := g[j] + wd*w[j]
			if o.Momentum != 0 {
				if o.steps > 0 {
					d = m*b[j] + d
				}
				b[j] = d
			}
			w[j] -= lr * d
		}
	}
	o.steps++
	return nil
}

// Adam is PyTorch's Adam (Decoupled false: weight decay added to the
// gradient) or AdamW (Decoupled true: w ← w·(1 − lr·wd) before the Adam
// step), without amsgrad: m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
// w −= lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε) (paper-spec §2.10).
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Decoupled                          bool
	m, v                               [][]float32
	t                                  int
}

// NewAdamW returns AdamW with PyTorch's default betas (0.9, 0.999) and eps 1e-8.
func NewAdamW(lr, weightDecay float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay, Decoupled: true}
}

// Step implements Optimizer.
func (o *Adam) Step(params arch.Params, grads [][]float32) error {
	if err := check(params, grads); err != nil {
		return err
	}
	o.m, o.v = state(o.m, params), state(o.v, params)
	o.t++
	bc1 := 1 - math.Pow(o.Beta1, float64(o.t))
	bc2 := 1 - math.Pow(o.Beta2, float64(o.t))
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	step := o.LR / bc1
	sq2 := math.Sqrt(bc2)
	for i, p := range params {
		w, g, m, v := p.Data, grads[i], o.m[i], o.v[i]
		if g == nil {
			continue
		}
		for j := range w {
			gj := g[j]
			if o.Decoupled {
				w[j] *= float32(1 - o.LR*o.WeightDecay)
			} else {
				gj += float32(o.WeightDecay) * w[j]
			}
			m[j] = b1*m[j] + (1-b1)*gj
			v[j] = b2*v[j] + (1-b2)*gj*gj
			den := math.Sqrt(float64(v[j]))/sq2 + o.Eps
			w[j] -= float32(step * float64(m[j]) / den)
		}
	}
	return nil
}

// State is an optimiser's internal state, enough to continue training
// exactly where it stopped: the number of steps taken and, per named slot
// (SGD "momentum_buffer"; Adam "exp_avg", "exp_avg_sq", PyTorch's names),
// one tensor per parameter in parameter order. A slot that has not been
// allocated yet (no step taken) is absent.
type State struct {
	Steps int
	Slots map[string][][]float32
}

// Stateful is an Optimizer whose state can be saved and restored.
type Stateful interface {
	Optimizer
	State() State
	SetState(params arch.Params, s State) error
}

// setSlot checks that one saved slot matches params and returns a copy.
func setSlot(params arch.Params, s State, name string) ([][]float32, error) {
	v, ok := s.Slots[name]
	if !ok {
		if s.Steps > 0 {
			return nil, fmt.Errorf("optimizer state: slot %s missing after %d steps", name, s.Steps)
		}
		return nil, nil
	}
	if len(v) != len(params) {
		return nil, fmt.Errorf("optimizer state: slot %s has %d tensors for %d parameters", name, len(v), len(params))
	}
	out := make([][]float32, len(v))
	for i, t := range v {
		if len(t) != len(params[i].Data) {
			return nil, fmt.Errorf("optimizer state: slot %s of %s has %d values, parameter %d", name, params[i].Name, len(t), len(params[i].Data))
		}
		out[i] = append([]float32(nil), t...)
	}
	return out, nil
}

func checkSlots(s State, allowed ...string) error {
	if s.Steps < 0 {
		return fmt.Errorf("optimizer state: %d steps", s.Steps)
	}
	for k := range s.Slots {
		found := false
		for _, a := range allowed {
			found = found || k == a
		}
		if !found {
			return fmt.Errorf("optimizer state: unknown slot %q (want %v)", k, allowed)
		}
	}
	return nil
}

// State implements Stateful; the slices are shared, not copied.
func (o *SGD) State() State {
	s := State{Steps: o.steps, Slots: map[string][][]float32{}}
	if o.buf != nil {
		s.Slots["momentum_buffer"] = o.buf
	}
	return s
}

// SetState implements Stateful; the tensors are copied.
func (o *SGD) SetState(params arch.Params, s State) error {
	if err := checkSlots(s, "momentum_buffer"); err != nil {
		return err
	}
	buf, err := setSlot(params, s, "momentum_buffer")
	if err != nil {
		return err
	}
	o.buf, o.steps = buf, s.Steps
	return nil
}

// State implements Stateful; the slices are shared, not copied.
func (o *Adam) State() State {
	s := State{Steps: o.t, Slots: map[string][][]float32{}}
	if o.m != nil {
		s.Slots["exp_avg"], s.Slots["exp_avg_sq"] = o.m, o.v
	}
	return s
}

// SetState implements Stateful; the tensors are copied.
func (o *Adam) SetState(params arch.Params, s State) error {
	if err := checkSlots(s, "exp_avg", "exp_avg_sq"); err != nil {
		return err
	}
	m, err := setSlot(params, s, "exp_avg")
	if err != nil {
		return err
	}
	v, err := setSlot(params, s, "exp_avg_sq")
	if err != nil {
		return err
	}
	o.m, o.v, o.t = m, v, s.Steps
	return nil
}
