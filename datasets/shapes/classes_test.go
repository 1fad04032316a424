package shapes

import (
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// The class list is part of the dataset format (labels are indices): any
// change here must bump the dataset generator version.
var wantClassNames = []string{
	"sphere", "capsule", "cube", "cuboid", "slab", "cylinder", "disc", "cone", "frustum", "pyramid",
	"triangular_prism", "hexagonal_prism", "star_prism", "gear", "cross_prism",
	"l_beam", "t_beam", "u_channel", "i_beam", "torus", "washer", "tube", "holed_plate",
	"bowl", "cup", "tray", "crescent", "arch", "dumbbell", "snowman", "mushroom", "wedge", "hourglass",
}

func TestClassListStable(t *testing.T) {
	got := ClassNames()
	if !reflect.DeepEqual(got, wantClassNames) {
		t.Fatalf("class names changed:\n got %v\nwant %v", got, wantClassNames)
	}
	if len(got) < 24 {
		t.Fatalf("%d classes, want ≥ 24", len(got))
	}
	seen := map[string]bool{}
	for _, c := range Classes() {
		if seen[c.Name] || c.Description == "" {
			t.Errorf("class %q duplicated or undocumented", c.Name)
		}
		seen[c.Name] = true
	}
	if _, err := ClassByName("no-such-class"); err == nil {
		t.Error("ClassByName accepted an unknown name")
	}
}

func fdGrad(s Shape, p geom.Vec3, h float64) geom.Vec3 {
	var g geom.Vec3
	for i := 0; i < 3; i++ {
		a, b := p, p
		a[i] += h
		b[i] -= h
		da, _ := s.Distance(a)
		db, _ := s.Distance(b)
		g[i] = (da - db) / (2 * h)
	}
	return g
}

// checkShape runs the geometric checks every Shape must pass; it returns
// the surface sample it used.
func checkShape(t *testing.T, name string, s Shape, rng *rand.Rand) []geom.Vec3 {
	t.Helper()
	b := s.Bounds()
	if !finiteBox(b) {
		t.Fatalf("%s: bounds %v not finite", name, b)
	}
	pts, err := SampleSurface(s, 300, rng)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	diag := Diagonal(b)
	tol := 1e-6 * diag
	var gradOK, normalOK, near, strict int
	for _, q := range pts {
		if !b.Expand(tol).Contains(q) {
			t.Fatalf("%s: surface point %v outside bounds %v", name, q, b)
		}
		d, n := s.Distance(q)
		if math.Abs(d) > 1e-5*diag || math.Abs(n.Norm()-1) > 1e-9 {
			t.Fatalf("%s: at surface point %v: d = %v, |n| = %v", name, q, d, n.Norm())
		}
		// Outward: stepping along n leaves the solid, against n enters it.
		// At sharp edges the step may run along a face, so that only holds
		// up to a small tolerance there; it must hold strictly almost
		// everywhere.
		eps := 0.02
		dout, _ := s.Distance(q.Add(n.Scale(eps)))
		din, _ := s.Distance(q.Sub(n.Scale(eps)))
		if dout < -eps || din > eps {
			t.Fatalf("%s: normal %v at %v points inward: d(q+εn) = %v, d(q−εn) = %v", name, n, q, dout, din)
		}
		if dout > eps/2 && din < -eps/2 {
			strict++
		}
		// Near the surface: |∇d| ≤ 1 (Lipschitz), ≈ 1 almost everywhere,
		// and the returned normal is the gradient's direction.
		p := q.Add(n.Scale((rng.Float64()*2 - 1) * 0.3))
		g := fdGrad(s, p, 1e-5)
		gn := g.Norm()
		if gn > 1+1e-3 {
			t.Fatalf("%s: |∇d| = %v > 1 at %v", name, gn, p)
		}
		near++
		if gn > 0.9 {
			gradOK++
		}
		_, np := s.Distance(p)
		if np.Dot(g.Unit()) > 0.99 {
			normalOK++
		}
	}
	if float64(strict) < 0.9*float64(len(pts)) {
		t.Errorf("%s: normal points cleanly outward at only %d of %d surface points", name, strict, len(pts))
	}
	if float64(gradOK) < 0.85*float64(near) {
		t.Errorf("%s: |∇d| ≈ 1 at only %d of %d near-surface points", name, gradOK, near)
	}
	if float64(normalOK) < 0.95*float64(near) {
		t.Errorf("%s: normal matches the gradient at only %d of %d points", name, normalOK, near)
	}
	// Everywhere: finite values, unit normals, 1-Lipschitz, positive outside the bounds.
	big := b.Expand(0.3 * diag)
	for i := 0; i < 300; i++ {
		p1, p2 := randIn(rng, big), randIn(rng, big)
		d1, n1 := s.Distance(p1)
		d2, _ := s.Distance(p2)
		if math.IsNaN(d1) || math.IsInf(d1, 0) || math.Abs(n1.Norm()-1) > 1e-9 {
			t.Fatalf("%s: at %v: d = %v, n = %v", name, p1, d1, n1)
		}
		if math.Abs(d1-d2) > p1.Sub(p2).Norm()*(1+1e-9)+1e-9 {
			t.Fatalf("%s: not 1-Lipschitz between %v (%v) and %v (%v)", name, p1, d1, p2, d2)
		}
		if !b.Contains(p1) && !(d1 > 0) {
			t.Fatalf("%s: point %v outside bounds has d = %v", name, p1, d1)
		}
	}
	return pts
}

func TestClassInstances(t *testing.T) {
	for _, c := range Classes() {
		t.Run(c.Name, func(t *testing.T) {
			for seed := uint64(0); seed < 4; seed++ {
				inst := c.New(rand.New(rand.NewPCG(seed, 99)))
				if inst.Class != c.Name || len(inst.Params) == 0 {
					t.Fatalf("instance %+v", inst)
				}
				for k, v := range inst.Params {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("param %s = %v", k, v)
					}
				}
				checkShape(t, c.Name, inst.Shape, rand.New(rand.NewPCG(seed, 7)))
			}
		})
	}
}

