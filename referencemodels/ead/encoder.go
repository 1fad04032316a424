package ead

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
)

// cellState is a node's recurrent state; c is used by the LSTM only.
type cellState struct{ h, c *G.Node }

// encoder dispatches on the encoder kind (the S4 encoder is s4Encoder).
// The ConvRNN encoder unrolls over the input steps xs (each (30, B·35))
// and returns fc8's output at every step (each (repr, B)). At step t every
// node reads its predecessors' outputs from step t−1 (zeros at t=0) and
// the input node reads x_t, so every edge has a one-step delay
// (Chung et al. 2025, paper-spec §2.2).
func (b *builder) encoder(xs []*G.Node) ([]*G.Node, error) {
	switch b.cfg.Encoder.Kind {
	case arch.EncoderS4:
		return b.s4Encoder(xs)
	case arch.EncoderResNet18:
		return b.resnet18(xs)
	}
	nodes := b.cfg.Nodes()
	out := map[string]*G.Node{}
	states := map[string]cellState{}
	width := map[string]int{}
	for _, n := range nodes {
		width[n.Name] = n.Out
	}
	var fc8 []*G.Node
	N := b.batch * arch.GridH * arch.GridW
	for t, x := range xs {
		cur := map[string]*G.Node{}
		for _, n := range nodes {
			// Harbor: predecessors' previous outputs concatenated in name
			// order (paper-spec §2.2).
			var in []*G.Node
			if n.Name == "conv1" {
				in = []*G.Node{x}
			}
			for _, p := range n.Inputs {
				v := out[p]
				if v == nil {
					if p == "fc7" {
						v = b.zero(width[p], b.batch)
					} else {
						v = b.zero(width[p], N)
					}
				}
				in = append(in, v)
			}
			h, err := gops.RowConcat(in...)
			if err != nil {
				return nil, fmt.Errorf("%s harbor: %w", n.Name, err)
			}
			pre := "encoder." + n.Name + ".pre"
			var u *G.Node
			switch {
			case n.Name == "conv1":
				u, err = b.conv(pre, h, arch.InputHeight, arch.InputWidth, false)
			case n.Conv:
				u, err = b.conv(pre, h, arch.GridH, arch.GridW, true)
			case n.Name == "fc7":
				if h, err = gops.FlattenCHW(h, b.batch); err == nil {
					u, err = b.linear(pre, h, true)
				}
			default:
				u, err = b.linear(pre, h, true)
			}
			if err != nil {
				return nil, fmt.Errorf("%s pre-memory: %w", n.Name, err)
			}
			y, st, err := b.cell(n, u, states[n.Name], t == 0)
			if err != nil {
				return nil, fmt.Errorf("%s cell at step %d: %w", n.Name, t, err)
			}
			states[n.Name] = st
			// Post-memory ReLU (paper-spec §2.2).
			y, err = G.Rectify(y)
			if err != nil {
				return nil, fmt.Errorf("%s relu: %w", n.Name, err)
			}
			cur[n.Name] = y
			// Activation rule: layer l keeps steps t ≥ l−1 (paper-spec §1.8).
			if b.taps != nil && t >= n.Index-1 {
				if err := b.tap(n.Name, y); err != nil {
					return nil, err
				}
			}
		}
		out = cur
		fc8 = append(fc8, cur["fc8"])
	}
	return fc8, nil
}

func (b *builder) layerNorm(prefix string, x *G.Node) (*G.Node, error) {
	if !b.cfg.Encoder.LayerNorm {
		return x, nil
	}
	gm, err := b.param(prefix + ".weight")
	if err != nil {
		return nil, err
	}
	bt, err := b.param(prefix + ".bias")
	if err != nil {
		return nil, err
	}
	return gops.LayerNorm(x, gm, bt)
}

