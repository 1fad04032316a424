package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
)

// Scorer versions: a benchmark version names the scorer it was registered
// with, so a change to scoring code makes a new version.
const (
	NeuralScorer         = "rsa-paper-v1+rsa-v2/evaluator-1"
	ClassificationScorer = "probe-lbfgs-1"
)

// ScorerFor returns the scorer version of a benchmark kind.
func ScorerFor(kind string) string {
	if kind == benchmarks.NeuralRSA {
		return NeuralScorer
	}
	return ClassificationScorer
}

// ErrNotFound is returned for unknown benchmarks.
var ErrNotFound = errors.New("benchmark not found")

// Benchmark is a registered benchmark version.
type Benchmark struct {
	ID            int64 `gorm:"primaryKey"`
	Name          string
	Version       string
	Kind          string
	DataDigest    string
	ScorerVersion string
	Synthetic     bool
	Description   string
	Ceiling       json.RawMessage `gorm:"type:text;serializer:json"`
	Baselines     json.RawMessage `gorm:"type:text;serializer:json"`
	Files         json.RawMessage `gorm:"type:text;serializer:json"`
	Params        json.RawMessage `gorm:"type:text;serializer:json"`
	DataDir       string
	CreatedAt     time.Time
}

// Catalog reads and writes the benchmarks table.
type Catalog struct {
	db *gorm.DB
}

// New returns a catalog over db.
func New(db *gorm.DB) *Catalog { return &Catalog{db: db} }

// Register records a built benchmark version with its figures. Registering
// the same name and version again returns the existing row unchanged.
func (c *Catalog) Register(ctx context.Context, dir string, spec *benchmarks.Spec, f Figures) (Benchmark, error) {
	if old, err := c.Get(ctx, spec.Name, spec.Version); err == nil {
		return old, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Benchmark{}, err
	}
	files := jsonOr(spec.Files, "[]")
	params := jsonOr(spec.Params, "{}")
	ceil := jsonOr(f.Ceiling, "{}")
	base := jsonOr(f.Baselines, "{}")
	b := Benchmark{
		Name: spec.Name, Version: spec.Version, Kind: spec.Kind, DataDigest: spec.DataDigest,
		ScorerVersion: spec.ScorerVersion, Synthetic: spec.Synthetic, Description: spec.Description,
		Ceiling: ceil, Baselines: base, Files: files, Params: params, DataDir: dir,
		CreatedAt: time.Now().UTC(),
	}
	if err := c.db.WithContext(ctx).Create(&b).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return c.Get(ctx, spec.Name, spec.Version)
		}
		return Benchmark{}, fmt.Errorf("register benchmark %s %s: %w", spec.Name, spec.Version, err)
	}
	return b, nil
}

// Get returns one version.
func (c *Catalog) Get(ctx context.Context, name, version string) (Benchmark, error) {
	var b Benchmark
	err := c.db.WithContext(ctx).Where("name = ? AND version = ?", name, version).Take(&b).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Benchmark{}, fmt.Errorf("%s version %s: %w", name, version, ErrNotFound)
	}
	if err != nil {
		return Benchmark{}, fmt.Errorf("find benchmark %s %s: %w", name, version, err)
	}
	return b, nil
}

// Latest returns the most recently registered version of a benchmark.
func (c *Catalog) Latest(ctx context.Context, name string) (Benchmark, error) {
	var b Benchmark
	err := c.db.WithContext(ctx).Where("name = ?", name).Order("created_at DESC, id DESC").Take(&b).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Benchmark{}, fmt.Errorf("%s (build it with 'whiskerbench benchmark build'): %w", name, ErrNotFound)
	}
	if err != nil {
		return Benchmark{}, fmt.Errorf("find benchmark %s: %w", name, err)
	}
	return b, nil
}

// List returns every registered version, by name then age.
func (c *Catalog) List(ctx context.Context) ([]Benchmark, error) {
	var out []Benchmark
	if err := c.db.WithContext(ctx).Order("name, created_at, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list benchmarks: %w", err)
	}
	return out, nil
}

// jsonOr encodes v, or returns empty when v encodes as null (the columns
// are NOT NULL JSON).
func jsonOr(v any, empty string) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return json.RawMessage(empty)
	}
	return b
}
