package whisker

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

func TestParseTrajectory(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		frames  int
		errPart string
	}{
		{"two_rows", "1,2,3,4,5,6\n-1,0,0.5,1e-3,0,0\n", 2, ""},
		{"crlf_blank_lines", "1,2,3\r\n\r\n4,5,6\r\n", 1, ""},
		{"no_trailing_newline", "0,0,0", 1, ""},
		{"empty", "", 0, "no rows"},
		{"not_multiple_of_3", "1,2,3,4\n", 0, "not a multiple of 3"},
		{"ragged", "1,2,3\n1,2,3,4,5,6\n", 0, "line 2: 6 values, the first row had 3"},
		{"garbage", "1,x,3\n", 0, `line 1, value 2: "x" is not a number`},
		{"trailing_comma", "1,2,3,\n", 0, "value 4"},
		{"nan", "1,NaN,3\n", 0, "not finite"},
		{"huge", "1,2,1e9\n", 0, "exceeds"},
	}
	for _, tc := range cases {
		tr, err := ParseTrajectory(strings.NewReader(tc.in))
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.errPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(tr.Omega[0]) != tc.frames {
			t.Errorf("%s: %d frames, want %d", tc.name, len(tr.Omega[0]), tc.frames)
		}
	}
	tr, _ := ParseTrajectory(strings.NewReader("1,2,3,4,5,6\n"))
	if tr.Omega[0][1] != (geom.Vec3{4, 5, 6}) {
		t.Errorf("frame 1 = %v", tr.Omega[0][1])
	}
}

func FuzzParseTrajectory(f *testing.F) {
	for _, s := range []string{"1,2,3\n4,5,6\n", "0,0,0,0,0,0", "", "1,,3", "1e400,0,0", " 1 , 2 ,3\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTrajectory(bytes.NewReader(data))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(tr.Omega) == 0 {
			t.Fatal("success without rows")
		}
		for _, row := range tr.Omega {
			if len(row) != len(tr.Omega[0]) || len(row) == 0 {
				t.Fatal("ragged or empty rows accepted")
			}
			for _, v := range row {
				for _, x := range v {
					if math.IsNaN(x) || math.IsInf(x, 0) {
						t.Fatal("non-finite value accepted")
					}
				}
			}
		}
	})
}

// TestTrajectoryDrive: a constant world-axis angular velocity from a file
// turns the base rigidly; with the whisker rotating about the vertical
// axis through its base at ω = 2 rad/s for 0.1 s, link 0 must point 0.2 rad
// further round, and the generator must start retracted by Rt with zero
// velocity and reach +P at half a period.
func TestTrajectoryDrive(t *testing.T) {
	cfg := singleWhiskerConfig(nil, 101, 0)
	row := make([]geom.Vec3, 200)
	for i := range row {
		row[i] = geom.Vec3{0, 0, 2}
	}
	cfg.Whisking = &Whisking{Trajectory: &Trajectory{Omega: [][]geom.Vec3{row}}}
	d := newBaseDrive(&cfg, 0)
	r, om := d.at(0.1)
	dir := col(r, 0)
	if got := math.Atan2(dir[1], dir[0]); math.Abs(got-0.2) > 1e-9 || om != (geom.Vec3{0, 0, 2}) {
		t.Errorf("after 0.1 s: azimuth %g rad, ω %v; want 0.2, (0,0,2)", got, om)
	}
	if _, err := Simulate(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Frames = 1000
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "200 frames") {
		t.Errorf("short trajectory: %v", err)
	}

	wk := DefaultWhisking()
	cases := []struct{ t, p float64 }{{0, -10}, {1.0 / 16, 35}, {1.0 / 8, -10}}
	for _, tc := range cases {
		p, _ := wk.Protraction(tc.t)
		if math.Abs(p-geom.Deg(tc.p)) > 1e-12 {
			t.Errorf("p(%g) = %g°, want %g°", tc.t, p*180/math.Pi, tc.p)
		}
	}
	// Angular velocity of the generator equals the derivative of its
	// orientation (central difference).
	gcfg := Config{Array: MouseArray(), Head: RodgersHeadPose(), FrameRate: 1000, Frames: 10, Whisking: &wk, Physics: DefaultPhysics()}
	gd := newBaseDrive(&gcfg, 12)
	const tt, dt = 0.03, 1e-6
	ra, _ := gd.at(tt - dt)
	rb, _ := gd.at(tt + dt)
	_, om0 := gd.at(tt)
	num := logRot(rb.Mul(ra.Transpose())).Scale(1 / (2 * dt))
	if num.Sub(om0).Norm() > 1e-5*om0.Norm() {
		t.Errorf("generator ω %v, numerical %v", om0, num)
	}
}

