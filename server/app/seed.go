package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/zoo"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/blobs"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/store"
)

// ReferenceLab is the lab the bundled zoo is submitted as.
const ReferenceLab = "whiskerbench zoo"

// UntrainedSuffix ends the model name of a zoo model's untrained twin.
const UntrainedSuffix = " (untrained)"

// seedSnooze is how long seed_zoo waits for the default benchmarks.
const seedSnooze = 30 * time.Second

// ErrNoBenchmarks is wrapped by SeedZoo's error when no benchmark is
// registered yet: there is nothing to score on.
var ErrNoBenchmarks = errors.New("no benchmark is registered yet")

// SeedReport counts what SeedZoo did, one entry per bundle.
type SeedReport struct {
	Seeded  int // submitted, scored and published by this call
	Present int // already scored and published
	Failed  int // rejected or failed to score (logged)
}

// SeedZoo submits every bundle of the zoo file system fsys (zoo.FS()
// layout: NAME.tar, NAME.untrained.tar, NAME.json) as a weights
// submission of ReferenceLab, scores it on the current benchmarks through
// the submission service, marks its model reference and publishes it.
// It is idempotent: a bundle already submitted is not submitted again
// (Receive returns the earlier submission), one already scored is not
// scored again, and one that failed is not retried.
func SeedZoo(ctx context.Context, cfg Config, st *store.Store, fsys fs.FS, logger *slog.Logger) (SeedReport, error) {
	if logger == nil {
		logger = cfg.Logger()
	}
	var rep SeedReport
	models, err := zoo.ListBundled(fsys)
	if err != nil {
		return rep, err
	}
	cat := catalog.New(st.DB)
	cur, err := cat.Current(ctx)
	if err != nil {
		return rep, err
	}
	if len(cur) == 0 {
		return rep, fmt.Errorf("seed the zoo: %w", ErrNoBenchmarks)
	}
	bs, err := blobs.NewFS(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return rep, err
	}
	// Its own service: no queue (each bundle is scored here, in order) and
	// no daily limit (the zoo is one lab's many models).
	subs := submissions.New(st.DB, bs, cat, nil, submissions.Options{MaxUploadBytes: cfg.MaxUploadBytes, DailyLimit: math.MaxInt32,
		MaxBundleParams: cfg.MaxBundleParams, MaxBundleTime: time.Duration(cfg.MaxBundleSecs) * time.Second, Logger: logger})
	lab, err := referenceLab(ctx, st.DB)
	if err != nil {
		return rep, err
	}
	type unit struct {
		model     zoo.BundledModel
		path      string
		untrained bool
	}
	var units []unit
	for _, m := range models {
		if m.TrainedPath != "" {
			units = append(units, unit{m, m.TrainedPath, false})
		}
		if m.UntrainedPath != "" {
			units = append(units, unit{m, m.UntrainedPath, true})
		}
	}
	for i, u := range units {
		name := "zoo/" + u.model.Name
		if u.untrained {
			name += UntrainedSuffix
		}
		logger.InfoContext(ctx, fmt.Sprintf("seeding zoo %d/%d", i+1, len(units)), "model", name)
		state, err := seedOne(ctx, st.DB, subs, lab.ID, fsys, u.path, u.model, name, u.untrained, logger)
		if err != nil {
			return rep, fmt.Errorf("seed %s: %w", name, err)
		}
		switch state {
		case seedNew:
			rep.Seeded++
		case seedPresent:
			rep.Present++
		default:
			rep.Failed++
		}
	}
	logger.InfoContext(ctx, "zoo seeded", "models", len(units), "new", rep.Seeded, "already_present", rep.Present, "failed", rep.Failed)
	return rep, nil
}

type seedState int

const (
	seedNew seedState = iota
	seedPresent
	seedFailed
)

// referenceLab finds or creates ReferenceLab.
func referenceLab(ctx context.Context, db *gorm.DB) (accounts.Lab, error) {
	acc := accounts.New(db)
	lab, err := acc.LabByName(ctx, ReferenceLab)
	if err == nil {
		return lab, nil
	}
	if !errors.Is(err, accounts.ErrNotFound) {
		return accounts.Lab{}, err
	}
	lab, err = acc.CreateLab(ctx, ReferenceLab)
	if errors.Is(err, accounts.ErrConflict) {
		return acc.LabByName(ctx, ReferenceLab)
	}
	return lab, err
}

