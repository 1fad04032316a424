package rsa

import (
	"math/rand/v2"
	"testing"
)

// benchPopulation is the benchmark's neural layout: 11 animals, 999 units
// in total (90 or 91 each), 40 trials, 6 stimuli, no missing entries.
func benchPopulation() ([]Block, [][]int) {
	rng := rand.New(rand.NewPCG(21, 22))
	var blocks []Block
	var all []int
	for a := range 11 {
		u := 90
		if a < 9 {
			u = 91
		}
		blocks = append(blocks, randomBlock(rng, 40, 40, 6, u, 0))
		all = append(all, a)
	}
	pops := make([][]int, 0, 12)
	for a := range 11 {
		pops = append(pops, []int{a})
	}
	return blocks, append(pops, all)
}

// BenchmarkSplitHalves times the 1000 paper split halves of 11 animals and
// their pooled population (the neural side of one rsa-paper-v1 evaluation).
func BenchmarkSplitHalves(b *testing.B) {
	blocks, pops := benchPopulation()
	for b.Loop() {
		if _, err := NewSplitHalves(blocks, pops, PaperConfig()); err != nil {
			b.Fatal(err)
		}
	}
}
