package arch

import (
	"errors"
	"fmt"
	"math"
)

// Encoder kinds.
const (
	EncoderConvRNN = "convrnn"
)

// Cell kinds of the ConvRNN encoder (Chung et al. 2025, paper-spec §2.2–2.3).
const (
	CellTimeDecay    = "timedecay"
	CellUGRNN        = "ugrnn"
	CellIntersection = "intersection"
	CellGRU          = "gru"
	CellLSTM         = "lstm"
)

// Attender kinds.
const (
	AttenderNone = "none"
	AttenderGPT  = "gpt"
)

// Decoder kinds (paper-spec §2.8).
const (
	DecoderLinear = "linear"
	DecoderAddnet = "addnet"
)

// Input geometry: (T, C, H, W) = (22, 30, 5, 7) per sample
// (Chung et al. 2025, paper-spec §2.1).
const (
	InputSteps    = 22
	InputChannels = 30
	InputHeight   = 5
	InputWidth    = 7
)

// Config is the complete, declarative description of one EAD model. It is
// JSON-serialisable and carries no defaults: every field is explicit, and
// Validate rejects anything incomplete. Presets (ZhuangConvRNN, WithGPT, …)
// build the paper's configurations.
type Config struct {
	Encoder  EncoderConfig  `json:"encoder"`
	Attender AttenderConfig `json:"attender"`
	Decoder  DecoderConfig  `json:"decoder"`
	// Classes is the number of output logits (117 in the paper).
	Classes int `json:"classes"`
}

// EncoderConfig describes the encoder: Kind selects the ConvRNN (Cell,
// LayerNorm, Width) or the S4 encoder (DModel, NLayer, DState, Dropout);
// ReprDim is the output width of either.
type EncoderConfig struct {
	Kind string `json:"kind"`
	Cell string `json:"cell"`
	// LayerNorm enables the per-gate LayerNorm of the gated cells.
	LayerNorm bool `json:"layer_norm"`
	// Width multiplies every hidden width of the encoder (conv1..conv6
	// channels and fc7); 1 is the paper's size.
	Width float64 `json:"width"`
	// ReprDim is fc8's width, the representation handed to the attender or
	// decoder (512 in the paper).
	ReprDim int `json:"repr_dim"`
	// DModel is the S4 model width (512 in the paper).
	DModel int `json:"d_model,omitempty"`
	// NLayer is the number of S4 residual blocks (4 in the paper).
	NLayer int `json:"n_layer,omitempty"`
	// DState is the S4 state size per channel, d_state/2 complex modes
	// (64 in the paper).
	DState int `json:"d_state,omitempty"`
	// Dropout is the S4 blocks' dropout probability (0.2 in the paper).
	Dropout float64 `json:"dropout,omitempty"`
}

// AttenderConfig describes the attender; Kind "none" ignores the rest.
type AttenderConfig struct {
	Kind      string  `json:"kind"`
	NEmbd     int     `json:"n_embd,omitempty"`
	NLayer    int     `json:"n_layer,omitempty"`
	NHead     int     `json:"n_head,omitempty"`
	HiddenDim int     `json:"hidden_dim,omitempty"`
	BlockSize int     `json:"block_size,omitempty"`
	Dropout   float64 `json:"dropout,omitempty"`
	// Mamba fields (paper-spec §2.7); d_model is encoder.repr_dim and
	// NLayer counts the blocks.
	DState int `json:"d_state,omitempty"`
	DConv  int `json:"d_conv,omitempty"`
	Expand int `json:"expand,omitempty"`
	DtRank int `json:"dt_rank,omitempty"`
}

// DecoderConfig describes the decoder; Hidden lists the widths of the
// ReLU layers of "addnet" and must be empty for "linear".
type DecoderConfig struct {
	Kind   string `json:"kind"`
	Hidden []int  `json:"hidden,omitempty"`
}

// Base (width 1) channel counts of conv1..conv6 and the width of fc7
// (Chung et al. 2025, paper-spec §2.2 table).
func baseConvChannels() [6]int { return [6]int{96, 128, 256, 384, 384, 256} }

const baseFC7 = 1024

// ZhuangConvRNN returns the paper's ConvRNN encoder with the given cell at
// width 1, repr_dim 512, no attender and the given decoder ("linear" or
// "addnet" with hidden 1024, 512), 117 classes (paper-spec §2.2, §2.8).
func ZhuangConvRNN(cell string, layerNorm bool, decoder string) Config {
	c := Config{
		Encoder:  EncoderConfig{Kind: EncoderConvRNN, Cell: cell, LayerNorm: layerNorm, Width: 1, ReprDim: 512},
		Attender: AttenderConfig{Kind: AttenderNone},
		Decoder:  DecoderConfig{Kind: decoder},
		Classes:  117,
	}
	if decoder == DecoderAddnet {
		c.Decoder.Hidden = []int{1024, 512}
	}
	return c
}

// WithGPT returns c with the paper's GPT attender: 8 pre-LN blocks, 4 heads,
// block size 65, dropout 0.1, n_embd = hidden_dim = nEmbd
// (Chung et al. 2025, paper-spec §2.6).
func (c Config) WithGPT(nEmbd int) Config {
	c.Attender = AttenderConfig{Kind: AttenderGPT, NEmbd: nEmbd, NLayer: 8, NHead: 4,
		HiddenDim: nEmbd, BlockSize: 65, Dropout: 0.1}
	return c
}

