package submissions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/submissions/blobs"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

// Errors the HTTP edge maps to answers.
var (
	ErrInvalid     = errors.New("invalid submission")
	ErrNotFound    = errors.New("submission not found")
	ErrRateLimited = errors.New("daily limit reached")
	ErrTooLarge    = errors.New("upload too large")
)

// ValidationError lists every problem of a rejected upload.
type ValidationError struct {
	Problems []intake.Problem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("the upload has %d problem(s): %s", len(e.Problems), strings.Join(parts, "; "))
}

// Unwrap makes a ValidationError an ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Enqueuer queues scoring jobs.
type Enqueuer interface {
	EnqueueScore(ctx context.Context, submissionID int64) error
}

// Options configure the service.
type Options struct {
	MaxUploadBytes int64 // default 4 GiB
	DailyLimit     int   // scored (or in-flight) runs per lab per day; default 5
	// MaxBundleParams is the parameter budget of a weights submission;
	// default DefaultMaxBundleParams.
	MaxBundleParams int64
	// MaxBundleTime bounds running a bundle on the benchmark inputs;
	// default DefaultMaxBundleTime.
	MaxBundleTime time.Duration
	Now           func() time.Time
	Logger        *slog.Logger // default: discard
}

// Service receives, stores and tracks submissions.
type Service struct {
	db      *gorm.DB
	blobs   blobs.Store
	catalog *catalog.Catalog
	queue   Enqueuer
	opt     Options
	log     *slog.Logger
}

