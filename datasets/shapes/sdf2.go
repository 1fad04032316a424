package shapes

import "math"

// Two-dimensional signed-distance profiles, extruded or revolved into solids
// by sdf.go. Every profile returns its signed distance and its gradient
// (a unit vector for exact distances, length ≤ 1 for conservative ones).

type vec2 [2]float64

func (a vec2) add(b vec2) vec2       { return vec2{a[0] + b[0], a[1] + b[1]} }
func (a vec2) sub(b vec2) vec2       { return vec2{a[0] - b[0], a[1] - b[1]} }
func (a vec2) scale(s float64) vec2  { return vec2{s * a[0], s * a[1]} }
func (a vec2) dot(b vec2) float64    { return a[0]*b[0] + a[1]*b[1] }
func (a vec2) norm() float64         { return math.Hypot(a[0], a[1]) }
func (a vec2) cross(b vec2) float64  { return a[0]*b[1] - a[1]*b[0] }
func rot2(a vec2, s, c float64) vec2 { return vec2{c*a[0] - s*a[1], s*a[0] + c*a[1]} }
func (a vec2) unitOr(fb vec2) vec2 {
	n := a.norm()
	if n < 1e-300 {
		return fb
	}
	return a.scale(1 / n)
}

type box2 struct{ lo, hi vec2 }

func (b box2) union(c box2) box2 {
	return box2{vec2{math.Min(b.lo[0], c.lo[0]), math.Min(b.lo[1], c.lo[1])}, vec2{math.Max(b.hi[0], c.hi[0]), math.Max(b.hi[1], c.hi[1])}}
}
func (b box2) inter(c box2) box2 {
	return box2{vec2{math.Max(b.lo[0], c.lo[0]), math.Max(b.lo[1], c.lo[1])}, vec2{math.Min(b.hi[0], c.hi[0]), math.Min(b.hi[1], c.hi[1])}}
}
func (b box2) grow(m float64) box2 {
	return box2{vec2{b.lo[0] - m, b.lo[1] - m}, vec2{b.hi[0] + m, b.hi[1] + m}}
}

type shape2 interface {
	dist2(q vec2) (float64, vec2)
	bounds2() box2
}

// circle2 is a disc of radius r centred at c.
type circle2 struct {
	c vec2
	r float64
}

func (s circle2) dist2(q vec2) (float64, vec2) {
	d := q.sub(s.c)
	n := d.norm()
	return n - s.r, d.unitOr(vec2{1, 0})
}
func (s circle2) bounds2() box2 { return box2{s.c, s.c}.grow(s.r) }

// rect2 is an axis-aligned rectangle with half extents h centred at c.
type rect2 struct{ c, h vec2 }

func (s rect2) dist2(q vec2) (float64, vec2) {
	p := q.sub(s.c)
	sx, sy := math.Copysign(1, p[0]), math.Copysign(1, p[1])
	dx, dy := math.Abs(p[0])-s.h[0], math.Abs(p[1])-s.h[1]
	if dx > 0 || dy > 0 {
		ox, oy := math.Max(dx, 0), math.Max(dy, 0)
		n := math.Hypot(ox, oy)
		return n, vec2{sx * ox / n, sy * oy / n}
	}
	if dx > dy {
		return dx, vec2{sx, 0}
	}
	return dy, vec2{0, sy}
}
func (s rect2) bounds2() box2 { return box2{s.c.sub(s.h), s.c.add(s.h)} }

// polygon2 is a simple polygon (either orientation); its distance is exact.
type polygon2 struct {
	pts []vec2
	box box2
	ccw float64 // +1 for counter-clockwise vertex order, −1 for clockwise
}

func newPolygon2(pts []vec2) polygon2 {
	b := box2{pts[0], pts[0]}
	var area float64
	for i, p := range pts {
		b = b.union(box2{p, p})
		area += pts[(i+len(pts)-1)%len(pts)].cross(p)
	}
	return polygon2{pts: pts, box: b, ccw: math.Copysign(1, area)}
}

func (s polygon2) dist2(q vec2) (float64, vec2) {
	best := math.Inf(1)
	var bestDiff, bestEdge vec2
	var bestT float64
	inside := false
	n := len(s.pts)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := s.pts[j], s.pts[i]
		e := b.sub(a)
		w := q.sub(a)
		t := w.dot(e) / e.dot(e)
		t = math.Max(0, math.Min(1, t))
		diff := w.sub(e.scale(t))
		if d := diff.dot(diff); d < best {
			best, bestDiff, bestEdge, bestT = d, diff, e, t
		}
		// crossing-number parity
		if (a[1] > q[1]) != (b[1] > q[1]) {
			x := a[0] + (q[1]-a[1])*e[0]/e[1]
			if q[0] < x {
				inside = !inside
			}
		}
	}
	d := math.Sqrt(best)
	// Outward normal of the closest edge: the exact gradient when the
	// closest point is inside the edge, on either side of it.
	en := vec2{bestEdge[1], -bestEdge[0]}.scale(s.ccw).unitOr(vec2{1, 0})
	g := en
	if (bestT == 0 || bestT == 1) && d > 1e-9*bestEdge.norm() {
		g = bestDiff.scale(1 / d) // vertex region: direction from the vertex
		if inside {
			g = g.scale(-1)
		}
	}
	if inside {
		return -d, g
	}
	return d, g
}