func TestClassDeterminism(t *testing.T) {
	probe := make([]geom.Vec3, 50)
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range probe {
		probe[i] = randIn(rng, geom.AABB{Lo: geom.Vec3{-25, -25, -25}, Hi: geom.Vec3{25, 25, 25}})
	}
	for _, c := range Classes() {
		t.Run(c.Name, func(t *testing.T) {
			a, err := NewInstance(c.Name, 42, 1)
			if err != nil {
				t.Fatal(err)
			}
			b := c.New(rand.New(rand.NewPCG(42, 1)))
			if !reflect.DeepEqual(a.Params, b.Params) {
				t.Fatalf("same seed, different params: %v vs %v", a.Params, b.Params)
			}
			for _, p := range probe {
				da, _ := a.Shape.Distance(p)
				db, _ := b.Shape.Distance(p)
				if da != db {
					t.Fatalf("same seed, d(%v) = %v vs %v", p, da, db)
				}
			}
			other, _ := NewInstance(c.Name, 43, 1)
			if reflect.DeepEqual(a.Params, other.Params) {
				t.Fatalf("seeds 42 and 43 gave identical params %v", a.Params)
			}
			same := true
			for _, p := range probe {
				da, _ := a.Shape.Distance(p)
				do, _ := other.Shape.Distance(p)
				same = same && da == do
			}
			if same {
				t.Fatal("seeds 42 and 43 gave the same shape")
			}
		})
	}
}

// TestClassesDistinct checks that instances of different classes differ
// in a rotation-invariant descriptor more than instances of one class do on
// average, i.e. that the classes are separable at all, while some pairs of
// classes stay close (the task must not be trivial).
func TestClassesDistinct(t *testing.T) {
	// Descriptor: sorted normalised extents of the tight box and the fraction
	// of the box volume that is solid.
	desc := func(s Shape, rng *rand.Rand) []float64 {
		pts, err := SurfacePoints(s, 24)
		if err != nil {
			t.Fatal(err)
		}
		b := PointsBounds(pts)
		sz := b.Size()
		ext := []float64{sz[0], sz[1], sz[2]}
		sort.Float64s(ext)
		diag := Diagonal(b)
		in := 0
		for i := 0; i < 400; i++ {
			if d, _ := s.Distance(randIn(rng, b)); d < 0 {
				in++
			}
		}
		return []float64{ext[0] / diag, ext[1] / diag, ext[2] / diag, float64(in) / 400}
	}
	cs := Classes()
	const per = 3
	means := make([][]float64, len(cs))
	var within float64
	rng := rand.New(rand.NewPCG(1, 1))
	for i, c := range cs {
		var ds [][]float64
		means[i] = make([]float64, 4)
		for k := 0; k < per; k++ {
			d := desc(c.New(rand.New(rand.NewPCG(uint64(k), 5))).Shape, rng)
			ds = append(ds, d)
			for j := range d {
				means[i][j] += d[j] / per
			}
		}
		for _, d := range ds {
			within += dist(d, means[i]) / float64(per*len(cs))
		}
	}
	var between []float64
	for i := range means {
		for j := i + 1; j < len(means); j++ {
			between = append(between, dist(means[i], means[j]))
		}
	}
	sort.Float64s(between)
	median := between[len(between)/2]
	if !(median > within) {
		t.Errorf("median between-class distance %v ≤ mean within-class spread %v", median, within)
	}
	if !(between[0] < within) {
		t.Errorf("closest class pair %v is farther apart than the within-class spread %v: too easy", between[0], within)
	}
	t.Logf("within %.3f, between min %.3f median %.3f max %.3f", within, between[0], median, between[len(between)-1])
}

func dist(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
}

// BenchmarkClassDistance reports ns per Distance query for each class, for
// points within 2 mm of the surface (where the physics queries).
func BenchmarkClassDistance(b *testing.B) {
	for _, c := range Classes() {
		inst := c.New(rand.New(rand.NewPCG(3, 3)))
		rng := rand.New(rand.NewPCG(4, 4))
		surf, err := SampleSurface(inst.Shape, 1024, rng)
		if err != nil {
			b.Fatal(err)
		}
		pts := make([]geom.Vec3, len(surf))
		for i, q := range surf {
			pts[i] = q.Add(geom.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()})
		}
		b.Run(c.Name, func(b *testing.B) {
			var s float64
			for i := 0; i < b.N; i++ {
				d, _ := inst.Shape.Distance(pts[i&1023])
				s += d
			}
			_ = s
		})
	}
}