// Validate reports the first problem with c, or nil.
func (c Config) Validate() error {
	e := c.Encoder
	switch e.Kind {
	case EncoderConvRNN:
		if err := e.validateConvRNN(); err != nil {
			return err
		}
	case EncoderS4:
		if err := e.validateS4(); err != nil {
			return err
		}
	case EncoderResNet18:
		if err := e.validateNoS4(EncoderResNet18); err != nil {
			return err
		}
		if err := validateResNet18(e); err != nil {
			return err
		}
		if err := validateWidth(e); err != nil {
			return err
		}
	default:
		return fmt.Errorf("encoder.kind %q: want %q, %q or %q", e.Kind, EncoderConvRNN, EncoderResNet18, EncoderS4)
	}
	if e.ReprDim <= 0 {
		return fmt.Errorf("encoder.repr_dim %d: must be positive", e.ReprDim)
	}
	return c.validateHeads()
}

// validateNoS4 rejects the S4 fields on an encoder of another kind.
func (e EncoderConfig) validateNoS4(kind string) error {
	if e.DModel != 0 || e.NLayer != 0 || e.DState != 0 || e.Dropout != 0 {
		return fmt.Errorf("encoder %s: d_model, n_layer, d_state and dropout are S4 fields and must be unset", kind)
	}
	return nil
}

// validateConvRNN checks the fields of an encoder of kind "convrnn".
func (e EncoderConfig) validateConvRNN() error {
	if err := e.validateNoS4(EncoderConvRNN); err != nil {
		return err
	}
	if err := validateCell(e); err != nil {
		return err
	}
	return validateWidth(e)
}

// validateWidth checks the width multiplier of a convrnn or resnet18
// encoder.
func validateWidth(e EncoderConfig) error {
	if !(e.Width > 0) || math.IsInf(e.Width, 0) {
		return fmt.Errorf("encoder.width %v: must be a positive finite multiplier", e.Width)
	}
	if e.Width > 16 {
		return fmt.Errorf("encoder.width %v: larger than 16 is not supported", e.Width)
	}
	return nil
}

// validateHeads checks the attender, the decoder and the class count.
func (c Config) validateHeads() error {
	a := c.Attender
	switch a.Kind {
	case AttenderNone:
	case AttenderGPT:
		if a.NEmbd <= 0 || a.NLayer <= 0 || a.NHead <= 0 || a.HiddenDim <= 0 {
			return fmt.Errorf("attender gpt: n_embd %d, n_layer %d, n_head %d, hidden_dim %d must all be positive",
				a.NEmbd, a.NLayer, a.NHead, a.HiddenDim)
		}
		if a.NEmbd%a.NHead != 0 {
			return fmt.Errorf("attender gpt: n_embd %d is not divisible by n_head %d", a.NEmbd, a.NHead)
		}
		if a.BlockSize < 2*InputSteps {
			return fmt.Errorf("attender gpt: block_size %d is below the %d positions used", a.BlockSize, 2*InputSteps)
		}
		if !(a.Dropout >= 0 && a.Dropout < 1) {
			return fmt.Errorf("attender gpt: dropout %v must be in [0, 1)", a.Dropout)
		}
	case AttenderMamba:
		if err := c.validateMamba(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("attender.kind %q: want %q, %q or %q", a.Kind, AttenderNone, AttenderGPT, AttenderMamba)
	}
	switch c.Decoder.Kind {
	case DecoderLinear:
		if len(c.Decoder.Hidden) != 0 {
			return fmt.Errorf("decoder linear: hidden %v must be empty", c.Decoder.Hidden)
		}
	case DecoderAddnet:
		if len(c.Decoder.Hidden) == 0 {
			return errors.New("decoder addnet: hidden widths missing (the paper uses [1024, 512])")
		}
		for i, h := range c.Decoder.Hidden {
			if h <= 0 {
				return fmt.Errorf("decoder addnet: hidden[%d] = %d must be positive", i, h)
			}
		}
	default:
		return fmt.Errorf("decoder.kind %q: want %q or %q", c.Decoder.Kind, DecoderLinear, DecoderAddnet)
	}
	if c.Classes < 2 {
		return fmt.Errorf("classes %d: need at least 2", c.Classes)
	}
	return nil
}

// validateCell checks the ConvRNN encoder's cell settings.
func validateCell(e EncoderConfig) error {
	switch e.Cell {
	case CellTimeDecay:
		if e.LayerNorm {
			return errors.New("encoder.layer_norm: the timedecay cell has no gates to normalise")
		}
	case CellUGRNN, CellIntersection, CellGRU, CellLSTM:
	default:
		return fmt.Errorf("encoder.cell %q: want one of timedecay, ugrnn, intersection, gru, lstm", e.Cell)
	}
	return nil
}

// scale applies the width multiplier to a base width, never below 1.
func scale(base int, w float64) int {
	n := int(math.Round(float64(base) * w))
	if n < 1 {
		n = 1
	}
	return n
}

// ConvChannels returns the channel counts of conv1..conv6 at c's width.
func (c Config) ConvChannels() [6]int {
	var out [6]int
	for i, b := range baseConvChannels() {
		out[i] = scale(b, c.Encoder.Width)
	}
	return out
}

// FC7Width returns fc7's width at c's width.
func (c Config) FC7Width() int { return scale(baseFC7, c.Encoder.Width) }

// EncoderOutDim is the width of the features handed to the decoder: fc8
// (repr_dim) without an attender or with Mamba (d_model = repr_dim), the
// GPT hidden_dim with GPT.
func (c Config) EncoderOutDim() int {
	if c.Attender.Kind == AttenderGPT {
		return c.Attender.HiddenDim
	}
	return c.Encoder.ReprDim
}
