package evaluator

import (
	"fmt"
)

// RDM is a full, symmetric stimulus × stimulus dissimilarity matrix
// (1 − Pearson r; Chung et al. 2025, paper-spec §1.5), row-major, with
// zeros on the diagonal.
type RDM struct {
	Stimuli int       `json:"stimuli"`
	Values  []float64 `json:"values"` // Stimuli × Stimuli, row-major
}

// At returns the dissimilarity of stimuli i and j.
func (r RDM) At(i, j int) float64 { return r.Values[i*r.Stimuli+j] }

// fromUpper expands the strict upper triangle (rsa.Upper's order) of an
// n×n symmetric matrix with a zero diagonal.
func fromUpper(up []float64, n int) (RDM, error) {
	if len(up) != n*(n-1)/2 {
		return RDM{}, fmt.Errorf("rdm: %d upper-triangle values for %d stimuli, want %d", len(up), n, n*(n-1)/2)
	}
	out := RDM{Stimuli: n, Values: make([]float64, n*n)}
	k := 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			out.Values[i*n+j], out.Values[j*n+i] = up[k], up[k]
			k++
		}
	}
	return out, nil
}

// LayerRDM is the RDM the scorers compare for one layer: the same
// validation and the same RDM pass as EvaluateNeural, for an activation
// shaped (stimuli, features...).
func LayerRDM(a Activation) (RDM, error) {
	if a.Array.Dims() < 1 {
		return RDM{}, fmt.Errorf("activation %q: shape %s, want (stimuli, features...)", a.Layer, a.Array.ShapeString())
	}
	n := a.Array.Shape[0]
	up, err := layerRDM(a, n, 0)
	if err != nil {
		return RDM{}, err
	}
	return fromUpper(up, n)
}

// PooledRDM is the RDM of the pooled population's full trial means (the
// NaN-padded concatenation of all animals along units, paper-spec §1.3),
// the target a model's RDM is read against, prepared as metric prepares
// it: rsa-v2 treats the paper's zero-filled entries as missing,
// rsa-paper-v1 keeps them.
func PooledRDM(metric string, nd NeuralData) (RDM, error) {
	opt := DefaultOptions()
	// The full-mean RDM does not depend on the split halves; one
	// iteration is the least the session computes.
	opt.Iterations = 1
	s, err := newSession(metric, nd, opt, false)
	if err != nil {
		return RDM{}, err
	}
	return fromUpper(s.sh.Full(s.pooledPop), s.stimuli)
}
