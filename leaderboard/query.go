package leaderboard

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// Service reads the board from the database and keeps the last one built
// in memory under its stamp, with the snapshot it was built from: after a
// new score only the models whose submissions changed are read again.
type Service struct {
	db *gorm.DB
	// stampDB prepares the stamp query once per connection: it runs on
	// every request, and parsing it was a fifth of the CPU under load.
	stampDB *gorm.DB

	mu       sync.Mutex
	board    *Board
	snap     Snapshot
	parts    stampParts
	building map[string]*build // boards being built, by stamp

	stamps stampFlight // concurrent stamp reads, coalesced
	last   buildInfo   // how the latest board was built
}

// buildInfo says how a board was built: from a full read, or from the
// previous board and the models that changed.
type buildInfo struct {
	incremental bool
	changed     int
}

// build is one board being built; the requests that want its stamp wait
// for it rather than build it again.
type build struct {
	done  chan struct{}
	board *Board
	snap  Snapshot
	err   error
}

// New returns a Service over db (the submissions schema).
func New(db *gorm.DB) *Service {
	return &Service{db: db, stampDB: db.Session(&gorm.Session{PrepareStmt: true}), building: map[string]*build{},
		stamps: stampFlight{interval: stampInterval}}
}

// stampInterval is the least time between the starts of two stamp reads
// (stampFlight): what a request may wait for its stamp beyond the read.
const stampInterval = time.Millisecond

// latestPublished selects, per model, its latest scored and published
// submission.
const latestPublished = `SELECT model_id, MAX(id) AS submission_id FROM submissions
 WHERE published = ? AND status = ? AND model_id IS NOT NULL %s GROUP BY model_id`

// Stamp is a digest of what the board depends on: the submissions' count
// and latest update (scoring, publishing and re-scoring all update a
// submission's row), the highest score id, the benchmark and model
// tables' sizes, the number of models that are not public (publishing
// flips a model's visibility) and the ranking changes' progress. Any new
// score changes it. Every part is an index probe or a count over a small
// index range (migration 00006) or a small table, so it is read on every
// request: about 0.2 ms on SQLite at 10 000 models.
func (s *Service) Stamp(ctx context.Context) (string, error) {
	p, err := s.stampParts(ctx)
	if err != nil {
		return "", err
	}
	return p.Stamp, nil
}

// stampParts are the figures the stamp digests.
type stampParts struct {
	SubUpdated string `gorm:"column:sub_updated"`
	Subs       int64  `gorm:"column:subs"`
	MaxScore   int64  `gorm:"column:max_score"`
	MaxBench   int64  `gorm:"column:max_bench"`
	Benches    int64  `gorm:"column:benches"`
	MaxModel   int64  `gorm:"column:max_model"`
	Models     int64  `gorm:"column:models"`
	Hidden     int64  `gorm:"column:hidden"`
	Changes    int64  `gorm:"column:changes"`
	Rescored   int64  `gorm:"column:rescored"`

	// Stamp is digest(), computed once per read: every request that shares
	// the read needs it.
	Stamp string `gorm:"-"`
}

func (p stampParts) digest() string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%d|%d|%d|%d|%d|%d|%d|%d", p.SubUpdated, p.Subs, p.MaxScore, p.MaxBench, p.Benches, p.MaxModel, p.Models, p.Hidden, p.Changes, p.Rescored))
	return hex.EncodeToString(h[:12])
}

// incremental reports whether a board read under p can be brought up to
// date by reading again only the models whose submissions were updated or
// scored since: no benchmark version, visibility change, deletion or new
// ranking change in between (those rebuild from scratch).
func (p stampParts) incremental(next stampParts) bool {
	return p.MaxBench == next.MaxBench && p.Benches == next.Benches && p.Hidden == next.Hidden && p.Changes == next.Changes &&
		next.Subs >= p.Subs && next.Models >= p.Models && next.MaxModel >= p.MaxModel && next.MaxScore >= p.MaxScore && next.SubUpdated >= p.SubUpdated
}

// stampParts reads the stamp's figures; concurrent callers share a read
// that started after all of them arrived (stampFlight), never an older one.
func (s *Service) stampParts(ctx context.Context) (stampParts, error) {
	return s.stamps.do(ctx, s.readStampParts)
}

