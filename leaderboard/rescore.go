package leaderboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// Re-scoring statuses of one submission for one change.
const (
	RescorePending = "pending"
	RescoreDone    = "done"
	RescoreFailed  = "failed"
)

// Rescore is a row of rescores: one submission re-scored for one change.
type Rescore struct {
	ChangeID     int64 `gorm:"primaryKey;autoIncrement:false"`
	SubmissionID int64 `gorm:"primaryKey;autoIncrement:false"`
	Status       string
	Error        string
	UpdatedAt    time.Time
}

// TableName implements gorm's tabler.
func (Rescore) TableName() string { return "rescores" }

// Detected is what DetectChange found.
type Detected struct {
	Change ChangeRecord
	// Created is true when this call recorded the change.
	Created bool
	// Pending lists the submissions still to re-score for it: queue a
	// re-scoring job for each (inserting them again is harmless when the
	// jobs are unique by arguments).
	Pending []int64
}

// DetectChange compares the current benchmark versions with those of the
// latest recorded change and, when they differ, records a change listing
// every scored submission for re-scoring. The first versions ever seen are
// recorded as a silent baseline, except that a version that replaced an
// earlier one of the same benchmark counts as a change from it. It is
// idempotent: the same current versions always map to the same record,
// whose still-pending submissions it returns.
func (s *Service) DetectChange(ctx context.Context) (Detected, error) {
	cat := catalog.New(s.db)
	cur, err := cat.Current(ctx)
	if err != nil {
		return Detected{}, err
	}
	if len(cur) == 0 {
		return Detected{}, nil
	}
	to := versionRefs(cur)
	key := versionsKey(to)
	db := s.db.WithContext(ctx)
	var rec ChangeRecord
	err = db.Where("versions_key = ?", key).Take(&rec).Error
	if err == nil {
		pending, err := s.pending(ctx, rec.ID)
		return Detected{Change: rec, Pending: pending}, err
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Detected{}, fmt.Errorf("find ranking change: %w", err)
	}
	from, err := s.previousVersions(ctx, cat, cur)
	if err != nil {
		return Detected{}, err
	}
	reason := ChangeReason(from, to)
	var last ChangeRecord
	hasLast := db.Order("id DESC").Limit(1).Find(&last).RowsAffected > 0
	baseline := reason == "" || (!hasLast && len(from) == 0)
	if from == nil {
		from = map[string]VersionRef{}
	}
	fj, _ := json.Marshal(from)
	tj, _ := json.Marshal(to)
	now := time.Now().UTC()
	rec = ChangeRecord{VersionsKey: key, Reason: reason, Baseline: baseline, FromVersions: fj, ToVersions: tj,
		BeforeRanks: json.RawMessage("{}"), AfterRanks: json.RawMessage("{}"), Moves: json.RawMessage("[]"), CreatedAt: now}
	var ids []int64
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&rec).Error; err != nil {
			return err
		}
		if baseline {
			return nil
		}
		if err := tx.Model(&submissions.Submission{}).Where("status = ?", submissions.StatusScored).Order("id").Pluck("id", &ids).Error; err != nil {
			return fmt.Errorf("list scored submissions: %w", err)
		}
		rows := make([]Rescore, len(ids))
		for i, id := range ids {
			rows[i] = Rescore{ChangeID: rec.ID, SubmissionID: id, Status: RescorePending, UpdatedAt: now}
		}
		if len(rows) > 0 {
			return tx.CreateInBatches(rows, 200).Error
		}
		return nil
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// Another process recorded it first.
		return s.DetectChange(ctx)
	}
	if err != nil {
		return Detected{}, fmt.Errorf("record ranking change: %w", err)
	}
	if baseline {
		return Detected{Change: rec, Created: true}, s.markFinished(ctx, rec.ID, nil, nil, nil)
	}
	if len(ids) == 0 {
		if _, err := s.FinishChange(ctx, rec.ID); err != nil {
			return Detected{}, err
		}
	}
	return Detected{Change: rec, Created: true, Pending: ids}, nil
}

// previousVersions are the versions the current ones replace: those of
// the latest recorded change, or, before any, the version registered just
// before each current one (none for a benchmark's first version).
func (s *Service) previousVersions(ctx context.Context, cat *catalog.Catalog, cur []catalog.Benchmark) (map[string]VersionRef, error) {
	var last ChangeRecord
	if s.db.WithContext(ctx).Order("id DESC").Limit(1).Find(&last).RowsAffected > 0 {
		var from map[string]VersionRef
		if err := json.Unmarshal(last.ToVersions, &from); err != nil {
			return nil, fmt.Errorf("ranking change %d versions: %w", last.ID, err)
		}
		return from, nil
	}
	all, err := cat.List(ctx)
	if err != nil {
		return nil, err
	}
	from := map[string]VersionRef{}
	changed := false
	for _, c := range cur {
		ref := versionRefs([]catalog.Benchmark{c})[c.Name]
		for _, b := range all { // by name, then age: the last before c is its predecessor
			if b.ID == c.ID {
				break
			}
			if b.Name == c.Name {
				ref = VersionRef{ID: b.ID, Name: b.Name, Version: b.Version, Scorer: b.ScorerVersion, Synthetic: b.Synthetic}
			}
		}
		changed = changed || ref.ID != c.ID
		from[c.Name] = ref
	}
	if !changed {
		return nil, nil
	}
	return from, nil
}

func (s *Service) pending(ctx context.Context, changeID int64) ([]int64, error) {
	var ids []int64
	if err := s.db.WithContext(ctx).Model(&Rescore{}).Where("change_id = ? AND status = ?", changeID, RescorePending).
		Order("submission_id").Pluck("submission_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("pending re-scorings of change %d: %w", changeID, err)
	}
	return ids, nil
}

