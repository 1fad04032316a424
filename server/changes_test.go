package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// A new benchmark version re-scores every scored submission, and the board
// then says which ranks moved and why: here the v2 scores lift Mystery
// from last on rsa-v2 (0.10, rank 6) to first (0.95 [0.93, 0.97], above
// every interval), and both the changes API and the leaderboard page say
// so, with the versions in the reason. The re-scoring is done as the job
// does it: new score rows on v2, the submission touched, RescoreFinished.
func TestRankingChangeShowsMoves(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			zoo := leaderboardtest.Zoo()
			site := startBoard(t, d, zoo)
			lb := leaderboard.New(site.st.DB)
			if first, err := lb.DetectChange(ctx); err != nil || !first.Change.Baseline {
				t.Fatalf("first versions: %+v, %v; want a silent baseline", first.Change, err)
			}
			v2 := leaderboardtest.Register(t, site.st.DB, "v2")
			ch, err := lb.DetectChange(ctx)
			if err != nil || !ch.Created || ch.Change.Baseline || len(ch.Pending) != len(zoo) {
				t.Fatalf("after v2: %+v, %v; want a change re-scoring all %d submissions", ch, err, len(zoo))
			}
			byModel := map[int64]leaderboardtest.Model{}
			for _, m := range zoo {
				byModel[site.ids[m.Name]] = m
			}
			for i, id := range ch.Pending {
				var sub submissions.Submission
				if err := site.st.DB.Take(&sub, id).Error; err != nil {
					t.Fatal(err)
				}
				m := byModel[*sub.ModelID]
				if m.Name == "Mystery" {
					m.V2, m.V2Lo, m.V2Hi = 0.95, 0.93, 0.97
				}
				leaderboardtest.AddScores(t, site.st.DB, v2, id, m)
				done, err := lb.RescoreFinished(ctx, ch.Change.ID, id, "")
				if err != nil {
					t.Fatal(err)
				}
				if last := i == len(ch.Pending)-1; done != last {
					t.Errorf("re-score %d of %d: change finished %v", i+1, len(ch.Pending), done)
				}
			}

			_, body := get(t, site.url+"/api/v1/leaderboard/changes", nil)
			var out struct {
				Changes []struct {
					Reason     string             `json:"reason"`
					FinishedAt *string            `json:"finished_at"`
					Moves      []leaderboard.Move `json:"moves"`
				} `json:"changes"`
			}
			if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Changes) == 0 {
				t.Fatalf("changes API: %v\n%s", err, body)
			}
			c := out.Changes[0]
			if c.FinishedAt == nil || !strings.Contains(c.Reason, "v1→v2") {
				t.Errorf("latest change %+v; want finished, its reason naming v1→v2", c)
			}
			found := false
			for _, mv := range c.Moves {
				if mv.Name == "Mystery" && mv.Column == leaderboard.KeyV2 {
					found = true
					if mv.From != 6 || mv.To != 1 {
						t.Errorf("Mystery's rsa-v2 move %d → %d, want 6 → 1", mv.From, mv.To)
					}
				}
				if mv.Name == "Secret" {
					t.Errorf("a private model is listed among the moves: %+v", mv)
				}
			}
			if !found {
				t.Errorf("no rsa-v2 move for Mystery among %+v", c.Moves)
			}
			_, page := get(t, site.url+"/leaderboard", nil)
			if !strings.Contains(page, "What changed") || !strings.Contains(page, "v1→v2") || !strings.Contains(page, "Mystery</a>: Neural rsa-v2 (barrel-cortex-rsa-v1) 6 → 1") {
				i := strings.Index(page, "what-changed")
				t.Errorf("the leaderboard page does not show the move; its change box: %.1200s", page[max(i, 0):])
			}
		})
	}
}
