package train

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/progress"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/augment"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
	"github.com/whiskerbench/whiskerbench/referencemodels/optim"
)

// Files of an SSL run's output directory (besides curve.svg and
// checkpoint/).
const (
	SSLManifestFile = "ssl.json"
	SSLWeightsFile  = "ssl.npz"
)

const sslFormat = 1

// SSLManifest is ssl.json: what an SSL run's best (minimum validation
// loss) weights in ssl.npz are. The weights are the backbone and head
// parameters of Arch and Head (arch.Config.SSLSpecs), by name, float32.
type SSLManifest struct {
	FormatVersion int          `json:"format_version"`
	Arch          arch.Config  `json:"arch"`
	Head          arch.SSLHead `json:"head"`
	// Augment is the view augmentation ("" for the autoencoder).
	Augment string `json:"augment,omitempty"`
	// WeightsSHA256 is the hex SHA-256 of ssl.npz.
	WeightsSHA256 string          `json:"weights_sha256"`
	Training      bundle.Training `json:"training"`
}

// sslRun is the state of one SSL pre-training run.
type sslRun struct {
	cfg     *Config
	opts    Options
	log     *slog.Logger
	arch    arch.Config
	head    arch.SSLHead
	tf      augment.Transform
	digest  string
	commit  string
	train   split
	val     split
	model   *ead.SSLModel
	opt     optim.Stateful
	trainGr map[int]*ead.SSLGraph
	evalGr  map[int]*ead.SSLGraph
	st      *state
	best    arch.Params
}

// Streams of the view augmentation: training draws depend on (seed,
// epoch) only; validation uses the same draws every epoch, so validation
// losses compare across epochs.
func augRNG(seed uint64, e int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x6175_6700_0000_0000|uint64(e)))
}

func valAugRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x7661_6c61_7567_0000)) }

func runSSL(ctx context.Context, cfg *Config, opts Options) (*Result, error) {
	r := &sslRun{cfg: cfg, opts: opts, log: opts.Logger, trainGr: map[int]*ead.SSLGraph{}, evalGr: map[int]*ead.SSLGraph{}}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	defer r.close()
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	resumed := r.st.Epoch
	for e := r.st.Epoch; e < cfg.Epochs; e++ {
		if err := r.epoch(ctx, e); err != nil {
			return nil, err
		}
	}
	if !r.st.Done {
		r.st.Done = true
		if err := saveCheckpoint(filepath.Join(cfg.Out, CheckpointDir), r.st, r.model.Params, r.opt); err != nil {
			return nil, err
		}
	}
	return &Result{Dir: cfg.Out, SSLPath: filepath.Join(cfg.Out, SSLManifestFile), CurvePath: filepath.Join(cfg.Out, CurveFile),
		History: r.st.History, BestEpoch: r.st.BestEpoch, Final: r.model.Params, ResumedAt: resumed}, nil
}

func (r *sslRun) close() {
	for _, g := range r.trainGr {
		g.Close()
	}
	for _, g := range r.evalGr {
		g.Close()
	}
}

func (r *sslRun) setup(ctx context.Context) error {
	cfg := r.cfg
	m, digest, err := openDataset(cfg.Dataset)
	if err != nil {
		return err
	}
	r.digest = digest
	if r.arch, err = cfg.Architecture(len(m.ClassNames)); err != nil {
		return err
	}
	r.head = cfg.Head()
	if cfg.ObjectiveKind() != arch.ObjectiveAE {
		if r.tf, err = augment.Parse(cfg.Augment); err != nil {
			return err
		}
	}
	r.train = newSplit(cfg.Dataset, m, tactile.Train, r.arch.Classes)
	r.val = newSplit(cfg.Dataset, m, tactile.Validation, r.arch.Classes)
	if r.train.n == 0 || r.val.n == 0 {
		return fmt.Errorf("dataset %s has %d train and %d validation sweeps; training needs both splits", cfg.Dataset, r.train.n, r.val.n)
	}
	if r.commit, err = prepareOut(ctx, cfg, r.opts); err != nil {
		return err
	}
	specs, err := r.arch.SSLSpecs(r.head)
	if err != nil {
		return err
	}
	r.opt = newOptimizer(cfg.Optimizer)
	st, params, err := loadCheckpointSpecs(filepath.Join(cfg.Out, CheckpointDir), specs, r.opt)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if params, err = r.arch.SSLInit(r.head, cfg.Seed); err != nil {
			return err
		}
		st = &state{Format: checkpointFormat, ConfigDigest: cfg.Digest(), DatasetDigest: r.digest}
	case err != nil:
		return err
	default:
		if err := st.resumable(cfg, r.digest); err != nil {
			return err
		}
		src, err := loadSSL(filepath.Join(cfg.Out, SSLManifestFile))
		if err != nil {
			return fmt.Errorf("resume: the best-validation SSL weights: %w", err)
		}
		r.best = src.params
	}
	r.st = st
	if r.model, err = ead.NewSSL(r.arch, r.head, params); err != nil {
		return err
	}
	r.log.Info("ssl pre-training", "objective", r.head.Objective, "augment", cfg.Augment, "dataset", cfg.Dataset,
		"train", r.train.n, "val", r.val.n, "epochs", cfg.Epochs, "batch", cfg.BatchSize, "optimizer", cfg.OptimizerName(), "schedule", cfg.ScheduleName())
	return nil
}

