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
	rest           []quat
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
		rest: make([]quat, n), maxR: rb,
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

// pointLoad is a constant force on a link point (used by validation tests
// and available to callers that want a prescribed load).
type pointLoad struct {
	link  int
	frac  float64
	force geom.Vec3
}

// objFrame is one object at the start of a substep: x_body = RT·(x − T)
// in world coordinates.
type objFrame struct {
	shape   shapes.Shape
	bounds  geom.AABB // body frame
	r, rt   geom.Mat3
	t       geom.Vec3 // origin (world)
	v, w    geom.Vec3 // linear velocity of the origin, angular velocity (world)
	wlo, wh geom.Vec3 // world AABB
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
	q    []quat      // relative rotation of joint j (child in parent frame)
	w    []geom.Vec3 // relative angular velocity of joint j, child frame

	rot  []geom.Mat3 // link orientation (world axes)
	pos  []geom.Vec3 // proximal joint position relative to the base point
	uw   []geom.Vec3 // joint velocity in world axes
	vel  []vec6
	cvp  []vec6 // velocity-product acceleration
	ia   []mat6 // articulated inertia
	pa   []vec6 // articulated bias force
	u    []mat63
	dinv [][9]float64
	tauU []geom.Vec3
	acc  []vec6
	// contact query cache, [object][sample]
	cache   []sampleCache
	loads   []pointLoad
	contact bool // some sample touched an object in the last step
	// jolt is the largest rotation change h²·|q̈| of a joint in the last
	// step: the integrator's own measure of how violent the step was.
	jolt float64
	// saved state for step rejection
	sq []quat
	sw []geom.Vec3
}

func (st *rodState) save() {
	st.sq = append(st.sq[:0], st.q...)
	st.sw = append(st.sw[:0], st.w...)
}

func (st *rodState) restore() {
	copy(st.q, st.sq)
	copy(st.w, st.sw)
}

