package leaderboard_test

import (
	"context"
	"testing"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// TestBuildParallelRanks checks a board large enough for Build to split
// its rows and rank its columns in parallel (run it with -race too): every
// column's and the aggregate's places equal Rank over that column's
// current cells in row order, the rows are in snapshot order (model id),
// and a second build of the same snapshot is identical.
func TestBuildParallelRanks(t *testing.T) {
	ctx := context.Background()
	st := storetest.Migrated(t, "sqlite")
	bench := leaderboardtest.Register(t, st.DB, "v1")
	leaderboardtest.AddBulk(t, st.DB, bench, leaderboardtest.Synthetic(2500, 3))
	snap, err := leaderboard.New(st.DB).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	board := leaderboard.Build(snap)
	if len(board.Rows) != 2500 {
		t.Fatalf("%d rows, want 2500", len(board.Rows))
	}
	for i := 1; i < len(board.Rows); i++ {
		if board.Rows[i-1].ModelID >= board.Rows[i].ModelID {
			t.Fatalf("row %d: model %d after %d: not in snapshot order", i, board.Rows[i].ModelID, board.Rows[i-1].ModelID)
		}
	}
	getters := map[string]func(leaderboard.Row) *leaderboard.Cell{leaderboard.KeyAggregate: func(r leaderboard.Row) *leaderboard.Cell { return r.Aggregate }}
	for _, c := range board.Columns {
		getters[c.Key] = func(r leaderboard.Row) *leaderboard.Cell { return r.Cells.Get(c.Key) }
	}
	for key, get := range getters {
		entries := make([]leaderboard.Entry, len(board.Rows))
		ranked := 0
		for i, r := range board.Rows {
			if c := get(r); c != nil && c.Current {
				entries[i] = leaderboard.Entry{Value: c.Value, CI: c.CI, OK: true}
				ranked++
			}
		}
		if ranked < 2000 {
			t.Errorf("%s: %d ranked cells of 2500; the fixture should score most models", key, ranked)
		}
		want := leaderboard.Rank(entries)
		for i, r := range board.Rows {
			if c := get(r); c != nil && c.Place != want[i] {
				t.Fatalf("%s, model %d: place %+v, want %+v", key, r.ModelID, c.Place, want[i])
			}
		}
	}
	again := leaderboard.Build(snap)
	for i, r := range board.Rows {
		a := again.Rows[i]
		if r.ModelID != a.ModelID || (r.Aggregate == nil) != (a.Aggregate == nil) ||
			r.Aggregate != nil && (r.Aggregate.Value != a.Aggregate.Value || r.Aggregate.Place != a.Aggregate.Place) {
			t.Fatalf("row %d differs between two builds of one snapshot", i)
		}
	}
}