// TestPlaceObject: WHISKiT's rule puts the −x face at OBJ_X and the origin
// at OBJ_Y + ymin. A box of half extents (1, 2, 2) has diagonal 6; scaled to
// 12 it is (2, 4, 4); unrotated xmin = −2, ymin = −4, so the origin goes to
// (5 + 2, 16 − 4, −5) = (7, 12, −5). Rotated by 90° the x/y extents swap:
// xmin = −4, ymin = −2 → (9, 14, −5).
func TestPlaceObject(t *testing.T) {
	cases := []struct {
		theta float64
		want  geom.Vec3
	}{{0, geom.Vec3{7, 12, -5}}, {90, geom.Vec3{9, 14, -5}}}
	for _, tc := range cases {
		o, err := PlaceObject(box{e: geom.Vec3{1, 2, 2}}, 12, tc.theta, geom.Vec3{5, 16, -5}, geom.Vec3{0, -30, 0})
		if err != nil {
			t.Fatal(err)
		}
		p := o.Motion.PoseAt(0)
		if p.T.Sub(tc.want).Norm() > 1e-9 {
			t.Errorf("θ=%g: origin %v, want %v", tc.theta, p.T, tc.want)
		}
		if d, _ := o.Shape.Distance(geom.Vec3{0, 0, 0}); math.Abs(d+2) > 1e-12 {
			t.Errorf("scaled box distance at centre %g, want −2", d)
		}
		if q := o.Motion.PoseAt(0.5); q.T[1] != tc.want[1]-15 {
			t.Errorf("after 0.5 s y = %g, want %g", q.T[1], tc.want[1]-15)
		}
	}
	if _, err := PlaceObject(nil, 40, 0, geom.Vec3{}, geom.Vec3{}); err == nil {
		t.Error("nil shape accepted")
	}
	s16, err := Sweep16(sphere{r: 1})
	if err != nil || len(s16) != 16 || s16[15].Name != "h0_d8_t120" {
		t.Errorf("sweep16: %d sweeps, last %q, err %v", len(s16), s16[len(s16)-1].Name, err)
	}
	hv, _ := SweepHV(sphere{r: 1}, 3, 2)
	hv2, _ := SweepHV(sphere{r: 1}, 3, 2)
	if len(hv) != 24 || hv[13].Name != hv2[13].Name || hv[0].Params.SpeedMMs < 30 || hv[0].Params.SpeedMMs > 60 {
		t.Errorf("sweep-hv: %d sweeps, names %q/%q", len(hv), hv[13].Name, hv2[13].Name)
	}
	rod, _ := Rodgers(sphere{r: 1}, DefaultWhisking())
	if len(rod) != 6 || rod[0].Name != "concave-near" || rod[5].Name != "convex-far" {
		t.Errorf("rodgers order %v", rod)
	}
	pa := ParamArrays(s16)
	if pa["theta"].F64[15] != 120 || pa["height"].F64[0] != -5 || pa["name"].Str[0] != "h-5_d5_t0" {
		t.Errorf("param arrays: theta %v height %v name %v", pa["theta"].F64[15], pa["height"].F64[0], pa["name"].Str[0])
	}
}
