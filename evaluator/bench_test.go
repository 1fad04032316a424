package evaluator

import (
	"math/rand/v2"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// benchInputs is the benchmark workload of the evaluator's performance
// goal: one layer (6 stimuli × 100,000 float32 features) against 11
// animals with 999 units in total (nine of 91, two of 90), 40 trials each,
// and the pooled population, over the paper's 1000 split halves.
func benchInputs() ([]Activation, NeuralData) {
	rng := rand.New(rand.NewPCG(31, 32))
	var nd NeuralData
	for a := range 11 {
		u := 90
		if a < 9 {
			u = 91
		}
		const T, S = 40, 6
		d := make([]float64, T*S*u)
		for t := range T {
			for s := range S {
				for k := range u {
					d[(t*S+s)*u+k] = 5 + 3*float64((s*k)%4) + rng.ExpFloat64()*4
				}
			}
		}
		nd.Animals = append(nd.Animals, Animal{ID: "animal" + string(rune('a'+a)), Trials: T, Stimuli: S, Units: u, Data: d})
	}
	f := make([]float32, 6*100_000)
	for i := range f {
		f[i] = float32(rng.NormFloat64())
	}
	return []Activation{{Layer: "layer", Array: ndarray.FromFloat32([]int{6, 100_000}, f)}}, nd
}

// BenchmarkPaperV1OneLayer times a full rsa-paper-v1 evaluation
// (validation, digest, RDM, 1000 split halves of 12 targets, scores).
func BenchmarkPaperV1OneLayer(b *testing.B) {
	acts, nd := benchInputs()
	for b.Loop() {
		if _, err := EvaluateNeural(MetricPaperV1, acts, nd, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkV2OneLayer is the same workload under rsa-v2 (which also
// computes the 11 many-to-one ceilings and the bootstrap intervals).
func BenchmarkV2OneLayer(b *testing.B) {
	acts, nd := benchInputs()
	for b.Loop() {
		if _, err := EvaluateNeural(MetricV2, acts, nd, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
