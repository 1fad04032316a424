package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
)

// FormatVersion is the bundle layout version this package reads and writes.
const FormatVersion = 1

// File names inside a bundle.
const (
	ManifestFile = "manifest.json"
	WeightsFile  = "weights.npz"
)

// WeightsDType is the only element type of the weights.
const WeightsDType = "float32"

// Manifest is manifest.json.
type Manifest struct {
	FormatVersion int         `json:"format_version"`
	Arch          arch.Config `json:"arch"`
	Input         InputSpec   `json:"input"`
	// Layers lists the layers whose activations the model exposes, in
	// order (ead.LayerNames of Arch).
	Layers   []string    `json:"layers"`
	Weights  WeightsSpec `json:"weights"`
	Training Training    `json:"training"`
}

// InputSpec describes the model's input array.
type InputSpec struct {
	// Name is the array a stimulus file holds the inputs in ("inputs").
	Name string `json:"name"`
	// DType is "float32".
	DType string `json:"dtype"`
	// Shape is one sample's shape, (22, 30, 5, 7): time steps, channels
	// (5 frames x 6 force/moment components), whisker rows, arcs.
	Shape []int `json:"shape"`
}

// WeightsSpec describes weights.npz.
type WeightsSpec struct {
	File  string `json:"file"`
	DType string `json:"dtype"`
	// Tensors and Parameters are the numbers of arrays and of scalar
	// parameters; both must match Arch.
	Tensors    int `json:"tensors"`
	Parameters int `json:"parameters"`
}

// Training is the provenance of the weights. An untrained (random-init)
// control has Epochs 0 and no dataset.
type Training struct {
	// DatasetDigest is "sha256:<hex>" of the training dataset's
	// manifest.json (which lists every shard's SHA-256).
	DatasetDigest string `json:"dataset_digest"`
	Seed          uint64 `json:"seed"`
	// Commit is the whiskerbench commit that trained the model, or
	// "unknown".
	Commit string `json:"commit"`
	// Epochs is the number of epochs run; BestEpoch the 1-based epoch
	// whose weights these are (0 when untrained).
	Epochs    int    `json:"epochs"`
	BestEpoch int    `json:"best_epoch"`
	Optimizer string `json:"optimizer,omitempty"`
	Schedule  string `json:"schedule,omitempty"`
	// Metrics maps names such as "val_top1", "test_top5" to values.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Objective is how the encoder and attender were trained: absent or
	// "supervised", or the self-supervised objective (simclr, simsiam, ae)
	// of a linear probe's backbone; Augment is that pre-training's view
	// augmentation; SSLSource identifies the pre-trained weights the probe
	// started from (path and SHA-256). A probe trains only the decoder.
	Objective string `json:"objective,omitempty"`
	Augment   string `json:"augment,omitempty"`
	SSLSource string `json:"ssl_source,omitempty"`
}

// DefaultInput is the input spec of every EAD model
// (Chung et al. 2025, paper-spec §2.1).
func DefaultInput() InputSpec {
	return InputSpec{Name: "inputs", DType: "float32",
		Shape: []int{arch.InputSteps, arch.InputChannels, arch.InputHeight, arch.InputWidth}}
}

// NewManifest returns the manifest of a model of cfg with provenance tr.
func NewManifest(cfg arch.Config, tr Training) (*Manifest, error) {
	specs, err := cfg.Specs()
	if err != nil {
		return nil, fmt.Errorf("bundle manifest: %w", err)
	}
	n := 0
	for _, s := range specs {
		n += s.Size()
	}
	m := &Manifest{FormatVersion: FormatVersion, Arch: cfg, Input: DefaultInput(), Layers: ead.LayerNames(cfg),
		Weights:  WeightsSpec{File: WeightsFile, DType: WeightsDType, Tensors: len(specs), Parameters: n},
		Training: tr}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Validate checks the manifest's internal consistency.
func (m *Manifest) Validate() error {
	if m.FormatVersion != FormatVersion {
		return fmt.Errorf("format_version %d, this build reads %d", m.FormatVersion, FormatVersion)
	}
	specs, err := m.Arch.Specs()
	if err != nil {
		return fmt.Errorf("arch: %w", err)
	}
	if want := DefaultInput(); m.Input.Name != want.Name || m.Input.DType != want.DType || !slices.Equal(m.Input.Shape, want.Shape) {
		return fmt.Errorf("input %+v, want %+v", m.Input, want)
	}
	if want := ead.LayerNames(m.Arch); !slices.Equal(m.Layers, want) {
		return fmt.Errorf("layers %q, the architecture's layers are %q", m.Layers, want)
	}
	n := 0
	for _, s := range specs {
		n += s.Size()
	}
	w := m.Weights
	if w.File != WeightsFile {
		return fmt.Errorf("weights.file %q, want %q", w.File, WeightsFile)
	}
	if w.DType != WeightsDType {
		return fmt.Errorf("weights.dtype %q, want %q", w.DType, WeightsDType)
	}
	if w.Tensors != len(specs) || w.Parameters != n {
		return fmt.Errorf("weights declare %d tensors, %d parameters; the architecture has %d, %d", w.Tensors, w.Parameters, len(specs), n)
	}
	t := m.Training
	if t.Epochs < 0 || t.BestEpoch < 0 || t.BestEpoch > t.Epochs {
		return fmt.Errorf("training epochs %d, best_epoch %d: want 0 ≤ best_epoch ≤ epochs", t.Epochs, t.BestEpoch)
	}
	if t.Epochs > 0 && t.DatasetDigest == "" {
		return errors.New("training.dataset_digest is required for trained weights")
	}
	if t.Commit == "" {
		return errors.New(`training.commit is required ("unknown" if not known)`)
	}
	for k, v := range t.Metrics {
		if k == "" || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("training metric %q = %v", k, v)
		}
	}
	return nil
}

// ParseManifest decodes and validates manifest.json from r, reading at
// most maxBytes (DefaultLimits' when ≤ 0). Unknown fields, trailing data
// and oversized input are errors.
func ParseManifest(r io.Reader, maxBytes int64) (*Manifest, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultLimits().MaxManifestBytes
	}
	b, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ManifestFile, err)
	}
	if int64(len(b)) > maxBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes: %w", ManifestFile, maxBytes, npz.ErrLimit)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", ManifestFile, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("parse %s: data after the manifest object", ManifestFile)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	return &m, nil
}

// encode returns the manifest as indented JSON with a final newline.
func (m *Manifest) encode() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ManifestFile, err)
	}
	return append(b, '\n'), nil
}
