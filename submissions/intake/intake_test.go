package intake

import (
	"archive/zip"
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

func archive(t *testing.T, arrays ...npz.Named) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := npz.Write(&buf, arrays); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ramp(shape ...int) ndarray.Array {
	a := ndarray.Zeros32(shape...)
	for i := range a.F32 {
		a.F32[i] = float32(i%13) * 0.5
	}
	return a
}

var want = Expect{Neural: 6, Train: 20, Validation: 5, Test: 8}

func TestGoodUpload(t *testing.T) {
	b := archive(t,
		npz.Named{Name: "neural__conv1", Array: ramp(6, 4, 3)},
		npz.Named{Name: "neural__fc8", Array: ramp(6, 16)},
		npz.Named{Name: "train__fc8", Array: ramp(20, 16)},
		npz.Named{Name: "test__fc8", Array: ramp(8, 16)},
	)
	layers, probs := CheckActivations(bytes.NewReader(b), int64(len(b)), want, npz.Limits{})
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	if !reflect.DeepEqual(layers, Layers{InputNeural: {"conv1", "fc8"}, InputTrain: {"fc8"}, InputTest: {"fc8"}}) {
		t.Fatalf("layers %v", layers)
	}
}

// Every problem is listed at once.
func TestEveryProblemListed(t *testing.T) {
	nan := ramp(6, 5)
	nan.F32[7] = float32(math.NaN())
	b := archive(t,
		npz.Named{Name: "conv1", Array: ramp(6, 4)},
		npz.Named{Name: "retina__l1", Array: ramp(6, 4)},
		npz.Named{Name: "neural__wrongrows", Array: ramp(5, 4)},
		npz.Named{Name: "neural__ints", Array: ndarray.FromInt64([]int{6, 2}, make([]int64, 12))},
		npz.Named{Name: "neural__nan", Array: nan},
		npz.Named{Name: "neural__flat", Array: ramp(6)},
		npz.Named{Name: "train__only", Array: ramp(20, 3)},
	)
	_, probs := CheckActivations(bytes.NewReader(b), int64(len(b)), want, npz.Limits{})
	wantMsgs := map[string]string{
		"conv1":             "name it <input>__<layer>",
		"retina__l1":        `unknown input "retina"`,
		"neural__wrongrows": "5 rows, the neural input has 6",
		"neural__ints":      "dtype <i8",
		"neural__nan":       "1 non-finite values (NaN or Inf), the first at [1 2]",
		"neural__flat":      "shape (6,)",
		"train__only":       "no matching test__only",
	}
	if len(probs) != len(wantMsgs) {
		t.Fatalf("%d problems, want %d: %v", len(probs), len(wantMsgs), probs)
	}
	for _, p := range probs {
		if w, ok := wantMsgs[p.Array]; !ok || !strings.Contains(p.Message, w) {
			t.Errorf("%s: %q, want %q", p.Array, p.Message, w)
		}
	}
}

// Archive-level damage is one problem that says what is wrong.
func TestDamagedArchives(t *testing.T) {
	good := archive(t, npz.Named{Name: "neural__a", Array: ramp(6, 4)})
	var traversal bytes.Buffer
	zw := zip.NewWriter(&traversal)
	w, _ := zw.Create("../../neural__a.npy")
	var one bytes.Buffer
	npz.WriteNPY(&one, ramp(6, 4))
	w.Write(one.Bytes())
	zw.Close()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "not a valid .npz"},
		{"traversal", traversal.Bytes(), "must not contain"},
		{"empty", nil, "not a valid .npz"},
		{"no scorable arrays", archive(t, npz.Named{Name: "validation__x", Array: ramp(5, 3)}), "holds no neural__"},
	}
	for _, tc := range tests {
		_, probs := CheckActivations(bytes.NewReader(tc.data), int64(len(tc.data)), want, npz.Limits{})
		if len(probs) != 1 || !strings.Contains(probs[0].Message, tc.want) {
			t.Errorf("%s: %v, want one problem containing %q", tc.name, probs, tc.want)
		}
	}
}
