package modelinput

import (
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// ramp returns raw (frames, 30, 6) with value frame·1000 + whisker·10 + channel,
// so every element names its own position.
func ramp(frames int) ndarray.Array {
	a := ndarray.Zeros32(frames, Whiskers, Channels)
	for t := 0; t < frames; t++ {
		for w := 0; w < Whiskers; w++ {
			for c := 0; c < Channels; c++ {
				a.F32[(t*Whiskers+w)*Channels+c] = float32(t*1000 + w*10 + c)
			}
		}
	}
	return a
}

func TestDecimate(t *testing.T) {
	cases := []struct {
		frames    int
		wantFirst []int // source frames of output rows 0, 1, 109
		wantErr   bool
	}{
		// 1000 frames: s = 1000/110 = 9 → frames 1, 10, …, 1 + 109·9 = 982.
		{1000, []int{1, 10, 982}, false},
		// exactly 110 frames are kept as they are.
		{110, []int{0, 1, 109}, false},
		// 111 frames: s = 1 → frames 1 … 110.
		{111, []int{1, 2, 110}, false},
		// 110 < n but 1 + 109·1 = 110 is not below n = 110+0: covered above; 100 is too short.
		{100, nil, true},
	}
	for _, tc := range cases {
		out, err := Decimate(ramp(tc.frames))
		if tc.wantErr {
			if err == nil {
				t.Errorf("%d frames: want an error", tc.frames)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%d frames: %v", tc.frames, err)
		}
		for i, row := range []int{0, 1, 109} {
			// whisker 0, channel 0 carries frame·1000
			if got := out.F32[row*Whiskers*Channels]; got != float32(tc.wantFirst[i]*1000) {
				t.Errorf("%d frames: row %d from frame %g, want %d", tc.frames, row, got/1000, tc.wantFirst[i])
			}
		}
	}
}

func TestCleanOutliers(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		name     string
		in, want []float32
	}{
		// NaN → 0 first, so it is a valid 0, not a gap to fill.
		{"nan_is_zero", []float32{1, nan, 3}, []float32{1, 0, 3}},
		// outliers take the last valid value (forward fill), not ±1000.
		{"ffill", []float32{5, 2000, -1500, 7}, []float32{5, 5, 5, 7}},
		// a leading outlier run has nothing to fill from → 0.
		{"leading", []float32{1e4, 1e4, 3, 1e5}, []float32{0, 0, 3, 3}},
		// exactly 1000 is not an outlier (the rule is |x| > 1000).
		{"threshold", []float32{1000, -1000.5}, []float32{1000, 1000}},
		// NaN after valid data resets to 0, which then feeds the fill.
		{"nan_then_outlier", []float32{4, nan, 5000}, []float32{4, 0, 0}},
	}
	for _, tc := range cases {
		n := len(tc.in)
		x := ndarray.Zeros32(n, 2, Channels)
		for i, v := range tc.in {
			x.F32[(i*2+1)*Channels+4] = v // whisker 1, channel 4 (My)
		}
		if err := CleanOutliers(x); err != nil {
			t.Fatal(err)
		}
		for i, w := range tc.want {
			if got := x.F32[(i*2+1)*Channels+4]; got != w {
				t.Errorf("%s: t=%d got %g want %g", tc.name, i, got, w)
			}
		}
		for i := 0; i < n; i++ {
			if x.F32[i*2*Channels+4] != 0 {
				t.Errorf("%s: other series changed", tc.name)
			}
		}
	}
}

func TestPad(t *testing.T) {
	out, err := Pad(ramp(2))
	if err != nil {
		t.Fatal(err)
	}
	// Hand-worked: RA0–RA4 → cells 0–4; RB0 (whisker 5) → cell 7; RB4 (9) → 11;
	// RC0 (10) → 14; RC6 (16) → 20; RD0 (17) → 21; RD6 (23) → 27; RE0 (24) → 28; RE5 (29) → 33.
	cases := []struct{ whisker, cell int }{{0, 0}, {4, 4}, {5, 7}, {9, 11}, {10, 14}, {16, 20}, {17, 21}, {23, 27}, {24, 28}, {29, 33}}
	for _, tc := range cases {
		got := out.F32[(1*Cells+tc.cell)*Channels+2]
		want := float32(1000 + tc.whisker*10 + 2)
		if got != want {
			t.Errorf("cell %d = %g, want whisker %d (%g)", tc.cell, got, tc.whisker, want)
		}
	}
	for _, c := range PaddedCells() {
		for f := 0; f < Channels; f++ {
			if v := out.F32[(1*Cells+c)*Channels+f]; v != 0 {
				t.Errorf("padded cell %d channel %d = %g", c, f, v)
			}
		}
	}
}

func TestPack(t *testing.T) {
	in := ndarray.Zeros32(Frames, Cells, Channels)
	for t0 := 0; t0 < Frames; t0++ {
		for c := 0; c < Cells; c++ {
			for f := 0; f < Channels; f++ {
				in.F32[(t0*Cells+c)*Channels+f] = float32(t0*1000 + c*10 + f)
			}
		}
	}
	out, err := Pack(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := ndarray.ShapeString(out.Shape); got != "(22, 30, 5, 7)" {
		t.Fatalf("shape %s", got)
	}
	// out[t, step·6+f, r, c] = in[t·5+step, r·7+c, f]. Hand-worked:
	// out[3, 2·6+4, 1, 2] = in[17, 9, 4] = 17·1000 + 9·10 + 4 = 17094.
	// out[21, 29, 4, 6] = in[109, 34, 5] = 109345. out[0, 0, 0, 0] = in[0, 0, 0] = 0.
	cases := []struct {
		t, ch, r, c int
		want        float32
	}{{3, 16, 1, 2, 17094}, {21, 29, 4, 6, 109345}, {0, 0, 0, 0, 0}, {0, 6, 0, 1, 1010}}
	for _, tc := range cases {
		got := out.F32[((tc.t*InputChan+tc.ch)*GridRows+tc.r)*GridCols+tc.c]
		if got != tc.want {
			t.Errorf("out[%d,%d,%d,%d] = %g, want %g", tc.t, tc.ch, tc.r, tc.c, got, tc.want)
		}
	}
}

func TestProcessChain(t *testing.T) {
	raw := ndarray.Zeros32(1000, Whiskers, Channels)
	for i := range raw.F32 {
		raw.F32[i] = float32(i / (Whiskers * Channels)) // value = frame number (< 1000)
	}
	raw.F32[(10*Whiskers+3)*Channels+1] = 5000 // frame 10 (output row 1), whisker RA3, Fy: outlier
	raw.F32[(19*Whiskers+3)*Channels+1] = float32(math.NaN())
	out, err := Process(raw)
	if err != nil {
		t.Fatal(err)
	}
	// Decimated rows come from frames 1, 10, 19, …: row 1's outlier takes
	// row 0's value (frame 1 → 1); row 2's NaN → 0; row 3 is frame 28.
	// Row k is (t = k/5, step = k%5), channel step·6 + 1; RA3 is cell (0, 3).
	at := func(tt, ch, r, c int) float32 { return out.F32[((tt*InputChan+ch)*GridRows+r)*GridCols+c] }
	cases := []struct {
		name   string
		tt, ch int
		want   float32
	}{{"row0", 0, 1, 1}, {"outlier_ffill", 0, 7, 1}, {"nan_zero", 0, 13, 0}, {"row3", 0, 19, 28}, {"row109", 21, 4*6 + 1, 982}}
	for _, tc := range cases {
		if got := at(tc.tt, tc.ch, 0, 3); got != tc.want {
			t.Errorf("%s: got %g, want %g", tc.name, got, tc.want)
		}
	}
	// RE5 (whisker 29) lands in cell (4, 5); cell (4, 6) is padding.
	if got := at(21, 4*6+5, 4, 5); got != 982 {
		t.Errorf("RE5: got %g, want 982", got)
	}
	if got := at(21, 4*6+5, 4, 6); got != 0 {
		t.Errorf("E6 padding: got %g, want 0", got)
	}
	if raw.F32[(10*Whiskers+3)*Channels+1] != 5000 {
		t.Error("Process modified its input")
	}
	if _, err := Process(ndarray.Zeros32(1000, 29, 6)); err == nil {
		t.Error("29 whiskers: want an error")
	}
}
