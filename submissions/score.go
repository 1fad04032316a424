package submissions

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/evaluator/probe"
	"github.com/whiskerbench/whiskerbench/submissions/blobs"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

// Scorer versions written to the scores table. Neural rows carry the
// metric version; classification rows the probe's.
const (
	ProbeScorer = catalog.ClassificationScorer
)

// Score computes and stores every score of a submission against the
// current benchmarks. It is safe to run again after a crash: rows are
// keyed by (submission, benchmark, scorer, layer, target) and rewritten,
// never duplicated. progress receives a fraction in [0, 1].
func (s *Service) Score(ctx context.Context, id int64, progress func(float64)) error {
	var sub Submission
	if err := s.db.WithContext(ctx).Take(&sub, id).Error; err != nil {
		return fmt.Errorf("load submission %d: %w", id, err)
	}
	if sub.Status == StatusScored {
		return nil
	}
	now := s.opt.Now()
	if err := s.db.WithContext(ctx).Model(&Submission{}).Where("id = ?", id).
		Updates(map[string]any{"status": StatusRunning, "started_at": now, "updated_at": now, "progress": 0}).Error; err != nil {
		return fmt.Errorf("start submission %d: %w", id, err)
	}
	return s.score(ctx, sub, false, func(p float64) { s.setProgress(ctx, id, p, progress) })
}

// Rescore computes a scored submission's scores against the current
// benchmark versions, adding rows for versions it had none on (older rows
// stay, shown as scored on an older version). The submission stays scored
// (and on the board) meanwhile; a weights submission's activations are
// reused when the benchmark inputs are unchanged, else its bundle is run
// again. A submission that is not scored is left alone: its own scoring
// job uses the current versions. progress may be nil.
func (s *Service) Rescore(ctx context.Context, id int64, progress func(float64)) error {
	var sub Submission
	if err := s.db.WithContext(ctx).Take(&sub, id).Error; err != nil {
		return fmt.Errorf("load submission %d: %w", id, err)
	}
	if sub.Status != StatusScored {
		return nil
	}
	if progress == nil {
		progress = func(float64) {}
	}
	return s.score(ctx, sub, true, progress)
}

// maxVersionRaces is how many times score starts again because the
// current benchmark versions changed while it ran.
const maxVersionRaces = 3

// score computes and writes sub's scores on the current benchmarks and
// marks it scored. When the current versions change while it runs (a new
// version registered), it scores again on them: the change's re-scoring
// list was taken from the submissions scored at the time, which this one
// may not have been yet.
func (s *Service) score(ctx context.Context, sub Submission, rescore bool, progress func(float64)) error {
	cur, err := s.catalog.Current(ctx)
	if err != nil {
		return err
	}
	for race := 0; ; race++ {
		if err := s.scoreOn(ctx, sub, cur, rescore, progress); err != nil {
			return err
		}
		now, err := s.catalog.Current(ctx)
		if err != nil {
			return err
		}
		if sameVersions(cur, now) || race == maxVersionRaces {
			return nil
		}
		s.log.InfoContext(ctx, "benchmark versions changed while scoring: scoring again on the new ones", "submission", sub.ID)
		cur, rescore = now, true
	}
}

// sameVersions reports whether two lists of current benchmarks name the
// same versions.
func sameVersions(a, b []catalog.Benchmark) bool {
	return slices.EqualFunc(a, b, func(x, y catalog.Benchmark) bool { return x.ID == y.ID })
}

