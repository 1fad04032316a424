package whisker

import (
	"context"
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
	"github.com/whiskerbench/whiskerbench/datasets/whisker/modelinput"
)

// placedBounds is the world box of a placed object at t = 0, measured on
// its surface.
func placedBounds(t *testing.T, o Object) geom.AABB {
	t.Helper()
	p := o.Motion.PoseAt(0)
	s, err := shapes.NewTransformed(o.Shape, p.R, 1, p.T)
	if err != nil {
		t.Fatal(err)
	}
	b, err := shapes.MeasureBounds(s, 96)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRodgersPlacement: the plate of every Rodgers stimulus must sit where
// WHISKiT puts it (simulator-spec §8.3: concave near x[−1.0, 33.6]
// y[−25.0, 14.5], convex near x[0.0, 34.6] y[−12.1, 27.5], z[−5.8, 11.6]),
// i.e. within 0.1 mm of shapes.RodgersStimulus.Place, which applies the
// rule to the plate's rotated vertex set. (Placing the rotated corners of
// the plate's loose Bounds instead put concave-near's x-min at 8.06 mm.)
func TestRodgersPlacement(t *testing.T) {
	plate, err := shapes.RodgersPlate(shapes.RodgersThickness)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := Rodgers(plate, DefaultWhisking())
	if err != nil {
		t.Fatal(err)
	}
	stims := shapes.RodgersStimuli()
	if len(sw) != len(stims) {
		t.Fatalf("%d sweeps, %d stimuli", len(sw), len(stims))
	}
	for i, s := range stims {
		if sw[i].Name != s.Name {
			t.Fatalf("sweep %d is %s, stimulus %s", i, sw[i].Name, s.Name)
		}
		ref, err := s.Place(plate)
		if err != nil {
			t.Fatal(err)
		}
		want, err := shapes.MeasureBounds(ref, 96)
		if err != nil {
			t.Fatal(err)
		}
		got := placedBounds(t, sw[i].Config.Objects[0])
		for k := 0; k < 3; k++ {
			if math.Abs(got.Lo[k]-want.Lo[k]) > 0.1 || math.Abs(got.Hi[k]-want.Hi[k]) > 0.1 {
				t.Errorf("%s: placed %v, WHISKiT's rule %v", s.Name, got, want)
				break
			}
		}
	}
}

// TestRodgersStimuliTouchAndDiffer: with WHISKiT's placement every one of
// the six Rodgers stimuli is touched by the whisking array (some whisker's
// base force exceeds 0.05 mN) and the six model inputs are pairwise
// different.
func TestRodgersStimuliTouchAndDiffer(t *testing.T) {
	plate, err := shapes.RodgersPlate(shapes.RodgersThickness)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := Rodgers(plate, DefaultWhisking())
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		sw = sw[:1]
	}
	inputs := make([][]float32, len(sw))
	for i, s := range sw {
		cfg := s.Config
		cfg.Workers = 2
		res, err := Simulate(context.Background(), cfg)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		var peak float64
		touched := map[string]bool{}
		nw := len(res.Whiskers)
		for f := 0; f < res.Raw.Shape[0]; f++ {
			for w := 0; w < nw; w++ {
				v := res.Raw.F32[(f*nw+w)*6:]
				fn := math.Sqrt(float64(v[0]*v[0] + v[1]*v[1] + v[2]*v[2]))
				peak = math.Max(peak, fn)
				if fn > 0.05 {
					touched[res.Whiskers[w]] = true
				}
			}
		}
		t.Logf("%s: peak base |F| %.3g mN, %d whiskers above 0.05 mN", s.Name, peak, len(touched))
		if peak <= 0.05 {
			t.Errorf("%s: no contact (peak base |F| %.3g mN)", s.Name, peak)
		}
		in, err := modelinput.Process(res.Raw)
		if err != nil {
			t.Fatal(err)
		}
		inputs[i] = in.F32
	}
	for i := range inputs {
		for j := i + 1; j < len(inputs); j++ {
			var diff, peak float64
			for k := range inputs[i] {
				diff = math.Max(diff, math.Abs(float64(inputs[i][k]-inputs[j][k])))
				peak = math.Max(peak, math.Abs(float64(inputs[i][k])))
			}
			if diff <= 1e-3*peak {
				t.Errorf("inputs of %s and %s are the same (max difference %g, peak %g)", sw[i].Name, sw[j].Name, diff, peak)
			}
		}
	}
}

// TestSweep16LibraryObjectTouches: a sweep16 sweep of a library cube
// touches whiskers (the object's −x face starts at OBJ_X = 5 mm, inside
// the whisker field).
func TestSweep16LibraryObjectTouches(t *testing.T) {
	inst, err := shapes.NewInstance("cube", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := Sweep16(inst.Shape)
	if err != nil {
		t.Fatal(err)
	}
	runs := []Sweep{sw[0], sw[15]}
	if testing.Short() {
		runs = runs[:1]
	}
	for _, s := range runs {
		cfg := s.Config
		cfg.Workers = 2
		res, err := Simulate(context.Background(), cfg)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		nw := len(res.Whiskers)
		touched := map[int]bool{}
		for f := 0; f < res.Raw.Shape[0]; f++ {
			for w := 0; w < nw; w++ {
				v := res.Raw.F32[(f*nw+w)*6:]
				if math.Sqrt(float64(v[0]*v[0]+v[1]*v[1]+v[2]*v[2])) > 0.05 {
					touched[w] = true
				}
			}
		}
		t.Logf("cube %s: %d whiskers above 0.05 mN", s.Name, len(touched))
		if len(touched) == 0 {
			t.Errorf("cube %s touches no whisker", s.Name)
		}
	}
}
