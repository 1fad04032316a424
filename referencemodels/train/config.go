package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/augment"
)

// Config describes one training run. Fields marked optional have the
// stated default; everything else is required.
type Config struct {
	// Dataset is a tactile dataset directory (manifest.json + shards).
	Dataset string `json:"dataset"`
	// TestDataset is a tactile dataset directory whose test split is
	// scored at the end instead of Dataset's (a benchmark's held-out
	// objects live in a dataset of their own); optional. Its class names
	// must be Dataset's.
	TestDataset string `json:"test_dataset,omitempty"`
	// Out is the output directory (bundle, curve, checkpoint).
	Out string `json:"out"`
	// Exactly one of Arch (a full architecture) and Preset.
	Arch   *arch.Config `json:"arch,omitempty"`
	Preset *Preset      `json:"preset,omitempty"`

	Optimizer OptimizerConfig `json:"optimizer"`
	Schedule  ScheduleConfig  `json:"schedule"`
	Epochs    int             `json:"epochs"`
	BatchSize int             `json:"batch_size"`
	// EvalBatchSize is the validation/test batch; optional, default
	// 4 × batch_size as in the paper (paper-spec §2.10).
	EvalBatchSize int `json:"eval_batch_size,omitempty"`
	// Seed seeds the initialisation, the data order and the dropout masks.
	Seed uint64 `json:"seed"`
	// GradClip is the maximum global L2 norm of the gradient; optional,
	// 0 disables clipping.
	GradClip float64 `json:"grad_clip,omitempty"`

	// Objective is supervised (cross-entropy), or a self-supervised
	// pre-training objective: simclr, simsiam or ae; optional, default
	// supervised (see SSL in the package documentation).
	Objective string `json:"objective,omitempty"`
	// Augment names the view augmentation of simclr and simsiam (package
	// augment: tactile, tactile-no-temporal, image, none); optional,
	// default tactile. The autoencoder ignores it (its input is not
	// augmented); a supervised run must not set it.
	Augment string `json:"augment,omitempty"`
	// SSLHead sets the widths of the simclr or simsiam head; optional,
	// default the paper's (arch.DefaultSSLHead).
	SSLHead *SSLHeadConfig `json:"ssl_head,omitempty"`
	// Probe makes the run a linear probe of a pre-trained backbone;
	// optional. A probe has neither arch nor preset.
	Probe *ProbeConfig `json:"probe,omitempty"`
}

// SSLHeadConfig overrides head widths; zero fields keep the default.
type SSLHeadConfig struct {
	Hidden     int `json:"hidden,omitempty"`
	Out        int `json:"out,omitempty"`
	PredHidden int `json:"pred_hidden,omitempty"`
}

// ProbeConfig names the pre-trained backbone of a linear probe.
type ProbeConfig struct {
	// From is the output directory of an SSL run (or its ssl.json), or a
	// weight bundle (.tar or directory) whose encoder and attender are
	// probed.
	From string `json:"from"`
}

// ObjectiveKind returns the run's objective, supervised when unset.
func (c *Config) ObjectiveKind() string {
	if c.Objective == "" {
		return arch.ObjectiveSupervised
	}
	return c.Objective
}

// Head returns the SSL head of an SSL run: the objective's defaults with
// ssl_head's overrides.
func (c *Config) Head() arch.SSLHead {
	h := arch.DefaultSSLHead(c.ObjectiveKind())
	if o := c.SSLHead; o != nil {
		if o.Hidden != 0 {
			h.Hidden = o.Hidden
		}
		if o.Out != 0 {
			h.Out = o.Out
		}
		if o.PredHidden != 0 {
			h.PredHidden = o.PredHidden
		}
	}
	return h
}

// Preset names one of the paper's architectures with a size.
type Preset struct {
	// Name is CELL[-ln][-gpt]-DECODER: CELL one of timedecay, ugrnn,
	// intersection, gru, lstm; DECODER linear or addnet. The base ConvRNN
	// of the paper is "timedecay-addnet"; "intersection-ln-linear" and
	// "timedecay-gpt-linear" are other rows of paper-spec §2.9.
	Name string `json:"name"`
	// Width multiplies the encoder's widths; optional, default 1.
	Width float64 `json:"width,omitempty"`
	// ReprDim is fc8's width; optional, default 512.
	ReprDim int `json:"repr_dim,omitempty"`
	// NEmbd is the GPT width; optional, default 512.
	NEmbd int `json:"n_embd,omitempty"`
}