// New returns a Service.
func New(db *gorm.DB, bs blobs.Store, cat *catalog.Catalog, q Enqueuer, o Options) *Service {
	if o.MaxUploadBytes <= 0 {
		o.MaxUploadBytes = 4 << 30
	}
	if o.DailyLimit <= 0 {
		o.DailyLimit = 5
	}
	if o.MaxBundleParams <= 0 {
		o.MaxBundleParams = DefaultMaxBundleParams
	}
	if o.MaxBundleTime <= 0 {
		o.MaxBundleTime = DefaultMaxBundleTime
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Service{db: db, blobs: bs, catalog: cat, queue: q, opt: o, log: o.logger()}
}

// modelName allows '/' and parentheses for names such as
// "zoo/gru-linear (untrained)".
var modelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._+()/-]{0,99}$`)

func (c Card) validate() []intake.Problem {
	var p []intake.Problem
	if !modelName.MatchString(c.Name) {
		p = append(p, intake.Problem{Array: "card.name", Message: "give the model a name of 1–100 letters, digits, spaces or ._+-/(), starting with a letter or digit"})
	}
	if c.PaperURL != "" && !strings.HasPrefix(c.PaperURL, "https://") && !strings.HasPrefix(c.PaperURL, "http://") {
		p = append(p, intake.Problem{Array: "card.paper_url", Message: "must be an http(s) URL"})
	}
	if c.ParamCount < 0 {
		p = append(p, intake.Problem{Array: "card.param_count", Message: "must not be negative"})
	}
	return p
}

// Receive stores an upload, validates it and queues its scoring. On any
// problem nothing is queued and the blob is not kept, and the error is a
// *ValidationError listing every problem. A byte-identical re-upload by the
// same lab returns the existing submission.
func (s *Service) Receive(ctx context.Context, labID int64, kind Kind, card Card, body io.Reader) (Submission, bool, error) {
	if kind != KindActivations && kind != KindWeights {
		return Submission{}, false, &ValidationError{Problems: []intake.Problem{{Array: "kind", Message: fmt.Sprintf("kind %q: use activations or weights", kind)}}}
	}
	probs := card.validate()
	info, err := s.blobs.Put(ctx, body, s.opt.MaxUploadBytes)
	if errors.Is(err, blobs.ErrTooLarge) {
		return Submission{}, false, fmt.Errorf("%w: %v", ErrTooLarge, err)
	}
	if err != nil {
		return Submission{}, false, fmt.Errorf("receive upload: %w", err)
	}
	if !info.Existed {
		defer func() {
			// Keep the blob only if a submission references it.
			var n int64
			s.db.WithContext(context.WithoutCancel(ctx)).Model(&Submission{}).Where("blob_digest = ?", info.Digest).Count(&n)
			if n == 0 {
				s.blobs.Delete(context.WithoutCancel(ctx), info.Digest)
			}
		}()
	}
	var dup Submission
	err = s.db.WithContext(ctx).Where("lab_id = ? AND blob_digest = ? AND status <> ?", labID, info.Digest, StatusFailed).Order("id").Take(&dup).Error
	if err == nil {
		return dup, true, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Submission{}, false, fmt.Errorf("look up earlier uploads: %w", err)
	}
	want, err := s.catalog.Expectations(ctx)
	if err != nil {
		return Submission{}, false, err
	}
	f, err := s.blobs.Open(ctx, info.Digest)
	if err != nil {
		return Submission{}, false, err
	}
	var layers intake.Layers
	var p []intake.Problem
	switch kind {
	case KindWeights:
		layers, p = s.checkBundle(ctx, f, want)
	case KindActivations:
		layers, p = intake.CheckActivations(f, f.Size(), want, npz.Limits{MaxArrayBytes: s.opt.MaxUploadBytes, MaxTotalBytes: 4 * s.opt.MaxUploadBytes})
	}
	f.Close()
	probs = append(probs, p...)
	if len(probs) > 0 {
		return Submission{}, false, &ValidationError{Problems: probs}
	}
	if err := s.checkDailyLimit(ctx, labID); err != nil {
		return Submission{}, false, err
	}
	lj, _ := json.Marshal(layers)
	now := s.opt.Now()
	sub := Submission{LabID: labID, Kind: kind, Status: StatusValidated, BlobDigest: info.Digest, SizeBytes: info.Size,
		Problems: json.RawMessage("[]"), Layers: lj, CreatedAt: now, UpdatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := upsertModel(tx, labID, card, now)
		if err != nil {
			return err
		}
		sub.ModelID = &m.ID
		return tx.Create(&sub).Error
	})
	if err != nil {
		return Submission{}, false, fmt.Errorf("record submission: %w", err)
	}
	if s.queue != nil {
		if err := s.queue.EnqueueScore(ctx, sub.ID); err != nil {
			s.fail(ctx, sub.ID, "could not be queued: "+err.Error())
			return Submission{}, false, fmt.Errorf("queue submission %d: %w", sub.ID, err)
		}
		s.setStatus(ctx, sub.ID, StatusQueued)
		sub.Status = StatusQueued
	}
	return sub, false, nil
}

func upsertModel(tx *gorm.DB, labID int64, c Card, now time.Time) (Model, error) {
	cj, _ := json.Marshal(c)
	var pc *int64
	if c.ParamCount > 0 {
		v := c.ParamCount
		pc = &v
	}
	m := Model{LabID: labID, Name: c.Name, Family: c.Family, Encoder: c.Encoder, Attender: c.Attender, Decoder: c.Decoder,
		ParamCount: pc, TrainingData: c.TrainingData, Objective: c.Objective, PaperURL: c.PaperURL, Visibility: "private", Card: cj, CreatedAt: now}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "lab_id"}, {Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"family", "encoder", "attender", "decoder", "param_count", "training_data", "objective", "paper_url", "card"}),
	}).Create(&m).Error
	if err != nil {
		return Model{}, fmt.Errorf("record model %q: %w", c.Name, err)
	}
	if m.ID == 0 {
		if err := tx.Where("lab_id = ? AND name = ?", labID, c.Name).Take(&m).Error; err != nil {
			return Model{}, fmt.Errorf("record model %q: %w", c.Name, err)
		}
	}
	return m, nil
}

// checkDailyLimit counts the lab's scored and in-flight runs of the last
// 24 hours; failed runs do not count.
func (s *Service) checkDailyLimit(ctx context.Context, labID int64) error {
	var n int64
	since := s.opt.Now().Add(-24 * time.Hour)
	err := s.db.WithContext(ctx).Model(&Submission{}).
		Where("lab_id = ? AND created_at >= ? AND status <> ?", labID, since, StatusFailed).Count(&n).Error
	if err != nil {
		return fmt.Errorf("count today's submissions: %w", err)
	}
	if n >= int64(s.opt.DailyLimit) {
		return fmt.Errorf("%d scored or running submissions in the last 24 hours, the limit is %d (failed runs do not count): %w", n, s.opt.DailyLimit, ErrRateLimited)
	}
	return nil
}

func (s *Service) setStatus(ctx context.Context, id int64, st Status) error {
	return s.db.WithContext(ctx).Model(&Submission{}).Where("id = ?", id).
		Updates(map[string]any{"status": st, "updated_at": s.opt.Now()}).Error
}

func (s *Service) fail(ctx context.Context, id int64, reason string) error {
	now := s.opt.Now()
	return s.db.WithContext(context.WithoutCancel(ctx)).Model(&Submission{}).Where("id = ?", id).
		Updates(map[string]any{"status": StatusFailed, "error": reason, "updated_at": now, "finished_at": now}).Error
}

// Get returns one of the lab's submissions.
func (s *Service) Get(ctx context.Context, labID, id int64) (Submission, error) {
	var sub Submission
	err := s.db.WithContext(ctx).Where("id = ? AND lab_id = ?", id, labID).Take(&sub).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Submission{}, fmt.Errorf("submission %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Submission{}, fmt.Errorf("find submission %d: %w", id, err)
	}
	return sub, nil
}

// List returns the lab's submissions, newest first.
func (s *Service) List(ctx context.Context, labID int64) ([]Submission, error) {
	var out []Submission
	if err := s.db.WithContext(ctx).Where("lab_id = ?", labID).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list submissions: %w", err)
	}
	return out, nil
}

// Publish makes a scored submission's results public.
func (s *Service) Publish(ctx context.Context, labID, id int64) (Submission, error) {
	sub, err := s.Get(ctx, labID, id)
	if err != nil {
		return Submission{}, err
	}
	if sub.Status != StatusScored {
		return Submission{}, fmt.Errorf("submission %d is %s; only scored submissions can be published: %w", id, sub.Status, ErrInvalid)
	}
	if err := s.db.WithContext(ctx).Model(&Submission{}).Where("id = ?", id).Updates(map[string]any{"published": true, "updated_at": s.opt.Now()}).Error; err != nil {
		return Submission{}, fmt.Errorf("publish submission %d: %w", id, err)
	}
	if sub.ModelID != nil {
		s.db.WithContext(ctx).Model(&Model{}).Where("id = ?", *sub.ModelID).Update("visibility", "public")
	}
	sub.Published = true
	return sub, nil
}

// Scores returns a submission's scores.
func (s *Service) Scores(ctx context.Context, id int64) ([]Score, error) {
	var out []Score
	if err := s.db.WithContext(ctx).Where("submission_id = ?", id).Order("benchmark_id, scorer_version, layer, target").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("scores of submission %d: %w", id, err)
	}
	return out, nil
}

// ScoreRow is a score with its benchmark's name and version.
type ScoreRow struct {
	Score
	Benchmark string
	Version   string
}

// ScoresWithBenchmarks returns a submission's scores with benchmark names.
func (s *Service) ScoresWithBenchmarks(ctx context.Context, id int64) ([]ScoreRow, error) {
	var out []ScoreRow
	err := s.db.WithContext(ctx).Table("scores").
		Select("scores.*, benchmarks.name AS benchmark, benchmarks.version AS version").
		Joins("JOIN benchmarks ON benchmarks.id = scores.benchmark_id").
		Where("scores.submission_id = ?", id).
		Order("benchmarks.name, scores.scorer_version, scores.layer, scores.target").
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("scores of submission %d: %w", id, err)
	}
	return out, nil
}
