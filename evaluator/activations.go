package evaluator

import (
	"errors"
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/evaluator/rsa"
)

// Activation is one model layer's response to the stimuli: Array is shaped
// (stimuli, ...) with stimuli in StimulusOrder; trailing dimensions are
// flattened into features (for the paper's layers they are already
// time-averaged, paper-spec §1.8). float32 and float64 are accepted.
type Activation struct {
	Layer string
	Array ndarray.Array
}

// layerRDM validates one activation and returns the upper triangle of its
// RDM. The RDM pass itself detects NaN/Inf and constant rows; the error then
// locates the offending element.
func layerRDM(a Activation, stimuli, workers int) ([]float64, error) {
	arr := a.Array
	if !arr.IsFloat() {
		return nil, fmt.Errorf("activation %q: dtype %s, want float32 or float64", a.Layer, arr.DType)
	}
	if arr.Dims() < 2 {
		return nil, fmt.Errorf("activation %q: shape %s, want (stimuli, features...)", a.Layer, arr.ShapeString())
	}
	if ndarray.Size(arr.Shape) != arr.Len() {
		return nil, fmt.Errorf("activation %q: shape %s does not match its %d elements", a.Layer, arr.ShapeString(), arr.Len())
	}
	rows, cols := arr.Rows()
	if rows < 3 {
		return nil, fmt.Errorf("activation %q: %d stimuli, need at least 3 for an RSA", a.Layer, rows)
	}
	if rows != stimuli {
		return nil, fmt.Errorf("activation %q: %d stimuli, the neural data has %d", a.Layer, rows, stimuli)
	}
	if cols < 2 {
		return nil, fmt.Errorf("activation %q: %d feature(s) per stimulus, need at least 2 for a correlation", a.Layer, cols)
	}
	var d []float64
	var err error
	if arr.DType == ndarray.Float32 {
		d, err = rsa.RDMFloat32(arr.F32, rows, cols, workers)
	} else {
		d, err = rsa.RDMFloat64(arr.F64, rows, cols, workers)
	}
	var cr *rsa.ConstantRowError
	var nf *rsa.NonFiniteError
	switch {
	case errors.As(err, &cr):
		return nil, fmt.Errorf("activation %q: stimulus %s has the same value in every feature (zero variance), so its correlations are undefined", a.Layer, stimulusName(cr.Row, rows))
	case errors.As(err, &nf):
		if i := arr.FirstNonFinite(); i >= 0 {
			return nil, fmt.Errorf("activation %q: element %v is %v", a.Layer, arr.Index(i), arr.At64(i))
		}
		return nil, fmt.Errorf("activation %q: stimulus %s has values too large to square in float64", a.Layer, stimulusName(nf.Row, rows))
	case err != nil:
		return nil, fmt.Errorf("activation %q: %w", a.Layer, err)
	}
	return rsa.Upper(d, rows), nil
}

// InputFeatures turns the stimulus tensor into the raw-input baseline's
// features (Chung et al. 2025, paper-spec §1.11): the array, shaped
// (stimuli, time, ...), is averaged over axis 1 (time) and the rest
// flattened, giving a float64 (stimuli, features) array. For the paper's
// (6, 22, 30, 5, 7) tensor that is (6, 1050).
func InputFeatures(stimulus ndarray.Array) (ndarray.Array, error) {
	if !stimulus.IsFloat() {
		return ndarray.Array{}, fmt.Errorf("input features: stimulus tensor dtype %s, want float32 or float64", stimulus.DType)
	}
	if stimulus.Dims() < 3 {
		return ndarray.Array{}, fmt.Errorf("input features: stimulus tensor shape %s, want (stimuli, time, ...)", stimulus.ShapeString())
	}
	if ndarray.Size(stimulus.Shape) != stimulus.Len() {
		return ndarray.Array{}, fmt.Errorf("input features: shape %s does not match its %d elements", stimulus.ShapeString(), stimulus.Len())
	}
	n, steps := stimulus.Shape[0], stimulus.Shape[1]
	if steps < 1 {
		return ndarray.Array{}, fmt.Errorf("input features: stimulus tensor has no time steps")
	}
	f := ndarray.Size(stimulus.Shape[2:])
	out := make([]float64, n*f)
	for s := range n {
		o := out[s*f : (s+1)*f]
		for t := range steps {
			base := (s*steps + t) * f
			for k := range o {
				o[k] += stimulus.At64(base + k)
			}
		}
		for k := range o {
			o[k] /= float64(steps)
		}
	}
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ndarray.Array{}, fmt.Errorf("input features: time-averaged feature %d of stimulus %d is %v", i%f, i/f, v)
		}
	}
	return ndarray.FromFloat64([]int{n, f}, out), nil
}
