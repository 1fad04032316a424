package shapes

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

func TestTransformed(t *testing.T) {
	inner := roundBox{h: geom.Vec3{1, 2, 3}, r: 0.2}
	mirror := geom.Mat3{{-1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	tests := []struct {
		name  string
		r     geom.Mat3
		scale float64
		t     geom.Vec3
	}{
		{"identity", geom.Identity(), 1, geom.Vec3{}},
		{"rotate z", geom.RotZ(0.7), 1, geom.Vec3{}},
		{"full", geom.RotZ(0.3).Mul(geom.RotX(1.1)).Mul(geom.RotY(-0.4)), 2.5, geom.Vec3{3, -4, 5}},
		{"mirror", mirror, 0.5, geom.Vec3{1, 1, 1}},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := NewTransformed(inner, tc.r, tc.scale, tc.t)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 200; i++ {
				local := randIn(rng, inner.Bounds().Expand(1))
				world := x.Apply(local)
				dl, nl := inner.Distance(local)
				dw, nw := x.Distance(world)
				if math.Abs(dw-tc.scale*dl) > 1e-9 {
					t.Fatalf("d = %v, want %v", dw, tc.scale*dl)
				}
				if nw.Sub(tc.r.MulVec(nl)).Norm() > 1e-9 {
					t.Fatalf("normal %v, want %v", nw, tc.r.MulVec(nl))
				}
				if !x.Bounds().Expand(1e-9).Contains(x.Apply(inner.Bounds().Center())) {
					t.Fatal("bounds do not contain the centre")
				}
			}
			checkShape(t, tc.name, x, rng)
		})
	}
}

