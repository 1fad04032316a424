// Package zoo is whiskerbench's bundled reference-model zoo: one training
// config per model (NAME.yaml, the train package's format) and, beside
// it, what retraining that config produced: NAME.tar (the best-validation
// weights), NAME.untrained.tar (the same architecture and init seed, never
// trained: the control), NAME.svg (the training curve) and NAME.json (the
// run's record: data, epochs, wall time, held-out accuracy of both).
//
// Every model trains on the public split of the default tactile-shapes-v1
// benchmark (train, selecting the epoch on validation) and is scored on
// its held-out objects. Retrain builds the benchmark under the data
// directory when it is missing, deterministically from its seeds, so the
// zoo depends on nothing but this repository.
package zoo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
	"github.com/whiskerbench/whiskerbench/referencemodels/train"
)

// File suffixes of a zoo model NAME.
const (
	ConfigSuffix    = ".yaml"
	BundleSuffix    = ".tar"
	UntrainedSuffix = ".untrained.tar"
	CurveSuffix     = ".svg"
	RecordSuffix    = ".json"
	// SSLSuffix names a self-supervised model's pre-training config: a
	// model NAME with NAME.ssl.yaml is pre-trained by it, and NAME.yaml is
	// then the linear probe of that pre-training.
	SSLSuffix = ".ssl.yaml"
)

// ClassificationScorer is the scorer version the default benchmark is
// registered with (submissions/catalog.ClassificationScorer); it is part
// of the benchmark's version name, so the zoo finds the version the server
// builds.
const ClassificationScorer = "probe-lbfgs-1"

// Entry is one model of the zoo: its name and recorded config (for a
// self-supervised model, the linear probe's config and the pre-training
// config it probes).
type Entry struct {
	Name       string
	ConfigPath string
	Config     *train.Config
	SSLPath    string
	SSL        *train.Config
}

