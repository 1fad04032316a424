package evaluator

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/evaluator/rsa"
)

// v2Tolerance is the reliability product at or below which rsa-v2 calls a
// corrected score undefined; the same 1e-8 the paper's code uses for its
// denominator (numpy isclose atol; Chung et al. 2025, paper-spec §1.6).
const v2Tolerance = 1e-8

// smallKeptFraction is the share of split halves below which a result warns
// that its score rests on few iterations.
const smallKeptFraction = 0.1

func checkMetric(metric string) error {
	if metric != MetricPaperV1 && metric != MetricV2 {
		return fmt.Errorf("unknown metric %q (want %q or %q)", metric, MetricPaperV1, MetricV2)
	}
	return nil
}

func (o Options) validate(metric string) error {
	if o.Iterations < 1 {
		return fmt.Errorf("options: %d split-half iterations, need at least 1", o.Iterations)
	}
	if uint64(o.StartSeed)+uint64(o.Iterations)-1 > math.MaxUint32 {
		return fmt.Errorf("options: seeds from %d for %d iterations exceed 32 bits", o.StartSeed, o.Iterations)
	}
	if metric == MetricV2 && o.Resamples < 1 {
		return fmt.Errorf("options: rsa-v2 needs at least 1 bootstrap resample, have %d", o.Resamples)
	}
	return nil
}

// session is the neural side shared by every evaluation: validated data,
// split halves of every population an evaluation needs.
type session struct {
	metric    string
	opt       Options
	ids       []string
	zeroFill  map[string]int
	sh        *rsa.SplitHalves
	animalPop []int // population of each animal alone
	pooledPop int
	othersPop []int // all other animals, per animal (nil with one animal)
	stimuli   int
}

func newSession(metric string, nd NeuralData, opt Options, others bool) (*session, error) {
	if err := checkMetric(metric); err != nil {
		return nil, err
	}
	if err := opt.validate(metric); err != nil {
		return nil, err
	}
	if err := nd.Validate(); err != nil {
		return nil, err
	}
	s := &session{metric: metric, opt: opt, zeroFill: map[string]int{}, stimuli: nd.Animals[0].Stimuli}
	blocks := make([]rsa.Block, len(nd.Animals))
	var names []string
	var pops [][]int
	all := make([]int, len(nd.Animals))
	for i, a := range nd.Animals {
		s.ids = append(s.ids, a.ID)
		rows := a.ZeroFillRows()
		s.zeroFill[a.ID] = len(rows)
		data := a.Data
		if metric == MetricV2 && len(rows) > 0 {
			data = a.withoutZeroFill(rows)
			masked := a
			masked.Data = data
			if err := masked.validate(); err != nil {
				return nil, fmt.Errorf("neural data: animal %q with its %d zero-filled rows treated as missing: %w", a.ID, len(rows), err)
			}
		}
		blocks[i] = rsa.Block{Trials: a.Trials, Stimuli: a.Stimuli, Units: a.Units, Data: data}
		s.animalPop = append(s.animalPop, len(pops))
		pops = append(pops, []int{i})
		names = append(names, fmt.Sprintf("animal %q", a.ID))
		all[i] = i
	}
	s.pooledPop = len(pops)
	pops = append(pops, all)
	names = append(names, "the pooled population")
	if others && len(nd.Animals) > 1 {
		for i, a := range nd.Animals {
			rest := slices.Delete(slices.Clone(all), i, i+1)
			s.othersPop = append(s.othersPop, len(pops))
			pops = append(pops, rest)
			names = append(names, fmt.Sprintf("all animals but %q", a.ID))
		}
	}
	sh, err := rsa.NewSplitHalves(blocks, pops, rsa.Config{Iterations: opt.Iterations, StartSeed: opt.StartSeed, Workers: opt.Workers})
	var cp *rsa.ConstantPopulationError
	switch {
	case errors.As(err, &cp):
		return nil, fmt.Errorf("neural data: %s: a stimulus row of the trial-mean responses is the same for every unit (zero variance), so its RDM is undefined", names[cp.Population])
	case err != nil:
		return nil, fmt.Errorf("neural data: %w", err)
	}
	s.sh = sh
	return s, nil
}

// targets returns the target names and populations: the animals in order,
// then the pooled population.
func (s *session) targets(pooledOnly bool) ([]string, []int) {
	if pooledOnly {
		return []string{PooledTarget}, []int{s.pooledPop}
	}
	return append(slices.Clone(s.ids), PooledTarget), append(slices.Clone(s.animalPop), s.pooledPop)
}

