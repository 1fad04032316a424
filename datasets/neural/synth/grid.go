package synth

import (
	"fmt"

	"github.com/whiskerbench/whiskerbench/datasets/whisker"
)

// whiskerGrid is the 30 right-side whiskers in the simulator's column order
// (RA0–RA4, RB0–RB4, RC0–RC6, RD0–RD6, RE0–RE5; whisker.MouseArray) with
// their grid positions (row 1..5 = A..E, arc 0..6) and neighbours.
type whiskerGrid struct {
	names     []string
	row, arc  []int
	neighbour [][]int // grid adjacency: same row and arc ±1, or same arc and row ±1
}

func newWhiskerGrid() whiskerGrid {
	arr := whisker.MouseArray()
	n := len(arr.Whiskers)
	g := whiskerGrid{names: arr.Names(), row: make([]int, n), arc: make([]int, n), neighbour: make([][]int, n)}
	at := map[[2]int]int{}
	for i, w := range arr.Whiskers {
		g.row[i], g.arc[i] = w.Row, w.Col
		at[[2]int{w.Row, w.Col}] = i
	}
	for i := range n {
		for _, d := range [4][2]int{{0, -1}, {0, 1}, {-1, 0}, {1, 0}} {
			if j, ok := at[[2]int{g.row[i] + d[0], g.arc[i] + d[1]}]; ok {
				g.neighbour[i] = append(g.neighbour[i], j)
			}
		}
	}
	return g
}

// dist2 is the squared grid distance between whiskers i and j.
func (g whiskerGrid) dist2(i, j int) float64 {
	dr, da := float64(g.row[i]-g.row[j]), float64(g.arc[i]-g.arc[j])
	return dr*dr + da*da
}

func (g whiskerGrid) check(whiskers int) error {
	if whiskers != len(g.names) {
		return fmt.Errorf("stimuli have %d whiskers, the mouse array has %d (%s…%s)", whiskers, len(g.names), g.names[0], g.names[len(g.names)-1])
	}
	return nil
}

// index returns the column of whisker name, or −1.
func (g whiskerGrid) index(name string) int {
	for i, n := range g.names {
		if n == name {
			return i
		}
	}
	return -1
}
