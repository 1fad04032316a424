package evaluator

import (
	"math"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

func TestNeuralFromArrays(t *testing.T) {
	good := make([]float64, 4*6*3)
	for i := range good {
		good[i] = float64(i%7) + 0.5
	}
	good[len(good)-1] = math.NaN() // padding is allowed
	tests := []struct {
		name   string
		arrays []NamedArray
		want   string
	}{
		{"ok", []NamedArray{{"m1", ndarray.FromFloat64([]int{4, 6, 3}, good)}}, ""},
		{"float32", []NamedArray{{"m1", ndarray.FromFloat32([]int{2, 6, 1}, make([]float32, 12))}}, `"m1": dtype float32`},
		{"2-D", []NamedArray{{"m1", ndarray.FromFloat64([]int{6, 12}, good[:72])}}, "want (trials, stimuli, units)"},
		{"reserved id", []NamedArray{{PooledTarget, ndarray.FromFloat64([]int{4, 6, 3}, good)}}, "reserved"},
		{"no animals", nil, "no animals"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nd, err := NeuralFromArrays(tc.arrays)
			if tc.want == "" {
				if err != nil || len(nd.Animals) != 1 || nd.Animals[0].Units != 3 || nd.Animals[0].Trials != 4 {
					t.Fatalf("got %+v, %v", nd, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}
