package arch

import (
	"errors"
	"fmt"
	"math"
)

// EncoderS4 is the S4 encoder kind: a per-frame input Linear, residual
// diagonal state-space blocks over the 22 steps, and an output Linear
// (Chung et al. 2025, paper-spec §2.5).
const EncoderS4 = "s4"

// S4 discretisation-step range of the S4D initialisation: log Δ is drawn
// uniformly in [log S4DtMin, log S4DtMax] per channel.
const (
	S4DtMin = 1e-3
	S4DtMax = 1e-1
)

// S4InFeatures is the width of one flattened frame, C·H·W = 30·5·7 (the
// encoder's input Linear reads the frame in C,H,W order, paper-spec §2.5).
const S4InFeatures = InputChannels * InputHeight * InputWidth

// S4Encoder returns the paper's S4 encoder configuration: d_model 512,
// 4 residual blocks, d_state 64, dropout 0.2, repr_dim 512, no attender,
// the given decoder ("linear", or "addnet" with hidden 1024, 512) and 117
// classes (Chung et al. 2025, paper-spec §2.5, §2.8).
func S4Encoder(decoder string) Config {
	c := Config{
		Encoder:  EncoderConfig{Kind: EncoderS4, DModel: 512, NLayer: 4, DState: 64, Dropout: 0.2, ReprDim: 512},
		Attender: AttenderConfig{Kind: AttenderNone},
		Decoder:  DecoderConfig{Kind: decoder},
		Classes:  117,
	}
	if decoder == DecoderAddnet {
		c.Decoder.Hidden = []int{1024, 512}
	}
	return c
}

// S4Modes is the number of complex diagonal modes per channel, d_state/2
// (the conjugate halves are implied by taking 2·Re of the kernel).
func (e EncoderConfig) S4Modes() int { return e.DState / 2 }

// validateS4 checks the S4 fields of an encoder of kind "s4" and that the
// ConvRNN-only fields are unset.
func (e EncoderConfig) validateS4() error {
	if e.Cell != "" || e.LayerNorm || e.Width != 0 {
		return errors.New("encoder s4: cell, layer_norm and width are ConvRNN fields and must be unset")
	}
	if e.DModel <= 0 || e.NLayer <= 0 {
		return fmt.Errorf("encoder s4: d_model %d and n_layer %d must be positive", e.DModel, e.NLayer)
	}
	if e.DState < 2 || e.DState%2 != 0 {
		return fmt.Errorf("encoder s4: d_state %d must be a positive even number (d_state/2 complex modes)", e.DState)
	}
	if !(e.Dropout >= 0 && e.Dropout < 1) {
		return fmt.Errorf("encoder s4: dropout %v must be in [0, 1)", e.Dropout)
	}
	return nil
}

// s4Specs adds the S4 encoder's parameters: the input Linear, per block the
// S4D kernel (log Δ, log(−Re A), Im A, C as (re, im) pairs), the skip D,
// the GLU output Linear and the post-LayerNorm, then the output Linear.
// Initialisation is S4D-Lin: A_n = −1/2 + iπn, log Δ ~ U[log 1e-3,
// log 1e-1], C ~ complex N(0, 1) (variance ½ in each of re and im),
// D ~ N(0, 1); Linears use the PyTorch default.
func (l *specList) s4Specs(e EncoderConfig) {
	H, N2 := e.DModel, e.S4Modes()
	l.linear("encoder.s4.in", S4InFeatures, H, nil)
	for i := 0; i < e.NLayer; i++ {
		p := fmt.Sprintf("encoder.s4.layers.%d", i)
		l.add(p+".kernel.log_dt", Init{Kind: InitUniformRange, Arg: math.Log(S4DtMin), Arg2: math.Log(S4DtMax)}, H)
		l.add(p+".kernel.A_re", Init{Kind: InitConstant, Arg: math.Log(0.5)}, H, N2)
		l.add(p+".kernel.A_im", Init{Kind: InitRamp, Arg: math.Pi}, H, N2)
		l.add(p+".kernel.C", Init{Kind: InitNormal, Arg: math.Sqrt(0.5)}, H, N2, 2)
		l.add(p+".D", Init{Kind: InitNormal, Arg: 1}, H)
		l.linear(p+".out", H, 2*H, nil)
		l.layerNorm(p+".norm", H)
	}
	l.linear("encoder.s4.dec", H, e.ReprDim, nil)
}
