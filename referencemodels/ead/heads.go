package ead

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
)

// features builds encoder -> attender and returns the last step's
// representation (EncoderOutDim, B), the decoders' input (paper-spec §2.8).
func (b *builder) features(xs []*G.Node) (*G.Node, error) {
	fc8, err := b.encoder(xs)
	if err != nil {
		return nil, err
	}
	// Decoders read the last step only (paper-spec §2.8).
	feat := fc8[len(fc8)-1]
	if b.cfg.Attender.Kind == arch.AttenderGPT {
		if feat, err = b.gpt(fc8); err != nil {
			return nil, fmt.Errorf("attender: %w", err)
		}
	}
	if b.cfg.Attender.Kind == arch.AttenderMamba {
		if feat, err = b.mamba(fc8); err != nil {
			return nil, fmt.Errorf("attender: %w", err)
		}
	}
	return feat, nil
}

// decoder: "linear" is Linear(d -> classes); "addnet" is Linear+ReLU per
// hidden width then Linear(-> classes) (Chung et al. 2025, paper-spec §2.8).
func (b *builder) decoder(x *G.Node) (*G.Node, error) {
	n := len(b.cfg.Decoder.Hidden) + 1
	for i := 0; i < n; i++ {
		y, err := b.linear(fmt.Sprintf("decoder.l%d", i), x, true)
		if err != nil {
			return nil, fmt.Errorf("decoder l%d: %w", i, err)
		}
		if i < n-1 {
			if y, err = G.Rectify(y); err != nil {
				return nil, fmt.Errorf("decoder l%d relu: %w", i, err)
			}
		}
		if b.taps != nil {
			if err := b.tap(fmt.Sprintf("dec_mlp_l%d", i), y); err != nil {
				return nil, err
			}
		}
		x = y
	}
	return x, nil
}

// dropout is the attender's dropout (dropoutP with its probability).
func (b *builder) dropout(x *G.Node) (*G.Node, error) { return b.dropoutP(x, b.cfg.Attender.Dropout) }

// dropoutP multiplies x by a fresh mask (0 or 1/(1−p)) at every training
// run; it is the identity at inference or when p is 0.
func (b *builder) dropoutP(x *G.Node, p float64) (*G.Node, error) {
	if !b.train || p == 0 {
		return x, nil
	}
	s := x.Shape().Clone()
	backing := b.alloc(s.TotalSize())
	n := G.NewTensor(b.g, b.dt, s.Dims(), G.WithShape(s...), G.WithName(fmt.Sprintf("dropout_mask_%d%s", len(b.masks), b.salt)),
		G.WithValue(b.newTensor(s, backing)))
	b.masks = append(b.masks, &mask{node: n, data: backing, p: p})
	return G.HadamardProd(x, n)
}

// dropRNG draws dropout masks deterministically from a seed.
type dropRNG struct{ r *rand.Rand }

func newDropRNG(seed uint64) *dropRNG { return &dropRNG{r: rand.New(rand.NewPCG(seed, 0x6472_6f70))} }

func (d *dropRNG) fill(m *mask) {
	keep := 1 / (1 - m.p)
	switch s := m.data.(type) {
	case []float32:
		for i := range s {
			s[i] = 0
			if d.r.Float64() >= m.p {
				s[i] = float32(keep)
			}
		}
	case []float64:
		for i := range s {
			s[i] = 0
			if d.r.Float64() >= m.p {
				s[i] = keep
			}
		}
	}
}

