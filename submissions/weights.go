package submissions

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
	"github.com/whiskerbench/whiskerbench/submissions/blobs"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

// ErrFailed marks an error after which the submission has been marked
// failed with a reason a person can act on: running it again gives the
// same answer, so a job runner should not retry it.
var ErrFailed = errors.New("submission failed")

// bundleBatch is the batch size a bundle is run with on the server.
const bundleBatch = 16

// Default compute budget of a weights submission.
const (
	DefaultMaxBundleParams = 50_000_000
	DefaultMaxBundleTime   = 30 * time.Minute
)

// bundleLimits bounds what reading a bundle may hold in memory: its
// weights, as stored and decoded, may not exceed the upload limit nor
// what the parameter budget needs in float32 (plus room for the npz
// headers).
func (s *Service) bundleLimits() bundle.Limits {
	w := min(s.opt.MaxUploadBytes, 4*s.opt.MaxBundleParams+16<<20)
	return bundle.Limits{MaxWeightsBytes: w}
}

// bundleManifest reads only manifest.json of a tar bundle, skipping the
// weights, so that an architecture over the parameter budget is refused
// before any weight is read.
func bundleManifest(r io.Reader) (*bundle.Manifest, error) {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("the tar holds no %s", bundle.ManifestFile)
		}
		if err != nil {
			return nil, fmt.Errorf("read tar: %w", err)
		}
		if h.Name == bundle.ManifestFile && h.Typeflag == tar.TypeReg {
			m, err := bundle.ParseManifest(tr, bundle.DefaultLimits().MaxManifestBytes)
			if err != nil {
				return nil, err
			}
			return m, nil
		}
	}
}

// checkBundle validates a weights upload: a bundle tar whose manifest,
// tensor names, shapes, dtypes and values the bundle loader accepts, and
// whose architecture fits this server's parameter budget. It returns the
// layers the server will compute for each of the benchmarks' inputs.
func (s *Service) checkBundle(ctx context.Context, f blobs.File, want intake.Expect) (intake.Layers, []intake.Problem) {
	notBundle := func(err error) []intake.Problem {
		return []intake.Problem{{Array: "bundle", Message: fmt.Sprintf("%v (a weights upload is a .tar holding %s and %s; see docs/bundle.md)", err, bundle.ManifestFile, bundle.WeightsFile)}}
	}
	m, err := bundleManifest(io.NewSectionReader(f, 0, f.Size()))
	if err != nil {
		return nil, notBundle(err)
	}
	n, err := m.Arch.Count()
	if err != nil {
		return nil, []intake.Problem{{Array: bundle.ManifestFile, Message: err.Error()}}
	}
	if int64(n) > s.opt.MaxBundleParams {
		return nil, []intake.Problem{{Array: "bundle", Message: fmt.Sprintf("the architecture has %d parameters, more than this server's compute budget of %d (--max-bundle-params); upload the model's activations instead (kind activations)", n, s.opt.MaxBundleParams)}}
	}
	b, err := bundle.ReadTar(ctx, io.NewSectionReader(f, 0, f.Size()), s.bundleLimits())
	if err != nil {
		if ctx.Err() != nil {
			return nil, []intake.Problem{{Array: "bundle", Message: "the upload was cancelled while it was checked"}}
		}
		return nil, notBundle(err)
	}
	return bundleLayers(ead.LayerNames(b.Manifest.Arch), want), nil
}

// bundleLayers lists layers under every input the benchmarks have.
func bundleLayers(layers []string, want intake.Expect) intake.Layers {
	out := intake.Layers{}
	for _, in := range []struct {
		name string
		rows int
	}{{intake.InputNeural, want.Neural}, {intake.InputTrain, want.Train}, {intake.InputValidation, want.Validation}, {intake.InputTest, want.Test}} {
		if in.rows > 0 {
			out[in.name] = append([]string(nil), layers...)
		}
	}
	return out
}

