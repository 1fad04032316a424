package augment

import (
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// rawCode is the value rawInput stores at raw[n, i, f, r, c]: the digits
// name the sample, frame, force channel and grid cell.
func rawCode(n, i, f, r, c int) float32 {
	return float32(n*200000 + i*1000 + f*100 + 10*(r+1) + c + 1)
}

// rawInput returns raw frames (b, 110, 6, 5, 7) holding rawCode.
func rawInput(b int) ndarray.Array {
	raw := ndarray.Zeros32(b, RawFrames, Forces, Height, Width)
	for n := range b {
		for i := range RawFrames {
			for f := range Forces {
				for r := range Height {
					for c := range Width {
						raw.F32[(((n*RawFrames+i)*Forces+f)*Height+r)*Width+c] = rawCode(n, i, f, r, c)
					}
				}
			}
		}
	}
	return raw
}

// packedAt reads x[n, t, ch, r, c] of a packed input.
func packedAt(x ndarray.Array, n, t, ch, r, c int) float32 {
	return x.F32[(((n*Steps+t)*Channels+ch)*Height+r)*Width+c]
}

// TestUnpackPack checks Unpack against the §2.1 index formula written as a
// plain loop, and that Pack and Unpack are inverses.
func TestUnpackPack(t *testing.T) {
	raw := rawInput(2)
	x := must(t)(Pack(raw))
	if want := []int{2, Steps, Channels, Height, Width}; ndarray.ShapeString(x.Shape) != ndarray.ShapeString(want) {
		t.Fatalf("Pack shape %s, want %s", x.ShapeString(), ndarray.ShapeString(want))
	}
	// out[n, t, step·6+f, r, c] = raw[n, t·5+step, f, r, c].
	for n := range 2 {
		for tt := range Steps {
			for step := range FramesPerStep {
				for f := range Forces {
					for r := range Height {
						for c := range Width {
							if got, want := packedAt(x, n, tt, step*Forces+f, r, c), rawCode(n, tt*FramesPerStep+step, f, r, c); got != want {
								t.Fatalf("packed[%d,%d,%d,%d,%d] = %v, want raw frame %d = %v", n, tt, step*Forces+f, r, c, got, tt*5+step, want)
							}
						}
					}
				}
			}
		}
	}
	// Hand-worked: packed (t=3, ch=2·6+4=16) is raw frame 3·5+2 = 17, force 4.
	if got := packedAt(x, 1, 3, 16, 2, 5); got != 200000+17000+400+36 {
		t.Fatalf("packed[1,3,16,2,5] = %v, want 217436", got)
	}
	back := must(t)(Unpack(x))
	sameArray(t, "Unpack(Pack(raw))", back, raw)
	y := randomInput(2, 3)
	sameArray(t, "Pack(Unpack(y))", must(t)(Pack(must(t)(Unpack(y)))), y)

	if &back.F32[0] == &x.F32[0] || &x.F32[0] == &raw.F32[0] {
		t.Fatal("Pack/Unpack share data with their input")
	}
	for name, bad := range map[string]ndarray.Array{
		"packed layout": ndarray.Zeros32(1, Steps, Channels, Height, Width),
		"109 frames":    ndarray.Zeros32(1, RawFrames-1, Forces, Height, Width),
		"float64":       ndarray.Zeros64(1, RawFrames, Forces, Height, Width),
	} {
		if _, err := Pack(bad); err == nil {
			t.Errorf("Pack accepted %s %s", name, bad.ShapeString())
		}
	}
}

// TestTemporalReverseHandWorked checks frame i ↔ frame 109−i, negated,
// across the packing, on cells worked out by hand.
func TestTemporalReverseHandWorked(t *testing.T) {
	x := must(t)(Pack(rawInput(2)))
	before := cloneArray(x)
	got := must(t)(TemporalReverse(x))
	cases := []struct {
		name           string
		n, t, ch, r, c int
		want           float32
	}{
		// Raw frame 0 (t=0, step 0) takes −frame 109 (t=21, step 4), force 2
		// at (1, 3): −(109·1000 + 2·100 + 24).
		{"frame 0 <- -frame 109", 0, 0, 0*6 + 2, 1, 3, -(109000 + 200 + 24)},
		// Raw frame 109 (t=21, ch 4·6+2 = 26) takes −frame 0.
		{"frame 109 <- -frame 0", 0, 21, 4*6 + 2, 1, 3, -(0 + 200 + 24)},
		// Frame 7 = t 1, step 2 takes −frame 102 = t 20, step 2; force 5 at
		// (4, 6), sample 1: −(200000 + 102000 + 500 + 57).
		{"frame 7 <- -frame 102", 1, 1, 2*6 + 5, 4, 6, -(200000 + 102000 + 500 + 57)},
		// Frame 54 (t 10, step 4) ↔ frame 55 (t 11, step 0), force 0 at (0, 0).
		{"frame 54 <- -frame 55", 0, 10, 4 * 6, 0, 0, -(55000 + 11)},
		{"frame 55 <- -frame 54", 0, 11, 0, 0, 0, -(54000 + 11)},
	}
	for _, tc := range cases {
		if v := packedAt(got, tc.n, tc.t, tc.ch, tc.r, tc.c); v != tc.want {
			t.Errorf("%s: out[%d,%d,%d,%d,%d] = %v, want %v", tc.name, tc.n, tc.t, tc.ch, tc.r, tc.c, v, tc.want)
		}
	}
	// Every value, in raw terms: out[n, i, f, r, c] = −raw[n, 109−i, f, r, c].
	rawOut := must(t)(Unpack(got))
	for idx, v := range rawOut.F32 {
		p := rawOut.Index(idx)
		if want := -rawCode(p[0], RawFrames-1-p[1], p[2], p[3], p[4]); v != want {
			t.Fatalf("raw out %v = %v, want %v", p, v, want)
		}
	}
	sameArray(t, "input after the call", x, before)
	sameArray(t, "TemporalReverse∘TemporalReverse", must(t)(TemporalReverse(got)), x)
	y := randomInput(1, 4)
	sameArray(t, "TemporalReverse∘TemporalReverse (random)", must(t)(TemporalReverse(must(t)(TemporalReverse(y)))), y)
	// Zero cells stay zero (negated zero compares equal to zero).
	z := must(t)(TemporalReverse(ndarray.Zeros32(1, Steps, Channels, Height, Width)))
	for i, v := range z.F32 {
		if v != 0 {
			t.Fatalf("reversed zero input has %v at %v", v, z.Index(i))
		}
	}
}

// TestTemporalCommutesWithSpatial checks that reversal and the grid maps
// commute, which Tactile relies on when it fuses them into one pass.
func TestTemporalCommutesWithSpatial(t *testing.T) {
	x := randomInput(1, 5)
	a := must(t)(TemporalReverse(must(t)(Rotate(must(t)(FlipH(x)), 3))))
	b := must(t)(Rotate(must(t)(FlipH(must(t)(TemporalReverse(x)))), 3))
	sameArray(t, "reverse after vs before", a, b)
}
