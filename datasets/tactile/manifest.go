package tactile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// FormatVersion is the dataset layout version written to manifests.
const FormatVersion = 1

// GeneratorVersion identifies the simulator and builder that produced a
// dataset. Bump it whenever physics, protocols, shapes or processing change
// the numbers a build writes.
const GeneratorVersion = "whiskerbench-sim-1"

// Split names.
const (
	Train      = "train"
	Validation = "validation"
	Test       = "test"
)

// Params are what determine a build.
type Params struct {
	Protocol       string `json:"protocol"`
	Classes        int    `json:"classes"`
	PerClass       int    `json:"per_class"`
	Seed           uint64 `json:"seed"`
	ObjectsPerShrd int    `json:"objects_per_shard"`
	// Assign selects how objects are split: "" for train/validation/test
	// (70/15/15 per class), AssignTrainVal for train/validation (85/15),
	// AssignTest to put every object in the test split. A benchmark draws
	// its public and its held-out objects in separate builds with separate
	// seeds, so a hosted instance can keep the test seed secret.
	Assign string `json:"assign,omitempty"`
}

// The Assign modes.
const (
	AssignTrainVal = "train-validation"
	AssignTest     = "test"
)

// Object is one object of the dataset.
type Object struct {
	ID     int                `json:"id"`
	Class  string             `json:"class"`
	Label  int                `json:"label"`
	Split  string             `json:"split"`
	Shard  int                `json:"shard"`
	Params map[string]float64 `json:"params"`
}

// Shard is one .npz file of the dataset.
type Shard struct {
	File    string `json:"file"`
	Split   string `json:"split"`
	Objects []int  `json:"objects"`
	Sweeps  int    `json:"sweeps"`
	SHA256  string `json:"sha256,omitempty"`
}

// Manifest describes a dataset directory.
type Manifest struct {
	FormatVersion    int      `json:"format_version"`
	GeneratorVersion string   `json:"generator_version"`
	Params           Params   `json:"params"`
	ClassNames       []string `json:"class_names"`
	SweepsPerObject  int      `json:"sweeps_per_object"`
	SweepNames       []string `json:"sweep_names"`
	InputShape       []int    `json:"input_shape"`
	Objects          []Object `json:"objects"`
	Shards           []Shard  `json:"shards"`
	Complete         bool     `json:"complete"`
}

// ManifestFile is the manifest's name inside a dataset directory.
const ManifestFile = "manifest.json"

// ReadManifest reads DIR/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read dataset manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("dataset %s has format version %d; this build reads %d (rebuild it)", dir, m.FormatVersion, FormatVersion)
	}
	return &m, nil
}

// writeManifest writes the manifest atomically.
func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	tmp := filepath.Join(dir, "."+ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, ManifestFile)); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// SplitOf returns the objects of one split.
func (m *Manifest) SplitOf(split string) []Object {
	var out []Object
	for _, o := range m.Objects {
		if o.Split == split {
			out = append(out, o)
		}
	}
	return out
}
