package leaderboard

import "slices"

// reusableRows returns, for each model of the new snapshot, the index in
// prev.Rows of its row plus one when that row can be copied (the model is
// not in changed, prev has a row for it from the same submission, and the
// columns are prev's), else 0; nil when no row can be copied.
func reusableRows(prev *Board, cols []Column, models []ModelRecord, changed map[int64]bool) []int {
	if prev == nil || !slices.Equal(prev.Columns, cols) {
		return nil
	}
	at := make(map[int64]int, len(prev.Rows))
	for i := range prev.Rows {
		at[prev.Rows[i].ModelID] = i + 1
	}
	reuse := make([]int, len(models))
	for i, m := range models {
		if changed[m.ModelID] {
			continue
		}
		if j := at[m.ModelID]; j != 0 && prev.Rows[j-1].SubmissionID == m.SubmissionID {
			reuse[i] = j
		}
	}
	return reuse
}

// copyRow returns a copy of r with its own cells (one slice of them and
// one map per row), so that ranking the copy leaves r as it was; the
// intervals and the parameter count are never written and stay shared.
func copyRow(r *Row) Row {
	out := *r
	n := len(r.Cells)
	if r.Aggregate != nil {
		n++
	}
	cells := make([]Cell, 0, n)
	out.Cells = make(map[string]*Cell, len(r.Cells))
	for k, c := range r.Cells {
		cells = append(cells, *c)
		out.Cells[k] = &cells[len(cells)-1]
	}
	if r.Aggregate != nil {
		cells = append(cells, *r.Aggregate)
		out.Aggregate = &cells[len(cells)-1]
	}
	return out
}
