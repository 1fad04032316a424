package ead

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
)

// s4LayerNames lists the S4 encoder's activation layers: enc_s4_emb (after
// the input Linear), enc_s4_l0.. (each block's output) and enc_s4_dec
// (after the output Linear) (Chung et al. 2025, paper-spec §1.8).
func s4LayerNames(e arch.EncoderConfig) []string {
	out := []string{"enc_s4_emb"}
	for i := 0; i < e.NLayer; i++ {
		out = append(out, fmt.Sprintf("enc_s4_l%d", i))
	}
	return append(out, "enc_s4_dec")
}

// s4Encoder applies the S4 encoder to the input steps xs (each (30, B·35))
// and returns its output at every step (each (repr, B)); S4 sees all 22
// steps, step t's output depending on x_0..x_t (paper-spec §2.5, §2.8).
// Each frame is flattened in C,H,W order and projected to d_model; the
// sequence (d_model, B·22) then passes n_layer residual blocks
// x = LN(x + Dropout(GLU(Linear(GELU(S4D(x)))))), where S4D is the
// diagonal state-space layer (per channel log Δ, A, C, D; kernel by
// zero-order hold, causal convolution over the steps), and a final Linear
// to repr_dim.
func (b *builder) s4Encoder(xs []*G.Node) ([]*G.Node, error) {
	e := b.cfg.Encoder
	B, L := b.batch, len(xs)
	frames := make([]*G.Node, L)
	for t, x := range xs {
		f, err := gops.FlattenCHW(x, B)
		if err != nil {
			return nil, fmt.Errorf("s4 frame %d: %w", t, err)
		}
		frames[t] = f
	}
	seq, err := gops.StackPositions(frames)
	if err != nil {
		return nil, fmt.Errorf("s4 input: %w", err)
	}
	x, err := b.linear("encoder.s4.in", seq, true)
	if err != nil {
		return nil, fmt.Errorf("s4 input linear: %w", err)
	}
	if err := b.seqTap("enc_s4_emb", x); err != nil {
		return nil, err
	}
	for i := 0; i < e.NLayer; i++ {
		if x, err = b.s4Block(i, x, L); err != nil {
			return nil, fmt.Errorf("s4 layer %d: %w", i, err)
		}
		if err := b.seqTap(fmt.Sprintf("enc_s4_l%d", i), x); err != nil {
			return nil, err
		}
	}
	if x, err = b.linear("encoder.s4.dec", x, true); err != nil {
		return nil, fmt.Errorf("s4 output linear: %w", err)
	}
	if err := b.seqTap("enc_s4_dec", x); err != nil {
		return nil, err
	}
	out := make([]*G.Node, L)
	for t := range out {
		if out[t], err = gops.SelectPosition(x, B, L, t); err != nil {
			return nil, fmt.Errorf("s4 step %d: %w", t, err)
		}
	}
	return out, nil
}

// s4Block is one residual block on the sequence x (d_model, B·L).
func (b *builder) s4Block(i int, x *G.Node, L int) (*G.Node, error) {
	p := fmt.Sprintf("encoder.s4.layers.%d", i)
	var kp [5]*G.Node
	for j, name := range []string{"kernel.log_dt", "kernel.A_re", "kernel.A_im", "kernel.C", "D"} {
		n, err := b.param(p + "." + name)
		if err != nil {
			return nil, err
		}
		kp[j] = n
	}
	k, err := gops.S4DKernel(kp[0], kp[1], kp[2], kp[3], L)
	if err != nil {
		return nil, err
	}
	y, err := gops.CausalConv(x, k, kp[4], b.batch)
	if err != nil {
		return nil, err
	}
	if y, err = gops.GELUErf(y); err != nil {
		return nil, err
	}
	if y, err = b.linear(p+".out", y, true); err != nil {
		return nil, err
	}
	if y, err = gops.GLU(y); err != nil {
		return nil, err
	}
	if y, err = b.dropoutP(y, b.cfg.Encoder.Dropout); err != nil {
		return nil, err
	}
	if y, err = G.Add(x, y); err != nil {
		return nil, fmt.Errorf("residual: %w", err)
	}
	return b.ln(p+".norm", y)
}