// OptimizerConfig chooses the optimiser.
type OptimizerConfig struct {
	// Kind is sgd (with momentum, L2 weight decay), adam (L2) or adamw
	// (decoupled weight decay).
	Kind        string  `json:"kind"`
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum,omitempty"`
	WeightDecay float64 `json:"weight_decay,omitempty"`
	// Betas and Eps of Adam/AdamW; optional, PyTorch's (0.9, 0.999), 1e-8.
	Beta1 *float64 `json:"beta1,omitempty"`
	Beta2 *float64 `json:"beta2,omitempty"`
	Eps   *float64 `json:"eps,omitempty"`
	// Eta is LARS's trust coefficient; optional, default 0.001.
	Eta *float64 `json:"eta,omitempty"`
}

// Schedule kinds, named as in the paper's code (paper-spec §2.10).
const (
	ScheduleStep     = "step_lr"
	ScheduleCosine   = "cos_w_warmup"
	ScheduleConstant = "constant_lr"
	// ScheduleCosAnneal is the SSL runs' cosine annealing with warm-up.
	ScheduleCosAnneal = "cos_annealing_w_warmup"
)

// ScheduleConfig chooses the learning-rate schedule.
type ScheduleConfig struct {
	Kind string `json:"kind"`
	// StepSize and Gamma of step_lr; optional, default 30 and 0.1.
	StepSize int     `json:"step_size,omitempty"`
	Gamma    float64 `json:"gamma,omitempty"`
	// WarmupEpochs of cos_w_warmup (optional, default epochs/4, integer
	// division) and of cos_annealing_w_warmup (optional, default 10; the
	// paper forces 0 for SimSiam batches below 1024).
	WarmupEpochs *int `json:"warmup_epochs,omitempty"`
}