// Entries reads every NAME.yaml in dir (with NAME.ssl.yaml when there is
// one), sorted by name.
func Entries(dir string) ([]Entry, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+ConfigSuffix))
	if err != nil {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	sort.Strings(paths)
	var out []Entry
	for _, p := range paths {
		if strings.HasSuffix(p, SSLSuffix) {
			continue
		}
		c, err := train.LoadConfig(p)
		if err != nil {
			return nil, fmt.Errorf("zoo: %w", err)
		}
		e := Entry{Name: strings.TrimSuffix(filepath.Base(p), ConfigSuffix), ConfigPath: p, Config: c}
		sp := filepath.Join(dir, e.Name+SSLSuffix)
		switch _, err := os.Stat(sp); {
		case err == nil:
			if e.SSL, err = train.LoadConfig(sp); err != nil {
				return nil, fmt.Errorf("zoo: %w", err)
			}
			if c.Probe == nil || e.SSL.ObjectiveKind() == arch.ObjectiveSupervised {
				return nil, fmt.Errorf("zoo %s: %s must be a probe config and %s a self-supervised one", e.Name, p, sp)
			}
			e.SSLPath = sp
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("zoo: %w", err)
		case c.Probe != nil:
			return nil, fmt.Errorf("zoo %s: %s is a linear probe but %s is missing", e.Name, p, sp)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("zoo: no *%s configs in %s", ConfigSuffix, dir)
	}
	return out, nil
}

// Select returns the entries named by names, in that order; an unknown
// name is an error listing the known ones.
func Select(all []Entry, names []string) ([]Entry, error) {
	by := map[string]Entry{}
	for _, e := range all {
		by[e.Name] = e
	}
	var out []Entry
	for _, n := range names {
		e, ok := by[n]
		if !ok {
			known := slices.Sorted(maps.Keys(by))
			return nil, fmt.Errorf("zoo has no model %q (models: %s)", n, strings.Join(known, ", "))
		}
		out = append(out, e)
	}
	return out, nil
}

// Data is the benchmark version the zoo trains and tests on.
type Data struct {
	Dir     string // the version directory
	Public  string // its public dataset (train and validation)
	HeldOut string // its held-out dataset (test)
	Spec    *benchmarks.Spec
}

// EnsureData returns the default tactile-shapes-v1 version under root
// (DATA-DIR/benchmarks), verifying every file's digest, or builds it there
// when no complete copy exists (about four minutes on two cores).
func EnsureData(ctx context.Context, root string, workers int, progress io.Writer, log *slog.Logger) (*Data, error) {
	o := benchmarks.DefaultShapesOptions()
	o.ScorerVersion = ClassificationScorer
	o.Workers = workers
	o.Progress = progress
	want := benchmarks.ShapesParams(o)
	dirs, _ := filepath.Glob(filepath.Join(root, benchmarks.TactileShapes, "*", benchmarks.SpecFile))
	for _, p := range dirs {
		dir := filepath.Dir(p)
		s, err := benchmarks.ReadSpec(dir, false)
		if err != nil || s.Name != benchmarks.TactileShapes || s.ScorerVersion != o.ScorerVersion || !maps.Equal(s.Params, want) {
			continue
		}
		if s, err = benchmarks.ReadSpec(dir, true); err != nil {
			return nil, fmt.Errorf("zoo data: %w", err)
		}
		log.Info("zoo data found", "dir", dir, "version", s.Version)
		return data(dir, s), nil
	}
	log.Info("building the zoo's benchmark", "root", root, "benchmark", benchmarks.TactileShapes)
	dir, s, err := benchmarks.BuildShapes(ctx, root, o)
	if err != nil {
		return nil, fmt.Errorf("zoo data: %w", err)
	}
	return data(dir, s), nil
}

func data(dir string, s *benchmarks.Spec) *Data {
	return &Data{Dir: dir, Public: filepath.Join(dir, "public"), HeldOut: filepath.Join(dir, "heldout"), Spec: s}
}

// Scores are held-out (test) and validation accuracies.
type Scores struct {
	TestTop1 float64 `json:"test_top1"`
	TestTop5 float64 `json:"test_top5"`
	ValTop1  float64 `json:"val_top1"`
	ValTop5  float64 `json:"val_top5"`
	TestN    int     `json:"test_n"`
}

// Record is what retraining one zoo model produced (NAME.json).
type Record struct {
	Name             string  `json:"name"`
	Architecture     string  `json:"architecture"`
	Width            float64 `json:"width"`
	Parameters       int     `json:"parameters"`
	Benchmark        string  `json:"benchmark"` // name and version
	DatasetDigest    string  `json:"dataset_digest"`
	Seed             uint64  `json:"seed"`
	Epochs           int     `json:"epochs"`
	BestEpoch        int     `json:"best_epoch"`
	WallSeconds      float64 `json:"wall_seconds"` // training and per-epoch validation, all epochs
	SamplesPerSecond float64 `json:"samples_per_second"`
	Trained          Scores  `json:"trained"`
	Untrained        Scores  `json:"untrained"`
	Commit           string  `json:"commit"`
	Command          string  `json:"command"`
	// Objective is how the backbone was trained (supervised, simclr,
	// simsiam, ae); Augment the self-supervised views' augmentation.
	Objective string `json:"objective,omitempty"`
	Augment   string `json:"augment,omitempty"`
	// SSLEpochs and SSLBestEpoch describe the pre-training of a
	// self-supervised model (its probe is Epochs, BestEpoch); WallSeconds
	// then covers both.
	SSLEpochs    int `json:"ssl_epochs,omitempty"`
	SSLBestEpoch int `json:"ssl_best_epoch,omitempty"`
	// Neural is the neural fit of both bundles against the default neural
	// benchmark, written by 'whiskerbench zoo score' (and at the end of
	// 'zoo retrain'); nil until scored.
	Neural *Neural `json:"neural,omitempty"`
}

// NeuralFit is one metric's model-level neural score: the value, its 95%
// interval where the metric gives one (rsa-v2, resampling animals), and
// the layer it comes from.
type NeuralFit struct {
	Score  *float64 `json:"score"`
	CILow  *float64 `json:"ci_low,omitempty"`
	CIHigh *float64 `json:"ci_high,omitempty"`
	Layer  string   `json:"layer"`
}

// Neural is a zoo model's neural fit, trained and untrained, per metric,
// against one neural benchmark version.
type Neural struct {
	Benchmark string               `json:"benchmark"` // name and version
	Synthetic bool                 `json:"synthetic"`
	Trained   map[string]NeuralFit `json:"trained"`
	Untrained map[string]NeuralFit `json:"untrained"`
}

// SetNeural stores n in NAME.json of zooDir (the record must exist).
func SetNeural(zooDir, name string, n Neural) error {
	r, err := ReadRecord(zooDir, name)
	if err != nil {
		return err
	}
	r.Neural = &n
	return writeRecord(zooDir, r)
}

func writeRecord(zooDir string, r *Record) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("zoo %s: %w", r.Name, err)
	}
	if err := os.WriteFile(filepath.Join(zooDir, r.Name+RecordSuffix), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("zoo %s: %w", r.Name, err)
	}
	return nil
}

