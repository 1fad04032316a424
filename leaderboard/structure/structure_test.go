package structure

import (
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

func TestColour(t *testing.T) {
	tests := []struct {
		t    float64
		want string
	}{
		{0, "#440154"}, {1, "#fde725"}, {0.5, "#21918c"}, {-3, "#440154"}, {7, "#fde725"},
		// Halfway between the first two stops: (68+59)/2 = 63.5 → 64,
		// (1+82)/2 = 41.5 → 42, (84+139)/2 = 111.5 → 112.
		{0.125, "#402a70"},
	}
	for _, tc := range tests {
		if got := Colour(tc.t); got != tc.want {
			t.Errorf("Colour(%v) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestNewHeatmap(t *testing.T) {
	// d(0,1) = 0.5, d(0,2) = 1, d(1,2) = 0.25.
	v := []float64{0, 0.5, 1, 0.5, 0, 0.25, 1, 0.25, 0}
	h := NewHeatmap("m", "model", v, 3, []string{"a", "b", "c"})
	if len(h.Cells) != 9 || len(h.RowLabels) != 3 || len(h.ColLabels) != 3 || len(h.Ticks) != 3 {
		t.Fatalf("%d cells, %d/%d labels, %d ticks", len(h.Cells), len(h.RowLabels), len(h.ColLabels), len(h.Ticks))
	}
	// The largest value takes the top of the scale, the diagonal the bottom,
	// 0.5 of a maximum of 1 the middle.
	if h.Cells[2].Fill != "#fde725" || h.Cells[0].Fill != "#440154" || h.Cells[1].Fill != "#21918c" {
		t.Errorf("fills %s %s %s", h.Cells[0].Fill, h.Cells[1].Fill, h.Cells[2].Fill)
	}
	if h.Cells[5].Title != "b × c: 0.250" || h.Ticks[2].Text != "1" || h.Ticks[1].Text != "0.5" {
		t.Errorf("title %q, ticks %v", h.Cells[5].Title, h.Ticks)
	}
	if h.Cells[1].X <= h.Cells[0].X || h.Cells[3].Y <= h.Cells[0].Y || h.LegendX < h.Cells[2].X+h.Cells[2].Size {
		t.Errorf("layout: cells %v, legend at %v", h.Cells[:4], h.LegendX)
	}
	if empty := NewHeatmap("x", "x", v, 4, nil); len(empty.Cells) != 0 {
		t.Errorf("a 3×3 matrix laid out as 4×4")
	}
}

func TestTracesOf(t *testing.T) {
	// 2 stimuli, 3 frames, 1 whisker. Stimulus 0: force (3,4,0) → 5 and
	// moment (0,0,2) → 2 on every frame; stimulus 1: zero.
	raw := make([]float32, 2*3*1*6)
	for f := range 3 {
		copy(raw[f*6:], []float32{3, 4, 0, 0, 0, 2})
	}
	st, err := tracesOf(ndarray.FromFloat32([]int{2, 3, 1, 6}, raw), []string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Traces) != 2 || st.Traces[0].Label != "x" || st.Bin != 1 || len(st.Traces[0].Force) != 3 {
		t.Fatalf("%+v", st)
	}
	if st.Traces[0].Force[1] != 5 || st.Traces[0].Torque[2] != 2 || st.Traces[1].Force[0] != 0 {
		t.Errorf("force %v torque %v", st.Traces[0].Force, st.Traces[0].Torque)
	}
	set := NewTraceSet(st)
	// Stimulus 0 sits at the top of the shared scale, stimulus 1 at the bottom.
	if !strings.HasPrefix(set.Plots[0].Force, "3.0,3.0 ") || !strings.HasPrefix(set.Plots[1].Force, "3.0,61.0 ") || set.ForceMax != "5 mN" {
		t.Errorf("points %q / %q, max %s", set.Plots[0].Force, set.Plots[1].Force, set.ForceMax)
	}
	if _, err := tracesOf(ndarray.Zeros32(2, 3, 1, 5), nil); err == nil {
		t.Error("a readout with 5 channels was accepted")
	}
}
