package optim

import (
	"math"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// DefaultLARSEta is LARS's trust coefficient η (paper-spec §2.10).
const DefaultLARSEta = 0.001

// LARS is layer-wise adaptive rate scaling with momentum as the paper's SSL
// runs use it (Chung et al. 2025, paper-spec §2.10). Per tensor, with
// weight decay wd:
//
//	local = η·‖w‖ / (‖g‖ + wd·‖w‖)
//	d     = (g + wd·w)·local·lr
//	buf   = d on the first step, else momentum·buf + d
//	w    −= buf
//
// The formula is applied literally: a tensor whose weights are all 0 gets
// local = 0 and never moves (zero-initialised τ, conv1 biases and
// BatchNorm β stay 0 under LARS, as in a LARS without a zero-norm guard);
// when the denominator is 0 (‖g‖ = 0 and wd·‖w‖ = 0) d is 0 whatever
// local is, and local is taken as 0 rather than NaN. Some PyTorch LARS
// variants use local = 1 for zero norms instead; with the paper's
// learning rates that turns the first step on a zero tensor into a plain
// SGD step of size lr, which diverges. A nil gradient leaves its
// parameter and buffer untouched.
type LARS struct {
	LR, Momentum, WeightDecay, Eta float64
	buf                            [][]float32
	steps                          int
}

// Step implements Optimizer.
func (o *LARS) Step(params arch.Params, grads [][]float32) error {
	if err := check(params, grads); err != nil {
		return err
	}
	o.buf = state(o.buf, params)
	for i, p := range params {
		w, g, b := p.Data, grads[i], o.buf[i]
		if g == nil {
			continue
		}
		var ww, gg float64
		for j := range w {
			ww += float64(w[j]) * float64(w[j])
			gg += float64(g[j]) * float64(g[j])
		}
		wn, gn := math.Sqrt(ww), math.Sqrt(gg)
		local := 0.0
		if den := gn + o.WeightDecay*wn; den != 0 {
			local = o.Eta * wn / den
		}
		scale := float32(local * o.LR)
		wd, m := float32(o.WeightDecay), float32(o.Momentum)
		for j := range w {
			d := (g[j] + wd*w[j]) * scale
			if o.steps > 0 {
				d += m * b[j]
			}
			b[j] = d
			w[j] -= d
		}
	}
	o.steps++
	return nil
}

// State implements Stateful; the slices are shared, not copied.
func (o *LARS) State() State {
	s := State{Steps: o.steps, Slots: map[string][][]float32{}}
	if o.buf != nil {
		s.Slots["momentum_buffer"] = o.buf
	}
	return s
}

// SetState implements Stateful; the tensors are copied.
func (o *LARS) SetState(params arch.Params, s State) error {
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
