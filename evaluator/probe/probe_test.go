package probe

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

func TestInputErrors(t *testing.T) {
	good := blobs(1, 30, 4, 4, 3, 2)
	f64 := func(shape []int, v []float64) ndarray.Array { return ndarray.FromFloat64(shape, v) }
	withFeature := func(i int, v float64) Dataset {
		x := slices.Clone(good.Features.F64)
		x[i] = v
		return Dataset{f64(good.Features.Shape, x), good.Labels}
	}
	oneClass := make([]int64, 30)
	tests := []struct {
		name        string
		train, test Dataset
		opts        Options
		want        string // substring of the error
	}{
		{"integer features", Dataset{ndarray.FromInt64([]int{30, 4}, make([]int64, 120)), good.Labels}, good, Options{}, `train features: dtype "int64"`},
		{"NaN feature", withFeature(4*7+2, math.NaN()), good, Options{}, "sample 7, feature 2 is NaN"},
		{"Inf feature", withFeature(5, math.Inf(-1)), good, Options{}, "sample 1, feature 1 is -Inf"},
		{"NaN in test", good, withFeature(0, math.NaN()), Options{}, "test features: sample 0, feature 0 is NaN"},
		{"count mismatch", Dataset{good.Features, ndarray.FromInt64([]int{29}, good.Labels.I64[:29])}, good, Options{}, "29 labels for 30 feature rows"},
		{"one class", Dataset{good.Features, ndarray.FromInt64([]int{30}, oneClass)}, good, Options{}, "1 distinct class(es), need at least 2"},
		{"non-integer labels", Dataset{good.Features, f64([]int{30}, append(make([]float64, 29), 1.5))}, good, Options{}, "label 29 is 1.5, not an integer"},
		{"2-D labels", Dataset{good.Features, ndarray.FromInt64([]int{15, 2}, good.Labels.I64)}, good, Options{}, "want one dimension"},
		{"string labels", Dataset{good.Features, ndarray.FromStrings(make([]string, 30))}, good, Options{}, `labels: dtype "str"`},
		{"no feature columns", Dataset{f64([]int{30, 0}, nil), good.Labels}, good, Options{}, "no feature columns"},
		{"no samples", Dataset{f64([]int{0, 4}, nil), ndarray.FromInt64([]int{0}, nil)}, good, Options{}, "train features: no samples"},
		{"test width differs", good, blobs(1, 10, 5, 5, 3, 2), Options{}, "test samples have 5 features, train samples 4"},
		{"negative C", good, good, Options{Cs: []float64{1, -1}}, "C=-1"},
		{"one fold", good, good, Options{Folds: 1}, "1 folds"},
		{"more folds than samples", good, good, Options{Folds: 31}, "30 training samples cannot make 31"},
		{"negative tol", good, good, Options{Tol: -1}, "tol -1"},
		{"unknown kernel", good, good, Options{kernelName: "sse9"}, `kernel "sse9" not available`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Evaluate(context.Background(), tc.train, tc.test, tc.opts)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestAcceptedInputs(t *testing.T) {
	base := blobs(2, 60, 6, 6, 3, 3)
	floatLabels := make([]float64, 60)
	for i, l := range base.Labels.I64 {
		floatLabels[i] = float64(l) * 10 // labels need not be 0..K-1
	}
	f32 := make([]float32, len(base.Features.F64))
	for i, v := range base.Features.F64 {
		f32[i] = float32(v)
	}
	tests := []struct {
		name string
		ds   Dataset
	}{
		{"float64 features, int64 labels", base},
		{"whole-number float labels", Dataset{base.Features, ndarray.FromFloat64([]int{60}, floatLabels)}},
		{"trailing dimensions flattened", Dataset{ndarray.FromFloat64([]int{60, 2, 3}, base.Features.F64), base.Labels}},
		{"float32 features", Dataset{ndarray.FromFloat32([]int{60, 6}, f32), base.Labels}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Evaluate(context.Background(), tc.ds, tc.ds, Options{Cs: []float64{1}})
			if err != nil {
				t.Fatal(err)
			}
			// Well-separated blobs scored on their own training data.
			if res.Top1 < 0.9 || res.Features != 6 || res.Classes != 3 || res.NTrain != 60 || res.NTest != 60 {
				t.Errorf("result %+v, want top1 ≥ 0.9 on 60 samples of 6 features, 3 classes", res)
			}
		})
	}
}

func TestUnseenLabelsAndTopK(t *testing.T) {
	ds := blobs(3, 90, 5, 5, 3, 3)
	test := rows(ds, 60, 90)
	labels := slices.Clone(test.Labels.I64)
	labels[0], labels[1], labels[2] = 99, 99, -4
	test.Labels = ndarray.FromInt64([]int{30}, labels)
	res, err := Evaluate(context.Background(), rows(ds, 0, 60), test, Options{Cs: []float64{1}})
	if err != nil {
		t.Fatal(err)
	}
	if res.K != 3 {
		t.Errorf("k = %d with 3 classes, want 3", res.K)
	}
	if res.UnseenTest != 3 {
		t.Errorf("unseen_test_labels = %d, want 3", res.UnseenTest)
	}
	// With k = classes every seen label is in the top k; unseen ones never.
	if want := 27.0 / 30; res.Top5 != want {
		t.Errorf("top-k = %v, want %v", res.Top5, want)
	}
	if res.Top1 > 27.0/30 {
		t.Errorf("top1 = %v counts unseen labels as right", res.Top1)
	}
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "3 of 30 test samples have labels absent from training ([-4 99])") {
		t.Errorf("warnings %q do not report the unseen labels", res.Warnings)
	}
}

func TestTopIndices(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		k      int
		want   []int
	}{
		{"sorted descending", []float64{5, 4, 3, 2, 1, 0}, 3, []int{0, 1, 2}},
		{"sorted ascending", []float64{0, 1, 2, 3, 4, 5}, 3, []int{5, 4, 3}},
		{"ties keep lower index first", []float64{1, 2, 2, 0, 2}, 2, []int{1, 2}},
		{"k equals length", []float64{0.5, -1, 3}, 3, []int{2, 0, 1}},
		{"mixed", []float64{-3, 7, 0, 7.5, -1, 6, 2}, 5, []int{3, 1, 5, 6, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]int, tc.k)
			topIndices(tc.scores, got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("topIndices(%v, %d) = %v, want %v", tc.scores, tc.k, got, tc.want)
			}
		})
	}
}

