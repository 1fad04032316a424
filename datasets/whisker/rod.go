package whisker

import (
	"fmt"
	"math"
)

// rodGeom is the discretised, constant part of one whisker: N rigid links of
// length ℓ joined by elastic ball joints. Joint 0 ties link 0 to the
// kinematic base (the follicle); joint j ≥ 1 ties link j to link j−1 at arc
// length j·ℓ. Each link's body frame has its origin at its proximal joint
// and its x axis along the link.
type rodGeom struct {
	n   int
	ell float64
	// per link
	mass, ia, it []float64 // mass (kg), axial and transverse inertia about the centre (kg·mm²)
	// per joint: stiffness (kg·mm²/s² per rad) and damping (kg·mm²/s per rad)
	// for twist (t) and bending (b), and the rest rotation child-in-parent.
	kt, kb, ct, cb []float64
	rest           []quat
	// jd is each joint's distal inertia about it (bending, kg·mm²), jax the
	// distal axial inertia: the settling test bounds kinetic energy with them.
	jd, jax []float64
	// contact sample points
	samples []sample
	maxR    float64
}

// sample is a point on a link's centre line where contact is tested.
type sample struct {
	link   int
	frac   float64 // position along the link, 0 proximal … 1 distal
	radius float64 // whisker radius there (mm)
	mass   float64 // mass the contact damper is tuned to (kg)
}

// sampleFracs are the contact test points per link: its middle and its
// distal end (the tip for the last link), i.e. every ℓ/2 ≈ 0.5 mm.
func sampleFracs() [2]float64 { return [2]float64{0.5, 1} }

// buildRod discretises whisker w.
//
// Bending stiffness is the Euler–Bernoulli lumping of a linearly tapered
// rod: joint j carries the compliance ∫ ds / (E·I(s)) of the arc it stands
// for, I = π R⁴/4; joint j ≥ 1 stands for [jℓ − ℓ/2, jℓ + ℓ/2] and the base
// joint for [0, ℓ/2], so the rod is elastic from the follicle on and a tip
// load gives P·L³/(3EI) for a uniform rod. Torsion uses G·J with J = 2I.
// Damping c = 2ζ·√(k·J_d) makes the mode of each joint swinging its distal
// part (inertia J_d about the joint) damped with ratio ζ.
func buildRod(w Whisker, p Physics) (*rodGeom, error) {
	n := int(math.Floor(w.ArcLength*p.LinksPerMM + 1e-9))
	if n < 2 {
		n = 2
	}
	s := w.ArcLength
	ell := s / float64(n)
	rb, rt := w.BaseRadius, w.TipRadius
	tau := (rb - rt) / s
	radius := func(x float64) float64 { return rb - tau*x }
	// ∫_a^b R(s)^-4 ds for the linear taper.
	intInv4 := func(a, b float64) float64 {
		if tau*s < 1e-9*rb {
			return (b - a) / math.Pow(rb, 4)
		}
		return (math.Pow(radius(b), -3) - math.Pow(radius(a), -3)) / (3 * tau)
	}
	g := &rodGeom{n: n, ell: ell,
		mass: make([]float64, n), ia: make([]float64, n), it: make([]float64, n),
		kt: make([]float64, n), kb: make([]float64, n), ct: make([]float64, n), cb: make([]float64, n),
		rest: make([]quat, n), maxR: rb, jd: make([]float64, n), jax: make([]float64, n),
	}
	for i := 0; i < n; i++ {
		r0, r1 := radius(float64(i)*ell), radius(float64(i+1)*ell)
		rho := p.DensityBase + (p.DensityTip-p.DensityBase)*(float64(i)+0.5)/float64(n)
		m := rho * math.Pi * ell / 3 * (r0*r0 + r0*r1 + r1*r1)
		wm := (r0 + r1) / 2
		g.mass[i] = m
		g.ia[i] = m * wm * wm / 2
		g.it[i] = m*ell*ell/12 + m*wm*wm/4
	}
	for j := 0; j < n; j++ {
		a, b := float64(j)*ell-ell/2, float64(j)*ell+ell/2
		if j == 0 {
			a, b = 0, ell/2
		}
		comp := 4 / (p.YoungModulus * math.Pi) * intInv4(a, b)
		g.kb[j] = 1 / comp
		g.kt[j] = g.kb[j] / (1 + p.PoissonRatio)
		var jd, jax float64
		for i := j; i < n; i++ {
			d := (float64(i-j) + 0.5) * ell
			jd += g.it[i] + g.mass[i]*d*d
			jax += g.ia[i]
		}
		g.jd[j], g.jax[j] = jd, jax
		g.cb[j] = 2 * p.DampingRatio * math.Sqrt(g.kb[j]*jd)
		g.ct[j] = 2 * p.DampingRatio * math.Sqrt(g.kt[j]*jax)
	}
	angles, err := restAngles(w.CurvatureA, s, n)
	if err != nil {
		return nil, fmt.Errorf("whisker %s: %w", w.Name, err)
	}
	for j := 0; j < n; j++ {
		g.rest[j] = quatRotZ(angles[j])
	}
	for i := 0; i < n; i++ {
		for _, f := range sampleFracs() {
			g.samples = append(g.samples, sample{link: i, frac: f, radius: radius((float64(i) + f) * ell), mass: g.mass[i]})
		}
	}
	return g, nil
}

// restAngles returns the relative joint angles (rad, about each link's z
// axis) of an n-link chain inscribed in the parabola y = A·x² of arc length
// s: link end points are equidistant in arc length, link 0 points along the
// base direction and joint j turns by the change of chord direction, negated
// so that the bend is towards local −y (the convention of WHISKiT's
// param_angles, simulator-spec §2.4). Entry 0 (the base joint) is 0.
//
// Unlike the mouse copy of WHISKiT, which reads the first n−1 entries of a
// table computed for 20 links (losing most of the curvature of short
// whiskers and reading past the table for RB0), the angles are computed for
// the actual n.
func restAngles(a, s float64, n int) ([]float64, error) {
	pts := make([][2]float64, n+1)
	for k := 0; k <= n; k++ {
		x, err := parabolaX(a, s*float64(k)/float64(n))
		if err != nil {
			return nil, err
		}
		pts[k] = [2]float64{x, a * x * x}
	}
	beta := make([]float64, n)
	for k := 0; k < n; k++ {
		beta[k] = math.Atan2(pts[k+1][1]-pts[k][1], pts[k+1][0]-pts[k][0])
	}
	out := make([]float64, n)
	prev := 0.0 // link 0 is along the base direction
	for j := 1; j < n; j++ {
		out[j] = -(beta[j] - prev)
		prev = beta[j]
	}
	return out, nil
}

// parabolaX returns x ≥ 0 where the arc length of y = A·x² from 0 equals s.
func parabolaX(a, s float64) (float64, error) {
	if a == 0 || s == 0 {
		return s, nil
	}
	aa := math.Abs(a)
	arc := func(x float64) float64 {
		u := 2 * aa * x
		return (u*math.Sqrt(1+u*u) + math.Asinh(u)) / (4 * aa)
	}
	x := s
	for it := 0; it < 60; it++ {
		u := 2 * aa * x
		dx := (arc(x) - s) / math.Sqrt(1+u*u)
		x -= dx
		if math.Abs(dx) < 1e-13*s {
			return x, nil
		}
	}
	return 0, fmt.Errorf("arc length inversion of y = %g·x² did not converge for s = %g", a, s)
}
