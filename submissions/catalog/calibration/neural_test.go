package calibration

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth/synthtest"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/evaluator"
)

// TestSynthesisPassesNeuralData checks that the default synthesis (synth's
// TestSynthesizeLayout checks its layout) passes the evaluator's validation
// with no zero-filled row, and that its report names the stimuli in the
// evaluator's canonical order.
func TestSynthesisPassesNeuralData(t *testing.T) {
	animals, rep, err := synth.Synthesize(context.Background(), synthtest.Readouts(1000), synth.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NeuralData(animals); err != nil {
		t.Errorf("NeuralData: %v", err)
	}
	if rep.Stimuli != evaluator.StimulusOrder() {
		t.Errorf("report stimuli %q, want the evaluator's order %q", rep.Stimuli, evaluator.StimulusOrder())
	}
}

// TestWriteReadRoundTrip checks that synthetic animals written with
// synth.Arrays and npz.WriteFile read back through the evaluator
// (evaluator.NeuralFromArrays) unchanged, with no zero-filled row.
func TestWriteReadRoundTrip(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Units, cfg.Animals = 90, 3
	animals, _, err := synth.Synthesize(context.Background(), synthtest.Readouts(1000), cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "neural.npz")
	if err := npz.WriteFile(path, synth.Arrays(animals)); err != nil {
		t.Fatal(err)
	}
	back, err := npz.ReadFile(path, npz.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	na := make([]evaluator.NamedArray, len(back))
	for i, b := range back {
		na[i] = evaluator.NamedArray{Name: b.Name, Array: b.Array}
	}
	nd, err := evaluator.NeuralFromArrays(na)
	if err != nil {
		t.Fatalf("NeuralFromArrays: %v", err)
	}
	for i, a := range nd.Animals {
		if a.ID != animals[i].ID {
			t.Errorf("animal %d: ID %q, want %q", i, a.ID, animals[i].ID)
		}
		if rows := a.ZeroFillRows(); len(rows) != 0 {
			t.Errorf("%s: %d zero-filled rows", a.ID, len(rows))
		}
		for k, v := range a.Data {
			w := animals[i].Data.F64[k]
			if v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
				t.Fatalf("%s element %d: %v read back, %v written", a.ID, k, v, w)
			}
		}
	}
}

// TestNeuralDataRejectsZeroFill checks that the validator catches the
// paper's zero-fill quirk (paper-spec §1.3) if it ever appears in output.
func TestNeuralDataRejectsZeroFill(t *testing.T) {
	// Two animals of 2 trials × 6 stimuli × 1 unit; animal b's row 0 holds
	// its own stimulus' rate and zeros elsewhere.
	nanRow := func(s int, v float64) []float64 {
		r := []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}
		r[s] = v
		return r
	}
	full := func(rows ...[]float64) ndarray.Array {
		return ndarray.FromFloat64([]int{len(rows), 6, 1}, slices.Concat(rows...))
	}
	ok := full([]float64{1, 2, 3, 4, 5, 6}, nanRow(0, 3))
	zf := full([]float64{0, 0, 7, 0, 0, 0}, []float64{1, 2, 3, 4, 5, 6})
	for _, tc := range []struct {
		name string
		b    ndarray.Array
		want string
	}{
		{"nan padded", ok, ""},
		{"zero filled", zf, "zero-filled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NeuralData([]synth.Animal{{ID: "synth01", Data: ok}, {ID: "synth02", Data: tc.b}})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
