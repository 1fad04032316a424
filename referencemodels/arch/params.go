package arch

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// InitKind names an initialiser.
type InitKind string

// Initialisers. PyTorch's default for Conv2d/Linear weights is
// kaiming_uniform(a=√5), i.e. U(−1/√fan_in, 1/√fan_in), and its default
// bias is the same uniform (Chung et al. 2025, paper-spec §2.2).
const (
	InitUniform  InitKind = "uniform"  // U(−Arg, Arg)
	InitNormal   InitKind = "normal"   // N(0, Arg²)
	InitConstant InitKind = "constant" // every element Arg
	// InitUniformRange is U(Arg, Arg2) (S4's log Δ, paper-spec §2.5).
	InitUniformRange InitKind = "uniform_range"
	// InitRamp sets the element with last-axis index n to Arg·n (S4D-Lin's
	// Im A_n = πn, paper-spec §2.5).
	InitRamp InitKind = "ramp"
)

// Init is how one parameter is initialised.
type Init struct {
	Kind InitKind `json:"kind"`
	Arg  float64  `json:"arg"`
	// Arg2 is the upper bound of InitUniformRange, unused otherwise.
	Arg2 float64 `json:"arg2,omitempty"`
}

// Spec is one named parameter: its PyTorch-like name, its shape, and its
// initialiser.
type Spec struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	Init  Init   `json:"init"`
	// Buffer marks non-trainable state saved with the weights, like a
	// PyTorch buffer: BatchNorm's running mean and variance. Buffers get no
	// gradient, are not counted by Count, and are updated by the forward
	// pass of a training graph, not by the optimiser.
	Buffer bool `json:"buffer,omitempty"`
}

// Size returns the number of elements of the parameter.
func (s Spec) Size() int {
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	return n
}

// torchDefault is PyTorch's default init bound for a layer with fan_in
// inputs: kaiming_uniform(a=√5) gives gain √(2/(1+5)) and bound
// gain·√(3/fan_in) = 1/√fan_in; the default bias bound is also 1/√fan_in.
func torchDefault(fanIn int) Init {
	return Init{Kind: InitUniform, Arg: 1 / math.Sqrt(float64(fanIn))}
}

type specList []Spec

func (l *specList) add(name string, init Init, shape ...int) {
	*l = append(*l, Spec{Name: name, Shape: shape, Init: init})
}

// conv adds a 2x2 conv weight (out, in, 2, 2) and bias (out,) with PyTorch
// default init; bias overrides the bias init when non-nil.
func (l *specList) conv(prefix string, in, out int, bias *Init) {
	fan := in * 2 * 2
	l.add(prefix+".weight", torchDefault(fan), out, in, 2, 2)
	b := torchDefault(fan)
	if bias != nil {
		b = *bias
	}
	l.add(prefix+".bias", b, out)
}

func (l *specList) linear(prefix string, in, out int, bias *Init) {
	l.add(prefix+".weight", torchDefault(in), out, in)
	b := torchDefault(in)
	if bias != nil {
		b = *bias
	}
	l.add(prefix+".bias", b, out)
}

// batchNorm adds a BatchNorm's affine weight (1) and bias (0) and its
// running mean (0) and variance (1) buffers, PyTorch's initial values.
func (l *specList) batchNorm(prefix string, n int) {
	l.add(prefix+".weight", Init{Kind: InitConstant, Arg: 1}, n)
	l.add(prefix+".bias", Init{Kind: InitConstant, Arg: 0}, n)
	*l = append(*l,
		Spec{Name: prefix + ".running_mean", Shape: []int{n}, Init: Init{Kind: InitConstant, Arg: 0}, Buffer: true},
		Spec{Name: prefix + ".running_var", Shape: []int{n}, Init: Init{Kind: InitConstant, Arg: 1}, Buffer: true})
}

func (l *specList) layerNorm(prefix string, n int) {
	l.add(prefix+".weight", Init{Kind: InitConstant, Arg: 1}, n)
	l.add(prefix+".bias", Init{Kind: InitConstant, Arg: 0}, n)
}

