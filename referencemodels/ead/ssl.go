package ead

import (
	"context"
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
)

// SimCLRTemperature is NT-Xent's τ (Chung et al. 2025, paper-spec §2.11).
const SimCLRTemperature = 0.1

// SSLModel is an encoder + attender with a self-supervised head
// (arch.SSLSpecs) instead of a decoder.
//
// Which representation each head reads (paper-spec §2.11, CAVEAT): the
// reference SSL scripts leave a (B, 22, d) tensor that the contrastive
// heads cannot take, so this package uses the reading the spec names most
// consistent: SimCLR and SimSiam read the last step's d-vector (the one
// the linear probe and every decoder read); the autoencoder reads and
// reconstructs all steps.
type SSLModel struct {
	Config arch.Config
	Head   arch.SSLHead
	Params arch.Params
}

// NewSSL checks that params match cfg and head's parameter list exactly
// (names, order, shapes, finite values); params are not copied.
func NewSSL(cfg arch.Config, head arch.SSLHead, params arch.Params) (*SSLModel, error) {
	specs, err := cfg.SSLSpecs(head)
	if err != nil {
		return nil, err
	}
	if len(params) != len(specs) {
		return nil, fmt.Errorf("ssl model: %d parameters, config needs %d", len(params), len(specs))
	}
	for i, s := range specs {
		p := params[i]
		if p.Name != s.Name || fmt.Sprint(p.Shape) != fmt.Sprint(s.Shape) || len(p.Data) != s.Size() {
			return nil, fmt.Errorf("ssl model: parameter %d is %s %v, want %s %v", i, p.Name, p.Shape, s.Name, s.Shape)
		}
		for j, v := range p.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("ssl model: parameter %s element %d is %v", s.Name, j, v)
			}
		}
	}
	return &SSLModel{Config: cfg, Head: head, Params: params}, nil
}

// NewRandomSSL returns an SSL model with the deterministic initialisation
// from seed (arch.Config.SSLInit).
func NewRandomSSL(cfg arch.Config, head arch.SSLHead, seed uint64) (*SSLModel, error) {
	p, err := cfg.SSLInit(head, seed)
	if err != nil {
		return nil, err
	}
	return &SSLModel{Config: cfg, Head: head, Params: p}, nil
}

// Contrastive reports whether the objective compares two views (SimCLR,
// SimSiam).
func (m *SSLModel) Contrastive() bool {
	return m.Head.Objective == arch.ObjectiveSimCLR || m.Head.Objective == arch.ObjectiveSimSiam
}

// SSLGraph is a compiled graph of an SSL model computing its loss; like
// Graph it shares the model's float32 parameters and is not safe for
// concurrent use.
type SSLGraph struct {
	gr *Graph
}

// Build compiles m's loss graph. opts.Batch is the number of input
// samples the graph takes: for SimCLR and SimSiam the 2N views of N
// samples interleaved (sample 2i and 2i+1 are the two views of sample i),
// so it must be even; for the autoencoder N unaugmented samples. Train
// adds gradients (and dropout, and BatchNorm batch statistics); without
// it the loss is computed in inference mode (BatchNorm running statistics,
// no dropout), as a validation pass. Activations and FrozenBackbone are
// not supported.
//
// The two views pass the encoder and head as one batch, so a head
// BatchNorm normalises over all 2N views together.
func (m *SSLModel) Build(opts Options) (*SSLGraph, error) {
	if opts.Batch <= 0 {
		return nil, fmt.Errorf("build ssl: batch %d must be positive", opts.Batch)
	}
	if m.Contrastive() && opts.Batch%2 != 0 {
		return nil, fmt.Errorf("build ssl: %s takes interleaved pairs of views; batch %d is odd", m.Head.Objective, opts.Batch)
	}
	if opts.Activations || opts.FrozenBackbone {
		return nil, fmt.Errorf("build ssl: activations and frozen backbones are options of the EAD graph")
	}
	if _, err := NewSSL(m.Config, m.Head, m.Params); err != nil {
		return nil, fmt.Errorf("build ssl: %w", err)
	}
	em := &Model{Config: m.Config, Params: m.Params}
	for attempt := 0; attempt < maxBuilds; attempt++ {
		salt := ""
		if attempt > 0 {
			salt = fmt.Sprintf("~%d", attempt)
		}
		gr, collided, err := m.build(em, opts, salt)
		if err != nil {
			return nil, err
		}
		if !collided {
			return &SSLGraph{gr: gr}, nil
		}
	}
	return nil, fmt.Errorf("build ssl: gorgonia node hashes still collide after %d salted rebuilds", maxBuilds)
}