// scoreOn scores sub on the benchmark versions cur.
func (s *Service) scoreOn(ctx context.Context, sub Submission, cur []catalog.Benchmark, rescore bool, progress func(float64)) error {
	id := sub.ID
	var err error
	var (
		f      blobs.File
		layers intake.Layers
		// share is the part of the progress bar scoring fills: all of it
		// for activations, the second half when a bundle was run first.
		share, base = 1.0, 0.0
	)
	switch sub.Kind {
	case KindWeights:
		if f, layers, err = s.weightsActivations(ctx, sub, cur, progress); err != nil {
			return err
		}
		share, base = 0.5, 0.5
	default:
		if err := json.Unmarshal(sub.Layers, &layers); err != nil {
			return fmt.Errorf("submission %d layers: %w", id, err)
		}
		if f, err = s.blobs.Open(ctx, sub.BlobDigest); err != nil {
			return err
		}
	}
	defer f.Close()
	var rows []Score
	for i, b := range cur {
		var r []Score
		switch b.Kind {
		case benchmarks.NeuralRSA:
			r, err = scoreNeural(f, b, layers[intake.InputNeural])
		case benchmarks.Classification:
			r, err = scoreClassification(ctx, f, b, layers[intake.InputTrain], layers[intake.InputTest])
		}
		if err != nil {
			return fmt.Errorf("score submission %d on %s %s: %w", id, b.Name, b.Version, err)
		}
		for k := range r {
			r[k].SubmissionID, r[k].BenchmarkID = id, b.ID
		}
		rows = append(rows, r...)
		progress(base + share*float64(i+1)/float64(len(cur)))
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.opt.Now()
		for i := range rows {
			rows[i].CreatedAt = now
		}
		if len(rows) > 0 {
			err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "submission_id"}, {Name: "benchmark_id"}, {Name: "scorer_version"}, {Name: "layer"}, {Name: "target"}},
				DoUpdates: clause.AssignmentColumns([]string{"value", "ci_low", "ci_high", "details", "created_at"}),
			}).CreateInBatches(rows, 200).Error
			if err != nil {
				return fmt.Errorf("write scores: %w", err)
			}
		}
		if rescore {
			// Still scored; the new updated_at tells the board to rebuild.
			return tx.Model(&Submission{}).Where("id = ?", id).Updates(map[string]any{"updated_at": now}).Error
		}
		return tx.Model(&Submission{}).Where("id = ?", id).
			Updates(map[string]any{"status": StatusScored, "progress": 1, "finished_at": now, "updated_at": now, "error": ""}).Error
	})
	if err != nil {
		return err
	}
	// Reproduction is a mark on top of the scores: failing to record it
	// must not fail (and re-run) the scoring.
	if err := s.markReproduced(ctx, sub); err != nil {
		s.log.WarnContext(ctx, "could not compare with the model's other submissions", "submission", id, "err", err)
	}
	return nil
}

func (s *Service) setProgress(ctx context.Context, id int64, p float64, cb func(float64)) {
	s.db.WithContext(ctx).Model(&Submission{}).Where("id = ?", id).Updates(map[string]any{"progress": p, "updated_at": s.opt.Now()})
	if cb != nil {
		cb(p)
	}
}

// Fail marks a submission failed with a reason a person can act on.
func (s *Service) Fail(ctx context.Context, id int64, reason string) error {
	return s.fail(ctx, id, reason)
}

func val(v evaluator.Value) *float64 {
	if !v.Defined() {
		return nil
	}
	f := float64(v)
	return &f
}

