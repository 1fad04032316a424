package optim

import (
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// Optimizer applies one update to params from grads (same order, same
// lengths). The learning rate is a field the caller may change between
// steps (schedules).
type Optimizer interface {
	Step(params arch.Params, grads [][]float32) error
}

func check(params arch.Params, grads [][]float32) error {
	if len(grads) != len(params) {
		return fmt.Errorf("optimizer: %d gradients for %d parameters", len(grads), len(params))
	}
	for i, g := range grads {
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
	started                   bool
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
		for j := range w {
			d := g[j] + wd*w[j]
			if o.Momentum != 0 {
				if o.started {
					d = m*b[j] + d
				}
				b[j] = d
			}
			w[j] -= lr * d
		}
	}
	o.started = true
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
