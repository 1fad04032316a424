package shapes

import (
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

func TestRodgersPlateGeometry(t *testing.T) {
	plate, err := RodgersPlate(RodgersThickness)
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, "rodgers", plate, rand.New(rand.NewPCG(1, 1)))
	b, err := MeasureBounds(plate, 128)
	if err != nil {
		t.Fatal(err)
	}
	// Raw bounding box of convex-shape.obj (simulator-spec §8.3 and our
	// measurement) times the 55 mm scale; the rebuilt caps may differ by a
	// fraction of the thickness.
	s := RodgersScale
	want := geom.AABB{Lo: geom.Vec3{-0.74139 * s, -0.455155 * s, -0.256589 * s}, Hi: geom.Vec3{0.631506 * s, 0.196657 * s, 0.25129 * s}}
	for i := 0; i < 3; i++ {
		if math.Abs(b.Lo[i]-want.Lo[i]) > 0.4 || math.Abs(b.Hi[i]-want.Hi[i]) > 0.4 {
			t.Errorf("axis %d: bounds [%.2f, %.2f], mesh [%.2f, %.2f]", i, b.Lo[i], b.Hi[i], want.Lo[i], want.Hi[i])
		}
	}
	if d := Diagonal(b); math.Abs(d-55) > 0.5 {
		t.Errorf("diagonal %.2f mm, want 55", d)
	}
	// The concave side faces −y: the chord between the curve ends lies on
	// the −y side of the plate, i.e. outside, beyond the concave face.
	mid := plate.(*rodgersPlate).eval(0.5)
	chordMid := plate.(*rodgersPlate).cp[0].add(plate.(*rodgersPlate).cp[3]).scale(0.5)
	if !(chordMid[1] < mid[1]) {
		t.Errorf("chord midpoint %v is not on the −y side of the arc midpoint %v", chordMid, mid)
	}
}

func TestRodgersThickness(t *testing.T) {
	tests := []struct {
		thick   float64
		wantErr bool
	}{{RodgersThickness, false}, {0.5, false}, {3, false}, {0, true}, {-1, true}, {math.NaN(), true}, {20, true}}
	for _, tc := range tests {
		plate, err := RodgersPlate(tc.thick)
		if tc.wantErr {
			if err == nil {
				t.Errorf("thickness %v accepted", tc.thick)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		p := plate.(*rodgersPlate)
		m := p.eval(0.4)
		d, _ := plate.Distance(geom.Vec3{m[0], m[1], p.zc})
		if math.Abs(d+tc.thick/2) > 1e-9 {
			t.Errorf("thickness %v: distance on the mid-surface %v, want %v", tc.thick, d, -tc.thick/2)
		}
	}
}

// TestRodgersPlacement checks the placed stimuli against the object extents
// WHISKiT produces (simulator-spec §8.3).
func TestRodgersPlacement(t *testing.T) {
	plate, err := RodgersPlate(RodgersThickness)
	if err != nil {
		t.Fatal(err)
	}
	st := RodgersStimuli()
	names := []string{"concave-near", "concave-medium", "concave-far", "convex-near", "convex-medium", "convex-far"}
	if len(st) != len(names) {
		t.Fatalf("%d stimuli", len(st))
	}
	tests := []struct {
		idx      int
		xlo, xhi float64
		ylo, yhi float64
	}{
		{0, -1.0, 33.6, -25.0, 14.5},
		{1, 0.0, 34.6, -24.0, 15.5}, // one mm steps
		{3, 0.0, 34.6, -12.1, 27.5},
		{5, 2.0, 36.6, -10.1, 29.5},
	}
	for i, s := range st {
		if s.Name != names[i] {
			t.Errorf("stimulus %d = %s, want %s", i, s.Name, names[i])
		}
	}
	for _, tc := range tests {
		s := st[tc.idx]
		placed, err := s.Place(plate)
		if err != nil {
			t.Fatal(err)
		}
		b, err := MeasureBounds(placed, 96)
		if err != nil {
			t.Fatal(err)
		}
		const tol = 0.15
		if math.Abs(b.Lo[0]-tc.xlo) > tol || math.Abs(b.Hi[0]-tc.xhi) > tol || math.Abs(b.Lo[1]-tc.ylo) > tol || math.Abs(b.Hi[1]-tc.yhi) > tol ||
			math.Abs(b.Lo[2]+5.8) > tol || math.Abs(b.Hi[2]-11.6) > tol {
			t.Errorf("%s: extents x[%.1f, %.1f] y[%.1f, %.1f] z[%.1f, %.1f], want x[%.1f, %.1f] y[%.1f, %.1f] z[-5.8, 11.6]",
				s.Name, b.Lo[0], b.Hi[0], b.Lo[1], b.Hi[1], b.Lo[2], b.Hi[2], tc.xlo, tc.xhi, tc.ylo, tc.yhi)
		}
	}
}

// TestRodgersAgainstReferenceMesh compares the analytic plate with the
// paper's mesh when the reference snapshot is present (it is not shipped).
func TestRodgersAgainstReferenceMesh(t *testing.T) {
	path := os.Getenv("WHISKERBENCH_RODGERS_OBJ")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "reference", "whiskit-mouse", "convex-shape.obj")
	}
	data, err := LoadOBJ(path, Limits{})
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("reference mesh %s not present", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := range data.Vertices {
		data.Vertices[i] = data.Vertices[i].Scale(RodgersScale)
	}
	mesh, err := NewMesh(data, MeshOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plate, err := RodgersPlate(RodgersThickness)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := SampleSurface(plate, 2000, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var worst, sum float64
	for _, p := range pts {
		d, _ := mesh.Distance(p)
		worst = math.Max(worst, math.Abs(d))
		sum += math.Abs(d)
	}
	for _, v := range mesh.Vertices() {
		d, _ := plate.Distance(v)
		worst = math.Max(worst, math.Abs(d))
	}
	t.Logf("plate vs mesh: mean %.3f mm, worst %.3f mm", sum/float64(len(pts)), worst)
	if worst > 0.5 || sum/float64(len(pts)) > 0.1 {
		t.Errorf("plate deviates from the mesh: mean %.3f mm, worst %.3f mm", sum/float64(len(pts)), worst)
	}
}

func BenchmarkRodgersDistance(b *testing.B) {
	plate, err := RodgersPlate(RodgersThickness)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	surf, err := SampleSurface(plate, 1024, rng)
	if err != nil {
		b.Fatal(err)
	}
	for i := range surf {
		surf[i] = surf[i].Add(geom.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()})
	}
	b.ResetTimer()
	var s float64
	for i := 0; i < b.N; i++ {
		d, _ := plate.Distance(surf[i&1023])
		s += d
	}
	_ = s
}