func newRodState(g *rodGeom, p Physics, nobj int) *rodState {
	n := g.n
	st := &rodState{g: g, phys: p,
		q: make([]quat, n), w: make([]geom.Vec3, n),
		rot: make([]geom.Mat3, n), pos: make([]geom.Vec3, n), uw: make([]geom.Vec3, n),
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
// the moment about the base point. Contact penalties are scaled by ramp
// (0…1). With integrate false the state is left unchanged (a measurement
// only).
//
// Scheme: one articulated-body (Featherstone) pass per step in the
// whisker's fixed frame, linearly implicit in every stiff term — joint
// springs and dampers enter the joint inertia as h·c + h²·k, penalty
// contacts and friction enter the body inertia as h·(c + h·k)·nnᵀ and
// h·c_t·(1 − nnᵀ) — then symplectic Euler on the joint velocities and
// rotations. Linear stiffness and damping are thus treated by backward
// Euler, unconditionally stable for any h. Joint velocities are expressed
// in world axes during the step, so each joint's motion subspace is
// [1; p×] and its stiffness k_b·1 + (k_t − k_b)·d·dᵀ (d the link axis).
func (st *rodState) step(h float64, rb geom.Mat3, wb, wb1 geom.Vec3, objs []objFrame, base geom.Vec3, ramp float64, integrate bool) ([6]float64, error) {
	g := st.g
	n := g.n
	ell := g.ell
	// Pass 1: kinematics.
	parentR := rb
	parentV := vec6{wb[0], wb[1], wb[2], 0, 0, 0}
	var p geom.Vec3
	for j := 0; j < n; j++ {
		if j > 0 {
			p = geom.Vec3{p[0] + parentR[0][0]*ell, p[1] + parentR[1][0]*ell, p[2] + parentR[2][0]*ell}
		}
		r := parentR.Mul(st.q[j].mat())
		st.rot[j] = r
		st.pos[j] = p
		u := r.MulVec(st.w[j])
		st.uw[j] = u
		pu := p.Cross(u)
		vj := vec6{u[0], u[1], u[2], pu[0], pu[1], pu[2]}
		v := vec6{parentV[0] + vj[0], parentV[1] + vj[1], parentV[2] + vj[2], parentV[3] + vj[3], parentV[4] + vj[4], parentV[5] + vj[5]}
		st.vel[j] = v
		st.cvp[j] = crossMotion(v, vj)
		parentR, parentV = r, v
	}
	// Link inertias and bias forces.
	for i := 0; i < n; i++ {
		r := &st.rot[i]
		d := geom.Vec3{r[0][0], r[1][0], r[2][0]}
		c := geom.Vec3{st.pos[i][0] + d[0]*ell/2, st.pos[i][1] + d[1]*ell/2, st.pos[i][2] + d[2]*ell/2}
		da := g.ia[i] - g.it[i]
		ic := geom.Mat3{
			{g.it[i] + da*d[0]*d[0], da * d[0] * d[1], da * d[0] * d[2]},
			{da * d[1] * d[0], g.it[i] + da*d[1]*d[1], da * d[1] * d[2]},
			{da * d[2] * d[0], da * d[2] * d[1], g.it[i] + da*d[2]*d[2]},
		}
		st.ia[i] = spatialInertia(g.mass[i], c, ic)
		st.pa[i] = crossForce(st.vel[i], st.ia[i].mulVec(st.vel[i]))
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
		touched, err = st.contacts(h, objs, base, ramp)
		if err != nil {
			return [6]float64{}, err
		}
	}
	// Pass 2: articulated inertias, inward.
	for j := n - 1; j >= 0; j-- {
		ia := &st.ia[j]
		p := st.pos[j]
		u := &st.u[j]
		// U = IA·[1; p×]: columns k of IA's left block plus IA's right
		// block times the columns of p×.
		for rr := 0; rr < 6; rr++ {
			row := ia[6*rr : 6*rr+6]
			a, b, c := row[3], row[4], row[5]
			// (p×) columns: e0 → (0, p2, −p1), e1 → (−p2, 0, p0), e2 → (p1, −p0, 0)
			u[rr*3+0] = row[0] + b*p[2] - c*p[1]
			u[rr*3+1] = row[1] - a*p[2] + c*p[0]
			u[rr*3+2] = row[2] + a*p[1] - b*p[0]
		}
		// D = Sᵀ·U = U_top − p×·U_bottom, plus the implicit armature.
		var dm [9]float64
		for k := 0; k < 3; k++ {
			b0, b1, b2 := u[9+k], u[12+k], u[15+k]
			dm[0+k] = u[0+k] - (p[1]*b2 - p[2]*b1)
			dm[3+k] = u[3+k] - (p[2]*b0 - p[0]*b2)
			dm[6+k] = u[6+k] - (p[0]*b1 - p[1]*b0)
		}
		r := &st.rot[j]
		d := geom.Vec3{r[0][0], r[1][0], r[2][0]}
		ab := h*g.cb[j] + h*h*g.kb[j]
		at := h*g.ct[j] + h*h*g.kt[j]
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				dm[3*a+b] += (at - ab) * d[a] * d[b]
			}
			dm[4*a] += ab
		}
		// symmetrise against round-off before inverting
		dm[1], dm[3] = (dm[1]+dm[3])/2, (dm[1]+dm[3])/2
		dm[2], dm[6] = (dm[2]+dm[6])/2, (dm[2]+dm[6])/2
		dm[5], dm[7] = (dm[5]+dm[7])/2, (dm[5]+dm[7])/2
		dinv, ok := inv3sym(dm)
		if !ok {
			return [6]float64{}, fmt.Errorf("joint %d: singular articulated inertia", j)
		}
		st.dinv[j] = dinv
		// Joint torque: spring on the rotation away from rest, damping and
		// the implicit h·k·w term, in the child frame, then to world axes.
		th := g.rest[j].conj().mul(st.q[j]).log()
		wj := st.w[j]
		tb := geom.Vec3{
			-g.kt[j]*th[0] - (g.ct[j]+h*g.kt[j])*wj[0],
			-g.kb[j]*th[1] - (g.cb[j]+h*g.kb[j])*wj[1],
			-g.kb[j]*th[2] - (g.cb[j]+h*g.kb[j])*wj[2],
		}
		tau := r.MulVec(tb)
		pa := &st.pa[j]
		// u = τ − Sᵀ·p^A, Sᵀ·f = f_top − p × f_bottom
		pf := p.Cross(geom.Vec3{pa[3], pa[4], pa[5]})
		tau[0] -= pa[0] - pf[0]
		tau[1] -= pa[1] - pf[1]
		tau[2] -= pa[2] - pf[2]
		st.tauU[j] = tau
		if j == 0 {
			break
		}
		// I^a = I^A − U D⁻¹ Uᵀ ; p^a = p^A + I^a c + U D⁻¹ u.
		var ud [18]float64 // U·D⁻¹
		for rr := 0; rr < 6; rr++ {
			u0, u1, u2 := u[rr*3], u[rr*3+1], u[rr*3+2]
			ud[rr*3+0] = u0*dinv[0] + u1*dinv[3] + u2*dinv[6]
			ud[rr*3+1] = u0*dinv[1] + u1*dinv[4] + u2*dinv[7]
			ud[rr*3+2] = u0*dinv[2] + u1*dinv[5] + u2*dinv[8]
		}
		par := &st.ia[j-1]
		cj := &st.cvp[j]
		var pnew vec6
		for a := 0; a < 6; a++ {
			for b := a; b < 6; b++ {
				v := ia[6*a+b] - (ud[a*3]*u[b*3] + ud[a*3+1]*u[b*3+1] + ud[a*3+2]*u[b*3+2])
				ia[6*a+b] = v
				ia[6*b+a] = v
			}
		}
		for a := 0; a < 6; a++ {
			row := ia[6*a : 6*a+6]
			pnew[a] = pa[a] + row[0]*cj[0] + row[1]*cj[1] + row[2]*cj[2] + row[3]*cj[3] + row[4]*cj[4] + row[5]*cj[5] +
				ud[a*3]*tau[0] + ud[a*3+1]*tau[1] + ud[a*3+2]*tau[2]
		}
		for k := 0; k < 36; k++ {
			par[k] += ia[k]
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
	var f vec6
	jolt := 0.0
	for j := 0; j < n; j++ {
		cj := &st.cvp[j]
		ap := vec6{aPar[0] + cj[0], aPar[1] + cj[1], aPar[2] + cj[2], aPar[3] + cj[3], aPar[4] + cj[4], aPar[5] + cj[5]}
		u := &st.u[j]
		tau := st.tauU[j]
		var rhs geom.Vec3
		for k := 0; k < 3; k++ {
			rhs[k] = tau[k] - (u[k]*ap[0] + u[3+k]*ap[1] + u[6+k]*ap[2] + u[9+k]*ap[3] + u[12+k]*ap[4] + u[15+k]*ap[5])
		}
		di := &st.dinv[j]
		qa := geom.Vec3{
			di[0]*rhs[0] + di[1]*rhs[1] + di[2]*rhs[2],
			di[3]*rhs[0] + di[4]*rhs[1] + di[5]*rhs[2],
			di[6]*rhs[0] + di[7]*rhs[1] + di[8]*rhs[2],
		}
		if jl := h * h * math.Sqrt(qa[0]*qa[0]+qa[1]*qa[1]+qa[2]*qa[2]); jl > jolt || jl != jl {
			jolt = jl
		}
		if j == 0 {
			// Force across joint 0 on link 0, f = I^A_0·a_0 + p^A_0 with the
			// articulated quantities before projection (U holds I^A_0·S).
			f = st.pa[0]
			row := st.ia[0]
			pq := st.pos[0].Cross(qa)
			a0 := vec6{ap[0] + qa[0], ap[1] + qa[1], ap[2] + qa[2], ap[3] + pq[0], ap[4] + pq[1], ap[5] + pq[2]}
			for a := 0; a < 6; a++ {
				rw := row[6*a : 6*a+6]
				f[a] += rw[0]*a0[0] + rw[1]*a0[1] + rw[2]*a0[2] + rw[3]*a0[3] + rw[4]*a0[4] + rw[5]*a0[5]
			}
		}
		pq := st.pos[j].Cross(qa)
		ap[0] += qa[0]
		ap[1] += qa[1]
		ap[2] += qa[2]
		ap[3] += pq[0]
		ap[4] += pq[1]
		ap[5] += pq[2]
		st.acc[j] = ap
		aPar = ap
		if integrate {
			// new joint velocity in world axes, back to the child frame
			un := st.uw[j].Add(qa.Scale(h))
			st.w[j] = st.rot[j].Transpose().MulVec(un)
		}
	}
	if integrate {
		for j := 0; j < n; j++ {
			st.q[j] = st.q[j].mul(quatExp(st.w[j].Scale(h))).normalized()
		}
	}
	st.contact = touched
	st.jolt = jolt
	// The whisker exerts −f on the base.
	return [6]float64{-f[3], -f[4], -f[5], -f[0], -f[1], -f[2]}, nil
}

// contacts adds penalty contact and friction of every sample against every
// object: the explicit force to the bias of its link and the implicit
// stiffness/damping to its inertia. It reports whether any sample touched.
func (st *rodState) contacts(h float64, objs []objFrame, base geom.Vec3, ramp float64) (bool, error) {
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
		owlo, owh := o.wlo.Sub(base), o.wh.Sub(base)
		if lo[0]-reachMax > owh[0] || hi[0]+reachMax < owlo[0] ||
			lo[1]-reachMax > owh[1] || hi[1]+reachMax < owlo[1] ||
			lo[2]-reachMax > owh[2] || hi[2]+reachMax < owlo[2] {
			for k := 0; k < ns; k++ {
				st.cache[oi*ns+k].valid = false
			}
			continue
		}
		ot := o.t.Sub(base)
		for k, smp := range g.samples {
			i := smp.link
			x := st.pos[i].Add(col(st.rot[i], 0).Scale(smp.frac * g.ell))
			pb := o.rt.MulVec(x.Sub(ot))
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
			// The penalty saturates at MaxPenetration, but its implicit
			// stiffness is kept: a fast impact (a ringing tip hitting the
			// surface at ~0.5 m/s moves 0.05 mm per step) is then absorbed by
			// the implicit damper h·k instead of kicking the link.
			delta := reach - d
			k := ph.ContactStiffness * ramp
			if delta > ph.MaxPenetration {
				delta = ph.MaxPenetration
			}
			cn := ph.ContactDampingRatio * 2 * math.Sqrt(k*smp.mass)
			v := st.vel[i]
			vx := geom.Vec3{v[3], v[4], v[5]}.Add(geom.Vec3{v[0], v[1], v[2]}.Cross(x))
			vo := o.v.Add(o.w.Cross(x.Sub(ot)))
			vrel := vx.Sub(vo)
			vn := nw.Dot(vrel)
			// The contact stays in the implicit solve while the point
			// overlaps, even when the predicted force is pulling (fn < 0):
			// dropping it then would release the velocity with which the
			// implicit penalty resolved the overlap and make the point
			// chatter on and off the surface.
			cimp := cn + h*k
			fn := k*delta - cimp*vn
			touched = true
			vt := vrel.Sub(nw.Scale(vn))
			sp := vt.Norm()
			if sp < ph.SlipVelocity {
				sp = ph.SlipVelocity
			}
			// Friction is bounded by the elastic part of the normal force:
			// the damped prediction fn swings with the normal velocity, and
			// feeding it to the (lagged) friction law destabilises sticking
			// contacts.
			ctan := ph.Friction * k * delta / sp
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

// atRest reports whether every joint is at its rest rotation and still, to
// round-off: the state then is an exact equilibrium without loads.
func (st *rodState) atRest() bool {
	if len(st.loads) > 0 {
		return false
	}
	for j := range st.q {
		w := st.w[j]
		if w.Dot(w) > 1e-24 {
			return false
		}
		th := st.g.rest[j].conj().mul(st.q[j]).log()
		if th.Dot(th) > 1e-28 {
			return false
		}
	}
	return true
}

// bounds returns the whisker's world box from the last step's kinematics,
// grown by m.
func (st *rodState) bounds(base geom.Vec3, m float64) (lo, hi geom.Vec3) {
	g := st.g
	lo, hi = st.pos[0], st.pos[0]
	for i := 1; i < g.n; i++ {
		lo, hi = geom.Min(lo, st.pos[i]), geom.Max(hi, st.pos[i])
	}
	tip := st.pos[g.n-1].Add(col(st.rot[g.n-1], 0).Scale(g.ell))
	lo, hi = geom.Min(lo, tip), geom.Max(hi, tip)
	d := geom.Vec3{m, m, m}
	return lo.Add(base).Sub(d), hi.Add(base).Add(d)
}
