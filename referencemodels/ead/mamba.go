package ead

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
)

// mamba is the Mamba attender: the encoder tokens as one sequence (no
// action tokens), n_layer blocks "residual += hidden; hidden =
// Mixer(LN(residual))" (the first block's residual is its input), then
// LN(hidden + residual); the decoder reads the last position
// (Chung et al. 2025, paper-spec §2.7, §2.8). Layout: every sequence
// activation is one (d, B·T) matrix with column b·T + t.
func (b *builder) mamba(obs []*G.Node) (*G.Node, error) {
	x, err := b.mambaSeq(obs)
	if err != nil {
		return nil, err
	}
	return gops.SelectPosition(x, b.batch, len(obs), len(obs)-1)
}

// mambaSeq is the Mamba attender's output at every position, (d, B·T).
func (b *builder) mambaSeq(obs []*G.Node) (*G.Node, error) {
	a := b.cfg.Attender
	B, T := b.batch, len(obs)
	hidden, err := gops.StackPositions(obs)
	if err != nil {
		return nil, err
	}
	var residual *G.Node
	for i := 0; i < a.NLayer; i++ {
		p := fmt.Sprintf("attender.layers.%d", i)
		if residual == nil {
			residual = hidden
		} else if residual, err = G.Add(hidden, residual); err != nil {
			return nil, fmt.Errorf("%s residual: %w", p, err)
		}
		h, err := b.ln(p+".norm", residual)
		if err != nil {
			return nil, err
		}
		if hidden, err = b.mambaMixer(p+".mixer", h, B, T); err != nil {
			return nil, fmt.Errorf("mamba layer %d: %w", i, err)
		}
		if err := b.seqTap(fmt.Sprintf("att_mamba_l%d", i), hidden); err != nil {
			return nil, err
		}
	}
	if residual, err = G.Add(hidden, residual); err != nil {
		return nil, fmt.Errorf("mamba final residual: %w", err)
	}
	x, err := b.ln("attender.norm_f", residual)
	if err != nil {
		return nil, err
	}
	if err := b.seqTap("att_mamba_norm", x); err != nil {
		return nil, err
	}
	return x, nil
}

// mambaMixer is one Mamba-1 mixer on h (d, B·T) (paper-spec §2.7,
// mamba_ssm Mamba.forward):
//
//	[x; z] = in_proj·h;  x = SiLU(causal depthwise conv1d(x) + bias)
//	[dt; B; C] = x_proj·x;  Δ = softplus(dt_proj·dt + dt_bias)
//	y = selective_scan(x, Δ, A = −exp(A_log), B, C, D) ⊙ SiLU(z)
//	out = out_proj·y
func (b *builder) mambaMixer(prefix string, h *G.Node, B, T int) (*G.Node, error) {
	a := b.cfg.Attender
	di, N, R := b.cfg.MambaDInner(), a.DState, a.DtRank
	xz, err := b.linear(prefix+".in_proj", h, false)
	if err != nil {
		return nil, err
	}
	x, err := gops.RowSlice(xz, 0, di)
	if err != nil {
		return nil, err
	}
	z, err := gops.RowSlice(xz, di, 2*di)
	if err != nil {
		return nil, err
	}
	cw, err := b.param(prefix + ".conv1d.weight")
	if err != nil {
		return nil, err
	}
	cb, err := b.param(prefix + ".conv1d.bias")
	if err != nil {
		return nil, err
	}
	if x, err = gops.CausalConv1D(x, cw, cb, B, T); err != nil {
		return nil, err
	}
	if x, err = gops.SiLU(x); err != nil {
		return nil, err
	}
	xdbl, err := b.linear(prefix+".x_proj", x, false)
	if err != nil {
		return nil, err
	}
	// Rows of x_proj's output: [dt (R); B (N); C (N)].
	var parts [3]*G.Node
	bounds := [4]int{0, R, R + N, R + 2*N}
	for j := range parts {
		if parts[j], err = gops.RowSlice(xdbl, bounds[j], bounds[j+1]); err != nil {
			return nil, err
		}
	}
	dt, err := b.linear(prefix+".dt_proj", parts[0], true)
	if err != nil {
		return nil, err
	}
	if dt, err = gops.Softplus(dt); err != nil {
		return nil, err
	}
	aLog, err := b.param(prefix + ".A_log")
	if err != nil {
		return nil, err
	}
	D, err := b.param(prefix + ".D")
	if err != nil {
		return nil, err
	}
	y, err := gops.SelectiveScan(x, dt, aLog, parts[1], parts[2], D, B, T)
	if err != nil {
		return nil, err
	}
	gate, err := gops.SiLU(z)
	if err != nil {
		return nil, err
	}
	if y, err = G.HadamardProd(y, gate); err != nil {
		return nil, fmt.Errorf("%s gate: %w", prefix, err)
	}
	return b.linear(prefix+".out_proj", y, false)
}