func (m *SSLModel) build(em *Model, opts Options, salt string) (*Graph, bool, error) {
	b, gr := em.leaves(opts, salt)
	var loss *G.Node
	var err error
	switch m.Head.Objective {
	case arch.ObjectiveSimCLR, arch.ObjectiveSimSiam:
		var h *G.Node
		if h, err = b.features(gr.xs); err == nil {
			if m.Head.Objective == arch.ObjectiveSimCLR {
				loss, err = b.simclr(h)
			} else {
				loss, err = b.simsiam(h)
			}
		}
	case arch.ObjectiveAE:
		var hs []*G.Node
		if hs, err = b.sequence(gr.xs); err == nil {
			loss, err = b.autoencoder(hs, gr.xs)
		}
	default:
		err = fmt.Errorf("objective %q has no SSL head", m.Head.Objective)
	}
	if err != nil {
		return nil, false, fmt.Errorf("build ssl: %w", err)
	}
	if opts.Train {
		if err := gr.backprop(b, loss); err != nil {
			return nil, false, err
		}
	} else {
		gr.loss = &gops.Capture{}
		if _, err := gops.Tap(loss, gr.loss, "loss"); err != nil {
			return nil, false, fmt.Errorf("build ssl: %w", err)
		}
	}
	return gr.compile(b)
}

