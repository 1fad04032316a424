package rsa

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/whiskerbench/whiskerbench/evaluator/nprand"
)

// Block is one animal's responses, row-major (Trials, Stimuli, Units).
// NaN marks a missing entry (a padded trial row of a shorter session, or an
// entry the caller chose to treat as missing); ±Inf is rejected.
type Block struct {
	Trials, Stimuli, Units int
	Data                   []float64
}

// Config sets the split-half iterations. Iteration k uses seed StartSeed+k.
type Config struct {
	Iterations int
	StartSeed  uint32
	Workers    int // goroutines; ≤ 0 means GOMAXPROCS
}

// PaperConfig is the paper's setting: 1000 split halves with seeds
// 1234 … 2233 (Chung et al. 2025, paper-spec §1.4).
func PaperConfig() Config { return Config{Iterations: 1000, StartSeed: 1234} }

// SplitHalves holds, for each requested population and each split-half
// iteration, the upper-triangle RDMs of the two half means, plus the RDM
// of the full trial mean. A population is a NaN-padded concatenation of
// blocks along units (paper-spec §1.3): its trial rows are the maximum of
// its blocks', and rows past a block's own trials are missing for it.
//
// Halves follow paper-spec §1.4: the trial indices 0..rows−1 of the
// population are shuffled by numpy's legacy RandomState(seed).shuffle; the
// first ⌊rows/2⌋ form half 1 and the rest half 2; each half is averaged over
// trials ignoring missing entries. An iteration is dropped for a population
// when some unit has no valid trial of some stimulus in a half (the paper's
// NaN rule), or when a half-mean stimulus row is constant across units (its
// RDM, hence every score, is undefined).
type SplitHalves struct {
	stimuli int
	m       int // upper-triangle length
	seeds   []uint32
	pops    []popHalves
}

type popHalves struct {
	rows  int
	full  []float64 // upper triangle of the full-mean RDM
	valid []bool    // per iteration
	up    []float64 // iteration × 2 × m
	rel   []float64 // per iteration raw split-half RSA, NaN when dropped
}

// Iterations returns the number of split-half iterations.
func (s *SplitHalves) Iterations() int { return len(s.seeds) }

// Seed returns the numpy seed of iteration i.
func (s *SplitHalves) Seed(i int) uint32 { return s.seeds[i] }

// Populations returns the number of populations.
func (s *SplitHalves) Populations() int { return len(s.pops) }

// Rows returns population p's trial rows (the maximum over its blocks).
func (s *SplitHalves) Rows(p int) int { return s.pops[p].rows }

// Full returns the upper-triangle RDM of population p's full trial mean.
func (s *SplitHalves) Full(p int) []float64 { return s.pops[p].full }

// Halves returns the upper-triangle RDMs of population p's two half means in
// iteration i, and whether the iteration is valid for p.
func (s *SplitHalves) Halves(p, i int) (h1, h2 []float64, ok bool) {
	ph := &s.pops[p]
	if !ph.valid[i] {
		return nil, nil, false
	}
	o := 2 * s.m * i
	return ph.up[o : o+s.m], ph.up[o+s.m : o+2*s.m], true
}

// Reliability returns RSA(half 1, half 2) of population p in iteration i,
// the raw split-half reliability r_yy (or r_xx); NaN when dropped.
func (s *SplitHalves) Reliability(p, i int) float64 { return s.pops[p].rel[i] }

// Valid reports whether iteration i was kept for population p.
func (s *SplitHalves) Valid(p, i int) bool { return s.pops[p].valid[i] }

// ConstantPopulationError reports a population whose full trial mean has a
// stimulus row that is constant across units, so its RDM is undefined.
type ConstantPopulationError struct{ Population int }

func (e *ConstantPopulationError) Error() string {
	return fmt.Sprintf("population %d: a stimulus row of the full trial mean is constant across units (zero variance), so its RDM is undefined", e.Population)
}

// moments are the unit count, per-stimulus means across units, and centred
// co-moments (stimuli × stimuli, upper triangle) of a stimuli × units matrix.
type moments struct {
	n    float64
	mean []float64
	co   []float64
}

func newMoments(s int) moments { return moments{mean: make([]float64, s), co: make([]float64, s*s)} }

