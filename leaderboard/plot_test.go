package leaderboard

import (
	"fmt"
	"math"
	"testing"
)

// The per-layer plot's x labels: upright while they fit, slanted when they
// would overlap (the chart growing to hold them), and thinned to every
// k-th layer, first and last always shown, when even slanted ones would.
// Plot area: 720 − 64 − 24 = 632 px, layers over 632 − 40 = 592 px.
func TestLayerTicks(t *testing.T) {
	names := func(n int, f string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(f, i)
		}
		return out
	}
	tests := []struct {
		name    string
		layers  []string
		slanted bool
		shown   int
	}{
		// 4 layers 197 px apart; "readout" is 7 × 6.6 = 46 px.
		{"few short", []string{"conv1", "conv2", "conv3", "readout"}, false, 4},
		// 10 layers 65.8 px apart; "att_mamba_l00" is 13 × 6.6 = 86 px wide.
		{"long names", names(10, "att_mamba_l%02d"), true, 10},
		// 60 layers 10.0 px apart; slanted labels need 13 / sin 40° = 20.2 px,
		// so every 3rd: 0, 3, …, 57 (20 labels), and 59.
		{"many", names(60, "l%02d"), true, 20},
		// 61 layers 9.87 px apart: every 3rd, 0 … 60 (21 labels); the last
		// is a multiple itself.
		{"many, last on the grid", names(61, "l%02d"), true, 21},
		// 59 layers 10.2 px apart: every 2nd would be 20.4 px ≥ 20.2, so 0,
		// 2, …, 56 and 58 (30 labels).
		{"many, 2nd fits", names(59, "l%02d"), true, 30},
		// 62 layers 9.70 px apart: every 3rd, 0 … 60 (21 labels), then 61
		// is 9.7 px from 60, too close: 60 gives way to 61.
		{"many, last too close", names(62, "l%02d"), true, 21},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vals := map[string]*LayerValue{}
			for _, l := range tc.layers {
				vals[l] = &LayerValue{Value: 0.5}
			}
			p := LayerPlot(tc.layers, vals, nil, "a", "b", "score")
			if len(p.XTicks) != tc.shown {
				t.Errorf("%d labels, want %d", len(p.XTicks), tc.shown)
			}
			if p.XTicks[0].Label != tc.layers[0] || p.XTicks[len(p.XTicks)-1].Label != tc.layers[len(tc.layers)-1] {
				t.Errorf("first and last labels %q, %q; want the first and last layers", p.XTicks[0].Label, p.XTicks[len(p.XTicks)-1].Label)
			}
			for i, tk := range p.XTicks {
				if tk.Slanted != tc.slanted {
					t.Errorf("label %q slanted %v, want %v", tk.Label, tk.Slanted, tc.slanted)
				}
				if i == 0 {
					continue
				}
				gap := tk.Pos - p.XTicks[i-1].Pos
				need := 13 / math.Sin(40*math.Pi/180)
				if !tc.slanted {
					need = 6.6*float64(len(tk.Label)+len(p.XTicks[i-1].Label))/2 + 6
				}
				if gap < need-1e-9 {
					t.Errorf("labels %q and %q %.1f px apart, want ≥ %.1f", p.XTicks[i-1].Label, tk.Label, gap, need)
				}
			}
			// Slanted labels hang below the axis by their width × sin 40°, with
			// 16 px above them and 30 px for the axis label below.
			widest := 0.0
			for _, l := range tc.layers {
				widest = max(widest, 6.6*float64(len(l)))
			}
			if hold := p.Bottom + 16 + widest*math.Sin(40*math.Pi/180) + 30; tc.slanted && p.Height < hold {
				t.Errorf("slanted labels in a chart %v px high; want ≥ %.1f to hold them", p.Height, hold)
			}
			if !tc.slanted && p.Height != 360 {
				t.Errorf("upright labels: chart %v px high, want 360", p.Height)
			}
		})
	}
}
