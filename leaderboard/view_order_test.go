package leaderboard_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// A view sorted on a score column or the aggregate is read off the
// column's ranked order instead of sorting every row; it must order the
// rows exactly as SortRows does, in both directions and under filters, on
// a board with equal values (rsa-paper-v1 and top-1 rounded to two
// places), cells on an older benchmark version (models scored before v2
// was registered) and missing scores.
func TestViewOrderMatchesSortRows(t *testing.T) {
	ctx := context.Background()
	st := storetest.Migrated(t, "sqlite")
	round := func(ms []leaderboardtest.Model) []leaderboardtest.Model {
		for i := range ms {
			ms[i].V1 = math.Round(ms[i].V1*100) / 100
			if !math.IsNaN(ms[i].Top1) {
				ms[i].Top1 = math.Round(ms[i].Top1*100) / 100
			}
		}
		return ms
	}
	v1 := leaderboardtest.Register(t, st.DB, "v1")
	leaderboardtest.AddBulk(t, st.DB, v1, round(leaderboardtest.Synthetic(300, 7)))
	v2 := leaderboardtest.Register(t, st.DB, "v2")
	newer := round(leaderboardtest.Synthetic(300, 8))
	for i := range newer {
		newer[i].Name += "-v2"
	}
	leaderboardtest.AddBulk(t, st.DB, v2, newer)
	b, err := leaderboard.New(st.DB).Board(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(rows []leaderboard.Row) []int64 {
		out := make([]int64, len(rows))
		for i, r := range rows {
			out[i] = r.ModelID
		}
		return out
	}
	var older, ties int
	for _, r := range b.Rows {
		if c := r.Cells.Get(leaderboard.KeyV2); c != nil && !c.Current {
			older++
		}
		if c := r.Cells.Get(leaderboard.KeyV1); c != nil && c.Tied {
			ties++
		}
	}
	if older == 0 || ties == 0 {
		t.Fatalf("fixture: %d older-version cells, %d ties; want some of each", older, ties)
	}
	for _, key := range b.SortKeys() {
		for _, desc := range []bool{false, true} {
			for _, family := range []string{"", "ConvRNN"} {
				q := leaderboard.Query{Sort: key, Desc: desc, Family: family}
				var want []leaderboard.Row
				for _, r := range b.Rows {
					if q.Match(r) {
						want = append(want, r)
					}
				}
				leaderboard.SortRows(want, key, desc)
				if got := b.View(q).Rows; !slices.Equal(ids(got), ids(want)) {
					t.Errorf("sort %s desc %v family %q: view order differs from SortRows", key, desc, family)
				}
			}
		}
	}
}
