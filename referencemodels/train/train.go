package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/progress"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
	"github.com/whiskerbench/whiskerbench/referencemodels/optim"
)

// Files of an output directory.
const (
	BundleFile    = "bundle.tar"
	CurveFile     = "curve.svg"
	CheckpointDir = "checkpoint"
)

// ErrNonFinite is wrapped by the error of a run stopped by a NaN or
// infinite loss or gradient.
var ErrNonFinite = errors.New("not finite")

// Options adjust a run without changing its result.
type Options struct {
	// Progress receives the progress bar and one summary line per epoch;
	// nil for none.
	Progress io.Writer
	// Logger receives structured events; nil discards them.
	Logger *slog.Logger
	// Commit is recorded in the bundle; "" detects it (Commit function).
	Commit string
	// AfterStep, when set, is called after every optimiser step with the
	// 0-based epoch and step (tests use it to interrupt a run).
	AfterStep func(epoch, step int)
}

// EpochStats summarise one epoch.
type EpochStats struct {
	Epoch int     `json:"epoch"` // 1-based
	LR    float64 `json:"lr"`
	Train Metrics `json:"train"` // loss and top-1 over the epoch's batches, before each update
	Val   Metrics `json:"val"`
	// Seconds and SamplesPerSec time the training part of the epoch.
	Seconds       float64 `json:"seconds"`
	SamplesPerSec float64 `json:"samples_per_sec"`
	// WallSeconds is the whole epoch up to its checkpoint: training,
	// validation and the bundle write.
	WallSeconds float64 `json:"wall_seconds,omitempty"`
}

// Result is what a run produced.
type Result struct {
	Dir        string
	BundlePath string
	CurvePath  string
	History    []EpochStats
	BestEpoch  int // 1-based
	Test       *Metrics
	// SSLPath is an SSL run's best pre-training weights description
	// (SSLManifestFile; BundlePath is then empty).
	SSLPath string
	// Final are the parameters after the last epoch.
	Final arch.Params
	// ResumedAt is the number of epochs that were already done when this
	// call started (0 for a fresh run).
	ResumedAt int
}

// Commit returns the whiskerbench commit: the VCS revision stamped into
// the binary, else `git rev-parse HEAD` in the working directory, else
// "unknown".
func Commit(ctx context.Context) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return rev
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if s := strings.TrimSpace(string(out)); err == nil && len(s) >= 7 {
		return s
	}
	return "unknown"
}

// DatasetDigest is "sha256:<hex>" of a dataset's manifest.json, which
// lists the SHA-256 of every shard of a complete build.
func DatasetDigest(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, tactile.ManifestFile))
	if err != nil {
		return "", fmt.Errorf("dataset digest: %w", err)
	}
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:]), nil
}

// newOptimizer builds the configured optimiser.
func newOptimizer(c OptimizerConfig) optim.Stateful {
	switch c.Kind {
	case "sgd":
		return &optim.SGD{LR: c.LR, Momentum: c.Momentum, WeightDecay: c.WeightDecay}
	case "lars":
		return &optim.LARS{LR: c.LR, Momentum: c.Momentum, WeightDecay: c.WeightDecay, Eta: *c.Eta}
	}
	return &optim.Adam{LR: c.LR, Beta1: *c.Beta1, Beta2: *c.Beta2, Eps: *c.Eps, WeightDecay: c.WeightDecay, Decoupled: c.Kind == "adamw"}
}

func setLR(o optim.Stateful, lr float64) {
	switch o := o.(type) {
	case *optim.SGD:
		o.LR = lr
	case *optim.Adam:
		o.LR = lr
	case *optim.LARS:
		o.LR = lr
	}
}

// Streams drawn from the seed: the data order and the dropout masks of
// epoch e depend only on (seed, e), so a resumed run draws what an
// uninterrupted one draws.
func shuffleRNG(seed uint64, e int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x7368_7566_0000_0000|uint64(e)))
}

func dropoutSeed(seed uint64, e int) uint64 { return seed ^ (0x9e37_79b9_7f4a_7c15 * uint64(e+1)) }