// EvaluateNeural scores a model's layers against the neural data with the
// given metric (MetricPaperV1 or MetricV2).
func EvaluateNeural(metric string, acts []Activation, nd NeuralData, opt Options) (*NeuralResult, error) {
	r, _, err := evaluateNeural("neural", metric, acts, nd, opt, false)
	return r, err
}

// EvaluateInput scores the raw-input baseline: the stimulus tensor
// (stimuli, time, ...) time-averaged and flattened (InputFeatures), as a
// layer named "input" (paper-spec §1.11).
func EvaluateInput(metric string, stimulus ndarray.Array, nd NeuralData, opt Options) (*InputResult, error) {
	f, err := InputFeatures(stimulus)
	if err != nil {
		return nil, err
	}
	r, unf, err := evaluateNeural("input", metric, []Activation{{Layer: "input", Array: f}}, nd, opt, metric == MetricPaperV1)
	if err != nil {
		return nil, err
	}
	return &InputResult{NeuralResult: *r, Unfiltered: unf}, nil
}

func evaluateNeural(kind, metric string, acts []Activation, nd NeuralData, opt Options, pooledOnly bool) (*NeuralResult, map[string]Unfiltered, error) {
	if len(acts) == 0 {
		return nil, nil, fmt.Errorf("activations: no layers")
	}
	seen := map[string]bool{}
	for i, a := range acts {
		if a.Layer == "" {
			return nil, nil, fmt.Errorf("activations: layer %d has an empty name", i)
		}
		if seen[a.Layer] {
			return nil, nil, fmt.Errorf("activations: layer %q appears twice", a.Layer)
		}
		seen[a.Layer] = true
	}
	s, err := newSession(metric, nd, opt, metric == MetricV2)
	if err != nil {
		return nil, nil, err
	}
	models := make([][]float64, len(acts))
	for i, a := range acts {
		if models[i], err = layerRDM(a, s.stimuli, opt.Workers); err != nil {
			return nil, nil, err
		}
	}
	d := newDigester(kind, metric, opt)
	d.activations(acts)
	d.neural(nd)
	res := &NeuralResult{
		Metric:       metric,
		Layers:       map[string]map[string]TargetScore{},
		InputDigest:  d.sum(),
		Iterations:   opt.Iterations,
		ZeroFillRows: s.zeroFill,
	}
	names, pops := s.targets(pooledOnly)
	if metric == MetricPaperV1 {
		unf := s.scoreV1(res, acts, models, names, pops)
		return res, unf, nil
	}
	s.scoreV2(res, acts, models, names, pops)
	return res, nil, nil
}

// scoreV1 fills res the paper's way: per (layer, target) the filtered mean
// of r_xy/sqrt(SB(r_yy)) (paper-spec §1.6–1.7); the model score is the max
// over layers and targets (paper-spec §1.8).
func (s *session) scoreV1(res *NeuralResult, acts []Activation, models [][]float64, names []string, pops []int) map[string]Unfiltered {
	res.Score = NaN()
	bestKept := 0
	unf := map[string]Unfiltered{}
	for li, a := range acts {
		row := map[string]TargetScore{}
		for ti, p := range pops {
			c := rsa.ModelConsistency(models[li], s.sh, p)
			mean, kept := c.Filtered(rsa.ReliabilityCutoff)
			row[names[ti]] = TargetScore{Raw: Value(c.RXY), Corrected: Value(mean), Kept: kept, CILow: NaN(), CIHigh: NaN()}
			if !math.IsNaN(mean) && (math.IsNaN(float64(res.Score)) || mean > float64(res.Score)) {
				res.Score = Value(mean)
				res.Best = Best{Layer: a.Layer, Target: names[ti]}
				bestKept = kept
			}
			if len(acts) == 1 {
				med, fin := c.UnfilteredMedian()
				unf[names[ti]] = Unfiltered{Median: Value(med), Finite: fin}
			}
		}
		res.Layers[a.Layer] = row
	}
	if !res.Score.Defined() {
		res.Warnings = append(res.Warnings, fmt.Sprintf("no (layer, target) pair has a split half with raw r_yy ≥ %g, so rsa-paper-v1 gives no score", rsa.ReliabilityCutoff))
	} else if float64(bestKept) < smallKeptFraction*float64(s.opt.Iterations) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the best entry (%s, %s) averages only %d of %d split halves (those with raw r_yy ≥ %g)", res.Best.Layer, res.Best.Target, bestKept, s.opt.Iterations, rsa.ReliabilityCutoff))
	}
	return unf
}

