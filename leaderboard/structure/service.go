package structure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/evaluator/rsa"
	"github.com/whiskerbench/whiskerbench/submissions/blobs"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

// ErrUnavailable is returned when the files an RDM or a trace is computed
// from are not on this server (a benchmark registered without its data,
// a blob removed). Pages say so instead of failing.
var ErrUnavailable = errors.New("not available on this server")

// Metric is the metric whose preparation of the neural data the neural
// RDM follows, and whose best layer the model RDM shows.
const Metric = evaluator.MetricV2

// cacheSize bounds the entries kept; a full cache starts over.
const cacheSize = 256

// Service computes RDMs and stimulus traces and caches them by the digest
// of what they are computed from.
type Service struct {
	db    *gorm.DB
	blobs blobs.Store

	mu    sync.Mutex
	cache map[string]any
}

// New returns a Service over the submissions schema and the blob store
// (nil: model RDMs are unavailable).
func New(db *gorm.DB, bs blobs.Store) *Service {
	return &Service{db: db, blobs: bs, cache: map[string]any{}}
}

// cached returns the value under key, computing and keeping it once.
// Errors are not cached.
func cached[T any](s *Service, key string, compute func() (T, error)) (T, error) {
	s.mu.Lock()
	v, ok := s.cache[key]
	s.mu.Unlock()
	if ok {
		return v.(T), nil
	}
	out, err := compute()
	if err != nil {
		return out, err
	}
	s.mu.Lock()
	if len(s.cache) >= cacheSize {
		s.cache = map[string]any{}
	}
	s.cache[key] = out
	s.mu.Unlock()
	return out, nil
}

// Labelled is an RDM with the names of its stimuli and where it came from.
type Labelled struct {
	evaluator.RDM
	Labels []string `json:"labels"`
	Source string   `json:"source"` // e.g. `layer "l2"` or "pooled population"
	Digest string   `json:"sha256"` // of the data it was computed from
}

// Pair is a model's RDM beside the neural RDM of the benchmark its score
// came from. Similarity is the Pearson correlation of their upper
// triangles (the raw RSA r_xy, not noise-corrected).
type Pair struct {
	Benchmark  string   `json:"benchmark"`
	Version    string   `json:"benchmark_version"`
	Metric     string   `json:"metric"`
	Layer      string   `json:"layer"`
	Model      Labelled `json:"model"`
	Neural     Labelled `json:"neural"`
	Similarity float64  `json:"rsa_raw"`
}

// stimulusLabels names n stimuli: the canonical six, else by index.
func stimulusLabels(n int) []string {
	if n == 6 {
		o := evaluator.StimulusOrder()
		return o[:]
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("stimulus %d", i)
	}
	return out
}

// NeuralRDM is the pooled population's RDM of a neural benchmark version.
func (s *Service) NeuralRDM(ctx context.Context, b catalog.Benchmark) (Labelled, error) {
	if b.Kind != benchmarks.NeuralRSA {
		return Labelled{}, fmt.Errorf("benchmark %s %s is a %s benchmark and has no neural RDM: %w", b.Name, b.Version, b.Kind, ErrUnavailable)
	}
	return cached(s, "neural\x00"+b.DataDigest, func() (Labelled, error) {
		spec, err := b.Spec()
		if err != nil {
			return Labelled{}, fmt.Errorf("benchmark %s %s: %v: %w", b.Name, b.Version, err, ErrUnavailable)
		}
		_, nd, err := catalog.LoadNeural(b.DataDir, spec)
		if err != nil {
			return Labelled{}, fmt.Errorf("benchmark %s %s data: %v: %w", b.Name, b.Version, err, ErrUnavailable)
		}
		r, err := evaluator.PooledRDM(Metric, nd)
		if err != nil {
			return Labelled{}, fmt.Errorf("benchmark %s %s neural RDM: %w", b.Name, b.Version, err)
		}
		return Labelled{RDM: r, Labels: stimulusLabels(r.Stimuli), Source: "pooled population (all animals), trial means", Digest: b.DataDigest}, nil
	})
}

// submissionBlob is where a submission's activations are.
type submissionBlob struct {
	Kind        string `gorm:"column:kind"`
	Blob        string `gorm:"column:blob_digest"`
	Activations string `gorm:"column:activations_digest"`
}

