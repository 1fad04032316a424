package evaluator

import (
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/evaluator/rsa"
)

// pearsonRDM is the reference: 1 − Pearson r between rows, float64 loops.
func pearsonRDM(x [][]float64) []float64 {
	n := len(x)
	out := make([]float64, n*n)
	for i := range n {
		for j := range n {
			out[i*n+j] = 1 - rsa.Pearson(x[i], x[j])
		}
	}
	return out
}

func TestLayerRDM(t *testing.T) {
	rows := [][]float64{{1, 2, 3, 4}, {4, 3, 2, 1}, {1, 3, 2, 5}}
	flat := append(append(append([]float64(nil), rows[0]...), rows[1]...), rows[2]...)
	got, err := LayerRDM(Activation{Layer: "l", Array: ndarray.FromFloat64([]int{3, 4}, flat)})
	if err != nil {
		t.Fatal(err)
	}
	want := pearsonRDM(rows)
	// Rows 0 and 1 are exact reverses: r = −1, dissimilarity 2.
	if math.Abs(got.At(0, 1)-2) > 1e-12 || got.At(1, 0) != got.At(0, 1) || got.At(2, 2) != 0 {
		t.Errorf("RDM %v: want d(0,1) = 2, symmetric, zero diagonal", got.Values)
	}
	for i := range want {
		if math.Abs(got.Values[i]-want[i]) > 1e-12 {
			t.Errorf("entry %d: %v, reference %v", i, got.Values[i], want[i])
		}
	}
	if _, err := LayerRDM(Activation{Layer: "c", Array: ndarray.FromFloat64([]int{3, 2}, []float64{1, 1, 1, 2, 3, 4})}); err == nil {
		t.Error("a constant row gave an RDM")
	}
}

func TestPooledRDM(t *testing.T) {
	// Two animals, 3 stimuli, 2 trials; the pooled trial mean concatenates
	// their units: stimulus s has units (a1u0, a1u1, a2u0, a2u1).
	a1 := Animal{ID: "a1", Trials: 2, Stimuli: 3, Units: 2, Data: []float64{
		1, 2, 3, 5, 2, 1, // trial 0: s0 (1,2) s1 (3,5) s2 (2,1)
		3, 4, 5, 7, 4, 1, // trial 1
	}}
	a2 := Animal{ID: "a2", Trials: 2, Stimuli: 3, Units: 2, Data: []float64{0, 1, 9, 2, 1, 7, 2, 3, 5, 4, 3, 1}}
	got, err := PooledRDM(MetricV2, NeuralData{Animals: []Animal{a1, a2}})
	if err != nil {
		t.Fatal(err)
	}
	// Trial means: a1 s0 (2,3) s1 (4,6) s2 (3,1); a2 s0 (1,2) s1 (7,3) s2 (2,4).
	want := pearsonRDM([][]float64{{2, 3, 1, 2}, {4, 6, 7, 3}, {3, 1, 2, 4}})
	for i := range want {
		if math.Abs(got.Values[i]-want[i]) > 1e-12 {
			t.Errorf("entry %d: %v, reference %v", i, got.Values[i], want[i])
		}
	}
}