// set computes the moments of the row-major s×u matrix y, two-pass.
func (mo *moments) set(y []float64, s, u int) {
	mo.n = float64(u)
	for i := range s {
		var t float64
		for _, v := range y[i*u : (i+1)*u] {
			t += v
		}
		mo.mean[i] = t / float64(u)
	}
	for i := range s {
		yi := y[i*u : (i+1)*u]
		mi := mo.mean[i]
		for j := i; j < s; j++ {
			yj := y[j*u : (j+1)*u]
			yj = yj[:len(yi)]
			mj := mo.mean[j]
			var c0, c1 float64
			k := 0
			for ; k+1 < len(yi); k += 2 {
				c0 = math.FMA(yi[k]-mi, yj[k]-mj, c0)
				c1 = math.FMA(yi[k+1]-mi, yj[k+1]-mj, c1)
			}
			if k < len(yi) {
				c0 = math.FMA(yi[k]-mi, yj[k]-mj, c0)
			}
			mo.co[i*s+j] = c0 + c1
		}
	}
}

// combine sets dst to the moments of the column-wise concatenation of the
// parts (Chan, Golub & LeVeque's pairwise update), in order.
func combine(dst *moments, parts []*moments, s int, delta []float64) {
	first := parts[0]
	dst.n = first.n
	copy(dst.mean, first.mean)
	copy(dst.co, first.co)
	for _, p := range parts[1:] {
		na, nb := dst.n, p.n
		n := na + nb
		for i := range s {
			delta[i] = p.mean[i] - dst.mean[i]
		}
		f := na * nb / n
		for i := range s {
			for j := i; j < s; j++ {
				dst.co[i*s+j] += p.co[i*s+j] + delta[i]*delta[j]*f
			}
		}
		for i := range s {
			dst.mean[i] += delta[i] * nb / n
		}
		dst.n = n
	}
}

// upperRDM writes the upper-triangle RDM of moments mo into out; false when
// a stimulus row has zero (or non-finite) variance.
func upperRDM(mo *moments, s int, out []float64) bool {
	k := 0
	for i := range s {
		vi := mo.co[i*s+i]
		if !(vi > 0) || math.IsInf(vi, 0) {
			return false
		}
		for j := i + 1; j < s; j++ {
			vj := mo.co[j*s+j]
			if !(vj > 0) || math.IsInf(vj, 0) {
				return false
			}
			r := mo.co[i*s+j] / math.Sqrt(vi) / math.Sqrt(vj)
			if math.IsNaN(r) {
				return false
			}
			out[k] = 1 - max(-1, min(1, r))
			k++
		}
	}
	return true
}

// prepared is a Block rearranged for fast half sums.
type prepared struct {
	t, s, u  int
	su       int
	vals     []float64 // t × su, missing entries as 0
	words    int       // uint64 words per validity mask
	mask     []uint64  // su × words; bit r set when row r is present
	complete bool      // no missing entry at all
	tot      []float64 // su: sum over all rows
	cnt      []int32   // su: number of present rows (for the full mean)
}

func prepare(b Block, idx int) (*prepared, error) {
	if b.Trials < 1 || b.Stimuli < 1 || b.Units < 1 {
		return nil, fmt.Errorf("block %d: dimensions (%d, %d, %d) must all be positive", idx, b.Trials, b.Stimuli, b.Units)
	}
	su := b.Stimuli * b.Units
	if b.Trials > math.MaxInt/su || len(b.Data) != b.Trials*su {
		return nil, fmt.Errorf("block %d: shape (%d, %d, %d) needs %d values, have %d", idx, b.Trials, b.Stimuli, b.Units, b.Trials*su, len(b.Data))
	}
	p := &prepared{t: b.Trials, s: b.Stimuli, u: b.Units, su: su, complete: true}
	p.words = (b.Trials + 63) / 64
	p.vals = make([]float64, len(b.Data))
	p.mask = make([]uint64, su*p.words)
	p.tot = make([]float64, su)
	p.cnt = make([]int32, su)
	for r := range b.Trials {
		row := b.Data[r*su : (r+1)*su]
		for e, v := range row {
			if math.IsNaN(v) {
				p.complete = false
				continue
			}
			if math.IsInf(v, 0) {
				return nil, fmt.Errorf("block %d: trial %d stimulus %d unit %d is infinite", idx, r, e/b.Units, e%b.Units)
			}
			p.vals[r*su+e] = v
			p.mask[e*p.words+r/64] |= 1 << (r % 64)
			p.tot[e] += v
			p.cnt[e]++
		}
	}
	for e, c := range p.cnt {
		if c == 0 {
			return nil, fmt.Errorf("block %d: stimulus %d unit %d has no finite trial, so its full trial mean is undefined", idx, e/b.Units, e%b.Units)
		}
	}
	return p, nil
}