func fptr(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// readLayers reads the archive's arrays for one input.
func readLayers(f blobs.File, input string, names []string) ([]evaluator.Activation, error) {
	out := make([]evaluator.Activation, 0, len(names))
	for _, l := range names {
		a, err := npz.ReadMember(f, f.Size(), input+intake.Sep+l, npz.Limits{MaxArrayBytes: 1 << 40, MaxTotalBytes: 1 << 40})
		if err != nil {
			return nil, err
		}
		out = append(out, evaluator.Activation{Layer: l, Array: a})
	}
	return out, nil
}

// NeuralActivations extracts the neural__<layer> arrays of an activations
// archive as the evaluator's activations, in archive order: what both the
// server and `whiskerbench eval neural` score.
func NeuralActivations(arrays []evaluator.NamedArray) []evaluator.Activation {
	var out []evaluator.Activation
	for _, a := range arrays {
		if in, l, ok := intake.SplitName(a.Name); ok && in == intake.InputNeural {
			out = append(out, evaluator.Activation{Layer: l, Array: a.Array})
		}
	}
	return out
}

// NeuralMetrics returns the neural benchmark's metrics, in the order they
// are scored and shown.
func NeuralMetrics() []string { return []string{evaluator.MetricPaperV1, evaluator.MetricV2} }

// NeuralResults scores a model's layer activations on the neural data with
// every metric of NeuralMetrics and the evaluator's default options: the
// one neural scoring path, used by the server's jobs and by the offline
// scoring of the bundled zoo.
func NeuralResults(acts []evaluator.Activation, nd evaluator.NeuralData) ([]*evaluator.NeuralResult, error) {
	var out []*evaluator.NeuralResult
	for _, m := range NeuralMetrics() {
		res, err := evaluator.EvaluateNeural(m, acts, nd, evaluator.DefaultOptions())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func scoreNeural(f blobs.File, b catalog.Benchmark, layers []string) ([]Score, error) {
	if len(layers) == 0 {
		return nil, nil
	}
	spec, err := b.Spec()
	if err != nil {
		return nil, err
	}
	_, nd, err := catalog.LoadNeural(b.DataDir, spec)
	if err != nil {
		return nil, err
	}
	acts, err := readLayers(f, intake.InputNeural, layers)
	if err != nil {
		return nil, err
	}
	results, err := NeuralResults(acts, nd)
	if err != nil {
		return nil, err
	}
	var rows []Score
	for _, res := range results {
		m := res.Metric
		details, _ := json.Marshal(res)
		top := Score{ScorerVersion: m, Value: val(res.Score), Details: details}
		if res.ScoreCI != nil {
			top.CILow, top.CIHigh = val(res.ScoreCI.Animals.Low), val(res.ScoreCI.Animals.High)
		}
		rows = append(rows, top)
		for layer, targets := range res.Layers {
			for target, ts := range targets {
				d, _ := json.Marshal(map[string]any{"raw": ts.Raw, "kept": ts.Kept})
				rows = append(rows, Score{ScorerVersion: m, Layer: layer, Target: target, Value: val(ts.Corrected), CILow: val(ts.CILow), CIHigh: val(ts.CIHigh), Details: d})
			}
		}
	}
	return rows, nil
}

func scoreClassification(ctx context.Context, f blobs.File, b catalog.Benchmark, train, test []string) ([]Score, error) {
	if len(test) == 0 {
		return nil, nil
	}
	tr, _, te, _, err := catalog.ClassificationSplits(b.DataDir)
	if err != nil {
		return nil, err
	}
	trainActs, err := readLayers(f, intake.InputTrain, train)
	if err != nil {
		return nil, err
	}
	byName := map[string]ndarray.Array{}
	for _, a := range trainActs {
		byName[a.Layer] = a.Array
	}
	testActs, err := readLayers(f, intake.InputTest, test)
	if err != nil {
		return nil, err
	}
	trainLabels := ndarray.FromInt64([]int{tr.Len()}, tr.Labels)
	testLabels := ndarray.FromInt64([]int{te.Len()}, te.Labels)
	var rows []Score
	best, bestCV := -1, -1.0
	var results []probe.Result
	for i, ta := range testActs {
		res, err := probe.Evaluate(ctx, probe.Dataset{Features: byName[ta.Layer], Labels: trainLabels}, probe.Dataset{Features: ta.Array, Labels: testLabels}, probe.Options{})
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", ta.Layer, err)
		}
		results = append(results, res)
		// The model-level layer is chosen on training-split cross-validation,
		// never on the held-out test set.
		cv := -1.0
		for _, c := range res.CV {
			if c.C == res.C {
				cv = c.Accuracy
			}
		}
		if cv > bestCV {
			best, bestCV = i, cv
		}
		d, _ := json.Marshal(res)
		rows = append(rows,
			Score{ScorerVersion: ProbeScorer, Layer: ta.Layer, Target: "top1", Value: fptr(res.Top1), Details: d},
			Score{ScorerVersion: ProbeScorer, Layer: ta.Layer, Target: "top5", Value: fptr(res.Top5), Details: json.RawMessage("{}")})
	}
	if best >= 0 {
		d, _ := json.Marshal(map[string]any{"layer": testActs[best].Layer, "chosen_by": "training-split cross-validation", "cv_accuracy": bestCV, "top5": results[best].Top5})
		rows = append(rows, Score{ScorerVersion: ProbeScorer, Target: "top1", Value: fptr(results[best].Top1), Details: d},
			Score{ScorerVersion: ProbeScorer, Target: "top5", Value: fptr(results[best].Top5), Details: d})
	}
	return rows, nil
}
