package leaderboard

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Cells are a row's scores, one cell for each column it has a score in,
// in column order; a column without a cell is missing. As JSON they are
// an object keyed by column key.
type Cells []Cell

// Get returns the cell of column key, or nil when it is missing.
func (cs Cells) Get(key string) *Cell {
	for i := range cs {
		if cs[i].Key == key {
			return &cs[i]
		}
	}
	return nil
}

// MarshalJSON writes the cells as an object by column key, keys sorted.
func (cs Cells) MarshalJSON() ([]byte, error) {
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(cs[a].Key, cs[b].Key) })
	out := []byte{'{'}
	for n, i := range idx {
		if n > 0 {
			out = append(out, ',')
		}
		k, err := json.Marshal(cs[i].Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(cs[i])
		if err != nil {
			return nil, fmt.Errorf("cell %s: %w", cs[i].Key, err)
		}
		out = append(append(append(out, k...), ':'), v...)
	}
	return append(out, '}'), nil
}

// UnmarshalJSON reads the object MarshalJSON writes; the cells come in
// key order.
func (cs *Cells) UnmarshalJSON(b []byte) error {
	var m map[string]Cell
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	out := make(Cells, 0, len(m))
	for k, c := range m {
		c.Key = k
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Cell) int { return strings.Compare(a.Key, b.Key) })
	*cs = out
	return nil
}
