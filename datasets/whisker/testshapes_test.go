package whisker

import (
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Analytic test shapes (exact signed distances), so the simulator's tests do
// not depend on the object library.

type sphere struct {
	c geom.Vec3
	r float64
}

func (s sphere) Distance(p geom.Vec3) (float64, geom.Vec3) {
	d := p.Sub(s.c)
	n := d.Norm()
	if n == 0 {
		return -s.r, geom.Vec3{0, 0, 1}
	}
	return n - s.r, d.Scale(1 / n)
}

func (s sphere) Bounds() geom.AABB {
	return geom.AABB{Lo: s.c.Sub(geom.Vec3{s.r, s.r, s.r}), Hi: s.c.Add(geom.Vec3{s.r, s.r, s.r})}
}

// box is an axis-aligned box of half extents e centred at the origin.
type box struct{ e geom.Vec3 }

func (b box) Distance(p geom.Vec3) (float64, geom.Vec3) {
	var q geom.Vec3
	for i := 0; i < 3; i++ {
		q[i] = math.Abs(p[i]) - b.e[i]
	}
	outside := geom.Vec3{math.Max(q[0], 0), math.Max(q[1], 0), math.Max(q[2], 0)}
	if on := outside.Norm(); on > 0 {
		n := geom.Vec3{}
		for i := 0; i < 3; i++ {
			n[i] = math.Copysign(outside[i], p[i])
		}
		return on, n.Scale(1 / on)
	}
	k := 0
	for i := 1; i < 3; i++ {
		if q[i] > q[k] {
			k = i
		}
	}
	n := geom.Vec3{}
	n[k] = math.Copysign(1, p[k])
	return q[k], n
}

func (b box) Bounds() geom.AABB { return geom.AABB{Lo: b.e.Scale(-1), Hi: b.e} }

// halfSpace is the solid below the plane n·p = off (n unit), bounded to a
// large box so that Bounds is finite.
type halfSpace struct {
	n   geom.Vec3
	off float64
}

func (hs halfSpace) Distance(p geom.Vec3) (float64, geom.Vec3) { return hs.n.Dot(p) - hs.off, hs.n }

func (hs halfSpace) Bounds() geom.AABB {
	return geom.AABB{Lo: geom.Vec3{-1e3, -1e3, -1e3}, Hi: geom.Vec3{1e3, 1e3, 1e3}}
}

// curvedPlate is a stand-in for the Rodgers stimulus: a cylindrical shell
// of radius rad and half thickness th about the z axis, spanning the angles
// |atan2(y, x)| ≤ half and |z| ≤ hz. Its concave face looks at the axis.
type curvedPlate struct {
	rad, th, half, hz float64
}

func (c curvedPlate) Distance(p geom.Vec3) (float64, geom.Vec3) {
	rho := math.Hypot(p[0], p[1])
	ang := math.Atan2(p[1], p[0])
	// Distance in the (rho·angle, radial, z) box of the shell, treating the
	// angular overrun as an arc length: a 1-Lipschitz bound.
	radial := math.Abs(rho-c.rad) - c.th
	tang := (math.Abs(ang) - c.half) * math.Min(rho, c.rad)
	vert := math.Abs(p[2]) - c.hz
	q := geom.Vec3{radial, tang, vert}
	var er, et geom.Vec3
	if rho > 0 {
		er = geom.Vec3{p[0] / rho, p[1] / rho, 0}
		et = geom.Vec3{-p[1] / rho, p[0] / rho, 0}
	} else {
		er = geom.Vec3{1, 0, 0}
		et = geom.Vec3{0, 1, 0}
	}
	sr := math.Copysign(1, rho-c.rad)
	st := math.Copysign(1, ang)
	sz := math.Copysign(1, p[2])
	axes := [3]geom.Vec3{er.Scale(sr), et.Scale(st), {0, 0, sz}}
	outside := 0.0
	var n geom.Vec3
	for i := 0; i < 3; i++ {
		if q[i] > 0 {
			outside += q[i] * q[i]
			n = n.Add(axes[i].Scale(q[i]))
		}
	}
	if outside > 0 {
		d := math.Sqrt(outside)
		return d, n.Scale(1 / d)
	}
	k := 0
	for i := 1; i < 3; i++ {
		if q[i] > q[k] {
			k = i
		}
	}
	return q[k], axes[k]
}

func (c curvedPlate) Bounds() geom.AABB {
	r := c.rad + c.th
	return geom.AABB{Lo: geom.Vec3{(c.rad - c.th) * math.Cos(c.half), -r * math.Sin(c.half), -c.hz}, Hi: geom.Vec3{r, r * math.Sin(c.half), c.hz}}
}

// turned is a plate rotated by +90° about z and centred on its bounding
// box, as a mesh exported around its centre would be.
type turned struct{ s curvedPlate }

func (t turned) raw() geom.AABB {
	b := t.s.Bounds()
	return geom.AABB{Lo: geom.Vec3{-b.Hi[1], b.Lo[0], b.Lo[2]}, Hi: geom.Vec3{-b.Lo[1], b.Hi[0], b.Hi[2]}}
}

func (t turned) Distance(p geom.Vec3) (float64, geom.Vec3) {
	p = p.Add(t.raw().Center())
	d, n := t.s.Distance(geom.Vec3{p[1], -p[0], p[2]})
	return d, geom.Vec3{-n[1], n[0], n[2]}
}

func (t turned) Bounds() geom.AABB {
	b := t.raw()
	c := b.Center()
	return geom.AABB{Lo: b.Lo.Sub(c), Hi: b.Hi.Sub(c)}
}