// views returns the graph input for a batch x of n samples: for SimCLR and
// SimSiam two separate augmentation calls (one random draw each, shared by
// the whole batch; paper-spec §2.11) interleaved as samples 2i, 2i+1; for
// the autoencoder x itself, not augmented.
func (r *sslRun) views(x ndarray.Array, rng *rand.Rand) (ndarray.Array, error) {
	if r.tf == nil {
		return x, nil
	}
	a, _, err := r.tf.Apply(x, rng)
	if err != nil {
		return ndarray.Array{}, err
	}
	b, _, err := r.tf.Apply(x, rng)
	if err != nil {
		return ndarray.Array{}, err
	}
	n := x.Shape[0]
	out := ndarray.Zeros32(append([]int{2 * n}, x.Shape[1:]...)...)
	for i := 0; i < n; i++ {
		copy(out.F32[(2*i)*sampleSize:], a.F32[i*sampleSize:(i+1)*sampleSize])
		copy(out.F32[(2*i+1)*sampleSize:], b.F32[i*sampleSize:(i+1)*sampleSize])
	}
	return out, nil
}

func (r *sslRun) graph(cache map[int]*ead.SSLGraph, n int, train bool) (*ead.SSLGraph, error) {
	if g, ok := cache[n]; ok {
		return g, nil
	}
	g, err := r.model.Build(ead.Options{Batch: n, Train: train})
	if err != nil {
		return nil, err
	}
	cache[n] = g
	return g, nil
}

