package arch

import (
	"fmt"
	"math"
	"strings"
)

// Training objectives (Chung et al. 2025, paper-spec §2.10, §2.11).
const (
	ObjectiveSupervised = "supervised"
	ObjectiveSimCLR     = "simclr"
	ObjectiveSimSiam    = "simsiam"
	ObjectiveAE         = "ae"
)

// SSLHead describes the self-supervised head trained on top of the encoder
// and attender during pre-training (paper-spec §2.11). Its parameters are
// named ssl.* and are never part of an EAD bundle: the linear probe
// replaces the head by a fresh linear decoder.
//
// SimCLR: Linear(d→Hidden, no bias) → BN1d → ReLU → Linear(Hidden→Out, no
// bias) → BN1d; paper Hidden 2048, Out 128.
// SimSiam: projector Linear(d→Hidden)+BN+ReLU, Linear(Hidden→Hidden)+BN+ReLU,
// Linear(Hidden→Out)+BN; predictor Linear(Out→PredHidden)+BN+ReLU,
// Linear(PredHidden→Out); paper Hidden = Out = 2048, PredHidden 512.
// AE: the widths are fixed by d (AEChannels); Hidden, Out and PredHidden
// must be 0.
type SSLHead struct {
	Objective  string `json:"objective"`
	Hidden     int    `json:"hidden,omitempty"`
	Out        int    `json:"out,omitempty"`
	PredHidden int    `json:"pred_hidden,omitempty"`
}

// DefaultSSLHead returns the paper's head widths for an objective
// (paper-spec §2.11).
func DefaultSSLHead(objective string) SSLHead {
	switch objective {
	case ObjectiveSimCLR:
		return SSLHead{Objective: objective, Hidden: 2048, Out: 128}
	case ObjectiveSimSiam:
		return SSLHead{Objective: objective, Hidden: 2048, Out: 2048, PredHidden: 512}
	}
	return SSLHead{Objective: objective}
}

// Validate reports the first problem with h, or nil.
func (h SSLHead) Validate() error {
	switch h.Objective {
	case ObjectiveSimCLR:
		if h.Hidden <= 0 || h.Out <= 0 || h.PredHidden != 0 {
			return fmt.Errorf("ssl head simclr: hidden %d and out %d must be positive, pred_hidden %d must be 0", h.Hidden, h.Out, h.PredHidden)
		}
	case ObjectiveSimSiam:
		if h.Hidden <= 0 || h.Out <= 0 || h.PredHidden <= 0 {
			return fmt.Errorf("ssl head simsiam: hidden %d, out %d and pred_hidden %d must be positive", h.Hidden, h.Out, h.PredHidden)
		}
	case ObjectiveAE:
		if h.Hidden != 0 || h.Out != 0 || h.PredHidden != 0 {
			return fmt.Errorf("ssl head ae: widths are fixed by the representation; hidden, out and pred_hidden must be 0")
		}
	default:
		return fmt.Errorf("ssl head objective %q: want %s, %s or %s", h.Objective, ObjectiveSimCLR, ObjectiveSimSiam, ObjectiveAE)
	}
	for _, w := range []int{h.Hidden, h.Out, h.PredHidden} {
		if w > 1<<16 {
			return fmt.Errorf("ssl head: width %d larger than 65536", w)
		}
	}
	return nil
}

// AEChannels is the channel count C0 = min(30, floor(d/35)+1) of the
// autoencoder's first feature map (15 for d = 512; paper-spec §2.11).
func AEChannels(d int) int { return min(InputChannels, d/(InputHeight*InputWidth)+1) }

// BackboneSpecs returns c's encoder and attender parameters: Specs without
// the decoder.
func (c Config) BackboneSpecs() ([]Spec, error) {
	specs, err := c.Specs()
	if err != nil {
		return nil, err
	}
	out := make([]Spec, 0, len(specs))
	for _, s := range specs {
		if !strings.HasPrefix(s.Name, "decoder.") {
			out = append(out, s)
		}
	}
	return out, nil
}

// SSLSpecs returns the parameters of self-supervised pre-training: the
// backbone (BackboneSpecs) then the head h, whose input width is
// c.EncoderOutDim(). Initialisation (paper-spec §2.11): SimCLR linear
// weights N(0, 0.01²); every BatchNorm γ = 1, β = 0; SimSiam and AE layers
// PyTorch's defaults. A ConvTranspose2d weight is (in, out, 3, 3) as in
// PyTorch, whose default bound uses fan_in = weight.size(1)·9 = out·9.
func (c Config) SSLSpecs(h SSLHead) ([]Spec, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	specs, err := c.BackboneSpecs()
	if err != nil {
		return nil, err
	}
	l := specList(specs)
	d := c.EncoderOutDim()
	switch h.Objective {
	case ObjectiveSimCLR:
		w := Init{Kind: InitNormal, Arg: 0.01}
		l.add("ssl.neck.fc0.weight", w, h.Hidden, d)
		l.batchNorm("ssl.neck.bn0", h.Hidden)
		l.add("ssl.neck.fc1.weight", w, h.Out, h.Hidden)
		l.batchNorm("ssl.neck.bn1", h.Out)
	case ObjectiveSimSiam:
		l.linear("ssl.projector.0", d, h.Hidden, nil)
		l.batchNorm("ssl.projector.1", h.Hidden)
		l.linear("ssl.projector.3", h.Hidden, h.Hidden, nil)
		l.batchNorm("ssl.projector.4", h.Hidden)
		l.linear("ssl.projector.6", h.Hidden, h.Out, nil)
		l.batchNorm("ssl.projector.7", h.Out)
		l.linear("ssl.predictor.0", h.Out, h.PredHidden, nil)
		l.batchNorm("ssl.predictor.1", h.PredHidden)
		l.linear("ssl.predictor.3", h.PredHidden, h.Out, nil)
	case ObjectiveAE:
		c0 := AEChannels(d)
		l.linear("ssl.ae.fc", d, c0*InputHeight*InputWidth, nil)
		in := c0
		for i := 0; i < 3; i++ {
			p := fmt.Sprintf("ssl.ae.deconv%d", i)
			u := Init{Kind: InitUniform, Arg: 1 / math.Sqrt(float64(InputChannels*9))}
			l.add(p+".weight", u, in, InputChannels, 3, 3)
			l.add(p+".bias", u, InputChannels)
			in = InputChannels
		}
	}
	return l, nil
}

// SSLInit allocates and initialises the pre-training parameters
// (SSLSpecs) deterministically from seed, as Init does; the backbone's
// values equal Init's for the same seed.
func (c Config) SSLInit(h SSLHead, seed uint64) (Params, error) {
	specs, err := c.SSLSpecs(h)
	if err != nil {
		return nil, err
	}
	return initSpecs(specs, seed)
}
