package leaderboard

import (
	"cmp"
	"math"
	"slices"
)

// Interval is a two-sided 95% interval, Low ≤ High.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// overlaps reports whether two closed intervals share a point.
func (a Interval) overlaps(b Interval) bool { return a.Low <= b.High && b.Low <= a.High }

// Entry is one value to rank; OK is false for a missing value, which is
// never ranked.
type Entry struct {
	Value float64
	CI    *Interval
	OK    bool
}

// Place is an entry's rank (0 when unranked) and whether it shares the
// rank with another entry.
type Place struct {
	Rank int  `json:"rank"`
	Tied bool `json:"tied"`
}

// Rank orders entries by value, highest first, and gives each its
// competition rank. An entry shares the rank of the one above it when
// both have intervals and they overlap, or when the values are equal;
// ties chain down the order. Equal values keep input order.
func Rank(entries []Entry) []Place {
	idx := make([]int, 0, len(entries))
	for i, e := range entries {
		if e.OK && !math.IsNaN(e.Value) {
			idx = append(idx, i)
		}
	}
	// Highest first, equal values in input order: an unstable sort with the
	// index as the last key orders as a stable sort does, faster (NaN is
	// filtered out above, so < and > are a total order here).
	slices.SortFunc(idx, func(a, b int) int {
		switch va, vb := entries[a].Value, entries[b].Value; {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return cmp.Compare(a, b)
	})
	out := make([]Place, len(entries))
	groupStart := 0
	for k, i := range idx {
		if k > 0 && !sameGroup(entries[idx[k-1]], entries[i]) {
			groupStart = k
		}
		out[i].Rank = groupStart + 1
		if k > 0 && out[idx[k-1]].Rank == out[i].Rank {
			out[i].Tied = true
			out[idx[k-1]].Tied = true
		}
	}
	return out
}

func sameGroup(above, below Entry) bool {
	if above.Value == below.Value {
		return true
	}
	if above.CI == nil || below.CI == nil {
		return false
	}
	return above.CI.overlaps(*below.CI)
}

// z95 is the two-sided 95% normal quantile.
const z95 = 1.959963984540054

// Wilson returns the Wilson score 95% interval of a proportion p observed
// over n trials, or nil when n < 1 or p is outside [0, 1].
func Wilson(p float64, n int) *Interval {
	if n < 1 || math.IsNaN(p) || p < 0 || p > 1 {
		return nil
	}
	fn := float64(n)
	z2 := z95 * z95
	den := 1 + z2/fn
	centre := (p + z2/(2*fn)) / den
	half := z95 * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn)) / den
	return &Interval{Low: math.Max(0, centre-half), High: math.Min(1, centre+half)}
}

// Part is one benchmark's normalised contribution to the aggregate.
type Part struct {
	Value float64
	CI    *Interval
	OK    bool
}

// Aggregate is the mean of the parts when every part is present, with
// the interval [mean of lows, mean of highs] when every part has one. With
// any part missing, or no parts, the aggregate is missing (ok false):
// never a mean over fewer benchmarks, never a zero.
func Aggregate(parts []Part) (value float64, ci *Interval, ok bool) {
	if len(parts) == 0 {
		return 0, nil, false
	}
	var sum, lo, hi float64
	allCI := true
	for _, p := range parts {
		if !p.OK || math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			return 0, nil, false
		}
		sum += p.Value
		if p.CI == nil {
			allCI = false
			continue
		}
		lo += p.CI.Low
		hi += p.CI.High
	}
	n := float64(len(parts))
	if allCI {
		ci = &Interval{Low: lo / n, High: hi / n}
	}
	return sum / n, ci, true
}

// ChanceCorrected maps an accuracy to (acc − chance)/(1 − chance): 0 at
// chance, 1 at perfect. It reports false when chance is not in [0, 1).
func ChanceCorrected(acc, chance float64) (float64, bool) {
	if math.IsNaN(chance) || chance < 0 || chance >= 1 || math.IsNaN(acc) {
		return 0, false
	}
	return (acc - chance) / (1 - chance), true
}