// run is the state of one training run.
type run struct {
	cfg     *Config
	opts    Options
	log     *slog.Logger
	arch    arch.Config
	digest  string // dataset
	commit  string
	train   split
	val     split
	test    split
	model   *ead.Model
	opt     optim.Stateful
	trainGr map[int]*ead.Graph
	evalGr  map[int]*ead.Graph
	st      *state
	best    arch.Params
	// probe is the pre-trained backbone of a linear probe, nil otherwise.
	probe *probeSource
}

// Run trains the model cfg describes, resuming from cfg.Out's checkpoint
// when one exists for the same config and dataset.
func Run(ctx context.Context, cfg *Config, opts Options) (*Result, error) {
	if cfg.ObjectiveKind() != arch.ObjectiveSupervised {
		return runSSL(ctx, cfg, opts)
	}
	r := &run{cfg: cfg, opts: opts, log: opts.Logger, trainGr: map[int]*ead.Graph{}, evalGr: map[int]*ead.Graph{}}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	defer r.close()
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	resumed := r.st.Epoch
	if resumed > 0 {
		r.log.Info("resuming", "dir", cfg.Out, "epochs_done", resumed, "of", cfg.Epochs)
		if r.opts.Progress != nil {
			fmt.Fprintf(r.opts.Progress, "resuming %s after epoch %d of %d\n", cfg.Out, resumed, cfg.Epochs)
		}
	}
	for e := r.st.Epoch; e < cfg.Epochs; e++ {
		if err := r.epoch(ctx, e); err != nil {
			return nil, err
		}
	}
	if !r.st.Done {
		if err := r.finish(ctx); err != nil {
			return nil, err
		}
	}
	return &Result{Dir: cfg.Out, BundlePath: filepath.Join(cfg.Out, BundleFile), CurvePath: filepath.Join(cfg.Out, CurveFile),
		History: r.st.History, BestEpoch: r.st.BestEpoch, Test: r.st.Test, Final: r.model.Params, ResumedAt: resumed}, nil
}

func (r *run) close() {
	for _, g := range r.trainGr {
		g.Close()
	}
	for _, g := range r.evalGr {
		g.Close()
	}
}

func (r *run) setup(ctx context.Context) error {
	cfg := r.cfg
	m, digest, err := openDataset(cfg.Dataset)
	if err != nil {
		return err
	}
	r.digest = digest
	if cfg.Probe != nil {
		if r.probe, err = loadProbeSource(ctx, cfg.Probe.From); err != nil {
			return err
		}
		r.arch = r.probe.probeArch(len(m.ClassNames))
	} else if r.arch, err = cfg.Architecture(len(m.ClassNames)); err != nil {
		return err
	}
	r.train = newSplit(cfg.Dataset, m, tactile.Train, r.arch.Classes)
	r.val = newSplit(cfg.Dataset, m, tactile.Validation, r.arch.Classes)
	r.test = newSplit(cfg.Dataset, m, tactile.Test, r.arch.Classes)
	if cfg.TestDataset != "" {
		tm, err := readTestManifest(cfg.TestDataset, m)
		if err != nil {
			return err
		}
		r.test = newSplit(cfg.TestDataset, tm, tactile.Test, r.arch.Classes)
		if r.test.n == 0 {
			return fmt.Errorf("test_dataset %s has no test sweeps", cfg.TestDataset)
		}
	}
	if r.train.n == 0 || r.val.n == 0 {
		return fmt.Errorf("dataset %s has %d train and %d validation sweeps; training needs both splits", cfg.Dataset, r.train.n, r.val.n)
	}
	if r.commit, err = prepareOut(ctx, cfg, r.opts); err != nil {
		return err
	}
	r.opt = newOptimizer(cfg.Optimizer)
	st, params, err := loadCheckpoint(filepath.Join(cfg.Out, CheckpointDir), r.arch, r.opt)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if params, err = r.arch.Init(cfg.Seed); err != nil {
			return err
		}
		if r.probe != nil {
			if err := r.probe.copyBackbone(params); err != nil {
				return err
			}
		}
		st = &state{Format: checkpointFormat, ConfigDigest: cfg.Digest(), DatasetDigest: r.digest, BestEpoch: 0}
	case err != nil:
		return err
	default:
		if err := st.resumable(cfg, r.digest); err != nil {
			return err
		}
		if st.BestEpoch > 0 {
			b, err := bundle.Load(ctx, filepath.Join(cfg.Out, BundleFile), bundle.Limits{})
			if err != nil {
				return fmt.Errorf("resume: the best-validation bundle: %w", err)
			}
			r.best = b.Params
		}
	}
	r.st = st
	if r.model, err = ead.New(r.arch, params); err != nil {
		return err
	}
	n, _ := r.arch.Count()
	r.log.Info("training", "dataset", cfg.Dataset, "train", r.train.n, "val", r.val.n, "test", r.test.n,
		"parameters", n, "epochs", cfg.Epochs, "batch", cfg.BatchSize, "optimizer", cfg.OptimizerName(), "schedule", cfg.ScheduleName())
	return nil
}