// ParseConfig decodes a YAML or JSON config (JSON is YAML) strictly:
// unknown fields and duplicate keys are errors.
func ParseConfig(r io.Reader) (*Config, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(b) > 1<<20 {
		return nil, errors.New("config is larger than 1 MiB")
	}
	js, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	if err := c.resolve(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &c, nil
}

// LoadConfig reads and parses a config file.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func ptr[T any](v T) *T { return &v }

// resolve fills the optional fields with their defaults and validates.
func (c *Config) resolve() error {
	if c.Dataset == "" {
		return errors.New("dataset: required (a tactile dataset directory)")
	}
	if c.Out == "" {
		return errors.New("out: required (the output directory)")
	}
	if err := c.resolveObjective(); err != nil {
		return err
	}
	if c.Probe != nil {
		if c.Arch != nil || c.Preset != nil {
			return errors.New("probe: the architecture comes from probe.from; give neither arch nor preset")
		}
	} else if (c.Arch == nil) == (c.Preset == nil) {
		return errors.New("give exactly one of arch (a full architecture) and preset")
	}
	if c.Preset != nil {
		p := c.Preset
		if p.Width == 0 {
			p.Width = 1
		}
		if p.ReprDim == 0 {
			p.ReprDim = 512
		}
		if p.NEmbd == 0 {
			p.NEmbd = 512
		}
		if _, err := p.Config(2); err != nil {
			return err
		}
	}
	if c.Epochs < 1 || c.Epochs > 100000 {
		return fmt.Errorf("epochs %d: choose 1 to 100000", c.Epochs)
	}
	if c.BatchSize < 1 || c.BatchSize > 1<<16 {
		return fmt.Errorf("batch_size %d: choose 1 to 65536", c.BatchSize)
	}
	if c.EvalBatchSize == 0 {
		c.EvalBatchSize = 4 * c.BatchSize
	}
	if c.EvalBatchSize < 1 || c.EvalBatchSize > 1<<18 {
		return fmt.Errorf("eval_batch_size %d: choose 1 to 262144", c.EvalBatchSize)
	}
	if !finite(c.GradClip) || c.GradClip < 0 {
		return fmt.Errorf("grad_clip %v: want a finite value ≥ 0 (0 disables clipping)", c.GradClip)
	}
	o := &c.Optimizer
	switch o.Kind {
	case "sgd", "lars":
		if o.Beta1 != nil || o.Beta2 != nil || o.Eps != nil {
			return fmt.Errorf("optimizer: beta1, beta2 and eps are Adam settings; %s takes momentum", o.Kind)
		}
		if o.Kind == "sgd" && o.Eta != nil {
			return errors.New("optimizer: eta is a lars setting")
		}
		if o.Kind == "lars" {
			if o.Eta == nil {
				o.Eta = ptr(0.001)
			}
			if !(*o.Eta > 0) || !finite(*o.Eta) {
				return fmt.Errorf("optimizer: eta %v must be positive", *o.Eta)
			}
		}
	case "adam", "adamw":
		if o.Momentum != 0 || o.Eta != nil {
			return fmt.Errorf("optimizer: momentum is an sgd setting (and lars's, with eta); %s takes beta1, beta2", o.Kind)
		}
		if o.Beta1 == nil {
			o.Beta1 = ptr(0.9)
		}
		if o.Beta2 == nil {
			o.Beta2 = ptr(0.999)
		}
		if o.Eps == nil {
			o.Eps = ptr(1e-8)
		}
		if !(*o.Beta1 >= 0 && *o.Beta1 < 1 && *o.Beta2 >= 0 && *o.Beta2 < 1) {
			return fmt.Errorf("optimizer: betas (%v, %v) must be in [0, 1)", *o.Beta1, *o.Beta2)
		}
		if !(*o.Eps > 0) || !finite(*o.Eps) {
			return fmt.Errorf("optimizer: eps %v must be positive", *o.Eps)
		}
	default:
		return fmt.Errorf("optimizer.kind %q: want sgd, adam, adamw or lars", o.Kind)
	}
	if !(o.LR > 0) || !finite(o.LR) {
		return fmt.Errorf("optimizer.lr %v: must be positive and finite", o.LR)
	}
	if !(o.Momentum >= 0 && o.Momentum < 1) {
		return fmt.Errorf("optimizer.momentum %v: must be in [0, 1)", o.Momentum)
	}
	if !(o.WeightDecay >= 0) || !finite(o.WeightDecay) {
		return fmt.Errorf("optimizer.weight_decay %v: must be finite and ≥ 0", o.WeightDecay)
	}
	s := &c.Schedule
	switch s.Kind {
	case ScheduleStep:
		if s.WarmupEpochs != nil {
			return errors.New("schedule: warmup_epochs belongs to cos_w_warmup")
		}
		if s.StepSize == 0 {
			s.StepSize = 30
		}
		if s.Gamma == 0 {
			s.Gamma = 0.1
		}
		if s.StepSize < 1 {
			return fmt.Errorf("schedule.step_size %d: must be positive", s.StepSize)
		}
		if !(s.Gamma > 0) || !finite(s.Gamma) {
			return fmt.Errorf("schedule.gamma %v: must be positive", s.Gamma)
		}
	case ScheduleCosine:
		if s.StepSize != 0 || s.Gamma != 0 {
			return errors.New("schedule: step_size and gamma belong to step_lr")
		}
		if s.WarmupEpochs == nil {
			s.WarmupEpochs = ptr(c.Epochs / 4)
		}
		if w := *s.WarmupEpochs; w < 0 || w >= c.Epochs {
			return fmt.Errorf("schedule.warmup_epochs %d: want 0 ≤ warmup < epochs (%d)", w, c.Epochs)
		}
	case ScheduleCosAnneal:
		if s.StepSize != 0 || s.Gamma != 0 {
			return errors.New("schedule: step_size and gamma belong to step_lr")
		}
		if s.WarmupEpochs == nil {
			s.WarmupEpochs = ptr(10)
		}
		if w := *s.WarmupEpochs; w < 0 || w >= c.Epochs {
			return fmt.Errorf("schedule.warmup_epochs %d: want 0 ≤ warmup < epochs (%d)", w, c.Epochs)
		}
	case ScheduleConstant:
		if s.StepSize != 0 || s.Gamma != 0 || s.WarmupEpochs != nil {
			return errors.New("schedule: constant_lr takes no settings")
		}
	default:
		return fmt.Errorf("schedule.kind %q: want %s, %s, %s or %s", s.Kind, ScheduleStep, ScheduleCosine, ScheduleCosAnneal, ScheduleConstant)
	}
	if c.Arch != nil {
		if err := c.Arch.Validate(); err != nil {
			return fmt.Errorf("arch: %w", err)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Config returns the preset's architecture for a dataset of classes
// classes.
func (p Preset) Config(classes int) (arch.Config, error) {
	parts := strings.Split(p.Name, "-")
	bad := fmt.Errorf("preset %q: want CELL[-ln][-gpt]-DECODER (e.g. timedecay-addnet, intersection-ln-linear, timedecay-gpt-linear)", p.Name)
	if len(parts) < 2 {
		return arch.Config{}, bad
	}
	cell, dec := parts[0], parts[len(parts)-1]
	ln, gpt := false, false
	for _, m := range parts[1 : len(parts)-1] {
		switch {
		case m == "ln" && !ln && !gpt:
			ln = true
		case m == "gpt" && !gpt:
			gpt = true
		default:
			return arch.Config{}, bad
		}
	}
	c := arch.ZhuangConvRNN(cell, ln, dec)
	c.Encoder.Width = p.Width
	c.Encoder.ReprDim = p.ReprDim
	c.Classes = classes
	if gpt {
		c = c.WithGPT(p.NEmbd)
	}
	if err := c.Validate(); err != nil {
		return arch.Config{}, fmt.Errorf("preset %q: %w", p.Name, err)
	}
	return c, nil
}

// Architecture returns the run's architecture for a dataset of classes
// classes: the preset's, or arch, whose classes must cover the dataset.
func (c *Config) Architecture(classes int) (arch.Config, error) {
	if c.Preset != nil {
		return c.Preset.Config(classes)
	}
	if c.Arch == nil {
		return arch.Config{}, errors.New("a probe's architecture comes from probe.from")
	}
	a := *c.Arch
	if a.Classes < classes {
		return arch.Config{}, fmt.Errorf("arch.classes %d: the dataset has %d classes", a.Classes, classes)
	}
	return a, nil
}

// Digest identifies a resolved config: a run resumes only with the
// config that started it.
func (c *Config) Digest() string {
	b, _ := json.Marshal(c) // a Config always encodes
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// OptimizerName is a one-line description for the bundle's provenance.
func (c *Config) OptimizerName() string {
	o := c.Optimizer
	s := fmt.Sprintf("%s lr %g", o.Kind, o.LR)
	if o.Momentum != 0 {
		s += fmt.Sprintf(" momentum %g", o.Momentum)
	}
	if o.WeightDecay != 0 {
		s += fmt.Sprintf(" weight_decay %g", o.WeightDecay)
	}
	if c.GradClip > 0 {
		s += fmt.Sprintf(" grad_clip %g", c.GradClip)
	}
	return s
}

// ScheduleName is a one-line description for the bundle's provenance.
func (c *Config) ScheduleName() string {
	s := c.Schedule
	switch s.Kind {
	case ScheduleStep:
		return fmt.Sprintf("%s step %d gamma %g", s.Kind, s.StepSize, s.Gamma)
	case ScheduleCosine, ScheduleCosAnneal:
		return fmt.Sprintf("%s warmup %d of %d epochs", s.Kind, *s.WarmupEpochs, c.Epochs)
	}
	return s.Kind
}

// resolveObjective validates objective, augment, ssl_head and probe and
// fills augment's default.
func (c *Config) resolveObjective() error {
	obj := c.ObjectiveKind()
	switch obj {
	case arch.ObjectiveSupervised:
		if c.Augment != "" {
			return errors.New("augment: supervised runs are not augmented; augment belongs to simclr and simsiam")
		}
		if c.SSLHead != nil {
			return errors.New("ssl_head: only simclr and simsiam runs have an SSL head")
		}
	case arch.ObjectiveSimCLR, arch.ObjectiveSimSiam, arch.ObjectiveAE:
		if c.Probe != nil {
			return fmt.Errorf("probe: a linear probe is a supervised run; remove objective %s", obj)
		}
		if obj == arch.ObjectiveAE && c.SSLHead != nil {
			return errors.New("ssl_head: the autoencoder's widths follow from the representation; remove ssl_head")
		}
		if c.Augment == "" && obj != arch.ObjectiveAE {
			c.Augment = augment.NameTactile
		}
		if err := c.Head().Validate(); err != nil {
			return fmt.Errorf("ssl_head: %w", err)
		}
	default:
		return fmt.Errorf("objective %q: want %s, %s, %s or %s", c.Objective, arch.ObjectiveSupervised, arch.ObjectiveSimCLR, arch.ObjectiveSimSiam, arch.ObjectiveAE)
	}
	if c.Augment != "" {
		if _, err := augment.Parse(c.Augment); err != nil {
			return fmt.Errorf("augment: %w", err)
		}
	}
	if c.Probe != nil && c.Probe.From == "" {
		return errors.New("probe.from: required (an SSL output directory or a weight bundle)")
	}
	return nil
}
