package shapes

import (
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Analytic signed-distance solids used by the procedural classes. Each type
// implements Shape and returns its gradient as the normal; primitives are
// exact, CSG combinations are conservative (1-Lipschitz, never larger in
// magnitude than the true distance), and smooth blends move the gradient
// continuously between their operands.

// sphere of radius r centred at c.
type sphere struct {
	c geom.Vec3
	r float64
}

func (s sphere) Distance(p geom.Vec3) (float64, geom.Vec3) {
	d := p.Sub(s.c)
	n := d.Norm()
	if n < 1e-300 {
		return -s.r, geom.Vec3{0, 0, 1}
	}
	return n - s.r, d.Scale(1 / n)
}
func (s sphere) Bounds() geom.AABB { return geom.AABB{Lo: s.c, Hi: s.c}.Expand(s.r) }

// roundBox is a box with half extents h centred at the origin whose edges
// are rounded with radius r (r ≤ min(h)).
type roundBox struct {
	h geom.Vec3
	r float64
}

func (b roundBox) Distance(p geom.Vec3) (float64, geom.Vec3) {
	var q, s geom.Vec3
	for i := 0; i < 3; i++ {
		s[i] = math.Copysign(1, p[i])
		q[i] = math.Abs(p[i]) - (b.h[i] - b.r)
	}
	if q[0] > 0 || q[1] > 0 || q[2] > 0 {
		var o geom.Vec3
		for i := 0; i < 3; i++ {
			o[i] = math.Max(q[i], 0)
		}
		n := o.Norm()
		return n - b.r, geom.Vec3{s[0] * o[0] / n, s[1] * o[1] / n, s[2] * o[2] / n}
	}
	k := 0
	if q[1] > q[k] {
		k = 1
	}
	if q[2] > q[k] {
		k = 2
	}
	var g geom.Vec3
	g[k] = s[k]
	return q[k] - b.r, g
}
func (b roundBox) Bounds() geom.AABB { return geom.AABB{Lo: b.h.Scale(-1), Hi: b.h} }

// capsule is the set of points within r of the segment a–b.
type capsule struct {
	a, b geom.Vec3
	r    float64
}

func (c capsule) Distance(p geom.Vec3) (float64, geom.Vec3) {
	ab := c.b.Sub(c.a)
	t := p.Sub(c.a).Dot(ab) / ab.Dot(ab)
	t = math.Max(0, math.Min(1, t))
	d := p.Sub(c.a.Add(ab.Scale(t)))
	n := d.Norm()
	if n < 1e-300 {
		return -c.r, orthogonal(ab)
	}
	return n - c.r, d.Scale(1 / n)
}
func (c capsule) Bounds() geom.AABB {
	return geom.EmptyAABB().Extend(c.a).Extend(c.b).Expand(c.r)
}

// plane is the half-space n·p ≤ off (n unit).
type plane struct {
	n   geom.Vec3
	off float64
}

func (h plane) Distance(p geom.Vec3) (float64, geom.Vec3) { return h.n.Dot(p) - h.off, h.n }
func (h plane) Bounds() geom.AABB {
	inf := math.Inf(1)
	return geom.AABB{Lo: geom.Vec3{-inf, -inf, -inf}, Hi: geom.Vec3{inf, inf, inf}}
}

// extrude sweeps a profile in the xy plane along z over |z| ≤ h.
type extrude struct {
	s shape2
	h float64
}

func (e extrude) Distance(p geom.Vec3) (float64, geom.Vec3) {
	d2, g2 := e.s.dist2(vec2{p[0], p[1]})
	sz := math.Copysign(1, p[2])
	wz := math.Abs(p[2]) - e.h
	switch {
	case d2 > 0 && wz > 0:
		n := math.Hypot(d2, wz)
		return n, geom.Vec3{g2[0] * d2 / n, g2[1] * d2 / n, sz * wz / n}
	case d2 > wz:
		return d2, geom.Vec3{g2[0], g2[1], 0}
	default:
		return wz, geom.Vec3{0, 0, sz}
	}
}
func (e extrude) Bounds() geom.AABB {
	b := e.s.bounds2()
	return geom.AABB{Lo: geom.Vec3{b.lo[0], b.lo[1], -e.h}, Hi: geom.Vec3{b.hi[0], b.hi[1], e.h}}
}

// revolve spins a profile given in the (ρ, z) half-plane about the z axis.
type revolve struct{ s shape2 }

func (r revolve) Distance(p geom.Vec3) (float64, geom.Vec3) {
	rho := math.Hypot(p[0], p[1])
	d, g := r.s.dist2(vec2{rho, p[2]})
	ux, uy := 1.0, 0.0
	if rho > 1e-300 {
		ux, uy = p[0]/rho, p[1]/rho
	}
	return d, geom.Vec3{g[0] * ux, g[0] * uy, g[1]}
}
func (r revolve) Bounds() geom.AABB {
	b := r.s.bounds2()
	rm := math.Max(math.Abs(b.lo[0]), math.Abs(b.hi[0]))
	return geom.AABB{Lo: geom.Vec3{-rm, -rm, b.lo[1]}, Hi: geom.Vec3{rm, rm, b.hi[1]}}
}

// offset rounds a solid by r (distance − r).
type offset struct {
	s Shape
	r float64
}

func (o offset) Distance(p geom.Vec3) (float64, geom.Vec3) {
	d, n := o.s.Distance(p)
	return d - o.r, n
}
func (o offset) Bounds() geom.AABB { return o.s.Bounds().Expand(math.Max(o.r, 0)) }

// union of solids; k > 0 blends each pair smoothly (left fold).
type union struct {
	parts []Shape
	k     float64
	box   geom.AABB
}

func newUnion(k float64, parts ...Shape) union {
	b := geom.EmptyAABB()
	for _, s := range parts {
		b = b.Union(s.Bounds())
	}
	return union{parts: parts, k: k, box: b.Expand(k / 4 * float64(len(parts)-1))}
}

func (u union) Distance(p geom.Vec3) (float64, geom.Vec3) {
	d, n := u.parts[0].Distance(p)
	for _, s := range u.parts[1:] {
		db, nb := s.Distance(p)
		var w float64
		d, w = smin(d, db, u.k)
		n = n.Scale(w).Add(nb.Scale(1 - w))
	}
	return d, n
}
func (u union) Bounds() geom.AABB { return u.box }

// intersection of solids; k > 0 blends smoothly.
type intersection struct {
	parts []Shape
	k     float64
	box   geom.AABB
}

func newIntersection(k float64, parts ...Shape) intersection {
	inf := math.Inf(1)
	b := geom.AABB{Lo: geom.Vec3{-inf, -inf, -inf}, Hi: geom.Vec3{inf, inf, inf}}
	for _, s := range parts {
		c := s.Bounds()
		b = geom.AABB{Lo: geom.Max(b.Lo, c.Lo), Hi: geom.Min(b.Hi, c.Hi)}
	}
	return intersection{parts: parts, k: k, box: b}
}

func (u intersection) Distance(p geom.Vec3) (float64, geom.Vec3) {
	d, n := u.parts[0].Distance(p)
	for _, s := range u.parts[1:] {
		db, nb := s.Distance(p)
		var w float64
		d, w = smax(d, db, u.k)
		n = n.Scale(w).Add(nb.Scale(1 - w))
	}
	return d, n
}
func (u intersection) Bounds() geom.AABB { return u.box }

// difference a − b (k > 0: smooth).
type difference struct {
	a, b Shape
	k    float64
}

func (u difference) Distance(p geom.Vec3) (float64, geom.Vec3) {
	da, na := u.a.Distance(p)
	db, nb := u.b.Distance(p)
	d, w := smax(da, -db, u.k)
	return d, na.Scale(w).Sub(nb.Scale(1 - w))
}
func (u difference) Bounds() geom.AABB { return u.a.Bounds() }

// rigid applies a rotation R and translation t to a solid: the world point
// p maps to Rᵀ(p − t) in the solid's frame.
type rigid struct {
	s   Shape
	r   geom.Mat3
	rt  geom.Mat3
	t   geom.Vec3
	box geom.AABB
}

func newRigid(s Shape, r geom.Mat3, t geom.Vec3) *rigid {
	return &rigid{s: s, r: r, rt: r.Transpose(), t: t, box: transformBox(s.Bounds(), r, 1, t)}
}

func (x *rigid) Distance(p geom.Vec3) (float64, geom.Vec3) {
	// Scalar arithmetic: the compiler keeps scalars in registers, not arrays.
	px, py, pz := p[0]-x.t[0], p[1]-x.t[1], p[2]-x.t[2]
	r := &x.r
	d, n := x.s.Distance(geom.Vec3{
		r[0][0]*px + r[1][0]*py + r[2][0]*pz,
		r[0][1]*px + r[1][1]*py + r[2][1]*pz,
		r[0][2]*px + r[1][2]*py + r[2][2]*pz,
	})
	nx, ny, nz := n[0], n[1], n[2]
	return d, geom.Vec3{
		r[0][0]*nx + r[0][1]*ny + r[0][2]*nz,
		r[1][0]*nx + r[1][1]*ny + r[1][2]*nz,
		r[2][0]*nx + r[2][1]*ny + r[2][2]*nz,
	}
}
func (x *rigid) Bounds() geom.AABB { return x.box }

// transformBox returns the axis-aligned box of the image of b under
// p ↦ s·R·p + t (exact for the box's corners).
func transformBox(b geom.AABB, r geom.Mat3, s float64, t geom.Vec3) geom.AABB {
	out := geom.EmptyAABB()
	for i := 0; i < 8; i++ {
		c := b.Lo
		if i&1 != 0 {
			c[0] = b.Hi[0]
		}
		if i&2 != 0 {
			c[1] = b.Hi[1]
		}
		if i&4 != 0 {
			c[2] = b.Hi[2]
		}
		out = out.Extend(r.MulVec(c).Scale(s).Add(t))
	}
	return out
}

// orthogonal returns some unit vector perpendicular to v.
func orthogonal(v geom.Vec3) geom.Vec3 {
	a := geom.Vec3{1, 0, 0}
	if math.Abs(v[0]) > math.Abs(v[1]) {
		a = geom.Vec3{0, 1, 0}
	}
	return v.Cross(a).Unit()
}
