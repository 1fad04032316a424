package leaderboardtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// Synthetic returns n public models with varied cards and scores, drawn
// from a generator seeded with seed: 40 labs, five families, the three
// training objectives, every 50th a reference model (a zoo entry or its
// random-init control), rsa-v2 intervals of varying width, and about 3% of
// models without a classification score (so without an aggregate).
func Synthetic(n int, seed uint64) []Model {
	rng := rand.New(rand.NewPCG(seed, 1))
	families := []struct{ family, encoder string }{
		{"ConvRNN", "Zhuang"}, {"ResNet", "ResNet18"}, {"SSM", "S4"}, {"Transformer", "ViT"}, {"MLP", "MLP"},
	}
	attenders := []string{"none", "GPT", "Mamba", "LSTM"}
	objectives := []string{"supervised", "self-supervised", "untrained"}
	out := make([]Model, n)
	for i := range out {
		f := families[rng.IntN(len(families))]
		q := rng.Float64() // latent quality
		v2 := 0.05 + 0.55*q + 0.03*rng.NormFloat64()
		half := 0.01 + 0.06*rng.Float64()
		m := Model{
			Name: fmt.Sprintf("%s-%05d", f.family, i), Lab: fmt.Sprintf("Lab %02d", rng.IntN(40)),
			Family: f.family, Encoder: f.encoder, Attender: attenders[rng.IntN(len(attenders))],
			Objective: objectives[rng.IntN(len(objectives))], TrainingData: "tactile-shapes-v1 train",
			Params: int64(math.Round(math.Pow(10, 5+3*rng.Float64()))), Reference: i%50 == 0, Published: true,
			V2: v2, V2Lo: v2 - half, V2Hi: v2 + half, V1: 0.1 + 0.7*q + 0.05*rng.NormFloat64(),
			Top1: 0.1 + 0.5*q + 0.05*rng.Float64(), Top5: 0.5 + 0.45*q + 0.04*rng.Float64(),
		}
		if rng.IntN(100) < 3 {
			m.Top1, m.Top5 = math.NaN(), math.NaN()
		}
		out[i] = m
	}
	return out
}

// AddBulk writes many models as Add does (a lab per new lab name, one
// scored submission each, model-level and per-layer scores), in a few
// batched inserts inside one transaction. It is for load tests: seeding
// 10 000 models one by one takes minutes, this takes seconds.
func AddBulk(t testing.TB, db *gorm.DB, b Benchmarks, models []Model) {
	t.Helper()
	if err := Insert(context.Background(), db, b, models); err != nil {
		t.Fatal(err)
	}
}

// Insert is AddBulk returning its error, for use outside the test's
// goroutine (a load test's score arrivals).
func Insert(ctx context.Context, db *gorm.DB, b Benchmarks, models []Model) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		acc := accounts.New(tx)
		labs := map[string]int64{}
		for _, m := range models {
			if _, ok := labs[m.Lab]; ok {
				continue
			}
			lab, err := acc.LabByName(ctx, m.Lab)
			if errors.Is(err, accounts.ErrNotFound) {
				lab, err = acc.CreateLab(ctx, m.Lab)
			}
			if err != nil {
				return fmt.Errorf("lab %s: %w", m.Lab, err)
			}
			labs[m.Lab] = lab.ID
		}
		now := time.Now().UTC()
		rows := make([]submissions.Model, len(models))
		for i, m := range models {
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
			rows[i] = submissions.Model{LabID: labs[m.Lab], Name: m.Name, Family: m.Family, Encoder: m.Encoder, Attender: m.Attender, ParamCount: pc,
				TrainingData: m.TrainingData, Objective: m.Objective, PaperURL: m.PaperURL, Visibility: vis, Card: card, Reference: m.Reference, CreatedAt: now}
		}
		if err := tx.CreateInBatches(&rows, 100).Error; err != nil {
			return fmt.Errorf("models: %w", err)
		}
		subs := make([]submissions.Submission, len(models))
		for i, m := range models {
			if len(m.Layers) == 0 {
				m.Layers = []string{"conv1", "conv2", "conv3", "readout"}
			}
			layers, _ := json.Marshal(map[string][]string{"neural": m.Layers, "train": m.Layers, "test": m.Layers})
			id := rows[i].ID
			subs[i] = submissions.Submission{LabID: labs[m.Lab], ModelID: &id, Kind: submissions.KindActivations, Status: submissions.StatusScored,
				BlobDigest: fmt.Sprintf("sha256:%064x", id), SizeBytes: 1 << 20, Progress: 1, Published: m.Published,
				Problems: json.RawMessage("[]"), Layers: layers, CreatedAt: now, UpdatedAt: now, StartedAt: &now, FinishedAt: &now}
		}
		if err := tx.CreateInBatches(&subs, 100).Error; err != nil {
			return fmt.Errorf("submissions: %w", err)
		}
		var scores []submissions.Score
		for i, m := range models {
			scores = append(scores, ScoreRows(b, subs[i].ID, m, now)...)
		}
		if err := tx.CreateInBatches(&scores, 200).Error; err != nil {
			return fmt.Errorf("scores: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bulk seed of %d models: %w", len(models), err)
	}
	return nil
}

// ScoreRows are the model-level and per-layer score rows AddScores writes
// for a submission.
func ScoreRows(b Benchmarks, subID int64, m Model, now time.Time) []submissions.Score {
	if m.Bench != nil {
		b = *m.Bench
	}
	if len(m.Layers) == 0 {
		m.Layers = []string{"conv1", "conv2", "conv3", "readout"}
	}
	var rows []submissions.Score
	add := func(bench int64, scorer, layer, target string, v, lo, hi float64) {
		if math.IsNaN(v) {
			return
		}
		rows = append(rows, submissions.Score{SubmissionID: subID, BenchmarkID: bench, ScorerVersion: scorer, Layer: layer, Target: target,
			Value: ptr(v), CILow: ptr(lo), CIHigh: ptr(hi), Details: json.RawMessage("{}"), CreatedAt: now})
	}
	nan := math.NaN()
	lo, hi := m.V2Lo, m.V2Hi
	if lo == 0 && hi == 0 {
		lo, hi = m.V2-0.04, m.V2+0.04
	}
	add(b.Neural.ID, evaluator.MetricV2, "", "", m.V2, lo, hi)
	add(b.Neural.ID, evaluator.MetricPaperV1, "", "", m.V1, nan, nan)
	add(b.Shapes.ID, catalog.ClassificationScorer, "", "top1", m.Top1, nan, nan)
	add(b.Shapes.ID, catalog.ClassificationScorer, "", "top5", m.Top5, nan, nan)
	n := float64(len(m.Layers))
	for i, l := range m.Layers {
		// A profile that rises to the model score at the last layer.
		f := (float64(i) + 1) / n
		for _, target := range []string{"A1", "A2", evaluator.PooledTarget} {
			if !math.IsNaN(m.V2) {
				add(b.Neural.ID, evaluator.MetricV2, l, target, m.V2*f, m.V2*f-0.05, m.V2*f+0.05)
			}
			if !math.IsNaN(m.V1) {
				add(b.Neural.ID, evaluator.MetricPaperV1, l, target, m.V1*f, nan, nan)
			}
		}
		if !math.IsNaN(m.Top1) {
			add(b.Shapes.ID, catalog.ClassificationScorer, l, "top1", m.Top1*f, nan, nan)
			add(b.Shapes.ID, catalog.ClassificationScorer, l, "top5", m.Top5*f, nan, nan)
		}
	}
	return rows
}