// benchmarkInputs returns the inputs a bundle is run on, in archive
// order: the neural stimuli, then the classification train, validation
// and held-out test inputs, each (n, 22, 30, 5, 7).
func benchmarkInputs(cur []catalog.Benchmark) ([]inputArray, error) {
	var out []inputArray
	for _, b := range cur {
		switch b.Kind {
		case benchmarks.NeuralRSA:
			spec, err := b.Spec()
			if err != nil {
				return nil, err
			}
			stim, _, err := catalog.LoadNeural(b.DataDir, spec)
			if err != nil {
				return nil, fmt.Errorf("stimuli of %s %s: %w", b.Name, b.Version, err)
			}
			out = append(out, inputArray{intake.InputNeural, stim})
		case benchmarks.Classification:
			tr, va, te, _, err := catalog.ClassificationSplits(b.DataDir)
			if err != nil {
				return nil, fmt.Errorf("inputs of %s %s: %w", b.Name, b.Version, err)
			}
			for _, in := range []inputArray{{intake.InputTrain, tr.Inputs}, {intake.InputValidation, va.Inputs}, {intake.InputTest, te.Inputs}} {
				if in.x.Dims() > 0 && in.x.Shape[0] > 0 {
					out = append(out, in)
				}
			}
		}
	}
	return out, nil
}

type inputArray struct {
	name string
	x    ndarray.Array
}

// runBundle runs a weights submission's bundle in inference mode on the
// current benchmarks' inputs within the time budget, stores the
// activations as an npz blob in the submission format (<input>__<layer>)
// and records its digest. A problem of the submission itself (a bundle
// this server no longer accepts, a run over the time budget, non-finite
// activations) marks it failed and returns an ErrFailed error.
func (s *Service) runBundle(ctx context.Context, sub Submission, cur []catalog.Benchmark, progress func(float64)) (string, error) {
	bf, err := s.blobs.Open(ctx, sub.BlobDigest)
	if err != nil {
		return "", fmt.Errorf("open bundle of submission %d: %w", sub.ID, err)
	}
	defer bf.Close()
	b, err := bundle.ReadTar(ctx, io.NewSectionReader(bf, 0, bf.Size()), s.bundleLimits())
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("read bundle of submission %d: %w", sub.ID, err)
		}
		return "", s.failWith(ctx, sub.ID, fmt.Sprintf("this server can no longer read the bundle: %v; upload it again or upload its activations", err))
	}
	n, err := b.Manifest.Arch.Count()
	if err != nil {
		return "", s.failWith(ctx, sub.ID, fmt.Sprintf("the bundle's architecture is not valid: %v", err))
	}
	if int64(n) > s.opt.MaxBundleParams {
		return "", s.failWith(ctx, sub.ID, fmt.Sprintf("the model has %d parameters, more than this server's compute budget of %d (--max-bundle-params); upload its activations instead", n, s.opt.MaxBundleParams))
	}
	model, err := b.Model()
	if err != nil {
		return "", s.failWith(ctx, sub.ID, fmt.Sprintf("the bundle's model cannot be built: %v", err))
	}
	inputs, err := benchmarkInputs(cur)
	if err != nil {
		return "", err
	}
	total := 0
	for _, in := range inputs {
		total += in.x.Shape[0]
	}
	// The time limit is checked before each batch of bundleBatch samples.
	rctx, cancel := context.WithTimeout(ctx, s.opt.MaxBundleTime)
	defer cancel()
	start := time.Now()
	layers := ead.LayerNames(b.Manifest.Arch)
	var arrays []npz.Named
	done := 0
	for _, in := range inputs {
		acts, err := ead.BatchedActivations(rctx, model, in.x, bundleBatch, func(n int) {
			if progress != nil {
				// Running the model is the first half of the work.
				progress(0.5 * float64(done+n) / float64(total))
			}
		})
		if err != nil {
			if ctx.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
				return "", s.failWith(ctx, sub.ID, fmt.Sprintf("running the model on the benchmark inputs (%d samples) took longer than this server's limit of %v (--max-bundle-seconds); submit a smaller model, or run it yourself and upload its activations (kind activations)", total, s.opt.MaxBundleTime))
			}
			if ctx.Err() != nil {
				return "", fmt.Errorf("run bundle of submission %d: %w", sub.ID, err)
			}
			return "", s.failWith(ctx, sub.ID, fmt.Sprintf("running the model on the %s input failed: %v", in.name, err))
		}
		done += in.x.Shape[0]
		for _, l := range layers {
			a, ok := acts[l]
			if !ok {
				return "", fmt.Errorf("run bundle of submission %d: layer %s has no activations", sub.ID, l)
			}
			arrays = append(arrays, npz.Named{Name: in.name + intake.Sep + l, Array: a})
		}
	}
	{
		s.log.InfoContext(ctx, "ran weight bundle", "submission", sub.ID, "samples", total, "layers", len(layers), "seconds", math.Round(time.Since(start).Seconds()*10)/10)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(npz.Write(pw, arrays)) }()
	// The archive is the server's own output, sized by the benchmarks and
	// the parameter budget, not by an upload limit.
	info, err := s.blobs.Put(ctx, pr, 1<<40)
	pr.CloseWithError(err)
	if err != nil {
		return "", fmt.Errorf("store activations of submission %d: %w", sub.ID, err)
	}
	inputsDigest, err := InputsDigest(cur)
	if err != nil {
		return "", err
	}
	if err := s.db.WithContext(ctx).Model(&Submission{}).Where("id = ?", sub.ID).
		Updates(map[string]any{"activations_digest": info.Digest, "activations_inputs": inputsDigest, "updated_at": s.opt.Now()}).Error; err != nil {
		return "", fmt.Errorf("record activations of submission %d: %w", sub.ID, err)
	}
	return info.Digest, nil
}

