package evaluator

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

// The anchor fixture (testdata/anchor.npz and anchor.json) is written by
// testdata/numpy_reference.py, a plain numpy/scipy implementation of both
// metrics (np.random.RandomState shuffles, np.nanmean, np.corrcoef,
// scipy.stats.pearsonr). Regenerate with
//
//	cd evaluator/testdata && /usr/bin/python3 numpy_reference.py fixture
//
// It has three animals: a1 complete (14 trials), a2 two stacked sessions
// (12 and 9 trials, NaN padding), a3 with the paper's zero-fill quirk
// (18 one-stimulus trials), and two layers (conv float32 (6,4,5), fc
// float64 (6,7)), scored over 300 split halves from seed 1234.

type anchorEntry struct {
	Raw, Corrected *float64
	Kept           int
}

type anchorSummary struct {
	Animals        map[string]anchorEntry
	Mean, SEM, Max *float64
	Min            *float64
}

type anchorFile struct {
	Iterations int      `json:"iterations"`
	StartSeed  uint32   `json:"start_seed"`
	Animals    []string `json:"animals"`
	Layers     []string `json:"layers"`
	V1         struct {
		Layers map[string]map[string]anchorEntry
		Score  *float64
		Best   Best
	} `json:"v1"`
	V1Ceiling  anchorSummary `json:"v1_ceiling"`
	V1Pairwise anchorSummary `json:"v1_pairwise"`
	V1Input    struct {
		Raw, Corrected, Median *float64
		Kept, Finite           int
	} `json:"v1_input"`
	ZeroFillRows map[string]int `json:"zero_fill_rows"`
	V2           struct {
		Layers         map[string]map[string]anchorEntry
		Score          *float64
		LayerSelection map[string]int `json:"layer_selection"`
	} `json:"v2"`
	V2Ceiling anchorSummary `json:"v2_ceiling"`
}

const anchorTol = 1e-12