// Specs returns c's parameters in their canonical order: encoder (ConvRNN
// nodes conv1..fc8, pre-memory then cell; or the S4 encoder, see
// s4Specs), attender, decoder. It validates c
// first and builds no graph.
func (c Config) Specs() ([]Spec, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("parameter list: %w", err)
	}
	var l specList
	zero := Init{Kind: InitConstant, Arg: 0}
	tenth := Init{Kind: InitConstant, Arg: 0.1}
	if c.Encoder.Kind == EncoderResNet18 {
		l.resnet18(c)
	}
	for _, n := range c.Nodes() {
		pre := "encoder." + n.Name + ".pre"
		cell := "encoder." + n.Name + ".cell"
		switch {
		// conv1 bias init 0; fc7, fc8 bias init 0.1 (paper-spec §2.2 table).
		case n.Name == "conv1":
			l.conv(pre, n.InFeatures, n.Out, &zero)
		case n.Conv:
			l.conv(pre, n.InFeatures, n.Out, nil)
		default:
			l.linear(pre, n.InFeatures, n.Out, &tenth)
		}
		if !n.Gated {
			if c.Encoder.Cell == CellTimeDecay {
				// τ, one trainable scalar per node, init 0 (paper-spec §2.2).
				l.add(cell+".tau", zero, 1)
			}
			continue
		}
		C := n.Out
		// Cell convs over [u; state] (paper-spec §2.3).
		switch c.Encoder.Cell {
		case CellUGRNN:
			l.conv(cell+".conv", 2*C, 2*C, nil)
		case CellIntersection, CellLSTM:
			l.conv(cell+".conv", 2*C, 4*C, nil)
		case CellGRU:
			l.conv(cell+".conv_ru", 2*C, 2*C, nil)
			l.conv(cell+".conv_c", 2*C, C, nil)
		}
		if c.Encoder.LayerNorm {
			for _, g := range GateNames(c.Encoder.Cell) {
				l.layerNorm(cell+".ln_"+g, C)
			}
		}
	}
	switch c.Encoder.Kind {
	case EncoderS4:
		l.s4Specs(c.Encoder)
	}
	if a := c.Attender; a.Kind == AttenderGPT {
		// GPT init: Linear/Embedding weights N(0, 0.02), biases 0, LN 1/0,
		// c_proj weights N(0, 0.02/√(2·n_layer)), action token N(0, 1)
		// (Chung et al. 2025, paper-spec §2.6).
		w := Init{Kind: InitNormal, Arg: 0.02}
		proj := Init{Kind: InitNormal, Arg: 0.02 / math.Sqrt(2*float64(a.NLayer))}
		n, r := a.NEmbd, c.Encoder.ReprDim
		l.add("attender.action_token", Init{Kind: InitNormal, Arg: 1}, r)
		l.add("attender.wte.weight", w, n, r)
		l.add("attender.wte.bias", zero, n)
		l.add("attender.wpe.weight", w, a.BlockSize, n)
		for i := 0; i < a.NLayer; i++ {
			h := fmt.Sprintf("attender.h.%d", i)
			l.layerNorm(h+".ln_1", n)
			l.add(h+".attn.c_attn.weight", w, 3*n, n)
			l.add(h+".attn.c_attn.bias", zero, 3*n)
			l.add(h+".attn.c_proj.weight", proj, n, n)
			l.add(h+".attn.c_proj.bias", zero, n)
			l.layerNorm(h+".ln_2", n)
			l.add(h+".mlp.c_fc.weight", w, 4*n, n)
			l.add(h+".mlp.c_fc.bias", zero, 4*n)
			l.add(h+".mlp.c_proj.weight", proj, n, 4*n)
			l.add(h+".mlp.c_proj.bias", zero, n)
		}
		l.layerNorm("attender.ln_f", n)
		l.add("attender.lm_head.weight", w, a.HiddenDim, n)
	}
	if c.Attender.Kind == AttenderMamba {
		c.mambaSpecs(&l)
	}
	in := c.EncoderOutDim()
	widths := append(append([]int(nil), c.Decoder.Hidden...), c.Classes)
	for i, out := range widths {
		l.linear(fmt.Sprintf("decoder.l%d", i), in, out, nil)
		in = out
	}
	return l, nil
}

// Count returns the number of trainable parameters of c, the figure PyTorch
// reports as sum(p.numel() for p in model.parameters()); buffers are not
// counted.
func (c Config) Count() (int, error) {
	specs, err := c.Specs()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range specs {
		if !s.Buffer {
			n += s.Size()
		}
	}
	return n, nil
}

// Param is one parameter tensor: its spec and float32 row-major data.
type Param struct {
	Spec
	Data []float32
}

// Params is an ordered parameter set.
type Params []Param

// Index returns the position of the named parameter, or -1.
func (p Params) Index(name string) int {
	for i := range p {
		if p[i].Name == name {
			return i
		}
	}
	return -1
}

// Clone returns a deep copy.
func (p Params) Clone() Params {
	out := make(Params, len(p))
	for i, q := range p {
		out[i] = Param{Spec: q.Spec, Data: append([]float32(nil), q.Data...)}
		out[i].Shape = append([]int(nil), q.Shape...)
	}
	return out
}

// Init allocates and initialises c's parameters deterministically from
// seed. Each tensor draws from its own PCG stream keyed by (seed, FNV-1a of
// its name), so a tensor's values do not depend on which others exist.
func (c Config) Init(seed uint64) (Params, error) {
	specs, err := c.Specs()
	if err != nil {
		return nil, err
	}
	return initSpecs(specs, seed)
}

// initSpecs allocates and initialises specs deterministically from seed
// (see Init).
func initSpecs(specs []Spec, seed uint64) (Params, error) {
	out := make(Params, len(specs))
	for i, s := range specs {
		h := fnv.New64a()
		h.Write([]byte(s.Name))
		rng := rand.New(rand.NewPCG(seed, h.Sum64()))
		d := make([]float32, s.Size())
		switch s.Init.Kind {
		case InitUniform:
			for j := range d {
				d[j] = float32((2*rng.Float64() - 1) * s.Init.Arg)
			}
		case InitNormal:
			for j := range d {
				d[j] = float32(rng.NormFloat64() * s.Init.Arg)
			}
		case InitConstant:
			for j := range d {
				d[j] = float32(s.Init.Arg)
			}
		case InitUniformRange:
			for j := range d {
				d[j] = float32(s.Init.Arg + rng.Float64()*(s.Init.Arg2-s.Init.Arg))
			}
		case InitRamp:
			last := s.Shape[len(s.Shape)-1]
			for j := range d {
				d[j] = float32(s.Init.Arg * float64(j%last))
			}
		case InitMambaALog:
			if err := initMambaALog(d, s.Shape); err != nil {
				return nil, fmt.Errorf("init %s: %w", s.Name, err)
			}
		case InitMambaDtBias:
			initMambaDtBias(d, rng)
		default:
			return nil, fmt.Errorf("init %s: unknown initialiser %q", s.Name, s.Init.Kind)
		}
		out[i] = Param{Spec: s, Data: d}
	}
	return out, nil
}
