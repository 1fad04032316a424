package whisker

import (
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
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
	rest           []geom.Mat3
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
		rest: make([]geom.Mat3, n), maxR: rb,
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
		g.cb[j] = 2 * p.DampingRatio * math.Sqrt(g.kb[j]*jd)
		g.ct[j] = 2 * p.DampingRatio * math.Sqrt(g.kt[j]*jax)
	}
	angles, err := restAngles(w.CurvatureA, s, n)
	if err != nil {
		return nil, fmt.Errorf("whisker %s: %w", w.Name, err)
	}
	for j := 0; j < n; j++ {
		g.rest[j] = geom.RotZ(angles[j])
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

// pointLoad is a constant force on a link point (used by validation tests
// and available to callers that want a prescribed load).
type pointLoad struct {
	link  int
	frac  float64
	force geom.Vec3
}

// objFrame is one object at the start of a substep, relative to the
// whisker's base point: x_body = RT·(x − T).
type objFrame struct {
	shape   shapes.Shape
	bounds  geom.AABB // body frame
	r, rt   geom.Mat3
	t       geom.Vec3 // origin relative to the base point
	v, w    geom.Vec3 // linear velocity of the origin, angular velocity (world)
	wlo, wh geom.Vec3 // world AABB relative to the base point
}

// sampleCache remembers the last distance query of one sample against one
// object so that a point that cannot have reached the surface is skipped
// (signed distances are 1-Lipschitz).
type sampleCache struct {
	pb    geom.Vec3
	d     float64
	valid bool
}

// rodState is the dynamic state of one whisker plus its scratch space.
type rodState struct {
	g    *rodGeom
	phys Physics
	q    []geom.Mat3 // relative rotation of joint j (child in parent frame)
	w    []geom.Vec3 // relative angular velocity of joint j, child frame

	rot     []geom.Mat3 // link orientation (world axes)
	pos     []geom.Vec3 // proximal joint position relative to the base point
	sub     []mat63     // joint motion subspace
	vel     []vec6
	cvp     []vec6 // velocity-product acceleration
	ia      []mat6 // articulated inertia
	pa      []vec6 // articulated bias force
	u       []mat63
	dinv    [][9]float64
	tauU    []geom.Vec3
	acc     []vec6
	cache   []sampleCache // [object][sample]
	loads   []pointLoad
	contact bool // some sample touched an object in the last step
}

func newRodState(g *rodGeom, p Physics, nobj int) *rodState {
	n := g.n
	st := &rodState{g: g, phys: p,
		q: make([]geom.Mat3, n), w: make([]geom.Vec3, n),
		rot: make([]geom.Mat3, n), pos: make([]geom.Vec3, n), sub: make([]mat63, n),
		vel: make([]vec6, n), cvp: make([]vec6, n), ia: make([]mat6, n), pa: make([]vec6, n),
		u: make([]mat63, n), dinv: make([][9]float64, n), tauU: make([]geom.Vec3, n), acc: make([]vec6, n),
		cache: make([]sampleCache, nobj*len(g.samples)),
	}
	copy(st.q, g.rest)
	return st
}

// step advances the whisker by h with the base at orientation rb and
// angular velocity wb (world) at the start of the step and angular velocity
// wb1 at its end. It returns the force and moment that the whisker exerts
// on the base during the step, (Fx, Fy, Fz, Mx, My, Mz) in world axes with
// the moment about the base point. With integrate false the state is left
// unchanged (a measurement only).
//
// Scheme: one articulated-body (Featherstone) pass per step, linearly
// implicit in every stiff term — joint springs and dampers enter the joint
// inertia as h·c + h²·k, penalty contacts and friction enter the body
// inertia as h·(c + h·k)·nnᵀ and h·c_t·(1 − nnᵀ) — then symplectic Euler on
// the joint velocities and rotations. Linear stiffness and damping are thus
// treated by backward Euler, unconditionally stable for any h.
func (st *rodState) step(h float64, rb geom.Mat3, wb, wb1 geom.Vec3, objs []objFrame, integrate bool) ([6]float64, error) {
	g := st.g
	n := g.n
	ell := g.ell
	// Pass 1: kinematics.
	baseV := vec6{wb[0], wb[1], wb[2], 0, 0, 0}
	parentR := rb
	parentV := baseV
	var p geom.Vec3
	for j := 0; j < n; j++ {
		if j > 0 {
			p = p.Add(col(parentR, 0).Scale(ell))
		}
		r := parentR.Mul(st.q[j])
		st.rot[j] = r
		st.pos[j] = p
		s := &st.sub[j]
		for k := 0; k < 3; k++ {
			e := col(r, k)
			m := p.Cross(e)
			s[0*3+k], s[1*3+k], s[2*3+k] = e[0], e[1], e[2]
			s[3*3+k], s[4*3+k], s[5*3+k] = m[0], m[1], m[2]
		}
		wj := st.w[j]
		var vj vec6
		for rr := 0; rr < 6; rr++ {
			vj[rr] = s[rr*3]*wj[0] + s[rr*3+1]*wj[1] + s[rr*3+2]*wj[2]
		}
		var v vec6
		for rr := 0; rr < 6; rr++ {
			v[rr] = parentV[rr] + vj[rr]
		}
		st.vel[j] = v
		st.cvp[j] = crossMotion(v, vj)
		parentR, parentV = r, v
	}
	// Link inertias, bias forces, external forces.
	for i := 0; i < n; i++ {
		d := col(st.rot[i], 0)
		c := st.pos[i].Add(d.Scale(ell / 2))
		var ic geom.Mat3
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				ic[a][b] = (g.ia[i] - g.it[i]) * d[a] * d[b]
			}
			ic[a][a] += g.it[i]
		}
		in := spatialInertia(g.mass[i], c, ic)
		st.ia[i] = in
		st.pa[i] = crossForce(st.vel[i], in.mulVec(st.vel[i]))
	}
	for _, l := range st.loads {
		x := st.pos[l.link].Add(col(st.rot[l.link], 0).Scale(l.frac * ell))
		m := x.Cross(l.force)
		pa := &st.pa[l.link]
		pa[0] -= m[0]
		pa[1] -= m[1]
		pa[2] -= m[2]
		pa[3] -= l.force[0]
		pa[4] -= l.force[1]
		pa[5] -= l.force[2]
	}
	touched := false
	if len(objs) > 0 {
		var err error
		touched, err = st.contacts(h, objs)
		if err != nil {
			return [6]float64{}, err
		}
	}
	// Pass 2: articulated inertias, inward.
	for j := n - 1; j >= 0; j-- {
		ia := &st.ia[j]
		s := &st.sub[j]
		u := &st.u[j]
		for rr := 0; rr < 6; rr++ {
			row := ia[6*rr : 6*rr+6]
			for k := 0; k < 3; k++ {
				u[rr*3+k] = row[0]*s[k] + row[1]*s[3+k] + row[2]*s[6+k] + row[3]*s[9+k] + row[4]*s[12+k] + row[5]*s[15+k]
			}
		}
		var dm [9]float64
		for a := 0; a < 3; a++ {
			for b := a; b < 3; b++ {
				var sum float64
				for rr := 0; rr < 6; rr++ {
					sum += s[rr*3+a] * u[rr*3+b]
				}
				dm[a*3+b] = sum
				dm[b*3+a] = sum
			}
		}
		dm[0] += h*g.ct[j] + h*h*g.kt[j]
		dm[4] += h*g.cb[j] + h*h*g.kb[j]
		dm[8] += h*g.cb[j] + h*h*g.kb[j]
		dinv, ok := inv3sym(dm)
		if !ok {
			return [6]float64{}, fmt.Errorf("joint %d: singular articulated inertia", j)
		}
		st.dinv[j] = dinv
		// Joint torque (child frame): spring on the rotation away from rest,
		// damping, and the implicit h·k·w term.
		th := logRot(g.rest[j].Transpose().Mul(st.q[j]))
		wj := st.w[j]
		tau := geom.Vec3{
			-g.kt[j]*th[0] - (g.ct[j]+h*g.kt[j])*wj[0],
			-g.kb[j]*th[1] - (g.cb[j]+h*g.kb[j])*wj[1],
			-g.kb[j]*th[2] - (g.cb[j]+h*g.kb[j])*wj[2],
		}
		pa := &st.pa[j]
		for k := 0; k < 3; k++ {
			var sum float64
			for rr := 0; rr < 6; rr++ {
				sum += s[rr*3+k] * pa[rr]
			}
			tau[k] -= sum
		}
		st.tauU[j] = tau
		if j == 0 {
			break
		}
		// I^a = I^A − U D⁻¹ Uᵀ ; p^a = p^A + I^a c + U D⁻¹ u.
		var ud [18]float64 // U·D⁻¹
		for rr := 0; rr < 6; rr++ {
			for k := 0; k < 3; k++ {
				ud[rr*3+k] = u[rr*3]*dinv[k] + u[rr*3+1]*dinv[3+k] + u[rr*3+2]*dinv[6+k]
			}
		}
		var iaa mat6
		for a := 0; a < 6; a++ {
			for b := a; b < 6; b++ {
				v := ia[6*a+b] - (ud[a*3]*u[b*3] + ud[a*3+1]*u[b*3+1] + ud[a*3+2]*u[b*3+2])
				iaa[6*a+b] = v
				iaa[6*b+a] = v
			}
		}
		cj := st.cvp[j]
		pnew := iaa.mulVec(cj)
		for rr := 0; rr < 6; rr++ {
			pnew[rr] += pa[rr] + ud[rr*3]*tau[0] + ud[rr*3+1]*tau[1] + ud[rr*3+2]*tau[2]
		}
		par := &st.ia[j-1]
		for k := 0; k < 36; k++ {
			par[k] += iaa[k]
		}
		pp := &st.pa[j-1]
		for rr := 0; rr < 6; rr++ {
			pp[rr] += pnew[rr]
		}
	}
	// Pass 3: accelerations, outward. The base's spatial acceleration is
	// (dω/dt, 0): its origin, the base point, does not move.
	inv := 1 / h
	aPar := vec6{(wb1[0] - wb[0]) * inv, (wb1[1] - wb[1]) * inv, (wb1[2] - wb[2]) * inv, 0, 0, 0}
	for j := 0; j < n; j++ {
		var ap vec6
		for rr := 0; rr < 6; rr++ {
			ap[rr] = aPar[rr] + st.cvp[j][rr]
		}
		u := &st.u[j]
		tau := st.tauU[j]
		var rhs geom.Vec3
		for k := 0; k < 3; k++ {
			var sum float64
			for rr := 0; rr < 6; rr++ {
				sum += u[rr*3+k] * ap[rr]
			}
			rhs[k] = tau[k] - sum
		}
		di := &st.dinv[j]
		qa := geom.Vec3{
			di[0]*rhs[0] + di[1]*rhs[1] + di[2]*rhs[2],
			di[3]*rhs[0] + di[4]*rhs[1] + di[5]*rhs[2],
			di[6]*rhs[0] + di[7]*rhs[1] + di[8]*rhs[2],
		}
		s := &st.sub[j]
		for rr := 0; rr < 6; rr++ {
			ap[rr] += s[rr*3]*qa[0] + s[rr*3+1]*qa[1] + s[rr*3+2]*qa[2]
		}
		st.acc[j] = ap
		aPar = ap
		if integrate {
			st.w[j] = st.w[j].Add(qa.Scale(h))
		}
	}
	// Force across joint 0 on link 0: f = I^A_0 a_0 + p^A_0 (before the
	// projection). The whisker exerts −f on the base.
	f := st.ia[0].mulVec(st.acc[0])
	for rr := 0; rr < 6; rr++ {
		f[rr] += st.pa[0][rr]
	}
	if integrate {
		for j := 0; j < n; j++ {
			st.q[j] = orthonormalize(st.q[j].Mul(expRot(st.w[j].Scale(h))))
		}
	}
	st.contact = touched
	return [6]float64{-f[3], -f[4], -f[5], -f[0], -f[1], -f[2]}, nil
}

