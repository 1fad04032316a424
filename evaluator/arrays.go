package evaluator

import (
	"fmt"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// NamedArray is an array with the name it had in its file (an .npz member).
type NamedArray struct {
	Name  string
	Array ndarray.Array
}

// NeuralFromArrays builds NeuralData from the Rodgers layout (Chung et al.
// 2025, paper-spec §1.3): one float64 array per animal, named by the
// animal's ID, shaped (max_trials, stimuli, units) and NaN-padded. The
// arrays are used as they are (not copied); the result is validated.
func NeuralFromArrays(arrays []NamedArray) (NeuralData, error) {
	var nd NeuralData
	for _, na := range arrays {
		a := na.Array
		if a.DType != ndarray.Float64 {
			return NeuralData{}, fmt.Errorf("neural array %q: dtype %s, want float64 (the Rodgers layout stores mean firing rates as float64)", na.Name, a.DType)
		}
		if a.Dims() != 3 {
			return NeuralData{}, fmt.Errorf("neural array %q: shape %s, want (trials, stimuli, units)", na.Name, a.ShapeString())
		}
		nd.Animals = append(nd.Animals, Animal{ID: na.Name, Trials: a.Shape[0], Stimuli: a.Shape[1], Units: a.Shape[2], Data: a.F64})
	}
	if err := nd.Validate(); err != nil {
		return NeuralData{}, err
	}
	return nd, nil
}

// ActivationsFromArrays turns the arrays of an activations file (one array
// per layer, shaped (stimuli, ...)) into Activations, in file order.
func ActivationsFromArrays(arrays []NamedArray) ([]Activation, error) {
	if len(arrays) == 0 {
		return nil, fmt.Errorf("activations: the file holds no layers")
	}
	out := make([]Activation, len(arrays))
	for i, na := range arrays {
		out[i] = Activation{Layer: na.Name, Array: na.Array}
	}
	return out, nil
}
