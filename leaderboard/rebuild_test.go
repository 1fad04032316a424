package leaderboard_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// TestRebuildMatchesBuild changes a 2 500-model snapshot (enough for the
// parallel paths) in memory as arrivals do, and checks that Rebuild from
// the previous board equals Build of the new snapshot field for field,
// and that the previous board's rows are not written. The changes: the
// last model on rsa-paper-v1 goes above every other (a rank change that moves
// every rank), another's rsa-paper-v1 takes a third's value (equal
// values tie; that column has no intervals), the fourth model leaves,
// and a new model arrives with the fifth's scores.
func TestRebuildMatchesBuild(t *testing.T) {
	ctx := context.Background()
	st := storetest.Migrated(t, "sqlite")
	bench := leaderboardtest.Register(t, st.DB, "v1")
	leaderboardtest.AddBulk(t, st.DB, bench, leaderboardtest.Synthetic(2500, 5))
	snap, err := leaderboard.New(st.DB).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	prev := leaderboard.Build(snap)
	before, _ := json.Marshal(prev.Rows)

	// a is the model ranked last on rsa-paper-v1 (no intervals, so ranks
	// spread; rsa-v2's overlapping intervals chain into long ties); b, c, gone and tmpl are the
	// first four others (rows are in snapshot order).
	m := snap.Models
	last := 0
	for i, r := range prev.Rows {
		if cell := r.Cells.Get(leaderboard.KeyV1); cell != nil && cell.Rank > prev.Rows[last].Cells.Get(leaderboard.KeyV1).Rank {
			last = i
		}
	}
	others := slices.Delete(slices.Clone(m[:5]), min(last, 5), min(last+1, 5))
	a, b, c, gone, tmpl := m[last], others[0], others[1], others[2], others[3]
	next := leaderboard.Snapshot{Stamp: "next", Benchmarks: snap.Benchmarks}
	newID, newSub := m[len(m)-1].ModelID+1, int64(0)
	for _, x := range m {
		newSub = max(newSub, x.SubmissionID+1)
	}
	valueOf := func(sub int64, scorer string) float64 {
		for _, r := range snap.Scores {
			if r.SubmissionID == sub && r.Scorer == scorer && r.Value != nil {
				return *r.Value
			}
		}
		t.Fatalf("submission %d has no %s score", sub, scorer)
		return 0
	}
	cV1 := valueOf(c.SubmissionID, evaluator.MetricPaperV1)
	for _, x := range m {
		if x.ModelID != gone.ModelID {
			next.Models = append(next.Models, x)
		}
	}
	added := tmpl
	added.ModelID, added.SubmissionID, added.Name = newID, newSub, "Arrival"
	next.Models = append(next.Models, added)
	for _, r := range snap.Scores {
		switch {
		case r.SubmissionID == gone.SubmissionID:
			continue
		case r.SubmissionID == a.SubmissionID && r.Scorer == evaluator.MetricPaperV1:
			v := 2.0
			r.Value = &v
		case r.SubmissionID == b.SubmissionID && r.Scorer == evaluator.MetricPaperV1:
			v := cV1
			r.Value = &v
		case r.SubmissionID == tmpl.SubmissionID:
			n := r
			n.SubmissionID = newSub
			next.Scores = append(next.Scores, n)
		}
		next.Scores = append(next.Scores, r)
	}
	changed := map[int64]bool{a.ModelID: true, b.ModelID: true, gone.ModelID: true, newID: true}

	got := leaderboard.Rebuild(prev, next, changed)
	want := leaderboard.Build(next)
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got.Rows), len(want.Rows)) {
			if !reflect.DeepEqual(got.Rows[i], want.Rows[i]) {
				gj, _ := json.Marshal(got.Rows[i])
				wj, _ := json.Marshal(want.Rows[i])
				t.Fatalf("row %d differs:\n got %s\nwant %s", i, gj, wj)
			}
		}
		t.Fatalf("Rebuild differs from Build (%d vs %d rows, or outside the rows)", len(got.Rows), len(want.Rows))
	}
	if after, _ := json.Marshal(prev.Rows); string(after) != string(before) {
		t.Error("Rebuild wrote the previous board's rows")
	}
	// The changes did what the test says: otherwise equality proves little.
	row := func(bd *leaderboard.Board, id int64) leaderboard.Row {
		i := slices.IndexFunc(bd.Rows, func(r leaderboard.Row) bool { return r.ModelID == id })
		if i < 0 {
			t.Fatalf("model %d not on the board", id)
		}
		return bd.Rows[i]
	}
	if p := row(got, a.ModelID).Cells.Get(leaderboard.KeyV1).Place; p != (leaderboard.Place{Rank: 1}) {
		t.Errorf("raised model's rsa-paper-v1 place %+v, want rank 1 untied", p)
	}
	if before, after := row(prev, a.ModelID).Cells.Get(leaderboard.KeyV1).Rank, row(got, a.ModelID).Cells.Get(leaderboard.KeyV1).Rank; before < 100 || after != 1 {
		t.Errorf("raised model's rank %d → %d, want from rank 100 or below to 1", before, after)
	}
	if !row(got, b.ModelID).Cells.Get(leaderboard.KeyV1).Tied || row(got, b.ModelID).Cells.Get(leaderboard.KeyV1).Rank != row(got, c.ModelID).Cells.Get(leaderboard.KeyV1).Rank {
		t.Errorf("models with equal rsa-paper-v1 values not tied: %+v, %+v", row(got, b.ModelID).Cells.Get(leaderboard.KeyV1).Place, row(got, c.ModelID).Cells.Get(leaderboard.KeyV1).Place)
	}
	if len(got.Rows) != len(prev.Rows) || row(got, newID).Name != "Arrival" {
		t.Errorf("%d rows (want %d) or no arrival", len(got.Rows), len(prev.Rows))
	}
}
