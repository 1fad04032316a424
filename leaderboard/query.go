package leaderboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// Service reads the board from the database and keeps the last one built
// in memory under its stamp.
type Service struct {
	db *gorm.DB

	mu    sync.Mutex
	board *Board
}

// New returns a Service over db (the submissions schema).
func New(db *gorm.DB) *Service { return &Service{db: db} }

// latestPublished selects, per model, its latest scored and published
// submission.
const latestPublished = `SELECT model_id, MAX(id) AS submission_id FROM submissions
 WHERE published = ? AND status = ? AND model_id IS NOT NULL GROUP BY model_id`

// Stamp is a digest of what the board depends on: the submissions' count
// and latest update (scoring, publishing and re-scoring all update a
// submission's row), the highest score id, and the benchmark and model
// tables' sizes, and the ranking changes' progress. Any new score changes
// it; it is cheap to compute.
func (s *Service) Stamp(ctx context.Context) (string, error) {
	var row struct {
		SubUpdated string `gorm:"column:sub_updated"`
		Subs       int64  `gorm:"column:subs"`
		MaxScore   int64  `gorm:"column:max_score"`
		MaxBench   int64  `gorm:"column:max_bench"`
		Benches    int64  `gorm:"column:benches"`
		MaxModel   int64  `gorm:"column:max_model"`
		Public     int64  `gorm:"column:public"`
		Changes    int64  `gorm:"column:changes"`
		Rescored   int64  `gorm:"column:rescored"`
	}
	err := s.db.WithContext(ctx).Raw(`SELECT
 COALESCE((SELECT CAST(MAX(updated_at) AS TEXT) FROM submissions), '') AS sub_updated,
 (SELECT COUNT(*) FROM submissions) AS subs,
 COALESCE((SELECT MAX(id) FROM scores), 0) AS max_score,
 COALESCE((SELECT MAX(id) FROM benchmarks), 0) AS max_bench,
 (SELECT COUNT(*) FROM benchmarks) AS benches,
 COALESCE((SELECT MAX(id) FROM models), 0) AS max_model,
 (SELECT COUNT(*) FROM models WHERE visibility = 'public') AS public,
 (SELECT COUNT(*) FROM ranking_changes WHERE finished_at IS NOT NULL) + (SELECT COUNT(*) FROM ranking_changes) AS changes,
 (SELECT COUNT(*) FROM rescores WHERE status <> 'pending') AS rescored`).Scan(&row).Error
	if err != nil {
		return "", fmt.Errorf("leaderboard stamp: %w", err)
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%d|%d|%d|%d|%d|%d|%d", row.SubUpdated, row.Subs, row.MaxScore, row.MaxBench, row.Benches, row.MaxModel, row.Public, row.Changes, row.Rescored))
	return hex.EncodeToString(h[:12]), nil
}

// Load reads a snapshot of everything the board shows.
func (s *Service) Load(ctx context.Context) (Snapshot, error) {
	stamp, err := s.Stamp(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	return s.load(ctx, stamp)
}

func (s *Service) load(ctx context.Context, stamp string) (Snapshot, error) {
	snap := Snapshot{Stamp: stamp}
	db := s.db.WithContext(ctx)
	var err error
	if snap.Benchmarks, err = catalog.New(s.db).List(ctx); err != nil {
		return Snapshot{}, fmt.Errorf("leaderboard benchmarks: %w", err)
	}
	err = db.Raw(`WITH latest AS (`+latestPublished+`)
SELECT m.id AS model_id, m.name, l.name AS lab, m.family, m.encoder, m.attender, m.decoder, m.param_count,
 m.training_data, m.objective, m.paper_url, m.reference, s.id AS submission_id, s.kind, s.reproduced,
 s.created_at AS submitted_at, s.finished_at, s.updated_at
FROM latest JOIN submissions s ON s.id = latest.submission_id
 JOIN models m ON m.id = latest.model_id
 JOIN labs l ON l.id = m.lab_id
WHERE m.visibility = 'public'
ORDER BY m.id`, true, submissions.StatusScored).Scan(&snap.Models).Error
	if err != nil {
		return Snapshot{}, fmt.Errorf("leaderboard models: %w", err)
	}
	err = db.Raw(`WITH latest AS (`+latestPublished+`)
SELECT sc.submission_id, sc.benchmark_id, sc.scorer_version, sc.target, sc.value, sc.ci_low, sc.ci_high
FROM latest JOIN scores sc ON sc.submission_id = latest.submission_id
WHERE sc.layer = ''`, true, submissions.StatusScored).Scan(&snap.Scores).Error
	if err != nil {
		return Snapshot{}, fmt.Errorf("leaderboard scores: %w", err)
	}
	return snap, nil
}

// Board returns the current board: the cached one when the stamp has not
// changed since it was built, else a fresh one. The stamp is read before
// the data, so a board is never cached under a stamp newer than its data.
func (s *Service) Board(ctx context.Context) (*Board, error) {
	stamp, err := s.Stamp(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	b := s.board
	s.mu.Unlock()
	if b != nil && b.Stamp == stamp {
		return b, nil
	}
	snap, err := s.load(ctx, stamp)
	if err != nil {
		return nil, err
	}
	b = Build(snap)
	s.mu.Lock()
	s.board = b
	s.mu.Unlock()
	return b, nil
}