func TestTransformedCompose(t *testing.T) {
	inner := sphere{c: geom.Vec3{1, 0, 0}, r: 1}
	a, err := NewTransformed(inner, geom.RotZ(0.5), 2, geom.Vec3{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewTransformed(a, geom.RotX(0.25), 3, geom.Vec3{-1, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if b.Inner() != Shape(inner) || math.Abs(b.Scale()-6) > 1e-12 {
		t.Fatalf("not composed: inner %T scale %v", b.Inner(), b.Scale())
	}
	rng := rand.New(rand.NewPCG(2, 2))
	for i := 0; i < 100; i++ {
		p := randIn(rng, geom.AABB{Lo: geom.Vec3{-20, -20, -20}, Hi: geom.Vec3{20, 20, 20}})
		// b(p) must equal 3·a(q) with q = Rxᵀ(p − t)/3
		q := geom.RotX(0.25).Transpose().MulVec(p.Sub(geom.Vec3{-1, 0, 0})).Scale(1.0 / 3)
		da, _ := a.Distance(q)
		db, _ := b.Distance(p)
		if math.Abs(db-3*da) > 1e-9 {
			t.Fatalf("composed %v, nested %v", db, 3*da)
		}
	}
}

func TestTransformedErrors(t *testing.T) {
	s := sphere{r: 1}
	tests := []struct {
		name  string
		s     Shape
		r     geom.Mat3
		scale float64
		t     geom.Vec3
	}{
		{"nil", nil, geom.Identity(), 1, geom.Vec3{}},
		{"zero scale", s, geom.Identity(), 0, geom.Vec3{}},
		{"NaN scale", s, geom.Identity(), math.NaN(), geom.Vec3{}},
		{"inf scale", s, geom.Identity(), math.Inf(1), geom.Vec3{}},
		{"not orthogonal", s, geom.Mat3{{2, 0, 0}, {0, 1, 0}, {0, 0, 1}}, 1, geom.Vec3{}},
		{"NaN rotation", s, geom.Mat3{{math.NaN(), 0, 0}, {0, 1, 0}, {0, 0, 1}}, 1, geom.Vec3{}},
		{"NaN translation", s, geom.Identity(), 1, geom.Vec3{math.NaN(), 0, 0}},
	}
	for _, tc := range tests {
		if _, err := NewTransformed(tc.s, tc.r, tc.scale, tc.t); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, err := RotateZ(s, math.Inf(1)); err == nil {
		t.Error("RotateZ accepted an infinite angle")
	}
	if _, err := ScaleToDiagonal(s, []geom.Vec3{{1, 1, 1}}, 40); err == nil {
		t.Error("ScaleToDiagonal accepted points without extent")
	}
	if _, err := PlaceWhiskit(s, nil, 40, 0, geom.Vec3{}); err == nil {
		t.Error("PlaceWhiskit accepted no points")
	}
}

// TestPlaceWhiskit checks the placement rule of simulator-spec §5 on a box:
// −x face at OBJ_X, origin y at OBJ_Y + ymin, origin z at OBJ_Z.
func TestPlaceWhiskit(t *testing.T) {
	data := boxMesh(geom.Vec3{2, 1, 0.5}, false) // 4 × 2 × 1, centred
	m, err := NewMesh(data, MeshOptions{})
	if err != nil {
		t.Fatal(err)
	}
	verts := m.Vertices()
	diag := math.Sqrt(16 + 4 + 1)
	s := 40 / diag
	tests := []struct {
		theta        float64
		pos          geom.Vec3
		wantX, wantY [2]float64 // extents after placement
	}{
		{0, geom.Vec3{5, 16, -5}, [2]float64{5, 5 + 4*s}, [2]float64{16 - 2*s, 16}},
		{90, geom.Vec3{8, 16, 0}, [2]float64{8, 8 + 2*s}, [2]float64{16 - 4*s, 16}},
	}
	for _, tc := range tests {
		x, err := PlaceWhiskit(m, verts, 40, tc.theta, tc.pos)
		if err != nil {
			t.Fatal(err)
		}
		b := PointsBounds(transformAll(x, verts))
		if math.Abs(Diagonal(b)-40) > 1e-9 {
			t.Errorf("theta %v: diagonal %v, want 40", tc.theta, Diagonal(b))
		}
		if math.Abs(b.Lo[0]-tc.wantX[0]) > 1e-9 || math.Abs(b.Hi[0]-tc.wantX[1]) > 1e-9 ||
			math.Abs(b.Lo[1]-tc.wantY[0]) > 1e-9 || math.Abs(b.Hi[1]-tc.wantY[1]) > 1e-9 {
			t.Errorf("theta %v: x [%v, %v] y [%v, %v], want x %v y %v", tc.theta, b.Lo[0], b.Hi[0], b.Lo[1], b.Hi[1], tc.wantX, tc.wantY)
		}
		if c := x.Apply(geom.Vec3{}); math.Abs(c[2]-tc.pos[2]) > 1e-12 {
			t.Errorf("origin z %v, want %v", c[2], tc.pos[2])
		}
		if d, _ := x.Distance(geom.Vec3{tc.wantX[0] - 1, (tc.wantY[0] + tc.wantY[1]) / 2, tc.pos[2]}); math.Abs(d-1) > 1e-9 {
			t.Errorf("theta %v: 1 mm in front of the −x face d = %v", tc.theta, d)
		}
	}
	sc, err := ScaleToDiagonal(m, verts, 55)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diagonal(PointsBounds(transformAll(sc, verts))); math.Abs(d-55) > 1e-9 {
		t.Errorf("ScaleToDiagonal: %v", d)
	}
}

func transformAll(x *Transformed, pts []geom.Vec3) []geom.Vec3 {
	out := make([]geom.Vec3, len(pts))
	for i, p := range pts {
		out[i] = x.Apply(p)
	}
	return out
}

func TestSurfaceSampling(t *testing.T) {
	s := sphere{c: geom.Vec3{1, 2, 3}, r: 5}
	tests := []struct {
		name string
		get  func() ([]geom.Vec3, error)
	}{
		{"grid", func() ([]geom.Vec3, error) { return SurfacePoints(s, 32) }},
		{"random", func() ([]geom.Vec3, error) { return SampleSurface(s, 500, rand.New(rand.NewPCG(1, 2))) }},
	}
	for _, tc := range tests {
		pts, err := tc.get()
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) < 100 {
			t.Fatalf("%s: %d points", tc.name, len(pts))
		}
		for _, p := range pts {
			if math.Abs(p.Sub(s.c).Norm()-5) > 1e-6 {
				t.Fatalf("%s: point %v not on the sphere", tc.name, p)
			}
		}
	}
	b, err := MeasureBounds(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	want := s.Bounds()
	for i := 0; i < 3; i++ {
		if math.Abs(b.Lo[i]-want.Lo[i]) > 0.02 || math.Abs(b.Hi[i]-want.Hi[i]) > 0.02 {
			t.Errorf("MeasureBounds %v, want %v", b, want)
		}
	}
	bad := []struct {
		name string
		err  error
	}{
		{"res 1", func() error { _, e := SurfacePoints(s, 1); return e }()},
		{"negative count", func() error { _, e := SampleSurface(s, -1, rand.New(rand.NewPCG(1, 1))); return e }()},
		{"nil rng", func() error { _, e := SampleSurface(s, 1, nil); return e }()},
		{"unbounded", func() error { _, e := SurfacePoints(plane{n: geom.Vec3{0, 0, 1}}, 8); return e }()},
	}
	for _, tc := range bad {
		if tc.err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
