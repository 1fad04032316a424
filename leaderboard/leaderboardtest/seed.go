package leaderboardtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/evaluator/probe"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// Figures of the seeded benchmark versions.
const (
	CeilingV2Mean, CeilingV2SEM, CeilingV2Max = 0.62, 0.07, 0.81
	CeilingV1Mean, CeilingV1SEM, CeilingV1Max = 0.55, 0.12, 0.93
	RawV2, RawV1                              = 0.18, 0.21
	Classes, NTest                            = 10, 480
	RawTop1, RawTop5                          = 0.31, 0.72
)

// Benchmarks are the seeded versions.
type Benchmarks struct {
	Neural, Shapes catalog.Benchmark
}

// Register records a neural and a classification benchmark version with
// figures in the shapes the catalogue stores. version tells versions apart
// (register a second one to test version changes).
func Register(t testing.TB, db *gorm.DB, version string) Benchmarks {
	t.Helper()
	ctx := context.Background()
	cat := catalog.New(db)
	v := func(f float64) evaluator.Value { return evaluator.Value(f) }
	ceiling := func(metric, mode string, mean, sem, mx float64) evaluator.CeilingResult {
		lo, hi := v(mean-2*sem), v(mean+2*sem)
		mn := v(mean - sem)
		return evaluator.CeilingResult{Metric: metric, Mean: v(mean), SEM: v(sem), Max: v(mx), Mode: mode, Min: &mn,
			CI: &evaluator.Interval{Low: lo, High: hi}, Animals: map[string]evaluator.AnimalScore{"A1": {Corrected: v(mean - sem)}, "A2": {Corrected: v(mean + sem)}}}
	}
	input := func(metric string, score float64) evaluator.InputResult {
		r := evaluator.InputResult{NeuralResult: evaluator.NeuralResult{Metric: metric, Score: v(score)}}
		if metric == evaluator.MetricV2 {
			r.ScoreCI = &evaluator.ScoreIntervals{Animals: evaluator.Interval{Low: v(score - 0.05), High: v(score + 0.05)}}
		}
		return r
	}
	neural, err := cat.Register(ctx, t.TempDir(), &benchmarks.Spec{Name: benchmarks.BarrelCortex, Kind: benchmarks.NeuralRSA, Version: version,
		ScorerVersion: catalog.NeuralScorer, DataDigest: "sha256:neural-" + version, Synthetic: true,
		Description: "Six stimuli, synthetic cortex (seeded test fixture).",
		Params:      map[string]string{"fixture": version}, Files: []benchmarks.File{{Role: benchmarks.RoleStimuli, Path: "stimuli.npz", SHA256: "00", Public: true}}}, catalog.Figures{
		Ceiling: map[string]any{
			evaluator.MetricV2:                    ceiling(evaluator.MetricV2, evaluator.ManyToOne, CeilingV2Mean, CeilingV2SEM, CeilingV2Max),
			evaluator.MetricPaperV1:               ceiling(evaluator.MetricPaperV1, evaluator.ManyToOne, CeilingV1Mean, CeilingV1SEM, CeilingV1Max),
			evaluator.MetricV2 + "/pairwise":      ceiling(evaluator.MetricV2, evaluator.Pairwise, 0.5, 0.1, 0.9),
			evaluator.MetricPaperV1 + "/pairwise": ceiling(evaluator.MetricPaperV1, evaluator.Pairwise, 0.45, 0.15, 1.1),
		},
		Baselines: map[string]any{
			"raw-input/" + evaluator.MetricV2:      input(evaluator.MetricV2, RawV2),
			"raw-input/" + evaluator.MetricPaperV1: input(evaluator.MetricPaperV1, RawV1),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	shapes, err := cat.Register(ctx, t.TempDir(), &benchmarks.Spec{Name: benchmarks.TactileShapes, Kind: benchmarks.Classification, Version: version,
		ScorerVersion: catalog.ClassificationScorer, DataDigest: "sha256:shapes-" + version,
		Description: "Objects swept past the whisker array (seeded test fixture).",
		Params:      map[string]string{"fixture": version}, Files: []benchmarks.File{{Role: benchmarks.RolePublic, Path: "public/manifest.json", SHA256: "00", Public: true}}}, catalog.Figures{
		Ceiling: map[string]any{"note": "classification has no ceiling below 1"},
		Baselines: map[string]any{
			"chance_top1":     1.0 / Classes,
			"chance_top5":     5.0 / Classes,
			"raw-input-probe": probe.Result{Top1: RawTop1, Top5: RawTop5, K: 5, Classes: Classes, NTest: NTest, NTrain: 4 * NTest},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return Benchmarks{Neural: neural, Shapes: shapes}
}

// Model describes a seeded model and its one submission. NaN scores are
// left out (a missing score); V2Lo/V2Hi default to V2 ∓ 0.04.
type Model struct {
	Name, Lab                         string
	Family, Encoder, Attender         string
	Objective, TrainingData, PaperURL string
	Params                            int64
	Reference                         bool
	Published                         bool
	V2, V2Lo, V2Hi, V1                float64
	Top1, Top5                        float64
	Layers                            []string
	// Bench, when set, is the version the scores are written against;
	// otherwise the one passed to Add.
	Bench *Benchmarks
}

// Missing is the NaN that marks a missing score.
func Missing() float64 { return math.NaN() }

// Add writes the model, its lab (created when new), a scored submission
// and its scores, model-level and per layer. It returns the model and
// submission ids.
func Add(t testing.TB, db *gorm.DB, b Benchmarks, m Model) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	if m.Bench != nil {
		b = *m.Bench
	}
	acc := accounts.New(db)
	lab, err := acc.LabByName(ctx, m.Lab)
	if errors.Is(err, accounts.ErrNotFound) {
		lab, err = acc.CreateLab(ctx, m.Lab)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) == 0 {
		m.Layers = []string{"conv1", "conv2", "conv3", "readout"}
	}
	now := time.Now().UTC()
	vis := "private"
	if m.Published {
		vis = "public"
	}
	var pc *int64
	if m.Params > 0 {
		pc = &m.Params
	}
	card, _ := json.Marshal(submissions.Card{Name: m.Name, Family: m.Family, Encoder: m.Encoder, Attender: m.Attender, ParamCount: m.Params,
		TrainingData: m.TrainingData, Objective: m.Objective, PaperURL: m.PaperURL})
	model := submissions.Model{LabID: lab.ID, Name: m.Name, Family: m.Family, Encoder: m.Encoder, Attender: m.Attender, ParamCount: pc,
		TrainingData: m.TrainingData, Objective: m.Objective, PaperURL: m.PaperURL, Visibility: vis, Card: card, Reference: m.Reference, CreatedAt: now}
	if err := db.WithContext(ctx).Create(&model).Error; err != nil {
		t.Fatalf("seed model %s: %v", m.Name, err)
	}
	layers, _ := json.Marshal(map[string][]string{"neural": m.Layers, "train": m.Layers, "test": m.Layers})
	sub := submissions.Submission{LabID: lab.ID, ModelID: &model.ID, Kind: submissions.KindActivations, Status: submissions.StatusScored,
		BlobDigest: fmt.Sprintf("sha256:%064x", model.ID), SizeBytes: 1 << 20, Progress: 1, Published: m.Published,
		Problems: json.RawMessage("[]"), Layers: layers, CreatedAt: now, UpdatedAt: now, StartedAt: &now, FinishedAt: &now}
	if err := db.WithContext(ctx).Create(&sub).Error; err != nil {
		t.Fatalf("seed submission of %s: %v", m.Name, err)
	}
	AddScores(t, db, b, sub.ID, m)
	return model.ID, sub.ID
}

func ptr(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// AddScores writes a submission's model-level and per-layer scores, and
// touches the submission's updated_at as a scoring job does.
func AddScores(t testing.TB, db *gorm.DB, b Benchmarks, subID int64, m Model) {
	t.Helper()
	now := time.Now().UTC()
	rows := ScoreRows(b, subID, m, now)
	if len(rows) > 0 {
		if err := db.Create(&rows).Error; err != nil {
			t.Fatalf("seed scores of submission %d: %v", subID, err)
		}
	}
	if err := db.Model(&submissions.Submission{}).Where("id = ?", subID).Update("updated_at", now).Error; err != nil {
		t.Fatal(err)
	}
}

// Zoo is a small board: two ConvRNNs that tie on rsa-v2, a ResNet, an
// untrained control, one model without a classification score, one with
// no parameter count, and a private model that must never appear.
func Zoo() []Model {
	nan := math.NaN()
	return []Model{
		{Name: "ConvRNN-IntersectionLN", Lab: "Barrel Lab", Family: "ConvRNN", Encoder: "Zhuang", Attender: "none", Objective: "self-supervised",
			TrainingData: "tactile-shapes-v1 train", Params: 37_988_821, Published: true, V2: 0.55, V1: 0.71, Top1: 0.41, Top5: 0.83},
		{Name: "ConvRNN-GPT", Lab: "Barrel Lab", Family: "ConvRNN", Encoder: "Zhuang", Attender: "GPT", Objective: "supervised",
			TrainingData: "tactile-shapes-v1 train", Params: 49_298_781, Published: true, V2: 0.52, V1: 0.64, Top1: 0.47, Top5: 0.88},
		{Name: "ResNet18", Lab: "Vision Lab", Family: "ResNet", Encoder: "ResNet18", Attender: "none", Objective: "supervised",
			Params: 11_200_000, Published: true, V2: 0.30, V2Lo: 0.27, V2Hi: 0.33, V1: 0.38, Top1: 0.22, Top5: 0.55},
		{Name: "ConvRNN-untrained", Lab: "whiskerbench", Family: "ConvRNN", Encoder: "Zhuang", Attender: "none", Objective: "untrained",
			Params: 23_460_072, Reference: true, Published: true, V2: 0.21, V2Lo: 0.15, V2Hi: 0.25, V1: 0.33, Top1: 0.12, Top5: 0.51},
		{Name: "S4-neural-only", Lab: "Vision Lab", Family: "SSM", Encoder: "S4", Attender: "none", Objective: "supervised",
			Params: 2_000_000, Published: true, V2: 0.40, V1: 0.50, Top1: nan, Top5: nan},
		{Name: "Mystery", Lab: "Vision Lab", Family: "MLP", Published: true, V2: 0.10, V2Lo: 0.02, V2Hi: 0.12, V1: 0.15, Top1: 0.15, Top5: 0.52},
		{Name: "Secret", Lab: "Barrel Lab", Family: "ConvRNN", Published: false, V2: 0.99, V1: 0.99, Top1: 0.99, Top5: 0.99},
	}
}