func (s *Service) readStampParts(ctx context.Context) (stampParts, error) {
	var row stampParts
	err := s.stampDB.WithContext(ctx).Raw(`SELECT
 COALESCE(CAST((SELECT MAX(updated_at) FROM submissions) AS TEXT), '') AS sub_updated,
 (SELECT COUNT(*) FROM submissions) AS subs,
 COALESCE((SELECT MAX(id) FROM scores), 0) AS max_score,
 COALESCE((SELECT MAX(id) FROM benchmarks), 0) AS max_bench,
 (SELECT COUNT(*) FROM benchmarks) AS benches,
 COALESCE((SELECT MAX(id) FROM models), 0) AS max_model,
 (SELECT COUNT(*) FROM models) AS models,
 (SELECT COUNT(*) FROM models WHERE visibility < 'public') + (SELECT COUNT(*) FROM models WHERE visibility > 'public') AS hidden,
 (SELECT COUNT(*) FROM ranking_changes WHERE finished_at IS NOT NULL) + (SELECT COUNT(*) FROM ranking_changes) AS changes,
 (SELECT COUNT(*) FROM rescores WHERE status <> 'pending') AS rescored`).Scan(&row).Error
	if err != nil {
		return stampParts{}, fmt.Errorf("leaderboard stamp: %w", err)
	}
	row.Stamp = row.digest()
	return row, nil
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
	var err error
	if snap.Benchmarks, err = catalog.New(s.db).List(ctx); err != nil {
		return Snapshot{}, fmt.Errorf("leaderboard benchmarks: %w", err)
	}
	if snap.Models, snap.Scores, err = s.loadModels(ctx, nil); err != nil {
		return Snapshot{}, err
	}
	return snap, nil
}

// loadModels reads the public models and their scores: all of them, or
// those of the given model ids.
func (s *Service) loadModels(ctx context.Context, ids []int64) ([]ModelRecord, []ScoreRecord, error) {
	db := s.db.WithContext(ctx)
	latest, args := fmt.Sprintf(latestPublished, ""), []any{true, submissions.StatusScored}
	onlyModels, modelArgs := "", args
	if ids != nil {
		latest, args = fmt.Sprintf(latestPublished, "AND model_id IN ?"), append(args, ids)
		// Naming the models in the outer query too lets SQLite probe them
		// by primary key instead of walking every public model.
		onlyModels, modelArgs = " AND m.id IN ?", append(slices.Clip(args), ids)
	}
	var models []ModelRecord
	var scores []ScoreRecord
	err := db.Raw(`WITH latest AS (`+latest+`)
SELECT m.id AS model_id, m.name, l.name AS lab, m.family, m.encoder, m.attender, m.decoder, m.param_count,
 m.training_data, m.objective, m.paper_url, m.reference, s.id AS submission_id, s.kind, s.reproduced,
 s.created_at AS submitted_at, s.finished_at, s.updated_at
FROM latest JOIN submissions s ON s.id = latest.submission_id
 JOIN models m ON m.id = latest.model_id
 JOIN labs l ON l.id = m.lab_id
WHERE m.visibility = 'public'`+onlyModels+`
ORDER BY m.id`, modelArgs...).Scan(&models).Error
	if err != nil {
		return nil, nil, fmt.Errorf("leaderboard models: %w", err)
	}
	err = db.Raw(`WITH latest AS (`+latest+`)
SELECT sc.submission_id, sc.benchmark_id, sc.scorer_version, sc.target, sc.value, sc.ci_low, sc.ci_high
FROM latest JOIN scores sc ON sc.submission_id = latest.submission_id
WHERE sc.layer = ''`, args...).Scan(&scores).Error
	if err != nil {
		return nil, nil, fmt.Errorf("leaderboard scores: %w", err)
	}
	return models, scores, nil
}

// maxDelta is the most changed models an incremental read takes on; more
// and the board is read from scratch.
const maxDelta = 500

// changedModels returns the models with a submission updated at or after
// the previous stamp's latest update, or with a score newer than its
// highest score id. A submission updated exactly at that instant that old
// already holds as its model's latest is not a change: the stamp cannot
// tell a later write in the same instant from that one either, and
// without this rule every submission of a bulk write sharing its
// timestamp would be read again after the next new score.
func (s *Service) changedModels(ctx context.Context, old Snapshot, prev stampParts) ([]int64, error) {
	since := "?"
	if s.db.Dialector.Name() == "postgres" {
		since = "CAST(? AS timestamptz)" // the stamp's text of a timestamptz
	}
	var found []struct {
		ModelID      int64  `gorm:"column:model_id"`
		SubmissionID int64  `gorm:"column:submission_id"`
		Updated      string `gorm:"column:updated"`
	}
	// The submissions part compares updated_at itself, not its text, so
	// that it probes the submissions_updated index (migration 00006).
	err := s.db.WithContext(ctx).Raw(`SELECT model_id, id AS submission_id, CAST(updated_at AS TEXT) AS updated FROM submissions
 WHERE model_id IS NOT NULL AND updated_at >= `+since+`
UNION ALL SELECT s.model_id, s.id, '' FROM scores sc JOIN submissions s ON s.id = sc.submission_id WHERE sc.id > ? AND s.model_id IS NOT NULL`,
		prev.SubUpdated, prev.MaxScore).Scan(&found).Error
	if err != nil {
		return nil, fmt.Errorf("leaderboard changes: %w", err)
	}
	seen := make(map[int64]bool, len(found))
	ids := make([]int64, 0, len(found))
	for _, f := range found {
		if seen[f.ModelID] || f.Updated == prev.SubUpdated && old.holds(f.ModelID, f.SubmissionID) {
			continue
		}
		seen[f.ModelID] = true
		ids = append(ids, f.ModelID)
	}
	return ids, nil
}