// openDataset reads the manifest of the training dataset in dir, checks
// that it is completely built and returns it with its digest.
func openDataset(dir string) (*tactile.Manifest, string, error) {
	m, err := tactile.ReadManifest(dir)
	if err != nil {
		return nil, "", err
	}
	if !m.Complete {
		return nil, "", fmt.Errorf("dataset %s is not completely built (run 'whiskerbench dataset build' again to finish it)", dir)
	}
	digest, err := DatasetDigest(dir)
	if err != nil {
		return nil, "", err
	}
	return m, digest, nil
}

// prepareOut creates the run's checkpoint directory and returns the commit
// the run records.
func prepareOut(ctx context.Context, cfg *Config, opts Options) (string, error) {
	commit := opts.Commit
	if commit == "" {
		commit = Commit(ctx)
	}
	if err := os.MkdirAll(filepath.Join(cfg.Out, CheckpointDir), 0o755); err != nil {
		return "", fmt.Errorf("create output directory: %w", err)
	}
	return commit, nil
}

// resumable reports why a checkpoint cannot continue under cfg on the
// dataset with digest, or nil.
func (st *state) resumable(cfg *Config, digest string) error {
	if st.ConfigDigest != cfg.Digest() {
		return fmt.Errorf("%s holds a run of a different config; give the config that started it, or another out directory", cfg.Out)
	}
	if st.DatasetDigest != digest {
		return fmt.Errorf("%s was trained on a different dataset (%s, now %s); use another out directory", cfg.Out, st.DatasetDigest, digest)
	}
	return nil
}

// readTestManifest reads the manifest of a separate test dataset and
// checks that it is complete and labels the classes as train does.
func readTestManifest(dir string, train *tactile.Manifest) (*tactile.Manifest, error) {
	m, err := tactile.ReadManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("test_dataset: %w", err)
	}
	if !m.Complete {
		return nil, fmt.Errorf("test_dataset %s is not completely built", dir)
	}
	if !slices.Equal(m.ClassNames, train.ClassNames) {
		return nil, fmt.Errorf("test_dataset %s has classes %q, the training dataset %q", dir, m.ClassNames, train.ClassNames)
	}
	return m, nil
}

// Evaluate scores a model in inference mode on one split (tactile.Train,
// Validation or Test) of the dataset in dir, in batches of batch sweeps.
// It scores untrained controls with the metrics Run reports.
func Evaluate(ctx context.Context, model *ead.Model, dir, splitName string, batch int) (Metrics, error) {
	if batch < 1 {
		return Metrics{}, fmt.Errorf("evaluate: batch %d must be positive", batch)
	}
	m, err := tactile.ReadManifest(dir)
	if err != nil {
		return Metrics{}, err
	}
	if !m.Complete {
		return Metrics{}, fmt.Errorf("dataset %s is not completely built", dir)
	}
	s := newSplit(dir, m, splitName, model.Config.Classes)
	if s.n == 0 {
		return Metrics{}, fmt.Errorf("dataset %s has no %s sweeps", dir, splitName)
	}
	r := &run{cfg: &Config{EvalBatchSize: batch}, model: model, evalGr: map[int]*ead.Graph{}}
	defer r.close()
	return r.evaluate(ctx, s)
}

func (r *run) graph(cache map[int]*ead.Graph, batch int, train bool) (*ead.Graph, error) {
	if g, ok := cache[batch]; ok {
		return g, nil
	}
	g, err := r.model.Build(ead.Options{Batch: batch, Train: train, FrozenBackbone: train && r.probe != nil})
	if err != nil {
		return nil, err
	}
	cache[batch] = g
	return g, nil
}