// targetHalves holds, for one target population and one model layer set,
// the per-iteration RSA of every layer with each half-mean RDM.
type targetHalves struct {
	iters []int       // valid iteration indices
	rel   []float64   // r_yy per valid iteration
	a, b  [][]float64 // layer × valid iteration: RSA(model, half 1), RSA(model, half 2)
}

func (s *session) halvesFor(models [][]float64, p int) targetHalves {
	var th targetHalves
	th.a = make([][]float64, len(models))
	th.b = make([][]float64, len(models))
	for i := range s.sh.Iterations() {
		h1, h2, ok := s.sh.Halves(p, i)
		if !ok {
			continue
		}
		th.iters = append(th.iters, i)
		th.rel = append(th.rel, s.sh.Reliability(p, i))
		for l, m := range models {
			th.a[l] = append(th.a[l], rsa.RSA(m, h1))
			th.b[l] = append(th.b[l], rsa.RSA(m, h2))
		}
	}
	return th
}

// v2Ratio is rsa-v2's corrected estimate from summed numerators and
// reliabilities over n iterations: mean(num) / sqrt(mean(rel_x)·mean(rel_y)).
func v2Ratio(sumNum, sumRelX, sumRelY float64, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	fn := float64(n)
	p := (sumRelX / fn) * (sumRelY / fn)
	if math.IsNaN(p) || p <= v2Tolerance {
		return math.NaN()
	}
	return sumNum / fn / math.Sqrt(p)
}

// scoreV2 fills res with rsa-v2 (see the package documentation).
func (s *session) scoreV2(res *NeuralResult, acts []Activation, models [][]float64, names []string, pops []int) {
	nl, nt := len(acts), len(pops)
	tables := make([][]TargetScore, nt)
	halves := make([]targetHalves, nt)
	parallelFor(nt, s.opt.Workers, func(ti int) {
		th := s.halvesFor(models, pops[ti])
		halves[ti] = th
		tables[ti] = s.v2Table(models, pops[ti], th, s.opt.BootstrapSeed+uint32(ti)*7919+1)
	})
	for li, a := range acts {
		row := map[string]TargetScore{}
		for ti := range pops {
			row[names[ti]] = tables[ti][li]
		}
		res.Layers[a.Layer] = row
	}

	// Held-out layer selection per animal and split half.
	na := len(s.ids)
	if pops[0] == s.pooledPop { // pooled-only evaluation: select on the pooled target
		na = 0
	}
	selTargets := na
	if selTargets == 0 {
		selTargets = 1
	}
	type perIter struct {
		valid  []bool
		sc, rl []float64 // by iteration index
	}
	per := make([]perIter, selTargets)
	counts := make([]int, nl)
	selected := make([]float64, selTargets)
	for t := range selTargets {
		th := halves[t]
		pi := perIter{valid: make([]bool, s.opt.Iterations), sc: make([]float64, s.opt.Iterations), rl: make([]float64, s.opt.Iterations)}
		var sumS, sumR float64
		for k, it := range th.iters {
			sk, l1, l2 := heldOutSelection(th.a, th.b, k)
			counts[l1]++
			counts[l2]++
			pi.valid[it], pi.sc[it], pi.rl[it] = true, sk, th.rel[k]
			sumS += sk
			sumR += th.rel[k]
		}
		per[t] = pi
		// A model's own reliability is 1 in every iteration: Σ r_xx = n.
		selected[t] = v2Ratio(sumS, float64(len(th.iters)), sumR, len(th.iters))
	}
	res.LayerSelection = map[string]int{}
	bestL := 0
	for l, c := range counts {
		res.LayerSelection[acts[l].Layer] = c
		if c > counts[bestL] {
			bestL = l
		}
	}
	res.Best = Best{Layer: acts[bestL].Layer, Target: AnimalMeanTarget}
	if na == 0 {
		res.Best.Target = PooledTarget
	}
	var defined []float64
	for t, v := range selected {
		if math.IsNaN(v) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("target %q: mean split-half reliability is not positive, so it has no rsa-v2 score and is left out of the mean", names[t]))
			continue
		}
		defined = append(defined, v)
	}
	res.Score = Value(mean(defined))
	if len(defined) == 0 {
		res.Warnings = append(res.Warnings, "no target has a positive split-half reliability, so rsa-v2 gives no score")
	}
	ci := &ScoreIntervals{}
	ci.Animals = bootstrapMean(defined, s.opt.Resamples, s.opt.BootstrapSeed)
	// Split halves: resample iteration indices, shared by all animals.
	stats := make([]float64, s.opt.Resamples)
	rng := newRNG(s.opt.BootstrapSeed + 104729)
	n := s.opt.Iterations
	sumS, sumR, cnt := make([]float64, selTargets), make([]float64, selTargets), make([]int, selTargets)
	for b := range stats {
		clear(sumS)
		clear(sumR)
		clear(cnt)
		for range n {
			it := rng.IntN(n)
			for t := range per {
				if per[t].valid[it] {
					sumS[t] += per[t].sc[it]
					sumR[t] += per[t].rl[it]
					cnt[t]++
				}
			}
		}
		var tot float64
		k := 0
		for t := range per {
			if v := v2Ratio(sumS[t], float64(cnt[t]), sumR[t], cnt[t]); !math.IsNaN(v) {
				tot += v
				k++
			}
		}
		stats[b] = math.NaN()
		if k > 0 {
			stats[b] = tot / float64(k)
		}
	}
	ci.SplitHalves = percentileCI(stats)
	res.ScoreCI = ci
	if s.othersPop != nil {
		cs := s.ceilingV2Summary()
		res.Ceiling = &cs
	} else if na > 0 {
		res.Warnings = append(res.Warnings, "one animal only: no animal-to-animal ceiling")
	}
}

