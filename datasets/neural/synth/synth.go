package synth

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

// ModelName names this generator in reports and metadata.
const ModelName = "whiskerbench calibrated synthetic cortex v1"

// AnimalPrefix begins every synthetic animal ID ("synth01", "synth02", …),
// so the arrays announce that they are synthetic wherever they end up.
const AnimalPrefix = "synth"

// Animal is one synthetic animal in the Rodgers layout (paper-spec §1.3):
// Data is float64 (rows, 6, units), the mean rate (spikes/s) of each unit on
// each trial; row r of a session holds its r-th trial, whose own stimulus
// column alone is finite; the other columns, and the rows past a shorter
// session's trials, are NaN.
type Animal struct {
	ID   string
	Data ndarray.Array
}

// AnimalReport describes one synthetic animal.
type AnimalReport struct {
	ID       string          `json:"id"`
	Site     string          `json:"site"` // the whisker the recording site is centred on
	Gain     float64         `json:"gain"`
	Units    int             `json:"units"`
	Sessions []SessionReport `json:"sessions"`
	Rows     int             `json:"rows"`
}

// SessionReport describes one recording session of a synthetic animal.
type SessionReport struct {
	Units  int                `json:"units"`
	Trials [StimulusCount]int `json:"trials"` // per stimulus, in canonical order
}

// Report describes a synthesis. Synthetic is always true: the data are not
// recordings.
type Report struct {
	Synthetic bool                  `json:"synthetic"`
	Model     string                `json:"model"`
	Config    Config                `json:"config"`
	Stimuli   [StimulusCount]string `json:"stimuli"`
	Units     int                   `json:"units"`
	Animals   []AnimalReport        `json:"animals"`
	// Responsive counts the units driven by their receptive field;
	// PrincipalWhiskers how many units have each principal whisker.
	Responsive        int            `json:"responsive"`
	PrincipalWhiskers map[string]int `json:"principal_whiskers"`
	// MeanRate is the mean response value over all finite entries.
	MeanRate float64 `json:"mean_rate"`
	// FeatureScale are the normalising divisors of |F| (mN), |M| (mN·mm),
	// |d|F|/dt| (mN/s) and |d|M|/dt| (mN·mm/s).
	FeatureScale [features]float64 `json:"feature_scale"`
}

// Synthesize generates the synthetic cortex's responses to the six Rodgers
// stimuli: raw readouts (frames, 30 whiskers, 6 channels Fx, Fy, Fz, Mx, My,
// Mz) in the order concave near, medium, far, convex near, medium, far
// (paper-spec §3.7), as whisker.Simulate returns them. The result is a pure
// function of the stimuli and cfg.
func Synthesize(ctx context.Context, stimuli []ndarray.Array, cfg Config) ([]Animal, Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, Report{}, fmt.Errorf("synth: %w", err)
	}
	sf, err := newStimulusFeatures(stimuli, cfg.FrameRate)
	if err != nil {
		return nil, Report{}, fmt.Errorf("synth: %w", err)
	}
	grid := newWhiskerGrid()
	if err := grid.check(sf.whiskers); err != nil {
		return nil, Report{}, fmt.Errorf("synth: %w", err)
	}
	if dur := float64(sf.frames) / cfg.FrameRate; cfg.MaxWindow > dur+1e-9 {
		return nil, Report{}, fmt.Errorf("synth: response window up to %g s is longer than the %g s readout (%d frames at %g Hz)", cfg.MaxWindow, dur, sf.frames, cfg.FrameRate)
	}
	rep := Report{Synthetic: true, Model: ModelName, Config: cfg, Stimuli: stimulusOrder(), Units: cfg.Units,
		PrincipalWhiskers: map[string]int{}, FeatureScale: sf.scale}
	counts := unitCounts(stream(cfg.Seed, streamLayout), cfg)
	g := &generator{cfg: cfg, sf: sf, grid: grid,
		x: make([]float64, sf.frames), r: make([]float64, sf.frames), cum: make([][]float64, StimulusCount)}
	for s := range g.cum {
		g.cum[s] = make([]float64, sf.frames+1)
	}
	animals := make([]Animal, cfg.Animals)
	var sum float64
	var n int
	unit := 0
	for a := range cfg.Animals {
		an, ar, err := g.animal(ctx, a, unit, counts[a], &rep)
		if err != nil {
			return nil, Report{}, fmt.Errorf("synth: animal %s: %w", animalID(a), err)
		}
		unit += counts[a]
		animals[a] = an
		rep.Animals = append(rep.Animals, ar)
		for _, v := range an.Data.F64 {
			if !math.IsNaN(v) {
				sum += v
				n++
			}
		}
	}
	rep.MeanRate = sum / float64(n)
	return animals, rep, nil
}