// failWith marks a submission failed and returns the ErrFailed error
// carrying the reason.
func (s *Service) failWith(ctx context.Context, id int64, reason string) error {
	if err := s.fail(ctx, id, reason); err != nil {
		return fmt.Errorf("submission %d: %s (and recording it failed: %v)", id, reason, err)
	}
	return fmt.Errorf("submission %d: %s: %w", id, reason, ErrFailed)
}

// weightsActivations returns the activations archive of a weights
// submission, running its bundle when that has not been done yet, its
// blob is gone, or the benchmark inputs changed since (InputsDigest), and
// the layers per input that the archive passes intake's activations check
// with: the very check an upload of that archive would go through.
func (s *Service) weightsActivations(ctx context.Context, sub Submission, cur []catalog.Benchmark, progress func(float64)) (blobs.File, intake.Layers, error) {
	digest := sub.ActivationsDigest
	if digest != "" {
		inputs, err := InputsDigest(cur)
		if err != nil {
			return nil, nil, err
		}
		if _, err := s.blobs.Stat(ctx, digest); err != nil || sub.ActivationsInputs != inputs {
			digest = ""
		}
	}
	if digest == "" {
		var err error
		if digest, err = s.runBundle(ctx, sub, cur, progress); err != nil {
			return nil, nil, err
		}
	}
	want, err := s.catalog.Expectations(ctx)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.blobs.Open(ctx, digest)
	if err != nil {
		return nil, nil, fmt.Errorf("open activations of submission %d: %w", sub.ID, err)
	}
	layers, probs := intake.CheckActivations(f, f.Size(), want, npz.Limits{MaxArrayBytes: 1 << 40, MaxTotalBytes: 1 << 40})
	if len(probs) > 0 {
		f.Close()
		return nil, nil, s.failWith(ctx, sub.ID, "the model's activations cannot be scored: "+(&ValidationError{Problems: probs}).Error())
	}
	return f, layers, nil
}

