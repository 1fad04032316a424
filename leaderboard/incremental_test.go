package leaderboard_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// touch updates a submission's columns and its updated_at.
func touch(t *testing.T, db *gorm.DB, id int64, cols map[string]any) {
	t.Helper()
	cols["updated_at"] = time.Now().UTC()
	if err := db.Model(&submissions.Submission{}).Where("id = ?", id).Updates(cols).Error; err != nil {
		t.Fatal(err)
	}
}

// rescore rewrites one model-level score of a submission and touches the
// submission, as a retried scoring job does.
func rescore(t *testing.T, db *gorm.DB, sub int64, scorer string, v, lo, hi any) {
	t.Helper()
	if err := db.Model(&submissions.Score{}).Where("submission_id = ? AND layer = '' AND scorer_version = ?", sub, scorer).
		Updates(map[string]any{"value": v, "ci_low": lo, "ci_high": hi}).Error; err != nil {
		t.Fatal(err)
	}
	touch(t, db, sub, map[string]any{})
}

// After new scores the service reads only the changed models again and
// copies the other rows from its previous board (Rebuild); the board it
// returns must equal, field for field, one built from a full read: after
// a new model, a re-scored model whose scores change, a model that moves
// from last to first, a new tie on equal values, and a newly published
// model.
func TestIncrementalBoardMatchesFullRead(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Migrated(t, d)
			bench := leaderboardtest.Register(t, st.DB, "v1")
			subs := map[string]int64{}
			for _, m := range leaderboardtest.Zoo() {
				_, subs[m.Name] = leaderboardtest.Add(t, st.DB, bench, m)
			}
			svc := leaderboard.New(st.DB)
			if _, err := svc.Board(ctx); err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				name   string
				change func()
				want   string // a model that must be on the board afterwards
			}{
				{"new model", func() {
					leaderboardtest.Add(t, st.DB, bench, leaderboardtest.Model{Name: "Newcomer", Lab: "New Lab", Family: "SSM", Published: true, V2: 0.6, V1: 0.7, Top1: 0.5, Top5: 0.9})
				}, "Newcomer"},
				{"re-scored", func() {
					rescore(t, st.DB, subs["ResNet18"], evaluator.MetricV2, 0.58, 0.55, 0.61)
				}, "ResNet18"},
				{"last to first", func() {
					// Mystery's rsa-v2 0.10 (the lowest) becomes 0.90, above every interval.
					rescore(t, st.DB, subs["Mystery"], evaluator.MetricV2, 0.90, 0.88, 0.92)
				}, "Mystery"},
				{"new tie", func() {
					// rsa-paper-v1 has no intervals: S4-neural-only's 0.50 becomes
					// ConvRNN-GPT's 0.64, and equal values tie.
					rescore(t, st.DB, subs["S4-neural-only"], evaluator.MetricPaperV1, 0.64, nil, nil)
				}, "S4-neural-only"},
				{"published", func() {
					// As submissions.Service.Publish does: the submission, then the model.
					touch(t, st.DB, subs["Secret"], map[string]any{"published": true})
					if err := st.DB.Model(&submissions.Model{}).Where("name = ?", "Secret").Update("visibility", "public").Error; err != nil {
						t.Fatal(err)
					}
				}, "Secret"},
			}
			for _, s := range steps {
				s.change()
				got, err := svc.Board(ctx)
				if err != nil {
					t.Fatal(err)
				}
				snap, err := svc.Load(ctx)
				if err != nil {
					t.Fatal(err)
				}
				want := leaderboard.Build(snap)
				if !reflect.DeepEqual(got, want) {
					gj, _ := json.Marshal(got.Rows)
					wj, _ := json.Marshal(want.Rows)
					t.Errorf("%s: incremental board differs from a full read:\n got %s\nwant %s", s.name, gj, wj)
				}
				// Publishing changes which models are public: a full read. The
				// others read the changed model again, and at most one more: the
				// model of the submission updated last before, when that one is
				// not on the board (an unpublished one) and so may have changed.
				if inc, n := svc.LastBuild(); s.name != "published" && (!inc || n < 1 || n > 2) {
					t.Errorf("%s: built incrementally %v over %d changed models, want incrementally over 1 or 2", s.name, inc, n)
				}
				if _, ok := byName(got)[s.want]; !ok {
					t.Errorf("%s: %s not on the board", s.name, s.want)
				}
				rows := byName(got)
				switch s.name {
				case "last to first":
					if p := rows["Mystery"].Cells.Get(leaderboard.KeyV2).Place; p != (leaderboard.Place{Rank: 1}) {
						t.Errorf("%s: Mystery's rsa-v2 place %+v, want rank 1 untied", s.name, p)
					}
				case "new tie":
					for _, n := range []string{"S4-neural-only", "ConvRNN-GPT"} {
						if p := rows[n].Cells.Get(leaderboard.KeyV1).Place; !p.Tied {
							t.Errorf("%s: %s's rsa-paper-v1 place %+v, want tied", s.name, n, p)
						}
					}
				}
			}
		})
	}
}

// Models written in bulk share one updated_at; the first score after them
// must still read only its own model, not every model of the bulk write
// (they are at the previous stamp's latest update, already on the board).
func TestIncrementalAfterBulkWrite(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Migrated(t, d)
			bench := leaderboardtest.Register(t, st.DB, "v1")
			leaderboardtest.AddBulk(t, st.DB, bench, leaderboardtest.Synthetic(600, 3))
			svc := leaderboard.New(st.DB)
			if _, err := svc.Board(ctx); err != nil {
				t.Fatal(err)
			}
			leaderboardtest.AddBulk(t, st.DB, bench, []leaderboardtest.Model{{Name: "After", Lab: "Lab 01", Family: "SSM", Published: true, V2: 0.5, V1: 0.5, Top1: 0.5, Top5: 0.9}})
			b, err := svc.Board(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if inc, n := svc.LastBuild(); !inc || n != 1 {
				t.Errorf("after a bulk write of 600 models, a new model built incrementally %v over %d changed models; want incrementally over 1", inc, n)
			}
			if len(b.Rows) != 601 {
				t.Errorf("%d rows, want 601", len(b.Rows))
			}
		})
	}
}