func seedOne(ctx context.Context, db *gorm.DB, subs *submissions.Service, labID int64, fsys fs.FS, path string, m zoo.BundledModel, name string, untrained bool, logger *slog.Logger) (seedState, error) {
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return seedFailed, err
	}
	sum := sha256.Sum256(data)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	var prev submissions.Submission
	found := db.WithContext(ctx).Where("lab_id = ? AND blob_digest = ?", labID, digest).Order("id DESC").Limit(1).Find(&prev).RowsAffected > 0
	if found && prev.Status == submissions.StatusFailed {
		logger.WarnContext(ctx, "zoo model failed to score earlier; not retried", "model", name, "submission", prev.ID, "error", prev.Error)
		return seedFailed, nil
	}
	if found && prev.Status == submissions.StatusScored && prev.Published {
		return seedPresent, markReference(ctx, db, prev)
	}
	card, err := zooCard(data, m, name, untrained)
	if err != nil {
		logger.WarnContext(ctx, "zoo bundle unreadable; skipped", "model", name, "err", err)
		return seedFailed, nil
	}
	sub, _, err := subs.Receive(ctx, labID, submissions.KindWeights, card, bytes.NewReader(data))
	var ve *submissions.ValidationError
	if errors.As(err, &ve) || errors.Is(err, submissions.ErrTooLarge) {
		logger.WarnContext(ctx, "this server does not accept the zoo bundle; skipped", "model", name, "err", err)
		return seedFailed, nil
	}
	if err != nil {
		return seedFailed, err
	}
	if sub.Status != submissions.StatusScored {
		start := time.Now()
		err := subs.Score(ctx, sub.ID, nil)
		if errors.Is(err, submissions.ErrFailed) {
			logger.WarnContext(ctx, "zoo model failed to score", "model", name, "err", err)
			return seedFailed, nil
		}
		if err != nil {
			return seedFailed, err
		}
		logger.InfoContext(ctx, "zoo model scored", "model", name, "submission", sub.ID, "seconds", math.Round(time.Since(start).Seconds()*10)/10)
	}
	if err := markReference(ctx, db, sub); err != nil {
		return seedFailed, err
	}
	// Reference first, then public: the board never shows it as a lab's model.
	if _, err := subs.Publish(ctx, labID, sub.ID); err != nil {
		return seedFailed, err
	}
	return seedNew, nil
}

func markReference(ctx context.Context, db *gorm.DB, sub submissions.Submission) error {
	if sub.ModelID == nil {
		return fmt.Errorf("submission %d has no model", sub.ID)
	}
	if err := db.WithContext(ctx).Model(&submissions.Model{}).Where("id = ?", *sub.ModelID).Update("reference", true).Error; err != nil {
		return fmt.Errorf("mark model %d reference: %w", *sub.ModelID, err)
	}
	return nil
}

// zooCard is the model card of a zoo bundle, from its manifest (the
// architecture, parameter count, training provenance) and its record.
func zooCard(data []byte, m zoo.BundledModel, name string, untrained bool) (submissions.Card, error) {
	man, err := manifestOf(data)
	if err != nil {
		return submissions.Card{}, err
	}
	a := man.Arch
	n, err := a.Count()
	if err != nil {
		return submissions.Card{}, err
	}
	c := submissions.Card{Name: name, Family: family(a), Encoder: encoderName(a), Attender: attenderName(a), Decoder: a.Decoder.Kind,
		ParamCount: int64(n), Objective: m.Objective}
	digest := man.Training.DatasetDigest
	if digest == "" {
		digest = m.Record.DatasetDigest
	}
	switch {
	case untrained || man.Training.Epochs == 0:
		c.Objective = zoo.ObjectiveUntrained
		c.TrainingData = fmt.Sprintf("none: random initialisation (seed %d), the untrained twin of zoo/%s", man.Training.Seed, m.Name)
	default:
		c.TrainingData = strings.TrimSpace(fmt.Sprintf("%s public split (%s), %d epochs, best %d", m.Record.Benchmark, digest, man.Training.Epochs, man.Training.BestEpoch))
	}
	return c, nil
}

func manifestOf(data []byte) (*bundle.Manifest, error) {
	b, err := bundle.ReadTar(context.Background(), io.Reader(bytes.NewReader(data)), bundle.DefaultLimits())
	if err != nil {
		return nil, err
	}
	return &b.Manifest, nil
}

func family(a arch.Config) string {
	if a.Encoder.Kind == "convrnn" {
		return "ConvRNN"
	}
	return a.Encoder.Kind
}

func encoderName(a arch.Config) string {
	cells := map[string]string{arch.CellTimeDecay: "TimeDecay", arch.CellUGRNN: "UGRNN", arch.CellIntersection: "IntersectionRNN", arch.CellGRU: "GRU", arch.CellLSTM: "LSTM"}
	c, ok := cells[a.Encoder.Cell]
	if !ok {
		c = a.Encoder.Cell
	}
	if a.Encoder.LayerNorm {
		c += "-LN"
	}
	return c
}

func attenderName(a arch.Config) string {
	switch a.Attender.Kind {
	case "", "none":
		return "none"
	case arch.AttenderGPT:
		return fmt.Sprintf("GPT %d×%d", a.Attender.NLayer, a.Attender.NEmbd)
	}
	return a.Attender.Kind
}