// clip scales grads to global L2 norm at most max (max 0: no scaling) as
// torch.nn.utils.clip_grad_norm_ does, and returns the norm before.
func clip(grads [][]float32, max float64) float64 {
	s := 0.0
	for _, g := range grads {
		for _, v := range g {
			s += float64(v) * float64(v)
		}
	}
	norm := math.Sqrt(s)
	if max > 0 {
		if c := max / (norm + 1e-6); c < 1 {
			for _, g := range grads {
				for j := range g {
					g[j] *= float32(c)
				}
			}
		}
	}
	return norm
}

func (r *run) epoch(ctx context.Context, e int) error {
	cfg := r.cfg
	lr := cfg.Optimizer.LR * cfg.Schedule.LRFactor(e, cfg.Epochs)
	setLR(r.opt, lr)
	for _, g := range r.trainGr {
		g.SeedDropout(dropoutSeed(cfg.Seed, e))
	}
	var bar *progress.Bar
	if r.opts.Progress != nil {
		bar = progress.New(r.opts.Progress, fmt.Sprintf("epoch %d/%d", e+1, cfg.Epochs), int64(r.train.n), progress.Options{Unit: "samples"})
	}
	var tl tally
	step := 0
	start := time.Now()
	err := r.train.batches(ctx, shuffleRNG(cfg.Seed, e), cfg.BatchSize, func(x ndarray.Array, labels []int) error {
		_, built := r.trainGr[len(labels)]
		g, err := r.graph(r.trainGr, len(labels), true)
		if err != nil {
			return err
		}
		if !built { // a graph built mid-epoch starts on this epoch's masks
			g.SeedDropout(dropoutSeed(cfg.Seed, e))
		}
		loss, logits, grads, err := g.Step(ctx, x, labels)
		if err != nil {
			return err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("training stopped at epoch %d, batch %d: the loss is %v (%w); the last good checkpoint is epoch %d — lower the learning rate or set grad_clip",
				e+1, step+1, loss, ErrNonFinite, e)
		}
		if norm := clip(grads, cfg.GradClip); math.IsNaN(norm) || math.IsInf(norm, 0) {
			return fmt.Errorf("training stopped at epoch %d, batch %d: the gradient norm is %v (%w); the last good checkpoint is epoch %d — lower the learning rate or set grad_clip",
				e+1, step+1, norm, ErrNonFinite, e)
		}
		if err := r.opt.Step(r.model.Params, grads); err != nil {
			return err
		}
		n := len(labels)
		tl.loss += loss * float64(n)
		tl.addLogits(logits, labels, false)
		if bar != nil {
			m := tl.metrics()
			bar.SetExtra(fmt.Sprintf("loss %.4f  acc %.3f  lr %.3g", m.Loss, m.Top1, lr))
			bar.Add(int64(n))
		}
		if r.opts.AfterStep != nil {
			r.opts.AfterStep(e, step)
		}
		step++
		return nil
	})
	if err != nil {
		return err
	}
	el := time.Since(start).Seconds()
	if bar != nil {
		bar.Finish()
	}
	val, err := r.evaluate(ctx, r.val)
	if err != nil {
		return fmt.Errorf("validation after epoch %d: %w", e+1, err)
	}
	es := EpochStats{Epoch: e + 1, LR: lr, Train: tl.metrics(), Val: val, Seconds: el, SamplesPerSec: float64(r.train.n) / el}
	r.st.History = append(r.st.History, es)
	r.st.Epoch = e + 1
	improved := r.st.BestEpoch == 0 || val.Top1 > r.st.History[r.st.BestEpoch-1].Val.Top1
	if improved {
		r.st.BestEpoch = e + 1
		r.best = r.model.Params.Clone()
		if err := r.saveBundle(nil); err != nil {
			return err
		}
	}
	r.st.History[len(r.st.History)-1].WallSeconds = time.Since(start).Seconds()
	if err := saveCheckpoint(filepath.Join(r.cfg.Out, CheckpointDir), r.st, r.model.Params, r.opt); err != nil {
		return err
	}
	if err := writeCurve(filepath.Join(r.cfg.Out, CurveFile), r.st.History, r.st.BestEpoch); err != nil {
		return err
	}
	r.log.Info("epoch", "epoch", e+1, "lr", lr, "train_loss", es.Train.Loss, "train_top1", es.Train.Top1,
		"val_loss", val.Loss, "val_top1", val.Top1, "val_top5", val.Top5, "samples_per_sec", es.SamplesPerSec, "best_epoch", r.st.BestEpoch)
	if r.opts.Progress != nil {
		b := r.st.History[r.st.BestEpoch-1]
		fmt.Fprintf(r.opts.Progress, "epoch %d/%d  train loss %.4f top1 %.3f  val loss %.4f top1 %.3f top5 %.3f  %.1f samples/s  best val top1 %.3f (epoch %d)%s\n",
			e+1, r.cfg.Epochs, es.Train.Loss, es.Train.Top1, val.Loss, val.Top1, val.Top5, es.SamplesPerSec, b.Val.Top1, b.Epoch, r.runETA())
	}
	return nil
}