// bestLayer reads the layer behind a submission's model-level score on a
// benchmark version under Metric.
func (s *Service) bestLayer(ctx context.Context, submissionID, benchmarkID int64) (string, error) {
	var details []string
	err := s.db.WithContext(ctx).Raw(`SELECT CAST(details AS TEXT) FROM scores WHERE submission_id = ? AND benchmark_id = ? AND scorer_version = ? AND layer = ''`,
		submissionID, benchmarkID, Metric).Scan(&details).Error
	if err != nil {
		return "", fmt.Errorf("submission %d score details: %w", submissionID, err)
	}
	if len(details) == 0 {
		return "", fmt.Errorf("submission %d has no %s score: %w", submissionID, Metric, ErrUnavailable)
	}
	var res struct {
		Best evaluator.Best `json:"best"`
	}
	if err := json.Unmarshal([]byte(details[0]), &res); err != nil {
		return "", fmt.Errorf("submission %d score details: %w", submissionID, err)
	}
	if res.Best.Layer == "" {
		return "", fmt.Errorf("submission %d: no best layer recorded: %w", submissionID, ErrUnavailable)
	}
	return res.Best.Layer, nil
}

// ModelRDM returns a scored submission's RDM at the layer its score on
// benchmark b came from, beside b's neural RDM.
func (s *Service) ModelRDM(ctx context.Context, submissionID int64, b catalog.Benchmark) (Pair, error) {
	if s.blobs == nil {
		return Pair{}, fmt.Errorf("no blob store: %w", ErrUnavailable)
	}
	layer, err := s.bestLayer(ctx, submissionID, b.ID)
	if err != nil {
		return Pair{}, err
	}
	var sb submissionBlob
	if err := s.db.WithContext(ctx).Raw(`SELECT kind, blob_digest, activations_digest FROM submissions WHERE id = ?`, submissionID).Scan(&sb).Error; err != nil {
		return Pair{}, fmt.Errorf("submission %d: %w", submissionID, err)
	}
	digest := sb.Blob
	if sb.Kind == "weights" {
		digest = sb.Activations
	}
	if digest == "" {
		return Pair{}, fmt.Errorf("submission %d has no stored activations: %w", submissionID, ErrUnavailable)
	}
	neural, err := s.NeuralRDM(ctx, b)
	if err != nil {
		return Pair{}, err
	}
	model, err := cached(s, "model\x00"+digest+"\x00"+layer, func() (Labelled, error) {
		f, err := s.blobs.Open(ctx, digest)
		if err != nil {
			return Labelled{}, fmt.Errorf("submission %d activations: %v: %w", submissionID, err, ErrUnavailable)
		}
		defer f.Close()
		a, err := npz.ReadMember(f, f.Size(), intake.InputNeural+intake.Sep+layer, npz.DefaultLimits())
		if err != nil {
			return Labelled{}, fmt.Errorf("submission %d layer %q: %w", submissionID, layer, err)
		}
		r, err := evaluator.LayerRDM(evaluator.Activation{Layer: layer, Array: a})
		if err != nil {
			return Labelled{}, fmt.Errorf("submission %d: %w", submissionID, err)
		}
		return Labelled{RDM: r, Labels: stimulusLabels(r.Stimuli), Source: fmt.Sprintf("layer %q", layer), Digest: digest}, nil
	})
	if err != nil {
		return Pair{}, err
	}
	if model.Stimuli != neural.Stimuli {
		return Pair{}, fmt.Errorf("submission %d: %d stimuli, the benchmark has %d", submissionID, model.Stimuli, neural.Stimuli)
	}
	return Pair{Benchmark: b.Name, Version: b.Version, Metric: Metric, Layer: layer, Model: model, Neural: neural,
		Similarity: similarity(model.RDM, neural.RDM)}, nil
}

// similarity is the Pearson correlation of two RDMs' upper triangles.
func similarity(a, b evaluator.RDM) float64 {
	return rsa.Pearson(rsa.Upper(a.Values, a.Stimuli), rsa.Upper(b.Values, b.Stimuli))
}

// Version returns a registered benchmark version.
func (s *Service) Version(ctx context.Context, name, version string) (catalog.Benchmark, error) {
	b, err := catalog.New(s.db).Get(ctx, name, version)
	if errors.Is(err, catalog.ErrNotFound) {
		return catalog.Benchmark{}, fmt.Errorf("%v: %w", err, ErrUnavailable)
	}
	return b, err
}