// animalID is the ID of animal a (0-based).
func animalID(a int) string { return fmt.Sprintf("%s%02d", AnimalPrefix, a+1) }

// unitCounts splits cfg.Units over the animals: MinUnits each, the rest in
// proportion to log-normal weights (largest remainder).
func unitCounts(r *rand.Rand, cfg Config) []int {
	w := make([]float64, cfg.Animals)
	for i := range w {
		w[i] = logNormal(r, cfg.UnitSpread)
	}
	return apportion(cfg.Units-cfg.Animals*cfg.MinUnits, w, cfg.MinUnits)
}

// apportion splits total over the weights by the largest-remainder method
// and adds floor to each share.
func apportion(total int, w []float64, floor int) []int {
	var sw float64
	for _, v := range w {
		sw += v
	}
	out := make([]int, len(w))
	rem := make([]float64, len(w))
	left := total
	for i, v := range w {
		q := float64(total) * v / sw
		out[i] = int(math.Floor(q))
		rem[i] = q - float64(out[i])
		left -= out[i]
	}
	idx := make([]int, len(w))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for k := 0; k < left; k++ {
		out[idx[k%len(idx)]]++
	}
	for i := range out {
		out[i] += floor
	}
	return out
}

// generator holds one synthesis' inputs and scratch buffers.
type generator struct {
	cfg  Config
	sf   *stimulusFeatures
	grid whiskerGrid
	x, r []float64
	cum  [][]float64 // per stimulus, cumulative expected count at each frame boundary
}

// trial is one trial of a session.
type trial struct {
	stimulus int
	window   float64 // s
	gain     float64 // shared by the session's units
}

func (g *generator) animal(ctx context.Context, a, firstUnit, units int, rep *Report) (Animal, AnimalReport, error) {
	cfg := g.cfg
	r := stream(cfg.Seed, streamAnimal, uint64(a))
	site := g.grid.index(cfg.Sites[r.IntN(len(cfg.Sites))])
	gain := logNormal(r, cfg.AnimalGainSpread)
	nsess := 1 + r.IntN(min(cfg.MaxSessions, units))
	sw := make([]float64, nsess)
	for i := range sw {
		sw[i] = 0.5 + r.Float64()
	}
	sizes := apportion(units-nsess, sw, 1)
	ar := AnimalReport{ID: animalID(a), Site: g.grid.names[site], Gain: gain, Units: units}
	sessions := make([][]trial, nsess)
	rows := 0
	for i := range sessions {
		var sr SessionReport
		sr.Units = sizes[i]
		var labels []int
		for s := range StimulusCount {
			sr.Trials[s] = cfg.MinTrials + r.IntN(cfg.MaxTrials-cfg.MinTrials+1)
			for range sr.Trials[s] {
				labels = append(labels, s)
			}
		}
		r.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
		ts := make([]trial, len(labels))
		for k, s := range labels {
			ts[k] = trial{stimulus: s,
				window: cfg.MinWindow + (cfg.MaxWindow-cfg.MinWindow)*r.Float64(),
				gain:   logNormal(r, cfg.SharedGain)}
		}
		sessions[i] = ts
		rows = max(rows, len(ts))
		ar.Sessions = append(ar.Sessions, sr)
	}
	ar.Rows = rows
	// Site kernel over the grid for the principal whisker.
	pw := make([]float64, len(g.grid.names))
	for w := range pw {
		pw[w] = math.Exp(-g.grid.dist2(w, site) / (2 * cfg.SiteSpread * cfg.SiteSpread))
	}
	data := make([]float64, rows*StimulusCount*units)
	for i := range data {
		data[i] = math.NaN()
	}
	col := 0
	for si, ts := range sessions {
		for range sizes[si] {
			if err := ctx.Err(); err != nil {
				return Animal{}, AnimalReport{}, err
			}
			ur := stream(cfg.Seed, streamUnit, uint64(firstUnit+col))
			t := g.tuning(ur, pw, gain)
			if t.scale > 0 {
				rep.Responsive++
			}
			rep.PrincipalWhiskers[g.grid.names[t.whiskers[0]]]++
			g.expected(&t)
			for k, tr := range ts {
				data[(k*StimulusCount+tr.stimulus)*units+col] = g.response(ur, tr)
			}
			col++
		}
	}
	return Animal{ID: ar.ID, Data: ndarray.FromFloat64([]int{rows, StimulusCount, units}, data)}, ar, nil
}