// fullMoments returns the moments of the block's full trial mean.
func (p *prepared) fullMoments() moments {
	y := make([]float64, p.su)
	for e := range y {
		y[e] = p.tot[e] / float64(p.cnt[e])
	}
	mo := newMoments(p.s)
	mo.set(y, p.s, p.u)
	return mo
}

// key is one block seen through one population's trial-row count.
type key struct{ block, rows int }

// scratch is one worker's reusable memory.
type scratch struct {
	perms  map[int][]int
	h1, h2 []int
	acc    []float64
	m1     []float64
	smask  []uint64
	ok     []bool
	half   [][2]moments // per key
	comb   [2]moments
	parts  []*moments
	delta  []float64
}

// NewSplitHalves computes the half-mean RDMs of every population for every
// iteration of cfg. pops lists, for each population, the indices into blocks
// it concatenates (in order); all blocks must have the same stimulus count
// (at least 3). Iterations run in parallel over cfg.Workers goroutines;
// results are stored by iteration, so they do not depend on scheduling.
func NewSplitHalves(blocks []Block, pops [][]int, cfg Config) (*SplitHalves, error) {
	if cfg.Iterations < 1 {
		return nil, fmt.Errorf("split halves: %d iterations, need at least 1", cfg.Iterations)
	}
	if uint64(cfg.StartSeed)+uint64(cfg.Iterations)-1 > math.MaxUint32 {
		return nil, fmt.Errorf("split halves: seeds %d..%d exceed 32 bits", cfg.StartSeed, uint64(cfg.StartSeed)+uint64(cfg.Iterations)-1)
	}
	if len(blocks) == 0 || len(pops) == 0 {
		return nil, fmt.Errorf("split halves: need at least one block and one population")
	}
	prep := make([]*prepared, len(blocks))
	for i, b := range blocks {
		p, err := prepare(b, i)
		if err != nil {
			return nil, fmt.Errorf("split halves: %w", err)
		}
		if i > 0 && p.s != prep[0].s {
			return nil, fmt.Errorf("split halves: block %d has %d stimuli, block 0 has %d", i, p.s, prep[0].s)
		}
		if uint64(p.t) > math.MaxUint32 {
			return nil, fmt.Errorf("split halves: block %d has %d trials, more than the 32-bit shuffle supports", i, p.t)
		}
		prep[i] = p
	}
	s := prep[0].s
	if s < 3 {
		return nil, fmt.Errorf("split halves: %d stimuli, need at least 3 for an RSA", s)
	}
	m := s * (s - 1) / 2
	sh := &SplitHalves{stimuli: s, m: m, seeds: make([]uint32, cfg.Iterations), pops: make([]popHalves, len(pops))}
	for i := range sh.seeds {
		sh.seeds[i] = cfg.StartSeed + uint32(i)
	}

	keyIdx := map[key]int{}
	var keys []key
	popKeys := make([][]int, len(pops))
	maxSU := 0
	for pi, members := range pops {
		if len(members) == 0 {
			return nil, fmt.Errorf("split halves: population %d is empty", pi)
		}
		rows := 0
		for _, b := range members {
			if b < 0 || b >= len(prep) {
				return nil, fmt.Errorf("split halves: population %d names block %d of %d", pi, b, len(prep))
			}
			rows = max(rows, prep[b].t)
			maxSU = max(maxSU, prep[b].su)
		}
		if rows < 2 {
			return nil, fmt.Errorf("split halves: population %d has %d trial row(s), need at least 2 to split", pi, rows)
		}
		full := make([]*moments, len(members))
		for k, b := range members {
			kk := key{b, rows}
			if _, ok := keyIdx[kk]; !ok {
				keyIdx[kk] = len(keys)
				keys = append(keys, kk)
			}
			popKeys[pi] = append(popKeys[pi], keyIdx[kk])
			fm := prep[b].fullMoments()
			full[k] = &fm
		}
		comb := newMoments(s)
		combine(&comb, full, s, make([]float64, s))
		ph := &sh.pops[pi]
		ph.rows = rows
		ph.full = make([]float64, m)
		if !upperRDM(&comb, s, ph.full) {
			return nil, fmt.Errorf("split halves: %w", &ConstantPopulationError{Population: pi})
		}
		ph.valid = make([]bool, cfg.Iterations)
		ph.up = make([]float64, cfg.Iterations*2*m)
		ph.rel = make([]float64, cfg.Iterations)
	}

	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, cfg.Iterations)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			sc := newScratch(prep, keys, s, maxSU)
			for {
				it := int(next.Add(1) - 1)
				if it >= cfg.Iterations {
					return
				}
				sh.iterate(it, prep, keys, popKeys, sc)
			}
		})
	}
	wg.Wait()
	return sh, nil
}

