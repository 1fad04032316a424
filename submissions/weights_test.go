package submissions

import (
	"slices"
	"testing"

	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

func TestScoresAgree(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	v1 := scoreKey{1, evaluator.MetricPaperV1, ""}
	v2 := scoreKey{1, evaluator.MetricV2, ""}
	top1 := scoreKey{2, ProbeScorer, "top1"}
	base := map[scoreKey]*float64{v1: f(0.5), v2: f(0.25), top1: f(0.75)}
	with := func(k scoreKey, v *float64) map[scoreKey]*float64 {
		m := map[scoreKey]*float64{}
		for kk, vv := range base {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	without := func(k scoreKey) map[scoreKey]*float64 {
		m := with(k, nil)
		delete(m, k)
		return m
	}
	tests := []struct {
		name string
		b    map[scoreKey]*float64
		want bool
	}{
		{"identical", with(v1, f(0.5)), true},
		{"neural within 1e-9", with(v2, f(0.25+5e-10)), true},
		{"neural beyond 1e-9", with(v2, f(0.25+2e-9)), false},
		{"top-1 differs by a little", with(top1, f(0.75+1e-12)), false},
		{"undefined on one side", with(v1, nil), false},
		{"a score missing", without(top1), false},
		{"a score on another benchmark version", with(scoreKey{3, ProbeScorer, "top1"}, f(0.75)), false},
		{"nothing to compare", map[scoreKey]*float64{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := scoresAgree(base, tc.b); got != tc.want {
				t.Errorf("scoresAgree = %v, want %v", got, tc.want)
			}
			if got := scoresAgree(tc.b, base); got != tc.want {
				t.Errorf("scoresAgree (swapped) = %v, want %v", got, tc.want)
			}
		})
	}
	if scoresAgree(map[scoreKey]*float64{}, map[scoreKey]*float64{}) {
		t.Error("two empty score sets agree")
	}
}

func TestBundleLayers(t *testing.T) {
	layers := []string{"conv1", "fc8"}
	tests := []struct {
		name string
		want intake.Expect
		in   []string
	}{
		{"every input", intake.Expect{Neural: 6, Train: 30, Validation: 6, Test: 12}, []string{"neural", "train", "validation", "test"}},
		{"neural only", intake.Expect{Neural: 6}, []string{"neural"}},
		{"classification only", intake.Expect{Train: 3, Test: 1}, []string{"train", "test"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := bundleLayers(layers, tc.want)
			if len(got) != len(tc.in) {
				t.Fatalf("inputs %v, want %v", got, tc.in)
			}
			for _, in := range tc.in {
				if !slices.Equal(got[in], layers) {
					t.Errorf("%s: layers %v, want %v", in, got[in], layers)
				}
			}
		})
	}
}
