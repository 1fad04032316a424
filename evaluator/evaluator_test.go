package evaluator

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// toyAnimal is the neural array of Chung et al. 2025, paper-spec §1.6:
// Y[t][s][u] = ((s+1)(u+2) mod 7) + ((31t + 17s + 11u) mod 5), 6×6×4.
func toyAnimal(id string) Animal {
	const T, S, U = 6, 6, 4
	d := make([]float64, T*S*U)
	for t := range T {
		for s := range S {
			for u := range U {
				d[(t*S+s)*U+u] = float64(((s+1)*(u+2))%7 + (31*t+17*s+11*u)%5)
			}
		}
	}
	return Animal{ID: id, Trials: T, Stimuli: S, Units: U, Data: d}
}

// toyModel is the model matrix of paper-spec §1.6.
func toyModel() ndarray.Array {
	return ndarray.FromFloat64([]int{6, 3}, []float64{1, 2, 3, 2, 1, 0, 0, 0, 1, 3, 1, 2, 1, 1, 0, 2, 3, 1})
}

// TestToyPaperV1 runs the §1.6 toy through the public API for seed 1234
// only: raw r_xy = −0.3094006641803953 and, since r_yy = 0.836 ≥ 0.5 is
// kept, corrected = r_xy / sqrt(SB(r_yy)) = −0.3242076193714844. With one
// animal the pooled population equals the animal, so both targets agree.
func TestToyPaperV1(t *testing.T) {
	opt := DefaultOptions()
	opt.Iterations = 1
	res, err := EvaluateNeural(MetricPaperV1, []Activation{{Layer: "x", Array: toyModel()}}, NeuralData{Animals: []Animal{toyAnimal("m1")}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range []string{"m1", PooledTarget} {
		got := res.Layers["x"][tg]
		if math.Abs(float64(got.Raw)+0.3094006641803953) > 1e-13 || math.Abs(float64(got.Corrected)+0.3242076193714844) > 1e-13 || got.Kept != 1 {
			t.Errorf("%s: %+v", tg, got)
		}
		if got.CILow.Defined() || got.CIHigh.Defined() {
			t.Errorf("%s: rsa-paper-v1 must have no CI, got %v..%v", tg, got.CILow, got.CIHigh)
		}
	}
	if math.Abs(float64(res.Score)+0.3242076193714844) > 1e-13 || res.Best != (Best{"x", "m1"}) {
		t.Errorf("score %v best %+v", res.Score, res.Best)
	}
}

// synthData makes animals sharing a stimulus tuning, so that the neural
// data are reliable; trial counts differ to exercise padding.
func synthData(rng *rand.Rand, animals int) (NeuralData, []float64) {
	const S = 6
	tuning := make([]float64, S*30)
	for i := range tuning {
		tuning[i] = rng.ExpFloat64() * 6
	}
	var nd NeuralData
	for a := range animals {
		T, U := 16+2*a, 8+a
		d := make([]float64, T*S*U)
		for t := range T {
			for s := range S {
				for u := range U {
					d[(t*S+s)*U+u] = tuning[s*30+(u*7+a)%30] + 2 + rng.NormFloat64()*1.5
				}
			}
		}
		nd.Animals = append(nd.Animals, Animal{ID: string(rune('A' + a)), Trials: T, Stimuli: S, Units: U, Data: d})
	}
	return nd, tuning
}

// pooledMeans returns the (stimuli, units) trial means of the pooled
// population, units concatenated in animal order.
func pooledMeans(nd NeuralData) ndarray.Array {
	S := nd.Animals[0].Stimuli
	var cols [][]float64
	for _, a := range nd.Animals {
		for u := range a.Units {
			c := make([]float64, S)
			for s := range S {
				n := 0
				for t := range a.Trials {
					if v := a.Data[(t*S+s)*a.Units+u]; !math.IsNaN(v) {
						c[s] += v
						n++
					}
				}
				c[s] /= float64(n)
			}
			cols = append(cols, c)
		}
	}
	out := make([]float64, S*len(cols))
	for s := range S {
		for k, c := range cols {
			out[s*len(cols)+k] = c[s]
		}
	}
	return ndarray.FromFloat64([]int{S, len(cols)}, out)
}

func quickOptions() Options {
	o := DefaultOptions()
	o.Iterations, o.Resamples = 100, 200
	return o
}

// TestModelEqualToPooledMeans: a "model" whose features are the pooled
// neural trial means has the same RDM as the pooled target, so its raw RSA
// with the pooled population is exactly 1 (up to rounding), in both metrics.
func TestModelEqualToPooledMeans(t *testing.T) {
	nd, _ := synthData(rand.New(rand.NewPCG(1, 1)), 3)
	acts := []Activation{{Layer: "mirror", Array: pooledMeans(nd)}}
	for _, m := range []string{MetricPaperV1, MetricV2} {
		res, err := EvaluateNeural(m, acts, nd, quickOptions())
		if err != nil {
			t.Fatal(err)
		}
		if raw := float64(res.Layers["mirror"][PooledTarget].Raw); math.Abs(raw-1) > 1e-12 {
			t.Errorf("%s: raw RSA with the pooled means = %.17g, want 1", m, raw)
		}
	}
}

// TestRSAInvariances: scaling every feature by the same positive constant,
// adding a constant, and permuting features leave each stimulus' correlations
// (hence the RDM and every score) unchanged; float32 and float64 copies agree.
func TestRSAInvariances(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	nd, _ := synthData(rng, 2)
	const S, F = 6, 50
	base := make([]float64, S*F)
	for i := range base {
		base[i] = rng.NormFloat64()
	}
	perm := rng.Perm(F)
	scaled, permuted := make([]float64, S*F), make([]float64, S*F)
	f32 := make([]float32, S*F)
	for s := range S {
		for f := range F {
			scaled[s*F+f] = 3.7*base[s*F+f] + 11
			permuted[s*F+f] = base[s*F+perm[f]]
		}
	}
	for i, v := range base {
		f32[i] = float32(v)
		base[i] = float64(f32[i]) // so the float32 copy is exact
		scaled[i] = 3.7*base[i] + 11
	}
	for s := range S {
		for f := range F {
			permuted[s*F+f] = base[s*F+perm[f]]
		}
	}
	variants := []struct {
		name string
		arr  ndarray.Array
	}{
		{"scaled", ndarray.FromFloat64([]int{S, F}, scaled)},
		{"permuted", ndarray.FromFloat64([]int{S, F}, permuted)},
		{"float32", ndarray.FromFloat32([]int{S, 5, 10}, f32)},
	}
	ref, err := EvaluateNeural(MetricPaperV1, []Activation{{Layer: "l", Array: ndarray.FromFloat64([]int{S, F}, base)}}, nd, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range variants {
		res, err := EvaluateNeural(MetricPaperV1, []Activation{{Layer: "l", Array: v.arr}}, nd, quickOptions())
		if err != nil {
			t.Fatal(err)
		}
		for tg, want := range ref.Layers["l"] {
			got := res.Layers["l"][tg]
			if math.Abs(float64(got.Raw-want.Raw)) > 1e-12 || math.Abs(float64(got.Corrected-want.Corrected)) > 1e-12 || got.Kept != want.Kept {
				t.Errorf("%s/%s: %+v, reference %+v", v.name, tg, got, want)
			}
		}
	}
}

func TestValidationErrors(t *testing.T) {
	nd, _ := synthData(rand.New(rand.NewPCG(3, 3)), 2)
	good := ndarray.FromFloat64([]int{6, 4}, []float64{1, 2, 3, 4, 2, 1, 0, 3, 5, 5, 1, 0, 9, 1, 2, 2, 0, 1, 0, 3, 7, 2, 2, 1})
	withNaN := ndarray.FromFloat64([]int{6, 4}, slices.Clone(good.F64))
	withNaN.F64[9] = math.NaN()
	withInf := ndarray.FromFloat32([]int{6, 4}, make([]float32, 24))
	for i := range withInf.F32 {
		withInf.F32[i] = float32(i%5) + float32(i/4)
	}
	withInf.F32[22] = float32(math.Inf(-1))
	constant := ndarray.FromFloat64([]int{6, 4}, slices.Clone(good.F64))
	copy(constant.F64[12:16], []float64{4, 4, 4, 4})
	twoStim := ndarray.FromFloat64([]int{2, 4}, []float64{1, 2, 3, 4, 4, 3, 2, 1})
	fiveStim := ndarray.FromFloat64([]int{5, 4}, good.F64[:20])
	ints := ndarray.FromInt64([]int{6, 4}, make([]int64, 24))
	strs := ndarray.FromStrings([]string{"a", "b", "c"})
	oneFeature := ndarray.FromFloat64([]int{6, 1}, []float64{1, 2, 3, 4, 5, 6})
	vector := ndarray.FromFloat64([]int{6}, []float64{1, 2, 3, 4, 5, 6})

	badND := func(f func(*NeuralData)) NeuralData {
		c := NeuralData{Animals: slices.Clone(nd.Animals)}
		for i := range c.Animals {
			c.Animals[i].Data = slices.Clone(c.Animals[i].Data)
		}
		f(&c)
		return c
	}
	cases := []struct {
		name   string
		metric string
		acts   []Activation
		nd     NeuralData
		want   []string // substrings of the error
	}{
		{"nan activation", MetricPaperV1, []Activation{{"conv1", withNaN}}, nd, []string{`"conv1"`, "[2 1]", "NaN"}},
		{"inf activation", MetricV2, []Activation{{"fc", withInf}}, nd, []string{`"fc"`, "[5 2]", "-Inf"}},
		{"constant row", MetricPaperV1, []Activation{{"c", constant}}, nd, []string{`"c"`, "stimulus 3 (convex near)", "zero variance"}},
		{"two stimuli", MetricPaperV1, []Activation{{"t", twoStim}}, nd, []string{`"t"`, "2 stimuli", "at least 3"}},
		{"stimulus mismatch", MetricPaperV1, []Activation{{"m", fiveStim}}, nd, []string{`"m"`, "5 stimuli", "neural data has 6"}},
		{"int dtype", MetricPaperV1, []Activation{{"i", ints}}, nd, []string{`"i"`, "int64", "float32 or float64"}},
		{"string dtype", MetricPaperV1, []Activation{{"s", strs}}, nd, []string{`"s"`, "str"}},
		{"one feature", MetricPaperV1, []Activation{{"o", oneFeature}}, nd, []string{`"o"`, "1 feature"}},
		{"1-D", MetricPaperV1, []Activation{{"v", vector}}, nd, []string{`"v"`, "(6,)"}},
		{"no layers", MetricPaperV1, nil, nd, []string{"no layers"}},
		{"empty layer name", MetricPaperV1, []Activation{{"", good}}, nd, []string{"empty name"}},
		{"duplicate layer", MetricPaperV1, []Activation{{"a", good}, {"a", good}}, nd, []string{`"a"`, "twice"}},
		{"unknown metric", "rsa-v3", []Activation{{"a", good}}, nd, []string{"rsa-v3"}},
		{"no animals", MetricPaperV1, []Activation{{"a", good}}, NeuralData{}, []string{"no animals"}},
		{"duplicate animal", MetricPaperV1, []Activation{{"a", good}}, badND(func(d *NeuralData) { d.Animals[1].ID = d.Animals[0].ID }), []string{"twice"}},
		{"reserved animal ID", MetricPaperV1, []Activation{{"a", good}}, badND(func(d *NeuralData) { d.Animals[0].ID = PooledTarget }), []string{"reserved"}},
		{"infinite rate", MetricPaperV1, []Activation{{"a", good}}, badND(func(d *NeuralData) { d.Animals[1].Data[7] = math.Inf(1) }), []string{`"B"`, "+Inf"}},
		{"short neural data", MetricPaperV1, []Activation{{"a", good}}, badND(func(d *NeuralData) { d.Animals[0].Data = d.Animals[0].Data[:5] }), []string{`"A"`, "Data has 5"}},
		{"unit never observed", MetricPaperV1, []Activation{{"a", good}}, badND(func(d *NeuralData) {
			a := &d.Animals[0]
			for tr := range a.Trials {
				a.Data[(tr*6+4)*a.Units+2] = math.NaN()
			}
		}), []string{`"A"`, "stimulus 4 (convex medium) unit 2", "no finite trial"}},
		{"constant neural row", MetricPaperV1, []Activation{{"a", good}}, badND(func(d *NeuralData) {
			a := &d.Animals[0]
			for tr := range a.Trials {
				for u := range a.Units {
					a.Data[(tr*6+1)*a.Units+u] = 3
				}
			}
		}), []string{`animal "A"`, "zero variance"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := EvaluateNeural(c.metric, c.acts, c.nd, quickOptions())
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := EvaluateCeiling(MetricPaperV1, ManyToOne, NeuralData{Animals: nd.Animals[:1]}, quickOptions()); err == nil {
		t.Error("ceiling with one animal: want an error")
	}
	if _, err := EvaluateCeiling(MetricPaperV1, "all-to-all", nd, quickOptions()); err == nil {
		t.Error("unknown ceiling mode: want an error")
	}
	bad := quickOptions()
	bad.Iterations = 0
	if _, err := EvaluateNeural(MetricPaperV1, []Activation{{"a", good}}, nd, bad); err == nil {
		t.Error("zero iterations: want an error")
	}
}

// TestJSONShape pins the JSON the CLI prints: the keys the issue requires,
// null for undefined values, and stable output.
func TestJSONShape(t *testing.T) {
	nd, _ := synthData(rand.New(rand.NewPCG(4, 4)), 3)
	acts := []Activation{{Layer: "l1", Array: pooledMeans(nd)}}
	res, err := EvaluateNeural(MetricPaperV1, acts, nd, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"metric", "score", "best", "layers", "input_digest"} {
		if _, ok := m[k]; !ok {
			t.Errorf("neural JSON lacks %q: %s", k, b)
		}
	}
	entry := m["layers"].(map[string]any)["l1"].(map[string]any)["A"].(map[string]any)
	keys := make([]string, 0, len(entry))
	for k := range entry {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"ci_high", "ci_low", "corrected", "kept", "raw"}; !slices.Equal(keys, want) {
		t.Errorf("target entry keys %v, want %v", keys, want)
	}
	if entry["ci_low"] != nil {
		t.Errorf("rsa-paper-v1 ci_low = %v, want null", entry["ci_low"])
	}
	best := m["best"].(map[string]any)
	if _, ok := best["layer"]; !ok {
		t.Errorf("best lacks layer: %v", best)
	}
	cr, err := EvaluateCeiling(MetricPaperV1, Pairwise, nd, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(cr)
	var cm map[string]any
	if err := json.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"metric", "mean", "sem", "max", "animals"} {
		if _, ok := cm[k]; !ok {
			t.Errorf("ceiling JSON lacks %q", k)
		}
	}
	an := cm["animals"].(map[string]any)
	if len(an) != 6 {
		t.Errorf("pairwise with 3 animals has %d entries, want 6", len(an))
	}
	if e, ok := an["A->B"].(map[string]any); !ok || len(e) != 3 {
		t.Errorf("pairwise entry A->B = %v, want {raw, corrected, kept}", an["A->B"])
	}
	var v Value
	if err := json.Unmarshal([]byte("null"), &v); err != nil || v.Defined() {
		t.Errorf("null → %v, %v", v, err)
	}
	if b, _ := json.Marshal(Value(math.Inf(1))); string(b) != "null" {
		t.Errorf("Inf marshals to %s", b)
	}
}

// TestDeterminism: worker counts change nothing; the digest tracks inputs.
func TestDeterminism(t *testing.T) {
	nd, _ := synthData(rand.New(rand.NewPCG(5, 5)), 3)
	rng := rand.New(rand.NewPCG(6, 6))
	feat := make([]float32, 6*40)
	for i := range feat {
		feat[i] = float32(rng.NormFloat64())
	}
	acts := []Activation{{Layer: "a", Array: pooledMeans(nd)}, {Layer: "b", Array: ndarray.FromFloat32([]int{6, 40}, feat)}}
	var outs []string
	for _, w := range []int{1, 2, 5} {
		o := quickOptions()
		o.Workers = w
		res, err := EvaluateNeural(MetricV2, acts, nd, o)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		outs = append(outs, string(b))
	}
	if outs[0] != outs[1] || outs[0] != outs[2] {
		t.Fatalf("results differ across worker counts:\n%s\n%s", outs[0], outs[2])
	}
	r1, _ := EvaluateNeural(MetricV2, acts, nd, quickOptions())
	feat[3] += 1e-3
	r2, _ := EvaluateNeural(MetricV2, acts, nd, quickOptions())
	if r1.InputDigest == r2.InputDigest {
		t.Fatal("digest unchanged after changing an activation")
	}
	r3, _ := EvaluateNeural(MetricPaperV1, acts, nd, quickOptions())
	if r3.InputDigest == r2.InputDigest {
		t.Fatal("digest does not depend on the metric")
	}
}

// TestV2Intervals: every v2 bootstrap interval is ordered and contains its
// point estimate; the ceiling comes with the score and is not clipped.
func TestV2Intervals(t *testing.T) {
	nd, _ := synthData(rand.New(rand.NewPCG(7, 7)), 4)
	rng := rand.New(rand.NewPCG(8, 8))
	pm := pooledMeans(nd)
	noisy := slices.Clone(pm.F64)
	for i := range noisy {
		noisy[i] += rng.NormFloat64() * 2
	}
	acts := []Activation{{Layer: "mirror", Array: pm}, {Layer: "noisy", Array: ndarray.FromFloat64(pm.Shape, noisy)}}
	res, err := EvaluateNeural(MetricV2, acts, nd, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, v, lo, hi Value) {
		if !v.Defined() || !lo.Defined() || !hi.Defined() || !(lo <= v && v <= hi) {
			t.Errorf("%s: %v not in [%v, %v]", what, v, lo, hi)
		}
	}
	for l, row := range res.Layers {
		for tg, e := range row {
			check(l+"/"+tg, e.Corrected, e.CILow, e.CIHigh)
		}
	}
	check("score over animals", res.Score, res.ScoreCI.Animals.Low, res.ScoreCI.Animals.High)
	check("score over split halves", res.Score, res.ScoreCI.SplitHalves.Low, res.ScoreCI.SplitHalves.High)
	if res.Ceiling == nil || res.Ceiling.Animals != 4 {
		t.Fatalf("ceiling %+v", res.Ceiling)
	}
	check("ceiling", res.Ceiling.Mean, res.Ceiling.CI.Low, res.Ceiling.CI.High)
	if res.Best.Layer != "mirror" || res.Best.Target != AnimalMeanTarget {
		t.Errorf("best %+v, want the mirror layer over the animal mean", res.Best)
	}
	total := 0
	for _, c := range res.LayerSelection {
		total += c
	}
	if total == 0 {
		t.Error("no layer selections recorded")
	}
}

// TestHeldOutSelection pins the disjoint-halves rule: the layer chosen on
// half 1 is scored on half 2 and vice versa. Layer 0 wins half 1 (0.9 vs
// 0.5) but scores 0.1 on half 2; layer 1 wins half 2 (0.8 vs 0.1) and
// scores 0.5 on half 1: score (0.1 + 0.5)/2 = 0.3, not the in-sample
// (0.9 + 0.8)/2 = 0.85.
func TestHeldOutSelection(t *testing.T) {
	a := [][]float64{{0.9}, {0.5}}
	b := [][]float64{{0.1}, {0.8}}
	s, l1, l2 := heldOutSelection(a, b, 0)
	if l1 != 0 || l2 != 1 || math.Abs(s-0.3) > 1e-15 {
		t.Fatalf("heldOutSelection = %v, %d, %d; want 0.3, 0, 1", s, l1, l2)
	}
}

// TestV2NotInflatedByManyLayers: adding many pure-noise layers inflates the
// paper's max-over-layers-and-targets score, while rsa-v2's held-out score
// of a model made only of noise layers stays near zero.
func TestV2NotInflatedByManyLayers(t *testing.T) {
	nd, _ := synthData(rand.New(rand.NewPCG(9, 9)), 4)
	rng := rand.New(rand.NewPCG(10, 10))
	var acts []Activation
	for l := range 12 {
		f := make([]float64, 6*30)
		for i := range f {
			f[i] = rng.NormFloat64()
		}
		acts = append(acts, Activation{Layer: "noise" + string(rune('a'+l)), Array: ndarray.FromFloat64([]int{6, 30}, f)})
	}
	v1, err := EvaluateNeural(MetricPaperV1, acts, nd, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	v2, err := EvaluateNeural(MetricV2, acts, nd, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !(float64(v1.Score) > 0.4) {
		t.Errorf("v1 max over 12 noise layers × 5 targets = %v; expected the selection to inflate it above 0.4", v1.Score)
	}
	if !(float64(v2.Score) < float64(v1.Score)-0.2) {
		t.Errorf("v2 score %v is not well below the inflated v1 score %v", v2.Score, v1.Score)
	}
}

// TestZeroFill builds an animal in the paper's zero-filled layout (only the
// trial's own stimulus column written) and its NaN-filled twin: the detector
// flags every row of the former and none of the latter; rsa-v2 treats the
// two identically, rsa-paper-v1 does not.
func TestZeroFill(t *testing.T) {
	const S, U, T = 6, 5, 24
	rng := rand.New(rand.NewPCG(11, 11))
	zero := make([]float64, T*S*U)
	nan := make([]float64, T*S*U)
	for i := range nan {
		nan[i] = math.NaN()
	}
	for tr := range T {
		s := tr % S
		for u := range U {
			v := 1 + float64((s+1)*(u+2)%7) + rng.Float64()
			if tr == 5 && u == 2 {
				v = 0 // a silent unit on one trial: still a zero-fill row
			}
			zero[(tr*S+s)*U+u] = v
			nan[(tr*S+s)*U+u] = v
		}
	}
	other, _ := synthData(rand.New(rand.NewPCG(12, 12)), 2)
	zf := Animal{ID: "z", Trials: T, Stimuli: S, Units: U, Data: zero}
	nf := Animal{ID: "z", Trials: T, Stimuli: S, Units: U, Data: nan}
	if got := len(zf.ZeroFillRows()); got != T {
		t.Fatalf("zero-filled animal: %d rows flagged, want %d", got, T)
	}
	if got := len(nf.ZeroFillRows()); got != 0 {
		t.Fatalf("NaN-filled animal: %d rows flagged, want 0", got)
	}
	for _, a := range other.Animals {
		if got := len(a.ZeroFillRows()); got != 0 {
			t.Fatalf("dense animal %s: %d rows flagged", a.ID, got)
		}
	}
	acts := []Activation{{Layer: "l", Array: toyModelWide()}}
	run := func(metric string, a Animal) *NeuralResult {
		nd := NeuralData{Animals: append([]Animal{a}, other.Animals...)}
		r, err := EvaluateNeural(metric, acts, nd, quickOptions())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	v2z, v2n := run(MetricV2, zf), run(MetricV2, nf)
	if v2z.ZeroFillRows["z"] != T || v2n.ZeroFillRows["z"] != 0 {
		t.Errorf("reported zero-fill rows %d / %d", v2z.ZeroFillRows["z"], v2n.ZeroFillRows["z"])
	}
	for tg, e := range v2n.Layers["l"] {
		g := v2z.Layers["l"][tg]
		if g.Raw != e.Raw || g.Corrected != e.Corrected || g.Kept != e.Kept {
			t.Errorf("v2 %s: zero-filled %+v vs NaN-filled %+v", tg, g, e)
		}
	}
	v1z := run(MetricPaperV1, zf)
	if v1z.Layers["l"]["z"].Raw == v2n.Layers["l"]["z"].Raw {
		t.Error("rsa-paper-v1 should use the zeros as values and differ from the NaN-filled data")
	}
}

func toyModelWide() ndarray.Array {
	d := make([]float64, 6*8)
	for s := range 6 {
		for f := range 8 {
			d[s*8+f] = float64((s+1)*(f+3)%7) + float64(f%3)
		}
	}
	return ndarray.FromFloat64([]int{6, 8}, d)
}

// TestInputFeatures: the time average of a (2 stimuli, 2 steps, 3) tensor;
// stimulus 0 has steps (1,2,3) and (3,4,5) → (2,3,4).
func TestInputFeatures(t *testing.T) {
	a := ndarray.FromFloat32([]int{3, 2, 3}, []float32{1, 2, 3, 3, 4, 5, 0, 0, 0, 2, 2, 2, 1, 1, 1, 1, 1, 1})
	f, err := InputFeatures(a)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{2, 3, 4, 1, 1, 1, 1, 1, 1}
	if !slices.Equal(f.Shape, []int{3, 3}) || !slices.Equal(f.F64, want) {
		t.Fatalf("InputFeatures = %v %v, want (3, 3) %v", f.Shape, f.F64, want)
	}
	for _, bad := range []ndarray.Array{ndarray.FromFloat64([]int{3, 2}, make([]float64, 6)), ndarray.FromInt64([]int{1, 1, 1}, []int64{1})} {
		if _, err := InputFeatures(bad); err == nil {
			t.Errorf("InputFeatures(%s %s): want an error", bad.DType, bad.ShapeString())
		}
	}
}