// Activations opens the activations the server computed for one of the
// lab's weights submissions. It is ErrNotFound for another lab's
// submission, for an activations submission (its upload is the lab's own)
// and for one not scored yet.
func (s *Service) Activations(ctx context.Context, labID, id int64) (blobs.File, Submission, error) {
	sub, err := s.Get(ctx, labID, id)
	if err != nil {
		return nil, Submission{}, err
	}
	if sub.Kind != KindWeights {
		return nil, Submission{}, fmt.Errorf("submission %d uploaded activations; the server computes activations only for weight bundles: %w", id, ErrNotFound)
	}
	if sub.Status != StatusScored || sub.ActivationsDigest == "" {
		return nil, Submission{}, fmt.Errorf("submission %d is %s; its activations can be downloaded once it is scored: %w", id, sub.Status, ErrNotFound)
	}
	f, err := s.blobs.Open(ctx, sub.ActivationsDigest)
	if err != nil {
		return nil, Submission{}, fmt.Errorf("open activations of submission %d: %w", id, err)
	}
	return f, sub, nil
}

// reproduceTolerance is how far two neural model-level scores may differ
// and still agree.
const reproduceTolerance = 1e-9

// markReproduced marks sub and every scored submission of the same model
// of the other kind reproduced when their model-level scores agree: each
// neural metric within reproduceTolerance, classification top-1 equal.
func (s *Service) markReproduced(ctx context.Context, sub Submission) error {
	if sub.ModelID == nil {
		return nil
	}
	other := KindActivations
	if sub.Kind == KindActivations {
		other = KindWeights
	}
	var peers []Submission
	if err := s.db.WithContext(ctx).Where("model_id = ? AND kind = ? AND status = ? AND id <> ?", *sub.ModelID, other, StatusScored, sub.ID).
		Find(&peers).Error; err != nil {
		return fmt.Errorf("find other submissions of model %d: %w", *sub.ModelID, err)
	}
	if len(peers) == 0 {
		return nil
	}
	mine, err := s.modelLevel(ctx, sub.ID)
	if err != nil {
		return err
	}
	var agree []int64
	for _, p := range peers {
		theirs, err := s.modelLevel(ctx, p.ID)
		if err != nil {
			return err
		}
		if scoresAgree(mine, theirs) {
			agree = append(agree, p.ID)
		}
	}
	if len(agree) == 0 {
		return nil
	}
	ids := append(agree, sub.ID)
	if err := s.db.WithContext(ctx).Model(&Submission{}).Where("id IN ?", ids).
		Updates(map[string]any{"reproduced": true, "updated_at": s.opt.Now()}).Error; err != nil {
		return fmt.Errorf("mark submissions %v reproduced: %w", ids, err)
	}
	return nil
}

// scoreKey names a model-level score compared for reproduction.
type scoreKey struct {
	benchmark int64
	scorer    string
	target    string
}

// modelLevel returns a submission's compared model-level scores: both
// neural metric versions and classification top-1.
func (s *Service) modelLevel(ctx context.Context, id int64) (map[scoreKey]*float64, error) {
	var rows []Score
	if err := s.db.WithContext(ctx).Where("submission_id = ? AND layer = ?", id, "").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("model-level scores of submission %d: %w", id, err)
	}
	out := map[scoreKey]*float64{}
	for _, r := range rows {
		neural := r.Target == "" && (r.ScorerVersion == evaluator.MetricPaperV1 || r.ScorerVersion == evaluator.MetricV2)
		top1 := r.ScorerVersion == ProbeScorer && r.Target == "top1"
		if neural || top1 {
			out[scoreKey{r.BenchmarkID, r.ScorerVersion, r.Target}] = r.Value
		}
	}
	return out, nil
}

// scoresAgree reports whether two submissions have the same compared
// scores, neural ones within reproduceTolerance and top-1 exactly.
func scoresAgree(a, b map[scoreKey]*float64) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok {
			return false
		}
		if va == nil || vb == nil {
			if va != vb {
				return false
			}
			continue
		}
		if k.scorer == ProbeScorer {
			if *va != *vb {
				return false
			}
		} else if math.Abs(*va-*vb) > reproduceTolerance {
			return false
		}
	}
	return true
}

// logger returns the service's logger or a discarding one.
func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}