// holds reports whether the snapshot has model id with submission sub as
// its latest (Models is sorted by model id).
func (s Snapshot) holds(model, sub int64) bool {
	i, ok := slices.BinarySearchFunc(s.Models, model, func(m ModelRecord, id int64) int { return cmp.Compare(m.ModelID, id) })
	return ok && s.Models[i].SubmissionID == sub
}

// update brings snapshot old (read under prev) up to date by reading the
// changed models again, and returns the ids of those models. It reports
// false when a full read is needed.
func (s *Service) update(ctx context.Context, old Snapshot, prev stampParts, stamp string) (Snapshot, map[int64]bool, bool, error) {
	ids, err := s.changedModels(ctx, old, prev)
	if err != nil || len(ids) > maxDelta {
		return Snapshot{}, nil, false, err
	}
	models, scores, err := s.loadModels(ctx, ids)
	if err != nil {
		return Snapshot{}, nil, false, err
	}
	changed := make(map[int64]bool, len(ids))
	for _, id := range ids {
		changed[id] = true
	}
	// Both model lists are in model id order (the reads sort by it): one
	// merge, no sort.
	oldSubs := map[int64]bool{}
	next := Snapshot{Stamp: stamp, Benchmarks: old.Benchmarks, Models: make([]ModelRecord, 0, len(old.Models)+len(models)),
		Scores: make([]ScoreRecord, 0, len(old.Scores)+len(scores))}
	k := 0
	for _, m := range old.Models {
		if changed[m.ModelID] {
			oldSubs[m.SubmissionID] = true
			continue
		}
		for k < len(models) && models[k].ModelID < m.ModelID {
			next.Models = append(next.Models, models[k])
			k++
		}
		next.Models = append(next.Models, m)
	}
	next.Models = append(next.Models, models[k:]...)
	for _, r := range old.Scores {
		if !oldSubs[r.SubmissionID] {
			next.Scores = append(next.Scores, r)
		}
	}
	next.Scores = append(next.Scores, scores...)
	return next, changed, true, nil
}

// Board returns the current board: the cached one when the stamp has not
// changed since it was built, else a fresh one. The stamp is read before
// the data, so a board is never cached under a stamp newer than its data.
// Concurrent requests for the same new stamp share one build.
func (s *Service) Board(ctx context.Context) (*Board, error) {
	parts, err := s.stampParts(ctx)
	if err != nil {
		return nil, err
	}
	stamp := parts.Stamp
	s.mu.Lock()
	if b := s.board; b != nil && b.Stamp == stamp {
		s.mu.Unlock()
		return b, nil
	}
	if w, ok := s.building[stamp]; ok {
		s.mu.Unlock()
		select {
		case <-w.done:
			return w.board, w.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	w := &build{done: make(chan struct{})}
	s.building[stamp] = w
	oldBoard, old, prev := s.board, s.snap, s.parts
	s.mu.Unlock()

	// The build outlives a caller that goes away: others may wait on it.
	w.board, w.snap, w.err = s.build(context.WithoutCancel(ctx), stamp, parts, oldBoard, old, prev)
	s.mu.Lock()
	delete(s.building, stamp)
	if w.err == nil && (s.board == nil || s.parts.SubUpdated <= parts.SubUpdated && s.parts.MaxScore <= parts.MaxScore) {
		s.board, s.snap, s.parts = w.board, w.snap, parts
	}
	s.mu.Unlock()
	close(w.done)
	return w.board, w.err
}

// build reads the snapshot, incrementally from old (the snapshot of
// oldBoard, read under prev) when it can, and builds the board: then it
// copies oldBoard's rows of the models that did not change (Rebuild).
func (s *Service) build(ctx context.Context, stamp string, parts stampParts, oldBoard *Board, old Snapshot, prev stampParts) (*Board, Snapshot, error) {
	if oldBoard != nil && prev.incremental(parts) {
		snap, changed, ok, err := s.update(ctx, old, prev, stamp)
		if err != nil {
			return nil, Snapshot{}, err
		}
		if ok {
			s.noteBuild(buildInfo{incremental: true, changed: len(changed)})
			return Rebuild(oldBoard, snap, changed), snap, nil
		}
	}
	snap, err := s.load(ctx, stamp)
	if err != nil {
		return nil, Snapshot{}, err
	}
	s.noteBuild(buildInfo{changed: len(snap.Models)})
	return Build(snap), snap, nil
}

func (s *Service) noteBuild(b buildInfo) {
	s.mu.Lock()
	s.last = b
	s.mu.Unlock()
}