// v2Table computes rsa-v2's TargetScore of every layer against population
// p, with a bootstrap over that target's valid split halves; the same
// resampled iterations serve every layer.
func (s *session) v2Table(models [][]float64, p int, th targetHalves, seed uint32) []TargetScore {
	nl, n := len(models), len(th.iters)
	out := make([]TargetScore, nl)
	full := s.sh.Full(p)
	var sumR float64
	for _, r := range th.rel {
		sumR += r
	}
	h := make([][]float64, nl)
	for l := range nl {
		h[l] = make([]float64, n)
		var sum float64
		for k := range n {
			h[l][k] = (th.a[l][k] + th.b[l][k]) / 2
			sum += h[l][k]
		}
		out[l] = TargetScore{Raw: Value(rsa.RSA(models[l], full)), Corrected: Value(v2Ratio(sum, float64(n), sumR, n)), Kept: n}
	}
	stats := make([][]float64, nl)
	for l := range stats {
		stats[l] = make([]float64, s.opt.Resamples)
	}
	if n > 0 {
		rng := newRNG(seed)
		sums := make([]float64, nl)
		for b := range s.opt.Resamples {
			clear(sums)
			var sr float64
			for range n {
				k := rng.IntN(n)
				sr += th.rel[k]
				for l := range nl {
					sums[l] += h[l][k]
				}
			}
			for l := range nl {
				stats[l][b] = v2Ratio(sums[l], float64(n), sr, n)
			}
		}
	}
	for l := range nl {
		iv := Interval{Low: NaN(), High: NaN()}
		if n > 0 {
			iv = percentileCI(stats[l])
		}
		out[l].CILow, out[l].CIHigh = iv.Low, iv.High
	}
	return out
}

// heldOutSelection is rsa-v2's layer choice in split half k: the layer is
// chosen on one half's RSA and scored on the other half's, both ways
// (l1 chosen on half 1 and scored on half 2, l2 the reverse), and the two
// held-out scores averaged. The halves hold disjoint trials, so the noise
// that makes a layer win the choice does not inflate its score.
func heldOutSelection(a, b [][]float64, k int) (score float64, l1, l2 int) {
	l1, l2 = argmaxAt(a, k), argmaxAt(b, k)
	return (b[l1][k] + a[l2][k]) / 2, l1, l2
}

// argmaxAt returns the layer with the largest v[layer][k] (the first on ties;
// NaN never wins).
func argmaxAt(v [][]float64, k int) int {
	best := 0
	for l := range v {
		if v[l][k] > v[best][k] || math.IsNaN(v[best][k]) {
			best = l
		}
	}
	return best
}