// RescoreFinished records that a submission's re-scoring for a change
// ended (failed when reason is not ""), and finishes the change when it
// was the last. It reports whether the change is finished.
func (s *Service) RescoreFinished(ctx context.Context, changeID, submissionID int64, reason string) (bool, error) {
	st := RescoreDone
	if reason != "" {
		st = RescoreFailed
	}
	err := s.db.WithContext(ctx).Model(&Rescore{}).Where("change_id = ? AND submission_id = ?", changeID, submissionID).
		Updates(map[string]any{"status": st, "error": reason, "updated_at": time.Now().UTC()}).Error
	if err != nil {
		return false, fmt.Errorf("record re-scoring of submission %d: %w", submissionID, err)
	}
	return s.FinishChange(ctx, changeID)
}

// FinishChange records the ranks before and after a change once none of
// its re-scorings is pending, and reports whether it is finished. Before
// is the board as it was under the versions the change replaced (the old
// scores are kept); after, the board under the versions it brought.
func (s *Service) FinishChange(ctx context.Context, changeID int64) (bool, error) {
	var rec ChangeRecord
	if err := s.db.WithContext(ctx).Take(&rec, changeID).Error; err != nil {
		return false, fmt.Errorf("ranking change %d: %w", changeID, err)
	}
	if rec.FinishedAt != nil {
		return true, nil
	}
	pending, err := s.pending(ctx, changeID)
	if err != nil || len(pending) > 0 {
		return false, err
	}
	var from, to map[string]VersionRef
	if err := json.Unmarshal(rec.FromVersions, &from); err != nil {
		return false, fmt.Errorf("ranking change %d: %w", changeID, err)
	}
	if err := json.Unmarshal(rec.ToVersions, &to); err != nil {
		return false, fmt.Errorf("ranking change %d: %w", changeID, err)
	}
	snap, err := s.Load(ctx)
	if err != nil {
		return false, err
	}
	maxTo := int64(0)
	added := map[int64]bool{}
	for n, t := range to {
		maxTo = max(maxTo, t.ID)
		if from[n].ID != t.ID {
			added[t.ID] = true
		}
	}
	keep := func(drop func(catalog.Benchmark) bool) Snapshot {
		out := snap
		out.Benchmarks = nil
		for _, b := range snap.Benchmarks {
			if !drop(b) {
				out.Benchmarks = append(out.Benchmarks, b)
			}
		}
		return out
	}
	afterBoard := Build(keep(func(b catalog.Benchmark) bool { return b.ID > maxTo }))
	beforeBoard := Build(keep(func(b catalog.Benchmark) bool { return b.ID > maxTo || added[b.ID] }))
	before, after := RanksOf(beforeBoard), RanksOf(afterBoard)
	labels := columnLabels(beforeBoard)
	for k, v := range columnLabels(afterBoard) {
		labels[k] = v
	}
	moves := MovesBetween(before, after, labels)
	return true, s.markFinished(ctx, changeID, before, after, moves)
}

func (s *Service) markFinished(ctx context.Context, id int64, before, after Ranks, moves []Move) error {
	bj, _ := json.Marshal(orEmpty(before))
	aj, _ := json.Marshal(orEmpty(after))
	if moves == nil {
		moves = []Move{}
	}
	mj, _ := json.Marshal(moves)
	err := s.db.WithContext(ctx).Model(&ChangeRecord{}).Where("id = ? AND finished_at IS NULL", id).
		Updates(map[string]any{"before_ranks": string(bj), "after_ranks": string(aj), "moves": string(mj), "finished_at": time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("finish ranking change %d: %w", id, err)
	}
	return nil
}

func orEmpty(r Ranks) Ranks {
	if r == nil {
		return Ranks{}
	}
	return r
}

// Changes returns the latest ranking changes (not the baseline), newest
// first, at most limit.
func (s *Service) Changes(ctx context.Context, limit int) ([]Change, error) {
	var recs []ChangeRecord
	if err := s.db.WithContext(ctx).Where("baseline = ?", false).Order("id DESC").Limit(limit).Find(&recs).Error; err != nil {
		return nil, fmt.Errorf("ranking changes: %w", err)
	}
	out := make([]Change, 0, len(recs))
	for _, r := range recs {
		c := Change{ID: r.ID, Reason: r.Reason, CreatedAt: r.CreatedAt.UTC(), FinishedAt: r.FinishedAt}
		for _, f := range []struct {
			raw json.RawMessage
			dst any
		}{{r.FromVersions, &c.From}, {r.ToVersions, &c.To}, {r.BeforeRanks, &c.Before}, {r.AfterRanks, &c.After}, {r.Moves, &c.Moves}} {
			if err := json.Unmarshal(f.raw, f.dst); err != nil {
				return nil, fmt.Errorf("ranking change %d: %w", r.ID, err)
			}
		}
		var counts []struct {
			Status string
			N      int
		}
		if err := s.db.WithContext(ctx).Model(&Rescore{}).Select("status, COUNT(*) AS n").Where("change_id = ?", r.ID).Group("status").Scan(&counts).Error; err != nil {
			return nil, fmt.Errorf("ranking change %d re-scorings: %w", r.ID, err)
		}
		for _, n := range counts {
			switch n.Status {
			case RescorePending:
				c.Pending = n.N
			case RescoreFailed:
				c.Failed = n.N
			}
		}
		if c.Moves == nil {
			c.Moves = []Move{}
		}
		out = append(out, c)
	}
	return out, nil
}