// correlatedNoise is a problem where only a difference of two features
// carries the class: both share a large noise term. A strong penalty pulls
// the weights toward the class-mean direction, which the shared noise
// swamps, so a large C must win here.
func correlatedNoise(seed uint64, n int) Dataset {
	rng := rand.New(rand.NewPCG(seed, 5))
	const d = 6
	x := make([]float64, n*d)
	y := make([]int64, n)
	for i := 0; i < n; i++ {
		c := rng.IntN(3)
		y[i] = int64(c)
		u := 4 * rng.NormFloat64()
		x[i*d] = 1.2*float64(c-1) + u + 0.3*rng.NormFloat64()
		x[i*d+1] = u + 0.3*rng.NormFloat64()
		for j := 2; j < d; j++ {
			x[i*d+j] = rng.NormFloat64()
		}
	}
	return Dataset{ndarray.FromFloat64([]int{n, d}, x), ndarray.FromInt64([]int{n}, y)}
}

// TestCrossValidationChoosesC checks that CV picks the C that generalises:
// small on a few noisy samples in many dimensions, large where the signal
// hides in a contrast between correlated features.
func TestCrossValidationChoosesC(t *testing.T) {
	weak := blobs(4, 660, 100, 100, 3, 0.25)
	tests := []struct {
		name        string
		train, test Dataset
		maxC, minC  float64
	}{
		// Weak signal spread over 100 features, 60 samples: the penalty
		// must be strong, but not so strong that the intercept (the class
		// priors) drowns the features.
		{"few samples, weak signal in many features", rows(weak, 0, 60), rows(weak, 60, 660), 0.1, 0.01},
		{"signal in a feature contrast", correlatedNoise(6, 300), correlatedNoise(7, 600), math.Inf(1), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Seed: 1}
			res, err := Evaluate(context.Background(), tc.train, tc.test, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range res.CV {
				t.Logf("C=%-6g cv accuracy %.3f folds %.3f iterations %d", s.C, s.Accuracy, s.Folds, s.Iterations)
			}
			atEdge := res.C == DefaultCs()[0] || res.C == DefaultCs()[len(DefaultCs())-1]
			warned := slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "an end of the grid") })
			if atEdge != warned {
				t.Errorf("chose C=%g (grid end: %v) but warnings %q", res.C, atEdge, res.Warnings)
			}
			if res.C > tc.maxC || res.C < tc.minC {
				t.Errorf("chose C=%g, want it in [%g, %g]", res.C, tc.minC, tc.maxC)
			}
			if len(res.CV) != len(DefaultCs()) {
				t.Fatalf("%d CV scores, want %d", len(res.CV), len(DefaultCs()))
			}
			best := math.Inf(-1)
			for i, s := range res.CV {
				if s.C != DefaultCs()[i] || len(s.Folds) != 5 {
					t.Errorf("cv[%d] = C %g with %d folds, want C %g with 5", i, s.C, len(s.Folds), DefaultCs()[i])
				}
				best = max(best, s.Accuracy)
			}
			for _, s := range res.CV {
				if s.C == res.C && s.Accuracy != best {
					t.Errorf("chosen C=%g has CV accuracy %v, the best is %v", s.C, s.Accuracy, best)
				}
			}
			// The choice must pay off on held-out data, against the worst C.
			worst := res.CV[0]
			for _, s := range res.CV {
				if s.Accuracy < worst.Accuracy {
					worst = s
				}
			}
			other, err := Evaluate(context.Background(), tc.train, tc.test, Options{Cs: []float64{worst.C}})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("test top1 at chosen C=%g: %.3f, at worst C=%g: %.3f", res.C, res.Top1, worst.C, other.Top1)
			if res.Top1 < other.Top1+0.05 {
				t.Errorf("test top1 at chosen C %.3f is not 5 points above %.3f at C=%g", res.Top1, other.Top1, worst.C)
			}
		})
	}
}

