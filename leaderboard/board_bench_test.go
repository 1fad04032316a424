package leaderboard_test

import (
	"context"
	"testing"
	"time"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// BenchmarkBoard10000 times the board over 10 000 synthetic public models
// on SQLite: the stamp query, a rebuild after a new score (load and
// build), and the default view's filter and sort. The stamp figure is
// one read; the rebuild's includes a paced stamp read (stampInterval).
func BenchmarkBoard10000(b *testing.B) {
	ctx := context.Background()
	st := storetest.Migrated(b, "sqlite")
	bench := leaderboardtest.Register(b, st.DB, "v1")
	leaderboardtest.AddBulk(b, st.DB, bench, leaderboardtest.Synthetic(10_000, 1))
	svc := leaderboard.New(st.DB)
	board, err := svc.Board(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stamp", func(b *testing.B) {
		for b.Loop() {
			if err := svc.ReadStamp(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			st.DB.Exec("UPDATE submissions SET updated_at = ? WHERE id = 1", time.Now().UTC())
			b.StartTimer()
			if _, err := svc.Board(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("view", func(b *testing.B) {
		q, err := board.ParseQuery(nil)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			board.View(q)
		}
	})
}
