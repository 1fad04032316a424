package intake

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

// Inputs an activations archive answers, as the prefix of its array names:
// "neural__conv1" is layer conv1's response to the neural stimuli.
const (
	InputNeural     = "neural"
	InputTrain      = "train"
	InputValidation = "validation"
	InputTest       = "test"
)

// Sep separates input and layer in an array name.
const Sep = "__"

// Expect says how many rows each input has (0: not part of this check).
type Expect struct {
	Neural, Train, Validation, Test int
}

func (e Expect) rows(input string) int {
	switch input {
	case InputNeural:
		return e.Neural
	case InputTrain:
		return e.Train
	case InputValidation:
		return e.Validation
	case InputTest:
		return e.Test
	}
	return -1
}

// Problem is one thing wrong with an upload.
type Problem struct {
	Array   string `json:"array,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Array == "" {
		return p.Message
	}
	return fmt.Sprintf("%s: %s", p.Array, p.Message)
}

// Layers lists, per input, the layers an archive provides, in archive
// order (the order the offline scorer reads them in).
type Layers map[string][]string

// SplitName splits "neural__conv1" into its input and layer.
func SplitName(name string) (input, layer string, ok bool) {
	input, layer, ok = strings.Cut(name, Sep)
	return input, layer, ok && layer != ""
}

// CheckActivations validates an activations archive of the given size.
// It returns the layers found per input and every problem; the upload is
// acceptable when the problem list is empty.
func CheckActivations(r io.ReaderAt, size int64, want Expect, lim npz.Limits) (Layers, []Problem) {
	members, err := npz.Stat(r, size, lim)
	if err != nil {
		return nil, []Problem{{Message: err.Error()}}
	}
	var probs []Problem
	layers := Layers{}
	for _, m := range members {
		input, layer, ok := SplitName(m.Name)
		if !ok {
			probs = append(probs, Problem{m.Name, fmt.Sprintf("name it <input>%s<layer> with input neural, train, validation or test (e.g. neural__conv1)", Sep)})
			continue
		}
		rows := want.rows(input)
		if rows < 0 {
			probs = append(probs, Problem{m.Name, fmt.Sprintf("unknown input %q: use neural, train, validation or test", input)})
			continue
		}
		if rows == 0 {
			probs = append(probs, Problem{m.Name, fmt.Sprintf("this submission's benchmarks have no %s input", input)})
			continue
		}
		if m.DType != ndarray.Float32 && m.DType != ndarray.Float64 {
			probs = append(probs, Problem{m.Name, fmt.Sprintf("dtype %s: activations must be float32 or float64", m.Raw)})
			continue
		}
		if len(m.Shape) < 2 {
			probs = append(probs, Problem{m.Name, fmt.Sprintf("shape %s: want (%d, features...)", ndarray.ShapeString(m.Shape), rows)})
			continue
		}
		if m.Shape[0] != rows {
			probs = append(probs, Problem{m.Name, fmt.Sprintf("%d rows, the %s input has %d (rows must follow the exported input order)", m.Shape[0], input, rows)})
			continue
		}
		if f := ndarray.Size(m.Shape[1:]); f < 2 {
			probs = append(probs, Problem{m.Name, fmt.Sprintf("%d feature(s) per row, need at least 2", f)})
			continue
		}
		if m.NonFinite > 0 {
			idx := ndarray.Array{Shape: m.Shape}.Index(int(m.FirstNonFinite))
			probs = append(probs, Problem{m.Name, fmt.Sprintf("%d non-finite values (NaN or Inf), the first at %v", m.NonFinite, idx)})
			continue
		}
		layers[input] = append(layers[input], layer)
	}
	// Classification needs train and test activations of the same layers.
	if want.Train > 0 || want.Test > 0 {
		tr, te := set(layers[InputTrain]), set(layers[InputTest])
		for l := range tr {
			if !te[l] {
				probs = append(probs, Problem{InputTrain + Sep + l, fmt.Sprintf("no matching %s%s%s: the probe is fitted on train and scored on test", InputTest, Sep, l)})
			}
		}
		for l := range te {
			if !tr[l] {
				probs = append(probs, Problem{InputTest + Sep + l, fmt.Sprintf("no matching %s%s%s", InputTrain, Sep, l)})
			}
		}
	}
	if len(layers[InputNeural]) == 0 && len(layers[InputTest]) == 0 && len(probs) == 0 {
		probs = append(probs, Problem{Message: "the archive holds no neural__<layer> or train__/test__<layer> arrays to score"})
	}
	sort.Slice(probs, func(i, j int) bool { return probs[i].Array < probs[j].Array })
	return layers, probs
}

func set(v []string) map[string]bool {
	m := make(map[string]bool, len(v))
	for _, s := range v {
		m[s] = true
	}
	return m
}