func newScratch(prep []*prepared, keys []key, s, maxSU int) *scratch {
	sc := &scratch{
		perms: map[int][]int{},
		acc:   make([]float64, maxSU),
		m1:    make([]float64, maxSU),
		ok:    make([]bool, len(keys)),
		half:  make([][2]moments, len(keys)),
		comb:  [2]moments{newMoments(s), newMoments(s)},
		delta: make([]float64, s),
	}
	maxWords := 0
	for _, k := range keys {
		if _, ok := sc.perms[k.rows]; !ok {
			sc.perms[k.rows] = make([]int, k.rows)
		}
		maxWords = max(maxWords, prep[k.block].words)
	}
	sc.smask = make([]uint64, maxWords)
	for i := range sc.half {
		sc.half[i] = [2]moments{newMoments(s), newMoments(s)}
	}
	return sc
}

// iterate fills iteration it of every population.
func (sh *SplitHalves) iterate(it int, prep []*prepared, keys []key, popKeys [][]int, sc *scratch) {
	seed := sh.seeds[it]
	for _, perm := range sc.perms {
		// rows is some block's trial count, checked above to fit the 32-bit
		// shuffle, so PermutationInto cannot fail here.
		_ = nprand.PermutationInto(seed, perm)
	}
	for k, kk := range keys {
		sc.ok[k] = halfMoments(prep[kk.block], sc.perms[kk.rows], sc, &sc.half[k])
	}
	s, m := sh.stimuli, sh.m
	for pi := range sh.pops {
		ph := &sh.pops[pi]
		ph.valid[it] = false
		ph.rel[it] = math.NaN()
		ok := true
		for _, k := range popKeys[pi] {
			ok = ok && sc.ok[k]
		}
		if !ok {
			continue
		}
		o := 2 * m * it
		for h := range 2 {
			sc.parts = sc.parts[:0]
			for _, k := range popKeys[pi] {
				sc.parts = append(sc.parts, &sc.half[k][h])
			}
			combine(&sc.comb[h], sc.parts, s, sc.delta)
			if !upperRDM(&sc.comb[h], s, ph.up[o+h*m:o+(h+1)*m]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		ph.valid[it] = true
		ph.rel[it] = RSA(ph.up[o:o+m], ph.up[o+m:o+2*m])
	}
}

// halfMoments computes the moments of block p's two half means under
// permutation perm of its population's rows; false when some entry has no
// present trial in a half. Each half is summed directly, in permutation
// order as numpy's nanmean over the fancy-indexed rows does: deriving one
// half as total − other would leave rounding residue where the paper's
// arrays give exact zeros (and hence an undefined, constant RDM row).
func halfMoments(p *prepared, perm []int, sc *scratch, out *[2]moments) bool {
	h := len(perm) / 2
	sc.h1, sc.h2 = sc.h1[:0], sc.h2[:0]
	for k, r := range perm {
		if r >= p.t {
			continue // padding rows of a shorter block: missing for every unit
		}
		if k < h {
			sc.h1 = append(sc.h1, r)
		} else {
			sc.h2 = append(sc.h2, r)
		}
	}
	if p.complete && (len(sc.h1) == 0 || len(sc.h2) == 0) {
		return false
	}
	for half, rows := range [2][]int{sc.h1, sc.h2} {
		if !p.halfMean(rows, sc, sc.m1[:p.su]) {
			return false
		}
		out[half].set(sc.m1[:p.su], p.s, p.u)
	}
	return true
}

// halfMean writes the NaN-aware mean over the given trial rows into dst;
// false when some entry has no present row among them.
func (p *prepared) halfMean(rows []int, sc *scratch, dst []float64) bool {
	su := p.su
	acc := sc.acc[:su]
	clear(acc)
	for _, r := range rows {
		row := p.vals[r*su : (r+1)*su]
		row = row[:len(acc)]
		for e := range acc {
			acc[e] += row[e]
		}
	}
	if p.complete {
		c := float64(len(rows))
		for e := range acc {
			dst[e] = acc[e] / c
		}
		return true
	}
	sm := sc.smask[:p.words]
	clear(sm)
	for _, r := range rows {
		sm[r/64] |= 1 << (r % 64)
	}
	for e := range acc {
		var c int
		mk := p.mask[e*p.words : (e+1)*p.words]
		for w, v := range mk {
			c += bits.OnesCount64(v & sm[w])
		}
		if c == 0 {
			return false
		}
		dst[e] = acc[e] / float64(c)
	}
	return true
}