func (s polygon2) bounds2() box2 { return s.box }

// arc2 is a thick circular arc: points within t/2 of the arc of radius r
// about c spanning angles dir±half (radians, half < π). Exact.
type arc2 struct {
	c          vec2
	r, half, t float64
	dir        float64
	sd, cd     float64 // sin, cos of dir
	e1, e2     vec2    // arc end points relative to c
}

func newArc2(c vec2, r, dir, half, t float64) arc2 {
	sd, cd := math.Sincos(dir)
	s1, c1 := math.Sincos(dir - half)
	s2, c2 := math.Sincos(dir + half)
	return arc2{c: c, r: r, half: half, t: t, dir: dir, sd: sd, cd: cd, e1: vec2{r * c1, r * s1}, e2: vec2{r * c2, r * s2}}
}

func (s arc2) dist2(q vec2) (float64, vec2) {
	p := q.sub(s.c)
	// angle of p relative to dir
	local := rot2(p, -s.sd, s.cd)
	ang := math.Atan2(local[1], local[0])
	var diff vec2
	if math.Abs(ang) <= s.half {
		n := p.norm()
		u := p.unitOr(vec2{s.cd, s.sd})
		diff = u.scale(n - s.r)
		d := math.Abs(n - s.r)
		g := u
		if n < s.r {
			g = u.scale(-1)
		}
		if d < 1e-300 {
			return -s.t / 2, u
		}
		return d - s.t/2, g
	}
	d1 := p.sub(s.e1)
	d2 := p.sub(s.e2)
	diff = d1
	if d2.dot(d2) < d1.dot(d1) {
		diff = d2
	}
	return diff.norm() - s.t/2, diff.unitOr(vec2{s.cd, s.sd})
}

func (s arc2) bounds2() box2 {
	// Conservative: the full circle grown by the half thickness.
	return box2{s.c, s.c}.grow(s.r + s.t/2)
}

// offset2 rounds a profile: distance minus r (r < 0 erodes).
type offset2 struct {
	s shape2
	r float64
}

func (o offset2) dist2(q vec2) (float64, vec2) {
	d, g := o.s.dist2(q)
	return d - o.r, g
}
func (o offset2) bounds2() box2 { return o.s.bounds2().grow(math.Max(o.r, 0)) }

// union2, inter2, sub2 combine profiles (k > 0 blends them smoothly).
type union2 struct {
	a, b shape2
	k    float64
}

func (u union2) dist2(q vec2) (float64, vec2) {
	da, ga := u.a.dist2(q)
	db, gb := u.b.dist2(q)
	d, wa := smin(da, db, u.k)
	return d, ga.scale(wa).add(gb.scale(1 - wa))
}
func (u union2) bounds2() box2 { return u.a.bounds2().union(u.b.bounds2()).grow(u.k / 4) }

type sub2 struct {
	a, b shape2
	k    float64
}

func (u sub2) dist2(q vec2) (float64, vec2) {
	da, ga := u.a.dist2(q)
	db, gb := u.b.dist2(q)
	d, wa := smax(da, -db, u.k)
	return d, ga.scale(wa).sub(gb.scale(1 - wa))
}
func (u sub2) bounds2() box2 { return u.a.bounds2() }

// smin is the quadratic polynomial smooth minimum (k = 0: exact min). It
// returns the value and the weight of a in the gradient (b gets 1−weight).
// The result is 1-Lipschitz when a and b are.
func smin(a, b, k float64) (float64, float64) {
	if k <= 0 {
		if a < b {
			return a, 1
		}
		return b, 0
	}
	h := math.Max(k-math.Abs(a-b), 0) / k
	if a < b {
		return a - h*h*k/4, 1 - h/2
	}
	return b - h*h*k/4, h / 2
}

// smax is the smooth maximum, −smin(−a, −b).
func smax(a, b, k float64) (float64, float64) {
	d, w := smin(-a, -b, k)
	return -d, w
}

func regularPolygon(n int, r float64, phase float64) []vec2 {
	pts := make([]vec2, n)
	for i := range pts {
		s, c := math.Sincos(phase + 2*math.Pi*float64(i)/float64(n))
		pts[i] = vec2{r * c, r * s}
	}
	return pts
}

func starPolygon(n int, ro, ri, phase float64) []vec2 {
	pts := make([]vec2, 2*n)
	for i := range pts {
		r := ro
		if i%2 == 1 {
			r = ri
		}
		s, c := math.Sincos(phase + math.Pi*float64(i)/float64(n))
		pts[i] = vec2{r * c, r * s}
	}
	return pts
}

func gearPolygon(teeth int, ro, depth, duty float64) []vec2 {
	// Each tooth: four corners, a flat top of angular width duty·pitch.
	pitch := 2 * math.Pi / float64(teeth)
	ri := ro - depth
	var pts []vec2
	for i := 0; i < teeth; i++ {
		a0 := float64(i) * pitch
		top := duty * pitch
		flank := 0.15 * pitch
		for _, pr := range [4]struct{ a, r float64 }{
			{a0, ri}, {a0 + flank, ro}, {a0 + flank + top, ro}, {a0 + 2*flank + top, ri},
		} {
			s, c := math.Sincos(pr.a)
			pts = append(pts, vec2{pr.r * c, pr.r * s})
		}
	}
	return pts
}