// contacts adds penalty contact and friction of every sample against every
// object: the explicit force to the bias of its link and the implicit
// stiffness/damping to its inertia. It reports whether any sample touched.
func (st *rodState) contacts(h float64, objs []objFrame) (bool, error) {
	g := st.g
	ph := st.phys
	// Whisker bounding box (relative to the base point).
	lo, hi := st.pos[0], st.pos[0]
	for i := 1; i < g.n; i++ {
		lo, hi = geom.Min(lo, st.pos[i]), geom.Max(hi, st.pos[i])
	}
	tip := st.pos[g.n-1].Add(col(st.rot[g.n-1], 0).Scale(g.ell))
	lo, hi = geom.Min(lo, tip), geom.Max(hi, tip)
	reachMax := g.maxR + ph.ContactMargin
	touched := false
	ns := len(g.samples)
	for oi := range objs {
		o := &objs[oi]
		if lo[0]-reachMax > o.wh[0] || hi[0]+reachMax < o.wlo[0] ||
			lo[1]-reachMax > o.wh[1] || hi[1]+reachMax < o.wlo[1] ||
			lo[2]-reachMax > o.wh[2] || hi[2]+reachMax < o.wlo[2] {
			for k := 0; k < ns; k++ {
				st.cache[oi*ns+k].valid = false
			}
			continue
		}
		for k, smp := range g.samples {
			i := smp.link
			x := st.pos[i].Add(col(st.rot[i], 0).Scale(smp.frac * g.ell))
			pb := o.rt.MulVec(x.Sub(o.t))
			reach := smp.radius + ph.ContactMargin
			if o.bounds.DistSq(pb) > reach*reach {
				continue
			}
			c := &st.cache[oi*ns+k]
			if c.valid && c.d-reach > pb.Sub(c.pb).Norm() {
				continue
			}
			d, nb := o.shape.Distance(pb)
			if math.IsNaN(d) {
				return false, fmt.Errorf("object %d: distance at %v is NaN", oi, pb)
			}
			c.pb, c.d, c.valid = pb, d, true
			if d >= reach {
				continue
			}
			nw := o.r.MulVec(nb).Unit()
			if nw == (geom.Vec3{}) {
				continue
			}
			delta := reach - d
			k := ph.ContactStiffness
			if delta > ph.MaxPenetration {
				delta = ph.MaxPenetration
				k = 0
			}
			cn := ph.ContactDampingRatio * 2 * math.Sqrt(ph.ContactStiffness*smp.mass)
			v := st.vel[i]
			vx := geom.Vec3{v[3], v[4], v[5]}.Add(geom.Vec3{v[0], v[1], v[2]}.Cross(x))
			vo := o.v.Add(o.w.Cross(x.Sub(o.t)))
			vrel := vx.Sub(vo)
			vn := nw.Dot(vrel)
			cimp := cn + h*k
			fn := ph.ContactStiffness*delta - cimp*vn
			if fn <= 0 {
				continue
			}
			touched = true
			vt := vrel.Sub(nw.Scale(vn))
			sp := vt.Norm()
			if sp < ph.SlipVelocity {
				sp = ph.SlipVelocity
			}
			ctan := ph.Friction * fn / sp
			force := nw.Scale(fn).Sub(vt.Scale(ctan))
			m := x.Cross(force)
			pa := &st.pa[i]
			pa[0] -= m[0]
			pa[1] -= m[1]
			pa[2] -= m[2]
			pa[3] -= force[0]
			pa[4] -= force[1]
			pa[5] -= force[2]
			var b geom.Mat3
			for a := 0; a < 3; a++ {
				for bb := 0; bb < 3; bb++ {
					b[a][bb] = h * (cimp - ctan) * nw[a] * nw[bb]
				}
				b[a][a] += h * ctan
			}
			addPointDamper(&st.ia[i], x, b)
		}
	}
	return touched, nil
}