func loadAnchor(t *testing.T) (anchorFile, []Activation, NeuralData, Options) {
	t.Helper()
	var af anchorFile
	b, err := os.ReadFile("testdata/anchor.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &af); err != nil {
		t.Fatal(err)
	}
	arrs, err := npz.ReadFile("testdata/anchor.npz", npz.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var acts []Activation
	for _, l := range af.Layers {
		a, ok := npz.Lookup(arrs, "act_"+l)
		if !ok {
			t.Fatalf("anchor.npz lacks act_%s", l)
		}
		acts = append(acts, Activation{Layer: l, Array: a})
	}
	var nd NeuralData
	for _, id := range af.Animals {
		a, ok := npz.Lookup(arrs, "animal_"+id)
		if !ok || a.Dims() != 3 {
			t.Fatalf("anchor.npz: animal_%s missing or not 3-D", id)
		}
		nd.Animals = append(nd.Animals, Animal{ID: id, Trials: a.Shape[0], Stimuli: a.Shape[1], Units: a.Shape[2], Data: a.F64})
	}
	opt := DefaultOptions()
	opt.Iterations, opt.StartSeed = af.Iterations, af.StartSeed
	opt.Resamples = 200
	return af, acts, nd, opt
}

func near(t *testing.T, what string, got Value, want *float64) {
	t.Helper()
	if want == nil {
		if got.Defined() {
			t.Errorf("%s = %v, numpy has undefined (null)", what, got)
		}
		return
	}
	if math.Abs(float64(got)-*want) > anchorTol*max(1, math.Abs(*want)) {
		t.Errorf("%s = %.17g, numpy %.17g (diff %.3g)", what, float64(got), *want, float64(got)-*want)
	}
}

func TestAnchorPaperV1(t *testing.T) {
	af, acts, nd, opt := loadAnchor(t)
	res, err := EvaluateNeural(MetricPaperV1, acts, nd, opt)
	if err != nil {
		t.Fatal(err)
	}
	for l, row := range af.V1.Layers {
		for tg, want := range row {
			got := res.Layers[l][tg]
			near(t, l+"/"+tg+" raw", got.Raw, want.Raw)
			near(t, l+"/"+tg+" corrected", got.Corrected, want.Corrected)
			if got.Kept != want.Kept {
				t.Errorf("%s/%s kept %d, numpy %d", l, tg, got.Kept, want.Kept)
			}
		}
	}
	near(t, "score", res.Score, af.V1.Score)
	if res.Best != af.V1.Best {
		t.Errorf("best %+v, numpy %+v", res.Best, af.V1.Best)
	}
	for id, n := range af.ZeroFillRows {
		if res.ZeroFillRows[id] != n {
			t.Errorf("zero-fill rows of %s: %d, numpy %d", id, res.ZeroFillRows[id], n)
		}
	}
}

func TestAnchorCeilingV1(t *testing.T) {
	af, _, nd, opt := loadAnchor(t)
	for _, c := range []struct {
		mode string
		want anchorSummary
	}{{ManyToOne, af.V1Ceiling}, {Pairwise, af.V1Pairwise}} {
		res, err := EvaluateCeiling(MetricPaperV1, c.mode, nd, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Animals) != len(c.want.Animals) {
			t.Fatalf("%s: %d entries, numpy %d", c.mode, len(res.Animals), len(c.want.Animals))
		}
		for k, w := range c.want.Animals {
			g, ok := res.Animals[k]
			if !ok {
				t.Fatalf("%s: no entry %q", c.mode, k)
			}
			near(t, c.mode+" "+k+" raw", g.Raw, w.Raw)
			near(t, c.mode+" "+k+" corrected", g.Corrected, w.Corrected)
			if g.Kept != w.Kept {
				t.Errorf("%s %s kept %d, numpy %d", c.mode, k, g.Kept, w.Kept)
			}
		}
		near(t, c.mode+" mean", res.Mean, c.want.Mean)
		near(t, c.mode+" sem", res.SEM, c.want.SEM)
		near(t, c.mode+" max", res.Max, c.want.Max)
	}
}

func TestAnchorInputV1(t *testing.T) {
	af, _, nd, opt := loadAnchor(t)
	arrs, err := npz.ReadFile("testdata/anchor.npz", npz.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	stim, _ := npz.Lookup(arrs, "stimulus")
	res, err := EvaluateInput(MetricPaperV1, stim, nd, opt)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Layers["input"][PooledTarget]
	near(t, "input raw", got.Raw, af.V1Input.Raw)
	near(t, "input corrected", got.Corrected, af.V1Input.Corrected)
	near(t, "input unfiltered median", res.Unfiltered[PooledTarget].Median, af.V1Input.Median)
	if got.Kept != af.V1Input.Kept || res.Unfiltered[PooledTarget].Finite != af.V1Input.Finite {
		t.Errorf("input kept %d / finite %d, numpy %d / %d", got.Kept, res.Unfiltered[PooledTarget].Finite, af.V1Input.Kept, af.V1Input.Finite)
	}
	if len(res.Layers["input"]) != 1 {
		t.Errorf("rsa-paper-v1 input baseline scores %d targets, want the pooled population only", len(res.Layers["input"]))
	}
}

func TestAnchorV2(t *testing.T) {
	af, acts, nd, opt := loadAnchor(t)
	res, err := EvaluateNeural(MetricV2, acts, nd, opt)
	if err != nil {
		t.Fatal(err)
	}
	for l, row := range af.V2.Layers {
		for tg, want := range row {
			got := res.Layers[l][tg]
			near(t, "v2 "+l+"/"+tg+" raw", got.Raw, want.Raw)
			near(t, "v2 "+l+"/"+tg+" corrected", got.Corrected, want.Corrected)
			if got.Kept != want.Kept {
				t.Errorf("v2 %s/%s kept %d, numpy %d", l, tg, got.Kept, want.Kept)
			}
		}
	}
	near(t, "v2 score", res.Score, af.V2.Score)
	for l, n := range af.V2.LayerSelection {
		if res.LayerSelection[l] != n {
			t.Errorf("v2 selection of %s: %d, numpy %d", l, res.LayerSelection[l], n)
		}
	}
	if res.Ceiling == nil {
		t.Fatal("v2 result has no ceiling")
	}
	near(t, "v2 ceiling mean", res.Ceiling.Mean, af.V2Ceiling.Mean)
	near(t, "v2 ceiling sem", res.Ceiling.SEM, af.V2Ceiling.SEM)
	near(t, "v2 ceiling max", res.Ceiling.Max, af.V2Ceiling.Max)
	near(t, "v2 ceiling min", res.Ceiling.Min, af.V2Ceiling.Min)
	cr, err := EvaluateCeiling(MetricV2, ManyToOne, nd, opt)
	if err != nil {
		t.Fatal(err)
	}
	for k, w := range af.V2Ceiling.Animals {
		g := cr.Animals[k]
		near(t, "v2 ceiling "+k+" raw", g.Raw, w.Raw)
		near(t, "v2 ceiling "+k+" corrected", g.Corrected, w.Corrected)
		if g.Kept != w.Kept {
			t.Errorf("v2 ceiling %s kept %d, numpy %d", k, g.Kept, w.Kept)
		}
	}
	if !strings.HasPrefix(res.InputDigest, "sha256:") || res.Metric != MetricV2 {
		t.Errorf("stamp: metric %q digest %q", res.Metric, res.InputDigest)
	}
}
