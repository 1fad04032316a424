package leaderboard_test

import (
	"context"
	"encoding/json"
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

// After new scores the service reads only the changed models again; the
// board it returns must equal one built from a full read: a new model,
// a re-scored model whose scores change, and a newly published model.
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
					// A retried scoring job rewrites its rows and touches the submission.
					if err := st.DB.Model(&submissions.Score{}).Where("submission_id = ? AND layer = '' AND scorer_version = ?", subs["ResNet18"], evaluator.MetricV2).
						Updates(map[string]any{"value": 0.58, "ci_low": 0.55, "ci_high": 0.61}).Error; err != nil {
						t.Fatal(err)
					}
					touch(t, st.DB, subs["ResNet18"], map[string]any{})
				}, "ResNet18"},
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
				gj, _ := json.Marshal(got.Rows)
				wj, _ := json.Marshal(want.Rows)
				if string(gj) != string(wj) {
					t.Errorf("%s: incremental board differs from a full read:\n got %s\nwant %s", s.name, gj, wj)
				}
				if _, ok := byName(got)[s.want]; !ok {
					t.Errorf("%s: %s not on the board", s.name, s.want)
				}
			}
		})
	}
}