// tuning draws one unit's receptive field and response function.
func (g *generator) tuning(r *rand.Rand, siteKernel []float64, animalGain float64) tuning {
	cfg := g.cfg
	var t tuning
	p := pick(r, siteKernel)
	t.whiskers = append(t.whiskers, p)
	t.weights = append(t.weights, 1)
	for _, n := range g.grid.neighbour[p] {
		if r.Float64() < cfg.NeighbourProb {
			t.whiskers = append(t.whiskers, n)
			t.weights = append(t.weights, cfg.NeighbourWeight[0]+(cfg.NeighbourWeight[1]-cfg.NeighbourWeight[0])*r.Float64())
		}
	}
	dirichlet(r, cfg.FeatureConcentration, t.mix[:])
	t.tau = cfg.MinTau * math.Pow(cfg.MaxTau/cfg.MinTau, r.Float64())
	t.threshold = cfg.MaxThreshold * r.Float64()
	t.baseline = cfg.BaselineRate * math.Exp(cfg.BaselineSpread*r.NormFloat64())
	scale := cfg.RateScale * animalGain * math.Exp(cfg.RateSpread*r.NormFloat64())
	if r.Float64() < cfg.ResponsiveFraction {
		t.scale = scale
	}
	return t
}

// pick draws an index with probability proportional to w.
func pick(r *rand.Rand, w []float64) int {
	var sum float64
	for _, v := range w {
		sum += v
	}
	u := r.Float64() * sum
	for i, v := range w {
		if u < v {
			return i
		}
		u -= v
	}
	return len(w) - 1
}

// expected fills g.cum with the unit's cumulative expected spike count for
// each stimulus: cum[s][k] = Σ_{j<k} rate_j / FrameRate, frame j covering
// [j, j+1)/FrameRate.
func (g *generator) expected(t *tuning) {
	dt := 1 / g.cfg.FrameRate
	for s := range StimulusCount {
		g.sf.rate(t, s, g.cfg.FrameRate, g.x, g.r)
		c := g.cum[s]
		c[0] = 0
		for k, v := range g.r {
			c[k+1] = c[k] + v*dt
		}
	}
}

// countAt is the cumulative expected count of stimulus s at time t (s),
// linear within a frame.
func (g *generator) countAt(s int, t float64) float64 {
	c := g.cum[s]
	x := t * g.cfg.FrameRate
	k := int(x)
	if k >= len(c)-1 {
		return c[len(c)-1]
	}
	return c[k] + (x-float64(k))*(c[k+1]-c[k])
}

// response draws the unit's spikes on one trial and returns the paper's
// response value (paper-spec §1.2): bins of BinWidth from the window's
// start, spikes counted while t < stop, and the mean count per bin over
// BinWidth — count/(n_bins·BinWidth), slightly below count/duration because
// the last bin overruns the window.
func (g *generator) response(r *rand.Rand, tr trial) float64 {
	gain := tr.gain * logNormal(r, g.cfg.PrivateGain)
	nb := bins(tr.window)
	total := 0
	prev := 0.0
	for b := range nb {
		end := min(float64(b+1)*BinWidth, tr.window)
		c := g.countAt(tr.stimulus, end)
		total += poisson(r, gain*(c-prev))
		prev = c
	}
	return float64(total) / (float64(nb) * BinWidth)
}

// bins is the number of BinWidth bins numpy's arange(start, stop+BinWidth,
// BinWidth) edges give a window of length d (paper-spec §1.2): ⌈d/BinWidth⌉,
// with a 1e-9 tolerance for windows that are whole multiples of the bin.
func bins(d float64) int {
	return max(1, int(math.Ceil(d/BinWidth-1e-9)))
}

// Arrays returns the animals as .npz members for npz.WriteFile: one float64
// array per animal named by its ID (synth01, synth02, …).
func Arrays(animals []Animal) []npz.Named {
	out := make([]npz.Named, len(animals))
	for i, a := range animals {
		out[i] = npz.Named{Name: a.ID, Array: a.Data}
	}
	return out
}