// runETA estimates the time left for the remaining epochs.
func (r *run) runETA() string {
	left := r.cfg.Epochs - r.st.Epoch
	if left == 0 {
		return ""
	}
	s := 0.0
	for _, h := range r.st.History {
		s += h.Seconds
	}
	per := s / float64(len(r.st.History))
	return fmt.Sprintf("  run ETA %s", (time.Duration(per*float64(left)) * time.Second).Round(time.Second))
}

// evaluate scores the current parameters on a split in inference mode.
func (r *run) evaluate(ctx context.Context, s split) (Metrics, error) {
	var t tally
	err := s.batches(ctx, nil, r.cfg.EvalBatchSize, func(x ndarray.Array, labels []int) error {
		g, err := r.graph(r.evalGr, len(labels), false)
		if err != nil {
			return err
		}
		out, err := g.Forward(ctx, x)
		if err != nil {
			return err
		}
		t.addLogits(out.Logits, labels, true)
		return nil
	})
	return t.metrics(), err
}

// saveBundle writes the best parameters as the run's bundle.
func (r *run) saveBundle(test *Metrics) error {
	b := r.st.History[r.st.BestEpoch-1]
	metrics := map[string]float64{
		"train_loss": b.Train.Loss, "train_top1": b.Train.Top1,
		"val_loss": b.Val.Loss, "val_top1": b.Val.Top1, "val_top5": b.Val.Top5,
	}
	if test != nil {
		metrics["test_loss"], metrics["test_top1"], metrics["test_top5"] = test.Loss, test.Top1, test.Top5
	}
	tr := bundle.Training{DatasetDigest: r.digest, Seed: r.cfg.Seed, Commit: r.commit,
		Epochs: r.st.Epoch, BestEpoch: r.st.BestEpoch, Optimizer: r.cfg.OptimizerName(), Schedule: r.cfg.ScheduleName(), Metrics: metrics}
	if r.probe != nil {
		tr.Objective, tr.Augment, tr.SSLSource = r.probe.objective, r.probe.augment, r.probe.source
	}
	bu, err := bundle.New(r.arch, r.best, tr)
	if err != nil {
		return err
	}
	return bundle.Save(filepath.Join(r.cfg.Out, BundleFile), bu)
}

// finish scores the best parameters on the test split (when the dataset
// has one), rewrites the bundle with the test metrics and marks the run
// done.
func (r *run) finish(ctx context.Context) error {
	if r.test.n > 0 {
		m, err := ead.New(r.arch, r.best)
		if err != nil {
			return err
		}
		saved := r.model
		r.model = m
		r.close()
		r.trainGr, r.evalGr = map[int]*ead.Graph{}, map[int]*ead.Graph{}
		t, err := r.evaluate(ctx, r.test)
		r.model = saved
		if err != nil {
			return fmt.Errorf("test: %w", err)
		}
		r.st.Test = &t
		r.log.Info("test", "best_epoch", r.st.BestEpoch, "test_loss", t.Loss, "test_top1", t.Top1, "test_top5", t.Top5)
		if r.opts.Progress != nil {
			fmt.Fprintf(r.opts.Progress, "test (best validation epoch %d): loss %.4f top1 %.3f top5 %.3f on %d sweeps\n", r.st.BestEpoch, t.Loss, t.Top1, t.Top5, t.N)
		}
	}
	if err := r.saveBundle(r.st.Test); err != nil {
		return err
	}
	r.st.Done = true
	return saveCheckpoint(filepath.Join(r.cfg.Out, CheckpointDir), r.st, r.model.Params, r.opt)
}
