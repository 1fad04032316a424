package rsa

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/whiskerbench/whiskerbench/evaluator/nprand"
)

// toyY is the neural array of paper-spec §1.6:
// Y[t][s][u] = ((s+1)(u+2) mod 7) + ((31t + 17s + 11u) mod 5), 6×6×4.
func toyY() Block {
	const T, S, U = 6, 6, 4
	d := make([]float64, T*S*U)
	for t := range T {
		for s := range S {
			for u := range U {
				d[(t*S+s)*U+u] = float64(((s+1)*(u+2))%7 + (31*t+17*s+11*u)%5)
			}
		}
	}
	return Block{Trials: T, Stimuli: S, Units: U, Data: d}
}

// TestToyGoldenValues reproduces the toy unit test of Chung et al. 2025,
// paper-spec §1.6 (values computed there with numpy/scipy): RSA(X, mean_t Y),
// and for seed 1234 (trial permutation [2,1,5,0,4,3], halves {2,1,5} and
// {0,4,3}) r_yy, SB(r_yy) = 2r/(1+r) and r_xy/sqrt(SB(r_yy)).
func TestToyGoldenValues(t *testing.T) {
	d, err := RDMFloat64(toyX, 6, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	model := Upper(d, 6)
	sh, err := NewSplitHalves([]Block{toyY()}, [][]int{{0}}, Config{Iterations: 1, StartSeed: 1234, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := ModelConsistency(model, sh, 0)
	if len(c.Iterations) != 1 || c.Dropped != 0 {
		t.Fatalf("got %d iterations, %d dropped", len(c.Iterations), c.Dropped)
	}
	it := c.Iterations[0]
	cases := []struct {
		name      string
		got, want float64
	}{
		{"r_xy", c.RXY, -0.3094006641803953},
		{"r_yy", it.RYY, 0.8361147064942039},
		{"r_yy_sb", it.RYYSB, 0.9107434339880043},
		{"r_xy_n_sb", it.Corrected, -0.3242076193714844},
		{"r_xx", it.RXX, 1},
		{"denom", it.Denom, math.Sqrt(0.9107434339880043)},
	}
	for _, cs := range cases {
		if math.Abs(cs.got-cs.want) > 1e-13 {
			t.Errorf("%s = %.16g, want %.16g", cs.name, cs.got, cs.want)
		}
	}
}

// referenceHalves is the straightforward computation of paper-spec §1.4
// for a population: build the NaN-padded concatenation, shuffle
// 0..rows−1, NaN-mean each half over trials, take the RDM. ok is false
// when a half mean has a NaN.
func referenceHalves(blocks []Block, members []int, seed uint32) (full, h1, h2 []float64, ok bool) {
	rows, units := 0, 0
	s := blocks[members[0]].Stimuli
	for _, b := range members {
		rows = max(rows, blocks[b].Trials)
		units += blocks[b].Units
	}
	pop := make([]float64, rows*s*units)
	for i := range pop {
		pop[i] = math.NaN()
	}
	off := 0
	for _, bi := range members {
		b := blocks[bi]
		for t := range b.Trials {
			for st := range s {
				for u := range b.Units {
					pop[(t*s+st)*units+off+u] = b.Data[(t*s+st)*b.Units+u]
				}
			}
		}
		off += b.Units
	}
	nanmean := func(idx []int) ([]float64, bool) {
		out := make([]float64, s*units)
		for e := range out {
			var sum float64
			n := 0
			for _, t := range idx {
				if v := pop[t*s*units+e]; !math.IsNaN(v) {
					sum += v
					n++
				}
			}
			if n == 0 {
				return nil, false
			}
			out[e] = sum / float64(n)
		}
		return out, true
	}
	all := make([]int, rows)
	for i := range all {
		all[i] = i
	}
	fm, _ := nanmean(all)
	full = Upper(naiveRDM(fm, s, units), s)
	perm, _ := nprand.Permutation(seed, rows)
	a, ok1 := nanmean(perm[:rows/2])
	b, ok2 := nanmean(perm[rows/2:])
	if !ok1 || !ok2 {
		return full, nil, nil, false
	}
	return full, Upper(naiveRDM(a, s, units), s), Upper(naiveRDM(b, s, units), s), true
}

// randomBlock makes a (trials, stimuli, units) block of positive rates;
// rows ≥ valid are NaN padding and each entry is missing with probability
// pMissing.
func randomBlock(rng *rand.Rand, trials, valid, stimuli, units int, pMissing float64) Block {
	d := make([]float64, trials*stimuli*units)
	for t := range trials {
		for s := range stimuli {
			for u := range units {
				v := math.NaN()
				if t < valid && rng.Float64() >= pMissing {
					v = 5 + 3*float64(s*u%4) + rng.ExpFloat64()*4
				}
				d[(t*stimuli+s)*units+u] = v
			}
		}
	}
	return Block{Trials: trials, Stimuli: stimuli, Units: units, Data: d}
}

// TestSplitHalvesMatchReference checks the engine (Chan-combined block
// moments, total − half sums, bit-mask counts, parallel iterations) against
// the straightforward reference on populations with padding and missing
// entries, including blocks of different trial counts and drops.
func TestSplitHalvesMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	blocks := []Block{
		randomBlock(rng, 12, 12, 6, 7, 0),
		randomBlock(rng, 9, 7, 6, 5, 0.05),  // padded rows 7, 8 and sparse missing entries
		randomBlock(rng, 4, 4, 6, 3, 0),     // short block: often all in one half of a 12-row population
		randomBlock(rng, 70, 70, 6, 4, 0.3), // more than 64 trials: multi-word masks
	}
	pops := [][]int{{0}, {1}, {2}, {0, 1, 2}, {1, 2}, {3}, {3, 0}}
	const iters = 40
	sh, err := NewSplitHalves(blocks, pops, Config{Iterations: iters, StartSeed: 1234, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	drops := 0
	for p, members := range pops {
		for i := range iters {
			full, r1, r2, ok := referenceHalves(blocks, members, uint32(1234+i))
			if i == 0 {
				for k := range full {
					if math.Abs(full[k]-sh.Full(p)[k]) > 1e-12 {
						t.Fatalf("pop %d full[%d] = %v, reference %v", p, k, sh.Full(p)[k], full[k])
					}
				}
			}
			g1, g2, gok := sh.Halves(p, i)
			if gok != ok {
				t.Fatalf("pop %d iteration %d: valid = %v, reference %v", p, i, gok, ok)
			}
			if !ok {
				drops++
				if !math.IsNaN(sh.Reliability(p, i)) {
					t.Fatalf("dropped iteration has reliability %v", sh.Reliability(p, i))
				}
				continue
			}
			for k := range r1 {
				if math.Abs(g1[k]-r1[k]) > 1e-12 || math.Abs(g2[k]-r2[k]) > 1e-12 {
					t.Fatalf("pop %d iteration %d entry %d: (%v, %v), reference (%v, %v)", p, i, k, g1[k], g2[k], r1[k], r2[k])
				}
			}
			if want := Pearson(r1, r2); math.Abs(sh.Reliability(p, i)-want) > 1e-12 {
				t.Fatalf("pop %d iteration %d reliability %v, reference %v", p, i, sh.Reliability(p, i), want)
			}
		}
	}
	if drops == 0 {
		t.Fatal("test data produced no dropped iteration; the drop path is untested")
	}
}

// TestSplitHalvesDeterministic: results are identical for 1 and 4 workers.
func TestSplitHalvesDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	blocks := []Block{randomBlock(rng, 10, 10, 6, 9, 0.1), randomBlock(rng, 8, 8, 6, 6, 0)}
	pops := [][]int{{0}, {1}, {0, 1}}
	a, err := NewSplitHalves(blocks, pops, Config{Iterations: 50, StartSeed: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSplitHalves(blocks, pops, Config{Iterations: 50, StartSeed: 1, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	for p := range pops {
		for i := range 50 {
			ra, rb := a.Reliability(p, i), b.Reliability(p, i)
			if ra != rb && !(math.IsNaN(ra) && math.IsNaN(rb)) {
				t.Fatalf("pop %d iteration %d: %v vs %v", p, i, ra, rb)
			}
		}
	}
}

func TestSplitHalvesErrors(t *testing.T) {
	good := toyY()
	inf := toyY()
	inf.Data = append([]float64(nil), inf.Data...)
	inf.Data[5] = math.Inf(1)
	allNaN := toyY()
	allNaN.Data = append([]float64(nil), allNaN.Data...)
	for tr := range 6 {
		allNaN.Data[(tr*6+2)*4+1] = math.NaN() // stimulus 2, unit 1 never observed
	}
	constRow := toyY()
	constRow.Data = append([]float64(nil), constRow.Data...)
	for tr := range 6 {
		for u := range 4 {
			constRow.Data[(tr*6+3)*4+u] = 7 // stimulus 3 identical for every unit
		}
	}
	twoStim := Block{Trials: 2, Stimuli: 2, Units: 2, Data: []float64{1, 2, 3, 4, 5, 6, 7, 8}}
	oneTrial := Block{Trials: 1, Stimuli: 3, Units: 2, Data: []float64{1, 2, 3, 4, 5, 6}}
	short := Block{Trials: 6, Stimuli: 6, Units: 4, Data: good.Data[:10]}
	cases := []struct {
		name   string
		blocks []Block
		pops   [][]int
		cfg    Config
	}{
		{"infinite", []Block{inf}, [][]int{{0}}, PaperConfig()},
		{"no finite trial", []Block{allNaN}, [][]int{{0}}, PaperConfig()},
		{"constant stimulus row", []Block{constRow}, [][]int{{0}}, PaperConfig()},
		{"two stimuli", []Block{twoStim}, [][]int{{0}}, PaperConfig()},
		{"one trial", []Block{oneTrial}, [][]int{{0}}, PaperConfig()},
		{"short data", []Block{short}, [][]int{{0}}, PaperConfig()},
		{"bad member", []Block{good}, [][]int{{1}}, PaperConfig()},
		{"empty population", []Block{good}, [][]int{{}}, PaperConfig()},
		{"zero iterations", []Block{good}, [][]int{{0}}, Config{StartSeed: 1}},
		{"seed overflow", []Block{good}, [][]int{{0}}, Config{Iterations: 2, StartSeed: math.MaxUint32}},
		{"stimulus mismatch", []Block{good, {Trials: 2, Stimuli: 5, Units: 1, Data: make([]float64, 10)}}, [][]int{{0}}, PaperConfig()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewSplitHalves(c.blocks, c.pops, c.cfg); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestFilteredAndCorrected(t *testing.T) {
	// Derivation: SB(0.6) = 1.2/1.6 = 0.75, so 0.3/sqrt(0.75) = 0.34641016;
	// SB(0.8) = 1.6/1.8 = 0.8888…, 0.3/sqrt(0.8888…) = 0.31819805.
	// r_yy = 0.4 and a model's r_xx = 1 are filtered out by the 0.5 cutoff;
	// r_yy = −0.2 gives SB < 0, hence NaN.
	c := Consistency{RXY: 0.3}
	for _, ryy := range []float64{0.6, 0.8, 0.4, -0.2} {
		it := Iteration{RXX: 1, RYY: ryy}
		it.Corrected, it.Denom = Corrected(0.3, 1, ryy)
		c.Iterations = append(c.Iterations, it)
	}
	if !math.IsNaN(c.Iterations[3].Corrected) || !math.IsNaN(c.Iterations[3].Denom) {
		t.Fatalf("negative SB product must give NaN, got %v", c.Iterations[3].Corrected)
	}
	mean, kept := c.Filtered(ReliabilityCutoff)
	want := (0.3/math.Sqrt(0.75) + 0.3/math.Sqrt(1.6/1.8)) / 2
	if kept != 2 || math.Abs(mean-want) > 1e-15 {
		t.Fatalf("Filtered = %v (%d kept), want %v (2)", mean, kept, want)
	}
	med, finite := c.UnfilteredMedian()
	if finite != 3 || math.Abs(med-0.3/math.Sqrt(0.75)) > 1e-15 {
		t.Fatalf("UnfilteredMedian = %v (%d), want %v (3)", med, finite, 0.3/math.Sqrt(0.75))
	}
	// r_xx filter: a neural source with r_xx = 0.3 is excluded.
	c2 := Consistency{Iterations: []Iteration{{RXX: 0.3, RYY: 0.9, Corrected: 1}}}
	if _, k := c2.Filtered(ReliabilityCutoff); k != 0 {
		t.Fatalf("r_xx < cutoff kept %d", k)
	}
	// |product| ≤ 1e-8 counts as zero (numpy isclose default atol).
	if s, _ := Corrected(0.5, 1, 1e-9); !math.IsNaN(s) {
		t.Fatalf("near-zero denominator gave %v", s)
	}
}

func TestPearsonSpearman(t *testing.T) {
	cases := []struct {
		name     string
		x, y     []float64
		pearson  float64
		spearman float64
	}{
		// y = 2x + 1: both exactly 1.
		{"linear", []float64{1, 2, 3, 4}, []float64{3, 5, 7, 9}, 1, 1},
		// Monotone but non-linear: Spearman 1; Pearson of (1,2,3),(1,4,9):
		// centred (−1,0,1)·(−11/3,−2/3,13/3) = 8, norms √2·√(294/9) → 0.9897433.
		{"monotone", []float64{1, 2, 3}, []float64{1, 4, 9}, 8 / math.Sqrt(2*294.0/9), 1},
		// Ties: ranks of (1,1,2) are (1.5,1.5,3); with (1,2,3): r = 0.8660254.
		{"ties", []float64{1, 1, 2}, []float64{1, 2, 3}, math.Sqrt(3) / 2, math.Sqrt(3) / 2},
	}
	for _, c := range cases {
		if p := Pearson(c.x, c.y); math.Abs(p-c.pearson) > 1e-15 {
			t.Errorf("%s: Pearson = %.17g, want %.17g", c.name, p, c.pearson)
		}
		if s := Spearman(c.x, c.y); math.Abs(s-c.spearman) > 1e-15 {
			t.Errorf("%s: Spearman = %.17g, want %.17g", c.name, s, c.spearman)
		}
	}
	if !math.IsNaN(Pearson([]float64{1, 1, 1}, []float64{1, 2, 3})) {
		t.Error("constant vector must give NaN")
	}
}