func TestStratifiedFolds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	y := make([]int32, 103)
	for i := range y {
		y[i] = int32(rng.IntN(4))
	}
	tests := []struct {
		name  string
		folds int
		seed  uint64
	}{{"five folds", 5, 0}, {"three folds", 3, 9}, {"more folds than some class holds", 40, 2}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := stratifiedFolds(y, 4, tc.folds, tc.seed)
			if b := stratifiedFolds(y, 4, tc.folds, tc.seed); !slices.Equal(a, b) {
				t.Fatal("same seed gave different folds")
			}
			if c := stratifiedFolds(y, 4, tc.folds, tc.seed+1); slices.Equal(a, c) {
				t.Error("a different seed gave the same folds")
			}
			size := make([]int, tc.folds)
			perClass := make([][]int, 4)
			for c := range perClass {
				perClass[c] = make([]int, tc.folds)
			}
			for i, f := range a {
				size[f]++
				perClass[y[i]][f]++
			}
			if slices.Max(size)-slices.Min(size) > 1 {
				t.Errorf("fold sizes %v differ by more than one", size)
			}
			for c, counts := range perClass {
				if slices.Max(counts)-slices.Min(counts) > 1 {
					t.Errorf("class %d spread %v over folds unevenly", c, counts)
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	_, train, test := loadFixture(t)
	tests := []struct {
		name string
		a, b Options
	}{
		{"same options twice", Options{Cs: []float64{0.01, 1}, Seed: 3}, Options{Cs: []float64{0.01, 1}, Seed: 3}},
		{"one worker vs three", Options{Cs: []float64{0.01, 1}, Workers: 1}, Options{Cs: []float64{0.01, 1}, Workers: 3}},
		{"float64, one worker vs two", Options{Cs: []float64{0.05}, Float64: true, Workers: 1}, Options{Cs: []float64{0.05}, Float64: true, Workers: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ra, err := Evaluate(context.Background(), train, test, tc.a)
			if err != nil {
				t.Fatal(err)
			}
			rb, err := Evaluate(context.Background(), train, test, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ra, rb) {
				t.Errorf("results differ:\n%+v\n%+v", ra, rb)
			}
			ma, _ := Fit(context.Background(), train, tc.a)
			mb, _ := Fit(context.Background(), train, tc.b)
			if !slices.Equal(ma.W, mb.W) || !slices.Equal(ma.B, mb.B) {
				t.Error("weights differ bit for bit")
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ds := blobs(8, 100, 5, 5, 3, 1)
	_, err := Evaluate(ctx, ds, ds, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "fold 0, C=0.001") {
		t.Errorf("error %q does not say where it stopped", err)
	}
}

func TestGridEdgeWarning(t *testing.T) {
	tests := []struct {
		name     string
		cs       []float64
		wantWarn bool
	}{
		// correlatedNoise wants C ≥ 1 (see TestCrossValidationChoosesC).
		{"best C above the grid", []float64{1e-3, 1e-2}, true},
		{"best C inside the grid", []float64{1e-3, 10, 1e4}, false},
	}
	train, test := correlatedNoise(6, 300), correlatedNoise(7, 300)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Evaluate(context.Background(), train, test, Options{Cs: tc.cs})
			if err != nil {
				t.Fatal(err)
			}
			warned := slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "an end of the grid") })
			if warned != tc.wantWarn {
				t.Errorf("chose C=%g from %v; warnings %q, want grid-end warning: %v", res.C, tc.cs, res.Warnings, tc.wantWarn)
			}
		})
	}
}

func TestScoreHandBuiltModel(t *testing.T) {
	ds := blobs(12, 40, 2, 2, 2, 3)
	tests := []struct {
		name  string
		model Model
		want  string // error substring; "" for success
	}{
		{"consistent", Model{Classes: []int64{0, 1}, Mean: []float64{0, 0}, Scale: []float64{1, 1}, W: []float64{1, -1, 0, 0}, B: []float64{0, 0}}, ""},
		{"short weights", Model{Classes: []int64{0, 1}, Mean: []float64{0, 0}, Scale: []float64{1, 1}, W: []float64{1}, B: []float64{0, 0}}, "malformed model: 2 classes, 2 means, 2 scales, 1 weights"},
		{"zero scale", Model{Classes: []int64{0, 1}, Mean: []float64{0, 0}, Scale: []float64{1, 0}, W: make([]float64, 4), B: []float64{0, 0}}, "scale of feature 1 is 0"},
		{"empty", Model{}, "malformed model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			acc, err := tc.model.Score(ds)
			if tc.want == "" {
				if err != nil || acc.K != 2 {
					t.Fatalf("Score = %+v, %v; want k=2 and no error", acc, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
