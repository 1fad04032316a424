package leaderboard

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"sort"
)

// reusableRows returns, for each model of the new snapshot, the index in
// prev.Rows of its row plus one when that row can be copied (the model is
// not in changed, prev has a row for it from the same submission, and the
// columns are prev's), else 0; nil when no row can be copied. Both row
// lists are in model id order, so one walk pairs them, and the pairs keep
// their order: a copied row's new index grows with its old one.
func reusableRows(prev *Board, cols []Column, models []ModelRecord, changed map[int64]bool) []int {
	if prev == nil || !slices.Equal(prev.Columns, cols) {
		return nil
	}
	reuse := make([]int, len(models))
	j := 0
	for i, m := range models {
		for j < len(prev.Rows) && prev.Rows[j].ModelID < m.ModelID {
			j++
		}
		if j < len(prev.Rows) && prev.Rows[j].ModelID == m.ModelID && !changed[m.ModelID] && prev.Rows[j].SubmissionID == m.SubmissionID {
			reuse[i] = j + 1
		}
	}
	return reuse
}

// ranked reports whether a cell takes part in its column's ranking.
func ranked(c *Cell) bool { return c != nil && c.Current && !math.IsNaN(c.Value) }

// rankColumn sets the place of each cell of one column (cells[i] is row
// i's, nil when missing) as Rank does, and returns the ranked order: the
// rows with a current cell, highest value first, equal values in row
// order. With prevOrder, the previous board's order, and to, its rows'
// new indices (-1 for a row not copied), only the rows in fresh are
// sorted; the copied rows keep their order (to grows with the old index,
// and their cells are unchanged) and the two are merged, so a new score
// costs a walk over the column instead of a sort of it.
func rankColumn(cells []*Cell, fresh []int32, prevOrder, to []int32) []int32 {
	before := func(a, b int32) int {
		switch va, vb := cells[a].Value, cells[b].Value; {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return cmp.Compare(a, b)
	}
	add := make([]int32, 0, len(fresh))
	for _, i := range fresh {
		if ranked(cells[i]) {
			add = append(add, i)
		}
	}
	slices.SortFunc(add, before)
	order := make([]int32, 0, len(prevOrder)+len(add))
	k := 0
	for _, o := range prevOrder {
		i := to[o]
		if i < 0 {
			continue
		}
		for k < len(add) && before(add[k], i) < 0 {
			order = append(order, add[k])
			k++
		}
		order = append(order, i)
	}
	order = append(order, add[k:]...)

	// Rank's placing, written again over the cells: shared through a
	// callback it made a 10 000-row rebuild 2.5 ms slower (of about 9).
	groupStart := 0
	var above *Cell
	for pos, i := range order {
		c := cells[i]
		if above != nil && !sameGroup(Entry{Value: above.Value, CI: above.CI}, Entry{Value: c.Value, CI: c.CI}) {
			groupStart = pos
		}
		c.Place = Place{Rank: groupStart + 1}
		if above != nil && above.Rank == c.Rank {
			c.Tied, above.Tied = true, true
		}
		above = c
	}
	return order
}

// optionField names the row fields the filters offer, in Options' order.
const (
	optFamily = iota
	optEncoder
	optAttender
	optObjective
	optLab
	optFields
)

// optionCounts count the rows holding each value of each filtered field,
// so that a rebuild can add and remove rows instead of walking them all.
type optionCounts [optFields]map[string]int

func optionValues(r *Row) [optFields]string {
	return [optFields]string{r.Family, r.Encoder, r.Attender, r.Objective, r.Lab}
}

func newOptionCounts() optionCounts {
	var oc optionCounts
	for f := range oc {
		oc[f] = map[string]int{}
	}
	return oc
}

func (oc optionCounts) clone() optionCounts {
	var out optionCounts
	for f := range oc {
		out[f] = maps.Clone(oc[f])
	}
	return out
}

// add counts row r once more (n = 1) or once less (n = -1); a value no
// row holds any longer is dropped.
func (oc optionCounts) add(r *Row, n int) {
	for f, v := range optionValues(r) {
		if v == "" {
			continue
		}
		if oc[f][v] += n; oc[f][v] <= 0 {
			delete(oc[f], v)
		}
	}
}

// options lists each field's values in order.
func (oc optionCounts) options() Options {
	list := func(m map[string]int) []string {
		out := make([]string, 0, len(m))
		for v := range m {
			out = append(out, v)
		}
		sort.Strings(out)
		return out
	}
	return Options{Families: list(oc[optFamily]), Encoders: list(oc[optEncoder]), Attenders: list(oc[optAttender]),
		Objectives: list(oc[optObjective]), Labs: list(oc[optLab])}
}