// gptTokens is the nanoGPT-style attender used BAKU-style: after every
// encoder token the learned action token, wte + wpe, dropout, pre-LN
// blocks (causal self-attention, tanh-GELU MLP), final LN, lm_head without
// bias; it returns every position (hidden_dim, B·2T), the action tokens at
// odd positions (Chung et al. 2025, paper-spec §2.6).
func (b *builder) gptTokens(obs []*G.Node) (*G.Node, error) {
	a := b.cfg.Attender
	B, T := b.batch, 2*len(obs)
	tok, err := b.param("attender.action_token")
	if err != nil {
		return nil, err
	}
	seq, err := gops.Interleave(tok, obs)
	if err != nil {
		return nil, err
	}
	x, err := b.linear("attender.wte", seq, true)
	if err != nil {
		return nil, err
	}
	wpe, err := b.param("attender.wpe.weight")
	if err != nil {
		return nil, err
	}
	if x, err = gops.AddPositions(x, wpe, B, T); err != nil {
		return nil, err
	}
	if x, err = b.dropout(x); err != nil {
		return nil, err
	}
	if err := b.seqTap("att_gpt_emb", x); err != nil {
		return nil, err
	}
	hd := a.NEmbd / a.NHead
	scale := 1 / math.Sqrt(float64(hd))
	for i := 0; i < a.NLayer; i++ {
		p := fmt.Sprintf("attender.h.%d", i)
		e := &ew{b: b}
		// x += Proj(CausalSelfAttn(LN(x)))
		h, err := b.ln(p+".ln_1", x)
		if err != nil {
			return nil, err
		}
		qkv, err := b.linear(p+".attn.c_attn", h, true)
		if err != nil {
			return nil, err
		}
		var heads [3]*G.Node
		for j := range heads {
			s, err := gops.RowSlice(qkv, j*a.NEmbd, (j+1)*a.NEmbd)
			if err != nil {
				return nil, err
			}
			if heads[j], err = gops.SplitHeads(s, B, T, a.NHead); err != nil {
				return nil, err
			}
		}
		att, err := G.BatchedMatMul(heads[0], heads[1], false, true)
		if err != nil {
			return nil, fmt.Errorf("%s scores: %w", p, err)
		}
		if att, err = gops.CausalSoftmax(att, scale); err != nil {
			return nil, err
		}
		if att, err = b.dropout(att); err != nil {
			return nil, err
		}
		y, err := G.BatchedMatMul(att, heads[2])
		if err != nil {
			return nil, fmt.Errorf("%s values: %w", p, err)
		}
		if y, err = gops.MergeHeads(y, B, a.NHead); err != nil {
			return nil, err
		}
		if y, err = b.linear(p+".attn.c_proj", y, true); err != nil {
			return nil, err
		}
		if y, err = b.dropout(y); err != nil {
			return nil, err
		}
		x = e.add(x, y)
		// x += MLP(LN(x))
		if e.err != nil {
			return nil, e.err
		}
		if h, err = b.ln(p+".ln_2", x); err != nil {
			return nil, err
		}
		if h, err = b.linear(p+".mlp.c_fc", h, true); err != nil {
			return nil, err
		}
		if h, err = gops.GELU(h); err != nil {
			return nil, err
		}
		if h, err = b.linear(p+".mlp.c_proj", h, true); err != nil {
			return nil, err
		}
		if h, err = b.dropout(h); err != nil {
			return nil, err
		}
		x = e.add(x, h)
		if e.err != nil {
			return nil, e.err
		}
		if err := b.seqTap(fmt.Sprintf("att_gpt_b%d", i), x); err != nil {
			return nil, err
		}
	}
	if x, err = b.ln("attender.ln_f", x); err != nil {
		return nil, err
	}
	if err := b.seqTap("att_gpt_ln", x); err != nil {
		return nil, err
	}
	if x, err = b.linear("attender.lm_head", x, false); err != nil {
		return nil, err
	}
	if err := b.seqTap("att_gpt_lm_head", x); err != nil {
		return nil, err
	}
	return x, nil
}

// gpt returns the GPT attender's output at the last action token, the
// decoder's input (gptTokens).
func (b *builder) gpt(obs []*G.Node) (*G.Node, error) {
	x, err := b.gptTokens(obs)
	if err != nil {
		return nil, err
	}
	// Features at the action positions 1, 3, …, 2T−1; the decoder reads
	// the last one.
	T := 2 * len(obs)
	return gops.SelectPosition(x, b.batch, T, T-1)
}

func (b *builder) seqTap(name string, x *G.Node) error {
	if b.taps == nil {
		return nil
	}
	return b.tap(name, x)
}

// ln is an always-on LayerNorm over the rows of x (GPT's ln_1, ln_2, ln_f).
func (b *builder) ln(prefix string, x *G.Node) (*G.Node, error) {
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