func (r *sslRun) epoch(ctx context.Context, e int) error {
	cfg := r.cfg
	lr := cfg.Optimizer.LR * cfg.Schedule.LRFactor(e, cfg.Epochs)
	setLR(r.opt, lr)
	for _, g := range r.trainGr {
		g.SeedDropout(dropoutSeed(cfg.Seed, e))
	}
	var bar *progress.Bar
	if r.opts.Progress != nil {
		bar = progress.New(r.opts.Progress, fmt.Sprintf("%s epoch %d/%d", r.head.Objective, e+1, cfg.Epochs), int64(r.train.n), progress.Options{Unit: "samples"})
	}
	arng := augRNG(cfg.Seed, e)
	var sum float64
	var count, step int
	start := time.Now()
	err := r.train.batches(ctx, shuffleRNG(cfg.Seed, e), cfg.BatchSize, func(x ndarray.Array, labels []int) error {
		v, err := r.views(x, arng)
		if err != nil {
			return err
		}
		_, built := r.trainGr[v.Shape[0]]
		g, err := r.graph(r.trainGr, v.Shape[0], true)
		if err != nil {
			return err
		}
		if !built {
			g.SeedDropout(dropoutSeed(cfg.Seed, e))
		}
		loss, grads, err := g.Step(ctx, v)
		if err != nil {
			return err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("training stopped at epoch %d, batch %d: the loss is %v (%w)", e+1, step+1, loss, ErrNonFinite)
		}
		if norm := clip(grads, cfg.GradClip); math.IsNaN(norm) || math.IsInf(norm, 0) {
			return fmt.Errorf("training stopped at epoch %d, batch %d: the gradient norm is %v (%w)", e+1, step+1, norm, ErrNonFinite)
		}
		if err := r.opt.Step(r.model.Params, grads); err != nil {
			return err
		}
		n := len(labels)
		sum += loss * float64(n)
		count += n
		if bar != nil {
			bar.SetExtra(fmt.Sprintf("loss %.4f  lr %.3g", sum/float64(count), lr))
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
	val, err := r.evaluate(ctx)
	if err != nil {
		return fmt.Errorf("validation after epoch %d: %w", e+1, err)
	}
	es := EpochStats{Epoch: e + 1, LR: lr, Train: Metrics{N: count, Loss: sum / float64(count)}, Val: val, Seconds: el, SamplesPerSec: float64(r.train.n) / el}
	r.st.History = append(r.st.History, es)
	r.st.Epoch = e + 1
	// The SSL checkpoint kept is the one of minimum validation loss
	// (paper-spec §2.11, val_best).
	if r.st.BestEpoch == 0 || val.Loss < r.st.History[r.st.BestEpoch-1].Val.Loss {
		r.st.BestEpoch = e + 1
		r.best = r.model.Params.Clone()
		if err := r.saveBest(); err != nil {
			return err
		}
	}
	r.st.History[len(r.st.History)-1].WallSeconds = time.Since(start).Seconds()
	if err := saveCheckpoint(filepath.Join(cfg.Out, CheckpointDir), r.st, r.model.Params, r.opt); err != nil {
		return err
	}
	if err := writeLossCurve(filepath.Join(cfg.Out, CurveFile), r.head.Objective+" loss", r.st.History, r.st.BestEpoch); err != nil {
		return err
	}
	r.log.Info("epoch", "epoch", e+1, "lr", lr, "train_loss", es.Train.Loss, "val_loss", val.Loss, "best_epoch", r.st.BestEpoch)
	if r.opts.Progress != nil {
		b := r.st.History[r.st.BestEpoch-1]
		fmt.Fprintf(r.opts.Progress, "epoch %d/%d  train %s loss %.4f  val loss %.4f  %.1f samples/s  best val loss %.4f (epoch %d)\n",
			e+1, cfg.Epochs, r.head.Objective, es.Train.Loss, val.Loss, es.SamplesPerSec, b.Val.Loss, b.Epoch)
	}
	return nil
}

// evaluate returns the mean SSL loss over the validation split in
// inference mode, views drawn from the fixed validation stream.
func (r *sslRun) evaluate(ctx context.Context) (Metrics, error) {
	rng := valAugRNG(r.cfg.Seed)
	var sum float64
	var n int
	err := r.val.batches(ctx, nil, r.cfg.EvalBatchSize, func(x ndarray.Array, labels []int) error {
		v, err := r.views(x, rng)
		if err != nil {
			return err
		}
		g, err := r.graph(r.evalGr, v.Shape[0], false)
		if err != nil {
			return err
		}
		l, err := g.Loss(ctx, v)
		if err != nil {
			return err
		}
		sum += l * float64(len(labels))
		n += len(labels)
		return nil
	})
	if err != nil {
		return Metrics{}, err
	}
	return Metrics{N: n, Loss: sum / float64(n)}, nil
}

// saveBest writes ssl.npz then ssl.json (each atomically).
func (r *sslRun) saveBest() error {
	arrays := make([]npz.Named, len(r.best))
	for i, p := range r.best {
		arrays[i] = npz.Named{Name: p.Name, Array: ndarray.FromFloat32(p.Shape, p.Data)}
	}
	path := filepath.Join(r.cfg.Out, SSLWeightsFile)
	tmp := path + ".tmp"
	if err := npz.WriteFile(tmp, arrays); err != nil {
		return fmt.Errorf("save ssl weights: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save ssl weights: %w", err)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return err
	}
	b := r.st.History[r.st.BestEpoch-1]
	m := SSLManifest{FormatVersion: sslFormat, Arch: r.arch, Head: r.head, Augment: r.cfg.Augment, WeightsSHA256: sum,
		Training: bundle.Training{DatasetDigest: r.digest, Seed: r.cfg.Seed, Commit: r.commit, Epochs: r.st.Epoch, BestEpoch: r.st.BestEpoch,
			Optimizer: r.cfg.OptimizerName(), Schedule: r.cfg.ScheduleName(), Objective: r.head.Objective, Augment: r.cfg.Augment,
			Metrics: map[string]float64{"train_loss": b.Train.Loss, "val_loss": b.Val.Loss}}}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("save ssl manifest: %w", err)
	}
	return writeAtomic(filepath.Join(r.cfg.Out, SSLManifestFile), append(js, '\n'))
}

func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}

// sslWeights is a loaded SSL manifest with its parameters.
type sslWeights struct {
	path     string
	manifest SSLManifest
	params   arch.Params
}

// loadSSL reads ssl.json (path) and the ssl.npz beside it, checking the
// weights' hash and that they match the manifest's parameter list.
func loadSSL(path string) (*sslWeights, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ssl weights: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m SSLManifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.FormatVersion != sslFormat {
		return nil, fmt.Errorf("%s: format %d, this build reads %d", path, m.FormatVersion, sslFormat)
	}
	specs, err := m.Arch.SSLSpecs(m.Head)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	wp := filepath.Join(filepath.Dir(path), SSLWeightsFile)
	sum, err := fileSHA256(wp)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(sum, m.WeightsSHA256) {
		return nil, fmt.Errorf("%s: SHA-256 %s, the manifest says %s", wp, sum, m.WeightsSHA256)
	}
	arrays, err := npz.ReadFile(wp, npz.Limits{MaxArrays: len(specs)})
	if err != nil {
		return nil, fmt.Errorf("ssl weights: %w", err)
	}
	if len(arrays) != len(specs) {
		return nil, fmt.Errorf("%s: %d tensors, the manifest's model has %d", wp, len(arrays), len(specs))
	}
	params := make(arch.Params, len(specs))
	for i, s := range specs {
		a := arrays[i].Array
		if arrays[i].Name != s.Name || a.DType != ndarray.Float32 || ndarray.ShapeString(a.Shape) != ndarray.ShapeString(s.Shape) {
			return nil, fmt.Errorf("%s: tensor %d is %s %s %s, want %s float32 %s", wp, i, arrays[i].Name, a.DType, a.ShapeString(), s.Name, ndarray.ShapeString(s.Shape))
		}
		params[i] = arch.Param{Spec: s, Data: a.F32}
	}
	if _, err := ead.NewSSL(m.Arch, m.Head, params); err != nil {
		return nil, fmt.Errorf("%s: %w", wp, err)
	}
	return &sslWeights{path: path, manifest: m, params: params}, nil
}
