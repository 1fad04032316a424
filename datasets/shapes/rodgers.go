package shapes

import (
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// The Rodgers concave/convex stimulus (paper-spec §3.7, simulator-spec §8.3)
// is a curved plate: a cubic Bézier arc in the xy plane, thickened and
// extruded along z. The paper used a Blender export, convex-shape.obj
// (2025-tactile-whisking, whisker-sim/whiskitphysics/data/object/; 404
// vertices, 402 quads), which we do not ship. We measured it instead:
//
//   - its four polylines of 101 vertices are, to 1e-6, one cubic Bézier
//     sampled at uniform parameter (the outer face, control points
//     rodgersOuter below), the same curve translated by rodgersDelta (the
//     other face), and both again at the two z levels rodgersZ;
//   - the end caps are the straight segments joining the two faces;
//   - the faces are 0.0490 apart on average (0.0452–0.0503) measured
//     perpendicular to the curve, in file units;
//   - the raw bounding box is 1.373 × 0.652 × 0.508 (diagonal 1.6024);
//     WHISKiT scales it to OBJ_SCALE = 55 mm, a factor of 34.324.
//
// RodgersPlate rebuilds this plate analytically in millimetres in WHISKiT's
// scaled frame (same origin, so OBJ_Z keeps its meaning): the mid-surface is
// the Bézier half-way between the two faces, thickened by ±thickness/2, and
// cut at each end by a plane through the end of the mid-curve parallel to
// the cap. Deviations from the mesh: the faces are true offsets of the
// mid-curve (the mesh's are translates, so its thickness varies by ±4%),
// and the cap corners are rounded by at most thickness/2.

// rodgers geometry in OBJ file units; see the comment above.
func rodgersOuter() [4]vec2 {
	return [4]vec2{{-0.720943, 0.195148}, {-0.167780, 0.219685}, {0.235606, -0.057832}, {0.631506, -0.409149}}
}

func rodgersDelta() vec2 { return vec2{-0.020447, -0.046006} }

// rodgersZ is the z range of the mesh in file units.
func rodgersZ() (lo, hi float64) { return -0.256589, 0.251290 }

// RodgersScale is WHISKiT's scale factor for the stimulus: OBJ_SCALE 55 mm
// over the mesh's raw bounding-box diagonal 1.602387.
const RodgersScale = 55 / 1.602387

// RodgersThickness is the plate's measured mean thickness in mm
// (0.04901 file units × RodgersScale).
const RodgersThickness = 0.04901 * RodgersScale

// rodgersPlate is the procedural plate in mm.
type rodgersPlate struct {
	cp      [4]vec2 // mid-curve control points, mm
	half    float64 // half thickness
	n0, n1  vec2    // outward normals of the cap planes
	zc, hz  float64 // z centre and half height
	box     geom.AABB
	samples [rodgersSamples + 1]vec2
}

const rodgersSamples = 24

// RodgersPlate returns the Rodgers stimulus plate in mm with the given
// total thickness (RodgersThickness reproduces the reference mesh). In the
// plate's frame the arc's centre of curvature lies on the −y side, so the
// concave face looks towards −y and the convex face towards +y;
// RodgersStimuli places it to present either face.
func RodgersPlate(thickness float64) (Shape, error) {
	if !(thickness > 0) || thickness > 10 {
		return nil, fmt.Errorf("rodgers plate: thickness %v mm outside (0, 10]", thickness)
	}
	outer := rodgersOuter()
	d := rodgersDelta()
	p := &rodgersPlate{half: thickness / 2}
	for i := range p.cp {
		p.cp[i] = outer[i].add(d.scale(0.5)).scale(RodgersScale)
	}
	zlo, zhi := rodgersZ()
	p.zc = (zlo + zhi) / 2 * RodgersScale
	p.hz = (zhi - zlo) / 2 * RodgersScale
	// Cap planes contain the cap direction d; their normal is perpendicular
	// to d, oriented away from the curve.
	dn := d.unitOr(vec2{0, 1})
	perp := vec2{-dn[1], dn[0]}
	t0 := p.cp[1].sub(p.cp[0])
	t1 := p.cp[3].sub(p.cp[2])
	p.n0 = perp
	if perp.dot(t0) > 0 {
		p.n0 = perp.scale(-1)
	}
	p.n1 = perp
	if perp.dot(t1) < 0 {
		p.n1 = perp.scale(-1)
	}
	for i := range p.samples {
		p.samples[i] = p.eval(float64(i) / rodgersSamples)
	}
	// Bounds: the control polygon contains the curve; grow by the half
	// thickness.
	b := geom.EmptyAABB()
	for _, c := range p.cp {
		b = b.Extend(geom.Vec3{c[0], c[1], p.zc - p.hz}).Extend(geom.Vec3{c[0], c[1], p.zc + p.hz})
	}
	b = b.Expand(p.half)
	b.Lo[2], b.Hi[2] = p.zc-p.hz, p.zc+p.hz
	p.box = b
	return p, nil
}

func (p *rodgersPlate) eval(t float64) vec2 {
	u := 1 - t
	b0, b1, b2, b3 := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
	return p.cp[0].scale(b0).add(p.cp[1].scale(b1)).add(p.cp[2].scale(b2)).add(p.cp[3].scale(b3))
}

func (p *rodgersPlate) deriv(t float64) (vec2, vec2) {
	u := 1 - t
	d1 := p.cp[1].sub(p.cp[0]).scale(3 * u * u).add(p.cp[2].sub(p.cp[1]).scale(6 * u * t)).add(p.cp[3].sub(p.cp[2]).scale(3 * t * t))
	d2 := p.cp[2].sub(p.cp[1].scale(2)).add(p.cp[0]).scale(6 * u).add(p.cp[3].sub(p.cp[2].scale(2)).add(p.cp[1]).scale(6 * t))
	return d1, d2
}

// closestT returns the parameter of the mid-curve point closest to q.
func (p *rodgersPlate) closestT(q vec2) float64 {
	bi, bd := 0, math.Inf(1)
	for i, s := range p.samples {
		if d := s.sub(q).dot(s.sub(q)); d < bd {
			bi, bd = i, d
		}
	}
	t := float64(bi) / rodgersSamples
	for it := 0; it < 8; it++ {
		c := p.eval(t)
		d1, d2 := p.deriv(t)
		diff := c.sub(q)
		f := diff.dot(d1)
		fp := d1.dot(d1) + diff.dot(d2)
		if fp <= 0 {
			fp = d1.dot(d1)
		}
		step := f / fp
		nt := math.Max(0, math.Min(1, t-step))
		if math.Abs(nt-t) < 1e-12 {
			t = nt
			break
		}
		t = nt
	}
	return t
}

func (p *rodgersPlate) dist2(q vec2) (float64, vec2) {
	t := p.closestT(q)
	c := p.eval(t)
	diff := q.sub(c)
	n := diff.norm()
	var g vec2
	if n < 1e-12 {
		d1, _ := p.deriv(t)
		g = vec2{-d1[1], d1[0]}.unitOr(vec2{0, 1})
	} else {
		g = diff.scale(1 / n)
	}
	d := n - p.half
	if c0 := q.sub(p.cp[0]).dot(p.n0); c0 > d {
		d, g = c0, p.n0
	}
	if c1 := q.sub(p.cp[3]).dot(p.n1); c1 > d {
		d, g = c1, p.n1
	}
	return d, g
}

// Distance implements Shape.
func (p *rodgersPlate) Distance(x geom.Vec3) (float64, geom.Vec3) {
	d2, g2 := p.dist2(vec2{x[0], x[1]})
	z := x[2] - p.zc
	sz := math.Copysign(1, z)
	wz := math.Abs(z) - p.hz
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

// Bounds implements Shape.
func (p *rodgersPlate) Bounds() geom.AABB { return p.box }

// RodgersStimulus is one of the six simulated stimuli of paper-spec §3.7.
type RodgersStimulus struct {
	Name     string    // "concave-near", …, "convex-far"
	Face     string    // "concave" or "convex"
	Position string    // "near", "medium" or "far" (the neural data says "close" for near)
	ThetaDeg float64   // OBJ_THETA
	Pos      geom.Vec3 // (OBJ_X, OBJ_Y, OBJ_Z) in mm
}

// RodgersStimuli returns the six stimuli in the paper's order: concave
// near, medium, far, then convex near, medium, far. Convex is the same plate
// turned by 180° (OBJ_THETA 155° instead of −25°) and one mm further in x.
func RodgersStimuli() []RodgersStimulus {
	var out []RodgersStimulus
	for fi, face := range []string{"concave", "convex"} {
		theta := -25.0
		if fi == 1 {
			theta = 155
		}
		for i, pos := range []string{"near", "medium", "far"} {
			x := float64(i-1) + float64(fi)
			y := 21 + float64(i)
			out = append(out, RodgersStimulus{
				Name: face + "-" + pos, Face: face, Position: pos, ThetaDeg: theta,
				Pos: geom.Vec3{x, y, 3},
			})
		}
	}
	return out
}

// Place puts plate (from RodgersPlate) where WHISKiT puts this stimulus:
// rotated by ThetaDeg about z, its −x face at OBJ_X, y by WHISKiT's rule,
// origin at OBJ_Z (see PlaceWhiskit). The plate is already at the 55 mm
// scale, so it is not rescaled.
func (s RodgersStimulus) Place(plate Shape) (*Transformed, error) {
	pts, err := SurfacePoints(plate, 96)
	if err != nil {
		return nil, fmt.Errorf("rodgers %s: %w", s.Name, err)
	}
	t, err := PlaceWhiskit(plate, pts, 0, s.ThetaDeg, s.Pos)
	if err != nil {
		return nil, fmt.Errorf("rodgers %s: %w", s.Name, err)
	}
	return t, nil
}
