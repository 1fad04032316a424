package shapes

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// boxMesh returns an axis-aligned box [-h, h] as 12 outward triangles; with
// split true every face gets its own vertex copies (welding must close it).
func boxMesh(h geom.Vec3, split bool) *MeshData {
	var m MeshData
	for i := 0; i < 8; i++ {
		v := geom.Vec3{-h[0], -h[1], -h[2]}
		for k := 0; k < 3; k++ {
			if i&(1<<k) != 0 {
				v[k] = h[k]
			}
		}
		m.Vertices = append(m.Vertices, v)
	}
	quads := [][4]int32{{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}}
	for _, q := range quads {
		if split {
			base := int32(len(m.Vertices))
			for _, i := range q {
				m.Vertices = append(m.Vertices, m.Vertices[i])
			}
			q = [4]int32{base, base + 1, base + 2, base + 3}
		}
		m.Triangles = append(m.Triangles, [3]int32{q[0], q[1], q[2]}, [3]int32{q[0], q[2], q[3]})
	}
	return &m
}

// icosphere returns a unit-radius geodesic sphere with 20·4^level triangles.
func icosphere(level int) *MeshData {
	t := (1 + math.Sqrt(5)) / 2
	v := []geom.Vec3{{-1, t, 0}, {1, t, 0}, {-1, -t, 0}, {1, -t, 0}, {0, -1, t}, {0, 1, t}, {0, -1, -t}, {0, 1, -t}, {t, 0, -1}, {t, 0, 1}, {-t, 0, -1}, {-t, 0, 1}}
	for i := range v {
		v[i] = v[i].Unit()
	}
	f := [][3]int32{{0, 11, 5}, {0, 5, 1}, {0, 1, 7}, {0, 7, 10}, {0, 10, 11}, {1, 5, 9}, {5, 11, 4}, {11, 10, 2}, {10, 7, 6}, {7, 1, 8},
		{3, 9, 4}, {3, 4, 2}, {3, 2, 6}, {3, 6, 8}, {3, 8, 9}, {4, 9, 5}, {2, 4, 11}, {6, 2, 10}, {8, 6, 7}, {9, 8, 1}}
	for l := 0; l < level; l++ {
		mid := map[[2]int32]int32{}
		get := func(a, b int32) int32 {
			k := [2]int32{min(a, b), max(a, b)}
			if i, ok := mid[k]; ok {
				return i
			}
			v = append(v, v[a].Add(v[b]).Unit())
			mid[k] = int32(len(v) - 1)
			return mid[k]
		}
		var nf [][3]int32
		for _, t := range f {
			a, b, c := get(t[0], t[1]), get(t[1], t[2]), get(t[2], t[0])
			nf = append(nf, [3]int32{t[0], a, c}, [3]int32{t[1], b, a}, [3]int32{t[2], c, b}, [3]int32{a, b, c})
		}
		f = nf
	}
	return &MeshData{Vertices: v, Triangles: f}
}

func bruteForce(m *MeshData, p geom.Vec3) float64 {
	best := math.Inf(1)
	for _, t := range m.Triangles {
		c, _ := closestPtTriangle(p, m.Vertices[t[0]], m.Vertices[t[1]], m.Vertices[t[2]])
		best = math.Min(best, p.Sub(c).Norm())
	}
	return best
}

func randIn(rng *rand.Rand, b geom.AABB) geom.Vec3 {
	s := b.Size()
	return geom.Vec3{b.Lo[0] + rng.Float64()*s[0], b.Lo[1] + rng.Float64()*s[1], b.Lo[2] + rng.Float64()*s[2]}
}

func TestClosestPtTriangleRegions(t *testing.T) {
	a, b, c := geom.Vec3{0, 0, 0}, geom.Vec3{1, 0, 0}, geom.Vec3{0, 1, 0}
	tests := []struct {
		p    geom.Vec3
		want geom.Vec3
		reg  int
	}{
		{geom.Vec3{0.2, 0.2, 1}, geom.Vec3{0.2, 0.2, 0}, regFace},
		{geom.Vec3{-1, -1, 0.5}, a, regV0},
		{geom.Vec3{2, -0.5, 0}, b, regV1},
		{geom.Vec3{-0.1, 3, 0}, c, regV2},
		{geom.Vec3{0.5, -1, 0.3}, geom.Vec3{0.5, 0, 0}, regE01},
		{geom.Vec3{1, 1, 0}, geom.Vec3{0.5, 0.5, 0}, regE12},
		{geom.Vec3{-2, 0.25, -1}, geom.Vec3{0, 0.25, 0}, regE20},
	}
	for _, tc := range tests {
		got, reg := closestPtTriangle(tc.p, a, b, c)
		if got.Sub(tc.want).Norm() > 1e-12 || reg != tc.reg {
			t.Errorf("closest(%v) = %v region %d, want %v region %d", tc.p, got, reg, tc.want, tc.reg)
		}
	}
}

func TestMeshAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// a random triangle soup as a shell, and a sphere as a solid
	soup := &MeshData{}
	for i := 0; i < 300; i++ {
		base := int32(len(soup.Vertices))
		c := randIn(rng, geom.AABB{Lo: geom.Vec3{-10, -10, -10}, Hi: geom.Vec3{10, 10, 10}})
		for k := 0; k < 3; k++ {
			soup.Vertices = append(soup.Vertices, c.Add(randIn(rng, geom.AABB{Lo: geom.Vec3{-2, -2, -2}, Hi: geom.Vec3{2, 2, 2}})))
		}
		soup.Triangles = append(soup.Triangles, [3]int32{base, base + 1, base + 2})
	}
	tests := []struct {
		name  string
		data  *MeshData
		thick float64
	}{
		{"soup shell", soup, 0.2},
		{"sphere solid", icosphere(3), 0},
		{"split cube solid", boxMesh(geom.Vec3{1, 2, 3}, true), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMesh(tc.data, MeshOptions{Thickness: tc.thick})
			if err != nil {
				t.Fatal(err)
			}
			box := m.Bounds().Expand(3)
			for i := 0; i < 2000; i++ {
				p := randIn(rng, box)
				want := bruteForce(tc.data, p)
				d, n := m.Distance(p)
				got := math.Abs(d)
				if tc.thick > 0 {
					got = d + tc.thick/2
				}
				if math.Abs(got-want) > 1e-9 {
					t.Fatalf("distance at %v = %v, brute force %v", p, got, want)
				}
				if math.Abs(n.Norm()-1) > 1e-9 {
					t.Fatalf("normal %v not unit", n)
				}
			}
		})
	}
}

func TestMeshAnalytic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	h := geom.Vec3{1, 2, 3}
	tests := []struct {
		name  string
		data  *MeshData
		exact Shape
		tol   float64
		flip  bool
	}{
		{"box", boxMesh(h, false), roundBox{h: h}, 1e-9, false},
		{"box inward-oriented", boxMesh(h, false), roundBox{h: h}, 1e-9, true},
		// level-4 icosphere: chord sag ≤ 1 − cos(edge/2) ≈ 0.0012
		{"sphere", icosphere(4), sphere{r: 1}, 3e-3, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data
			if tc.flip {
				for i := range data.Triangles {
					data.Triangles[i][1], data.Triangles[i][2] = data.Triangles[i][2], data.Triangles[i][1]
				}
			}
			m, err := NewMesh(data, MeshOptions{})
			if err != nil {
				t.Fatal(err)
			}
			box := tc.exact.Bounds().Expand(1)
			for i := 0; i < 5000; i++ {
				p := randIn(rng, box)
				got, n := m.Distance(p)
				want, wn := tc.exact.Distance(p)
				if math.Abs(got-want) > tc.tol {
					t.Fatalf("d(%v) = %v, analytic %v", p, got, want)
				}
				if math.Abs(want) > 0.05 && n.Dot(wn) < 0.9 {
					t.Fatalf("normal at %v = %v, analytic %v", p, n, wn)
				}
			}
		})
	}
}

func TestMeshOpenNeedsThickness(t *testing.T) {
	open := boxMesh(geom.Vec3{1, 1, 1}, false)
	open.Triangles = open.Triangles[:10] // drop one face
	tests := []struct {
		name    string
		opt     MeshOptions
		wantErr string
	}{
		{"solid rejects open", MeshOptions{}, "not closed"},
		{"shell accepts open", MeshOptions{Thickness: 0.5}, ""},
		{"negative thickness", MeshOptions{Thickness: -1}, "thickness"},
		{"NaN thickness", MeshOptions{Thickness: math.NaN()}, "thickness"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMesh(open, tc.opt)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// centre of the box: 1 from every face, so 1 − 0.25 outside the shell
			if d, _ := m.Distance(geom.Vec3{}); math.Abs(d-0.75) > 1e-12 {
				t.Errorf("shell distance at centre = %v, want 0.75", d)
			}
			if d, _ := m.Distance(geom.Vec3{0, 0, 1}); math.Abs(d+0.25) > 1e-12 {
				t.Errorf("shell distance on a face = %v, want −0.25", d)
			}
		})
	}
}

func TestMeshRejects(t *testing.T) {
	tests := []struct {
		name string
		data *MeshData
		want string
	}{
		{"nil", nil, "no triangles"},
		{"huge coordinate", &MeshData{Vertices: []geom.Vec3{{0, 0, 0}, {1e13, 0, 0}, {0, 1, 0}}, Triangles: [][3]int32{{0, 1, 2}}}, "exceeds"},
		{"index", &MeshData{Vertices: []geom.Vec3{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}, Triangles: [][3]int32{{0, 1, 3}}}, "out of range"},
		{"degenerate", &MeshData{Vertices: []geom.Vec3{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}}, Triangles: [][3]int32{{0, 1, 2}}}, "degenerate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewMesh(tc.data, MeshOptions{Thickness: 1})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// BenchmarkMeshDistance measures one closest-point + sign query on a
// 1280-triangle sphere, for points within 5% of the radius of its surface
// (where the physics queries) and in a box twice its size.
func BenchmarkMeshDistance(b *testing.B) {
	m, err := NewMesh(icosphere(3), MeshOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		lo   float64
		hi   float64
	}{{"near", 0.95, 1.05}, {"box", 0, 2}} {
		b.Run(bc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 6))
			pts := make([]geom.Vec3, 4096)
			for i := range pts {
				dir := geom.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}.Unit()
				pts[i] = dir.Scale(bc.lo + (bc.hi-bc.lo)*rng.Float64())
			}
			b.ResetTimer()
			var s float64
			for i := 0; i < b.N; i++ {
				d, _ := m.Distance(pts[i&4095])
				s += d
			}
			_ = s
		})
	}
}