// gates splits z (k·C, N) into k gate pre-activations and applies the
// per-gate LayerNorm when configured.
func (b *builder) gates(prefix string, z *G.Node, C int, names ...string) ([]*G.Node, error) {
	out := make([]*G.Node, len(names))
	for i, g := range names {
		s, err := gops.RowSlice(z, i*C, (i+1)*C)
		if err != nil {
			return nil, err
		}
		if out[i], err = b.layerNorm(prefix+".ln_"+g, s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// cell applies n's recurrent cell to the pre-memory output u (C, N) and
// returns the cell output and new state (Chung et al. 2025, paper-spec
// §2.2–2.3). first marks t = 0, where the state is zero.
func (b *builder) cell(n arch.Node, u *G.Node, st cellState, first bool) (*G.Node, cellState, error) {
	prefix := "encoder." + n.Name + ".cell"
	if !n.Gated {
		if b.cfg.Encoder.Cell != arch.CellTimeDecay {
			// IdentityCell on fc7/fc8 of the cell variants.
			return u, cellState{}, nil
		}
		// TimeDecay: s_t = u_t + τ·s_{t−1}, output s_t.
		if first {
			return u, cellState{h: u}, nil
		}
		tau, err := b.param(prefix + ".tau")
		if err != nil {
			return nil, cellState{}, err
		}
		d, err := gops.TauMul(tau, st.h)
		if err != nil {
			return nil, cellState{}, err
		}
		s, err := G.Add(u, d)
		return s, cellState{h: s}, err
	}
	C := n.Out
	N := b.batch * arch.GridH * arch.GridW
	h := st.h
	if first {
		h = b.zero(C, N)
	}
	cellConv := func(name string, parts ...*G.Node) (*G.Node, error) {
		in, err := gops.RowConcat(parts...)
		if err != nil {
			return nil, err
		}
		return b.conv(prefix+"."+name, in, arch.GridH, arch.GridW, true)
	}
	e := &ew{b: b}
	switch b.cfg.Encoder.Cell {
	case arch.CellUGRNN:
		// [g_a; c_a] = Conv([u; h]); g = σ(g_a + b_f); c = tanh(c_a);
		// h' = g·h + (1−g)·c.
		z, err := cellConv("conv", u, h)
		if err != nil {
			return nil, cellState{}, err
		}
		if !b.cfg.Encoder.LayerNorm {
			// The same equations fused into one node (gops.GatedMix).
			hn, err := gops.GatedMix(z, h, 0, forgetBias, gops.MixTanh)
			return hn, cellState{h: hn}, err
		}
		gs, err := b.gates(prefix, z, C, "g", "c")
		if err != nil {
			return nil, cellState{}, err
		}
		g, c := e.sigmoidForget(gs[0]), e.tanh(gs[1])
		hn := e.lerp(g, h, c)
		return hn, cellState{h: hn}, e.err
	case arch.CellIntersection:
		// [gh_a; h_a; gy_a; y_a] = Conv([u; s]); y' = gy·u + (1−gy)·y;
		// s' = gh·s + (1−gh)·ĥ.
		z, err := cellConv("conv", u, h)
		if err != nil {
			return nil, cellState{}, err
		}
		if !b.cfg.Encoder.LayerNorm {
			// The same equations fused into two nodes (gops.GatedMix).
			out, err := gops.GatedMix(z, u, 2*C, forgetBias, gops.MixReLU)
			if err != nil {
				return nil, cellState{}, err
			}
			sn, err := gops.GatedMix(z, h, 0, forgetBias, gops.MixTanh)
			return out, cellState{h: sn}, err
		}
		gs, err := b.gates(prefix, z, C, "gh", "h", "gy", "y")
		if err != nil {
			return nil, cellState{}, err
		}
		gh, hh, gy, y := e.sigmoidForget(gs[0]), e.tanh(gs[1]), e.sigmoidForget(gs[2]), e.relu(gs[3])
		out := e.lerp(gy, u, y)
		sn := e.lerp(gh, h, hh)
		return out, cellState{h: sn}, e.err
	case arch.CellGRU:
		// [r_a; z_a] = Conv_ru([u; h]); r = σ(r_a + b_f); z = σ(z_a);
		// c = tanh(Conv_c([u; r·h])); h' = z·h + (1−z)·c.
		zr, err := cellConv("conv_ru", u, h)
		if err != nil {
			return nil, cellState{}, err
		}
		gs, err := b.gates(prefix, zr, C, "r", "z")
		if err != nil {
			return nil, cellState{}, err
		}
		r, z := e.sigmoidForget(gs[0]), e.sigmoid(gs[1])
		rh := e.mul(r, h)
		if e.err != nil {
			return nil, cellState{}, e.err
		}
		ca, err := cellConv("conv_c", u, rh)
		if err != nil {
			return nil, cellState{}, err
		}
		if ca, err = b.layerNorm(prefix+".ln_c", ca); err != nil {
			return nil, cellState{}, err
		}
		c := e.tanh(ca)
		hn := e.lerp(z, h, c)
		return hn, cellState{h: hn}, e.err
	case arch.CellLSTM:
		// [i; j; f; o] = Conv([u; h]); c' = c·σ(f + b_f) + σ(i)·tanh(j);
		// (LN on c'); h' = tanh(c')·σ(o).
		cprev := st.c
		if first {
			cprev = b.zero(C, N)
		}
		z, err := cellConv("conv", u, h)
		if err != nil {
			return nil, cellState{}, err
		}
		gs, err := b.gates(prefix, z, C, "i", "j", "f", "o")
		if err != nil {
			return nil, cellState{}, err
		}
		cn := e.add(e.mul(cprev, e.sigmoidForget(gs[2])), e.mul(e.sigmoid(gs[0]), e.tanh(gs[1])))
		if e.err != nil {
			return nil, cellState{}, e.err
		}
		if cn, err = b.layerNorm(prefix+".ln_cell", cn); err != nil {
			return nil, cellState{}, err
		}
		hn := e.mul(e.tanh(cn), e.sigmoid(gs[3]))
		return hn, cellState{h: hn, c: cn}, e.err
	}
	return nil, cellState{}, fmt.Errorf("unknown cell %q", b.cfg.Encoder.Cell)
}