// EvaluateCeiling computes the animal-to-animal consistency with the given
// metric, in mode ManyToOne (source = all other animals concatenated,
// keyed by the target animal) or Pairwise (every ordered pair, "A->B" with
// source A and target B) (paper-spec §1.9). It needs at least two animals.
func EvaluateCeiling(metric, mode string, nd NeuralData, opt Options) (*CeilingResult, error) {
	if mode != ManyToOne && mode != Pairwise {
		return nil, fmt.Errorf("unknown ceiling mode %q (want %q or %q)", mode, ManyToOne, Pairwise)
	}
	if len(nd.Animals) < 2 {
		return nil, fmt.Errorf("ceiling: %d animal(s), need at least 2", len(nd.Animals))
	}
	s, err := newSession(metric, nd, opt, mode == ManyToOne)
	if err != nil {
		return nil, err
	}
	d := newDigester("ceiling/"+mode, metric, opt)
	d.neural(nd)
	res := &CeilingResult{Metric: metric, Mode: mode, Animals: map[string]AnimalScore{}, InputDigest: d.sum(),
		Iterations: opt.Iterations, ZeroFillRows: s.zeroFill}
	type pair struct {
		key      string
		src, dst int
	}
	var pairs []pair
	for i, id := range s.ids {
		if mode == ManyToOne {
			pairs = append(pairs, pair{id, s.othersPop[i], s.animalPop[i]})
			continue
		}
		for j, id2 := range s.ids {
			if i != j {
				pairs = append(pairs, pair{id + "->" + id2, s.animalPop[i], s.animalPop[j]})
			}
		}
	}
	var vals []float64
	for _, p := range pairs {
		var sc AnimalScore
		if metric == MetricPaperV1 {
			c := rsa.NeuralConsistency(s.sh, p.src, p.dst)
			m, kept := c.Filtered(rsa.ReliabilityCutoff)
			sc = AnimalScore{Raw: Value(c.RXY), Corrected: Value(m), Kept: kept}
		} else {
			sc = s.neuralV2(p.src, p.dst)
		}
		res.Animals[p.key] = sc
		if sc.Corrected.Defined() {
			vals = append(vals, float64(sc.Corrected))
		} else {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: no defined corrected score (no split half passes the filter, or reliability not positive); left out of the summary", p.key))
		}
	}
	if metric == MetricPaperV1 {
		res.Mean, res.SEM, res.Max = Value(mean(vals)), Value(semPop(vals)), Value(maxOf(vals))
		return res, nil
	}
	sum := summariseV2(vals, opt)
	res.Mean, res.SEM, res.Max = sum.Mean, sum.SEM, sum.Max
	res.Min, res.CI = &sum.Min, &sum.CI
	return res, nil
}

// neuralV2 is rsa-v2's estimate for a neural source population against a
// target population: mean over valid iterations of the RSA between
// same-index half means, over sqrt(mean r_xx · mean r_yy).
func (s *session) neuralV2(src, dst int) AnimalScore {
	var sumM, sumX, sumY float64
	n := 0
	for i := range s.sh.Iterations() {
		s1, s2, ok1 := s.sh.Halves(src, i)
		t1, t2, ok2 := s.sh.Halves(dst, i)
		if !ok1 || !ok2 {
			continue
		}
		sumM += (rsa.RSA(s1, t1) + rsa.RSA(s2, t2)) / 2
		sumX += s.sh.Reliability(src, i)
		sumY += s.sh.Reliability(dst, i)
		n++
	}
	return AnimalScore{
		Raw:       Value(rsa.RSA(s.sh.Full(src), s.sh.Full(dst))),
		Corrected: Value(v2Ratio(sumM, sumX, sumY, n)),
		Kept:      n,
	}
}

func (s *session) ceilingV2Summary() CeilingSummary {
	var vals []float64
	for i := range s.ids {
		if v := s.neuralV2(s.othersPop[i], s.animalPop[i]).Corrected; v.Defined() {
			vals = append(vals, float64(v))
		}
	}
	return summariseV2(vals, s.opt)
}

func summariseV2(vals []float64, opt Options) CeilingSummary {
	return CeilingSummary{
		Mean: Value(mean(vals)), SEM: Value(semSample(vals)), Min: Value(minOf(vals)), Max: Value(maxOf(vals)),
		CI: bootstrapMean(vals, opt.Resamples, opt.BootstrapSeed+15485863), Animals: len(vals),
	}
}

// parallelFor runs f(0..n−1) on up to workers goroutines (≤ 0 means
// GOMAXPROCS). f must write only to its own index's slots.
func parallelFor(n, workers int, f func(int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}