// Options adjust Retrain.
type Options struct {
	// RunsDir holds the training runs (RunsDir/NAME: checkpoint, bundle,
	// curve); a finished run there is reused unless Fresh.
	RunsDir string
	// Fresh discards an existing run and trains from scratch.
	Fresh    bool
	Progress io.Writer
	Logger   *slog.Logger
}

// Retrain trains e on d (or reuses its finished run), writes the untrained
// twin, and installs NAME.tar, NAME.untrained.tar, NAME.svg and NAME.json
// in zooDir.
func Retrain(ctx context.Context, e Entry, d *Data, zooDir string, o Options) (*Record, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := *e.Config
	cfg.Dataset, cfg.TestDataset = d.Public, d.HeldOut
	cfg.Out = filepath.Join(o.RunsDir, e.Name)
	if o.Fresh {
		if err := os.RemoveAll(cfg.Out); err != nil {
			return nil, fmt.Errorf("zoo %s: discard the old run: %w", e.Name, err)
		}
	}
	var ssl *train.Result
	seed := cfg.Seed
	if e.SSL != nil {
		sc := *e.SSL
		sc.Dataset, sc.TestDataset = d.Public, ""
		sc.Out = filepath.Join(o.RunsDir, e.Name+"-ssl")
		if o.Fresh {
			if err := os.RemoveAll(sc.Out); err != nil {
				return nil, fmt.Errorf("zoo %s: discard the old pre-training: %w", e.Name, err)
			}
		}
		log.Info("zoo pre-train", "model", e.Name, "objective", sc.ObjectiveKind(), "run", sc.Out)
		r, err := train.Run(ctx, &sc, train.Options{Progress: o.Progress, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("zoo %s pre-training: %w", e.Name, err)
		}
		ssl = r
		// The probe reads this run's weights; the untrained twin starts
		// where the pre-training did.
		cfg.Probe = &train.ProbeConfig{From: sc.Out}
		seed = sc.Seed
	}
	log.Info("zoo retrain", "model", e.Name, "run", cfg.Out, "dataset", cfg.Dataset)
	res, err := train.Run(ctx, &cfg, train.Options{Progress: o.Progress, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("zoo %s: %w", e.Name, err)
	}
	if res.Test == nil {
		return nil, fmt.Errorf("zoo %s: the run has no held-out test metrics", e.Name)
	}
	b, err := bundle.Load(ctx, res.BundlePath, bundle.Limits{})
	if err != nil {
		return nil, fmt.Errorf("zoo %s: %w", e.Name, err)
	}
	a := b.Manifest.Arch
	n, err := a.Count()
	if err != nil {
		return nil, fmt.Errorf("zoo %s: %w", e.Name, err)
	}
	best := res.History[res.BestEpoch-1]
	rec := &Record{Name: e.Name, Architecture: Describe(a), Width: a.Encoder.Width, Parameters: n,
		Benchmark: d.Spec.Name + " " + d.Spec.Version, DatasetDigest: b.Manifest.Training.DatasetDigest,
		Seed: cfg.Seed, Epochs: len(res.History), BestEpoch: res.BestEpoch, Commit: b.Manifest.Training.Commit,
		Trained: Scores{TestTop1: res.Test.Top1, TestTop5: res.Test.Top5, ValTop1: best.Val.Top1, ValTop5: best.Val.Top5, TestN: res.Test.N},
		Command: "whiskerbench zoo retrain " + e.Name}
	samples, trainSec := 0.0, 0.0
	for _, h := range res.History {
		rec.WallSeconds += h.WallSeconds
		samples += h.Seconds * h.SamplesPerSec
		trainSec += h.Seconds
	}
	if trainSec > 0 {
		rec.SamplesPerSecond = samples / trainSec
	}
	rec.Objective, rec.Augment = b.Manifest.Training.Objective, b.Manifest.Training.Augment
	if rec.Objective == "" {
		rec.Objective = arch.ObjectiveSupervised
	}
	if ssl != nil {
		rec.SSLEpochs, rec.SSLBestEpoch = len(ssl.History), ssl.BestEpoch
		for _, h := range ssl.History {
			rec.WallSeconds += h.WallSeconds
		}
	}
	un, err := untrained(ctx, a, &cfg, seed, b.Manifest.Training.Commit)
	if err != nil {
		return nil, fmt.Errorf("zoo %s untrained twin: %w", e.Name, err)
	}
	rec.Untrained = un.scores
	if err := bundle.Save(filepath.Join(zooDir, e.Name+UntrainedSuffix), un.bundle); err != nil {
		return nil, fmt.Errorf("zoo %s: %w", e.Name, err)
	}
	if err := bundle.Save(filepath.Join(zooDir, e.Name+BundleSuffix), b); err != nil {
		return nil, fmt.Errorf("zoo %s: %w", e.Name, err)
	}
	if err := copyFile(res.CurvePath, filepath.Join(zooDir, e.Name+CurveSuffix)); err != nil {
		return nil, fmt.Errorf("zoo %s: %w", e.Name, err)
	}
	if err := writeRecord(zooDir, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

type twin struct {
	bundle *bundle.Bundle
	scores Scores
}

// untrained initialises a with seed, exactly as the trainer does before
// its first step (for a probe: the pre-training's seed), and scores it on
// the validation and held-out splits.
func untrained(ctx context.Context, a arch.Config, cfg *train.Config, seed uint64, commit string) (*twin, error) {
	p, err := a.Init(seed)
	if err != nil {
		return nil, err
	}
	m, err := ead.New(a, p)
	if err != nil {
		return nil, err
	}
	val, err := train.Evaluate(ctx, m, cfg.Dataset, tactile.Validation, cfg.EvalBatchSize)
	if err != nil {
		return nil, err
	}
	test, err := train.Evaluate(ctx, m, cfg.TestDataset, tactile.Test, cfg.EvalBatchSize)
	if err != nil {
		return nil, err
	}
	b, err := bundle.New(a, p, bundle.Training{Seed: seed, Commit: commit, Metrics: map[string]float64{
		"val_loss": val.Loss, "val_top1": val.Top1, "val_top5": val.Top5,
		"test_loss": test.Loss, "test_top1": test.Top1, "test_top5": test.Top5,
	}})
	if err != nil {
		return nil, err
	}
	return &twin{bundle: b, scores: Scores{TestTop1: test.Top1, TestTop5: test.Top5, ValTop1: val.Top1, ValTop5: val.Top5, TestN: test.N}}, nil
}

// Describe names an architecture in a few words, e.g.
// "ConvRNN IntersectionRNN-LN + GPT (2×64) + linear",
// "ResNet-18 + Mamba (2×64) + linear", "S4 (2×64) + GPT (2×64) + linear".
func Describe(a arch.Config) string {
	var s string
	switch a.Encoder.Kind {
	case arch.EncoderResNet18:
		s = "ResNet-18"
	case arch.EncoderS4:
		s = fmt.Sprintf("S4 (%d×%d)", a.Encoder.NLayer, a.Encoder.DModel)
	default:
		cells := map[string]string{arch.CellTimeDecay: "TimeDecay", arch.CellUGRNN: "UGRNN", arch.CellIntersection: "IntersectionRNN", arch.CellGRU: "GRU", arch.CellLSTM: "LSTM"}
		c, ok := cells[a.Encoder.Cell]
		if !ok {
			c = a.Encoder.Cell
		}
		s = "ConvRNN " + c
		if a.Encoder.LayerNorm {
			s += "-LN"
		}
	}
	switch a.Attender.Kind {
	case arch.AttenderGPT:
		s += fmt.Sprintf(" + GPT (%d×%d)", a.Attender.NLayer, a.Attender.NEmbd)
	case arch.AttenderMamba:
		s += fmt.Sprintf(" + Mamba (%d×%d)", a.Attender.NLayer, a.Encoder.ReprDim)
	}
	return s + " + " + a.Decoder.Kind
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return nil
}

// ReadRecord reads NAME.json from zooDir.
func ReadRecord(zooDir, name string) (*Record, error) {
	b, err := os.ReadFile(filepath.Join(zooDir, name+RecordSuffix))
	if err != nil {
		return nil, fmt.Errorf("zoo %s: %w", name, err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("zoo %s: parse record: %w", name, err)
	}
	return &r, nil
}

// ErrNotTrained is wrapped by Table's error for a config without a record.
var ErrNotTrained = errors.New("not retrained yet")

// Table writes the zoo's Markdown table, one row per entry, from the
// records; an entry without a record is an error wrapping ErrNotTrained.
func Table(w io.Writer, zooDir string, entries []Entry) error {
	fmt.Fprintln(w, "| model | architecture | training | width | parameters | training data (tactile-shapes-v1 public) | epochs (best) | wall time | held-out top-1 / top-5 trained | untrained twin | neural rsa-paper-v1 trained / untrained | neural rsa-v2 trained [95% CI] / untrained | retrain |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, e := range entries {
		r, err := ReadRecord(zooDir, e.Name)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("zoo %s: %w (run 'whiskerbench zoo retrain %s')", e.Name, ErrNotTrained, e.Name)
		}
		if err != nil {
			return err
		}
		v1, v2 := "—", "—"
		if n := r.Neural; n != nil {
			v1 = fitText(n.Trained["rsa-paper-v1"], false) + " / " + fitText(n.Untrained["rsa-paper-v1"], false)
			v2 = fitText(n.Trained["rsa-v2"], true) + " / " + fitText(n.Untrained["rsa-v2"], false)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %g | %d | `%s` | %d (%d) | %s | %.3f / %.3f | %.3f / %.3f | %s | %s | `%s` |\n",
			r.Name, r.Architecture, r.Training(), r.Width, r.Parameters, shortDigest(r.DatasetDigest), r.Epochs, r.BestEpoch,
			(time.Duration(r.WallSeconds) * time.Second).String(), r.Trained.TestTop1, r.Trained.TestTop5,
			r.Untrained.TestTop1, r.Untrained.TestTop5, v1, v2, r.Command)
	}
	return nil
}

// Training says how the model was trained, e.g. "supervised" or
// "SimCLR (tactile) 16 (9) → linear probe" (pre-training epochs, best).
func (r *Record) Training() string {
	names := map[string]string{"simclr": "SimCLR", "simsiam": "SimSiam", "ae": "autoencoder"}
	n, ok := names[r.Objective]
	if !ok {
		if r.Objective == "" {
			return arch.ObjectiveSupervised
		}
		return r.Objective
	}
	if r.Augment != "" {
		n += " (" + r.Augment + ")"
	}
	return fmt.Sprintf("%s %d (%d) → linear probe", n, r.SSLEpochs, r.SSLBestEpoch)
}

// fitText formats a neural score ("0.412", or "0.412 [0.30, 0.51]" with
// ci); an undefined score is "n/a".
func fitText(f NeuralFit, ci bool) string {
	if f.Score == nil {
		return "n/a"
	}
	s := fmt.Sprintf("%.3f", *f.Score)
	if ci && f.CILow != nil && f.CIHigh != nil {
		s += fmt.Sprintf(" [%.2f, %.2f]", *f.CILow, *f.CIHigh)
	}
	return s
}

func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}