// sequence returns the attender's (or, without one, the encoder's) output
// at every step, each (EncoderOutDim, B).
func (b *builder) sequence(xs []*G.Node) ([]*G.Node, error) {
	fc8, err := b.encoder(xs)
	if err != nil {
		return nil, err
	}
	switch b.cfg.Attender.Kind {
	case arch.AttenderNone:
		return fc8, nil
	case arch.AttenderGPT:
		x, err := b.gptTokens(fc8)
		if err != nil {
			return nil, fmt.Errorf("attender: %w", err)
		}
		T := 2 * len(fc8)
		out := make([]*G.Node, len(fc8))
		for k := range out {
			// The action token after observation k (position 2k+1).
			if out[k], err = gops.SelectPosition(x, b.batch, T, 2*k+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case arch.AttenderMamba:
		// Every position of the one (d, B·T) sequence, in step order.
		// At the init the t = 0 output is ≈ 0 (a constant first token;
		// see TestMambaAEGradientAtConstantToken), at the kink of the L1
		// term, where gops.AEStepLoss takes sign(h) (0 at 0).
		x, err := b.mambaSeq(fc8)
		if err != nil {
			return nil, fmt.Errorf("attender: %w", err)
		}
		out := make([]*G.Node, len(fc8))
		for t := range out {
			if out[t], err = gops.SelectPosition(x, b.batch, len(fc8), t); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("the autoencoder objective does not support attender %q yet", b.cfg.Attender.Kind)
}

// simclr: Linear(no bias) → BN1d → ReLU → Linear(no bias) → BN1d, then
// NT-Xent with τ = 0.1 over the interleaved views (paper-spec §2.11).
func (b *builder) simclr(h *G.Node) (*G.Node, error) {
	z, err := b.linear("ssl.neck.fc0", h, false)
	if err == nil {
		z, err = b.batchNorm("ssl.neck.bn0", z)
	}
	if err == nil {
		z, err = G.Rectify(z)
	}
	if err == nil {
		z, err = b.linear("ssl.neck.fc1", z, false)
	}
	if err == nil {
		z, err = b.batchNorm("ssl.neck.bn1", z)
	}
	if err != nil {
		return nil, fmt.Errorf("simclr head: %w", err)
	}
	return gops.NTXent(z, SimCLRTemperature)
}

// mlp applies Linear(+bias) layers of prefix at the given Sequential
// indices, a BatchNorm at index+1 where bn is set and a ReLU where relu
// is set.
func (b *builder) mlp(prefix string, x *G.Node, layers []int, bn, relu []bool) (*G.Node, error) {
	var err error
	for i, l := range layers {
		if x, err = b.linear(fmt.Sprintf("%s.%d", prefix, l), x, true); err != nil {
			return nil, err
		}
		if bn[i] {
			if x, err = b.batchNorm(fmt.Sprintf("%s.%d", prefix, l+1), x); err != nil {
				return nil, err
			}
		}
		if relu[i] {
			if x, err = G.Rectify(x); err != nil {
				return nil, err
			}
		}
	}
	return x, nil
}

// simsiam: projector (3 Linear+BN, ReLU after the first two), predictor
// (Linear+BN+ReLU, Linear), loss ½D(p1, z2) + ½D(p2, z1) with the
// stop-gradient on z (paper-spec §2.11).
func (b *builder) simsiam(h *G.Node) (*G.Node, error) {
	z, err := b.mlp("ssl.projector", h, []int{0, 3, 6}, []bool{true, true, true}, []bool{true, true, false})
	if err != nil {
		return nil, fmt.Errorf("simsiam projector: %w", err)
	}
	p, err := b.mlp("ssl.predictor", z, []int{0, 3}, []bool{true, false}, []bool{true, false})
	if err != nil {
		return nil, fmt.Errorf("simsiam predictor: %w", err)
	}
	return gops.SimSiamLoss(p, z)
}

// autoencoder decodes every step's hidden state: Linear(d → C0·35) viewed
// as (C0, 5, 7), ConvT(C0→30) → ReLU → ConvT(30→30) → ReLU → ConvT(30→30)
// (3x3, stride 1, padding 1), and returns 0.5·MSE(recon, input) +
// 1e-4·mean|hidden| over all steps (paper-spec §2.11).
func (b *builder) autoencoder(hs, xs []*G.Node) (*G.Node, error) {
	d := b.cfg.EncoderOutDim()
	c0 := arch.AEChannels(d)
	const P = arch.InputHeight * arch.InputWidth
	nr := len(xs) * arch.InputChannels * b.batch * P
	nh := len(hs) * d * b.batch
	geom := gops.ConvGeom{B: b.batch, H: arch.InputHeight, W: arch.InputWidth, KH: 3, KW: 3, Stride: 1, Pad: 1}
	var total *G.Node
	for t, h := range hs {
		y, err := b.linear("ssl.ae.fc", h, true)
		if err != nil {
			return nil, fmt.Errorf("ae step %d: %w", t, err)
		}
		if y, err = gops.UnflattenCHW(y, c0); err != nil {
			return nil, fmt.Errorf("ae step %d: %w", t, err)
		}
		in := c0
		for i := 0; i < 3; i++ {
			if y, err = b.convTranspose(fmt.Sprintf("ssl.ae.deconv%d", i), y, in, geom); err != nil {
				return nil, fmt.Errorf("ae step %d: %w", t, err)
			}
			if i < 2 {
				if y, err = G.Rectify(y); err != nil {
					return nil, fmt.Errorf("ae step %d: %w", t, err)
				}
			}
			in = arch.InputChannels
		}
		l, err := gops.AEStepLoss(y, xs[t], h, nr, nh)
		if err != nil {
			return nil, fmt.Errorf("ae step %d: %w", t, err)
		}
		if total == nil {
			total = l
		} else if total, err = G.Add(total, l); err != nil {
			return nil, fmt.Errorf("ae step %d: %w", t, err)
		}
	}
	return total, nil
}

// convTranspose applies the ConvTranspose2d prefix (weight (in, out, K, K)
// as PyTorch stores it, bias (out,)) with stride 1 and padding (K−1)/2 as
// the equivalent 'same' convolution with the flipped, transposed kernel.
func (b *builder) convTranspose(prefix string, x *G.Node, in int, g gops.ConvGeom) (*G.Node, error) {
	w, err := b.param(prefix + ".weight")
	if err != nil {
		return nil, err
	}
	out := w.Shape()[1] / (g.KH * g.KW)
	wc, err := gops.ConvTransposeWeight(w, in, out, g.KH)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	cols, err := gops.Im2ColGeom(x, g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	y, err := b.ws.MatMul(wc, cols)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	bias, err := b.param(prefix + ".bias")
	if err != nil {
		return nil, err
	}
	return gops.AddBias(y, bias)
}

// Batch returns the number of input samples the graph takes.
func (g *SSLGraph) Batch() int { return g.gr.opts.Batch }

// SeedDropout restarts the dropout masks from seed (see Graph.SeedDropout).
func (g *SSLGraph) SeedDropout(seed uint64) { g.gr.SeedDropout(seed) }

// Close releases the graph's machine.
func (g *SSLGraph) Close() error { return g.gr.Close() }

// Step runs one training pass on x (Batch, 22, 30, 5, 7) and returns the
// loss and the gradient of every parameter in parameter order (nil for
// buffers); the gradient slices are reused by the next Step.
func (g *SSLGraph) Step(ctx context.Context, x ndarray.Array) (float64, [][]float32, error) {
	if !g.gr.opts.Train {
		return 0, nil, fmt.Errorf("ssl step: graph was built without Train")
	}
	l, err := g.Loss(ctx, x)
	if err != nil {
		return 0, nil, err
	}
	grads, err := g.gr.grads32()
	if err != nil {
		return 0, nil, fmt.Errorf("ssl step: %w", err)
	}
	return l, grads, nil
}

// Loss runs the graph on x and returns the loss (in inference mode for a
// graph built without Train).
func (g *SSLGraph) Loss(ctx context.Context, x ndarray.Array) (float64, error) {
	if err := g.gr.setInput(x); err != nil {
		return 0, fmt.Errorf("ssl loss: %w", err)
	}
	if err := g.gr.run(ctx); err != nil {
		return 0, fmt.Errorf("ssl loss: %w", err)
	}
	_, l := g.gr.loss.Values()
	return l[0], nil
}

// Grads64 returns the float64 gradients of the last Step of a Float64
// graph (see Graph.Grads64).
func (g *SSLGraph) Grads64() ([][]float64, error) { return g.gr.Grads64() }
