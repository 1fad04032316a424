package whisker

import (
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
)

// pointLoad is a constant force on a link point (used by validation tests
// and available to callers that want a prescribed load).
type pointLoad struct {
	link  int
	frac  float64
	force geom.Vec3
}

// objFrame is one object at one instant: x_body = RT·(x − T) in world
// coordinates.
type objFrame struct {
	shape   shapes.Shape
	bounds  geom.AABB // body frame
	r, rt   geom.Mat3
	t       geom.Vec3 // origin (world)
	v, w    geom.Vec3 // linear velocity of the origin, angular velocity (world)
	wlo, wh geom.Vec3 // world AABB
}

// sampleCache remembers the last distance query of one sample against one
// object: d is a lower bound of the signed distance at body point pb. Signed
// distances are 1-Lipschitz, so the sample cannot be within reach of the
// surface while |pb' − pb| < d − reach, and the query is skipped.
type sampleCache struct {
	pb    geom.Vec3
	d     float64
	valid bool
}

// rodState is the dynamic state of one whisker, its integrator history and
// its scratch space. Joint j's state is its rotation q (child in parent
// frame) and angular velocity w (relative, child frame).
type rodState struct {
	g    *rodGeom
	phys Physics
	q    []quat
	w    []geom.Vec3
	wb   geom.Vec3 // base angular velocity (world) at the current time
	lw   []linkWork
	// contact query cache, [object][sample]
	cache   []sampleCache
	loads   []pointLoad
	contact bool // some sample touched an object in the last evaluation
	// jolt is the largest rotation change h²·|ẇ| of a joint in the last
	// step: the integrator's own measure of how violent the step was.
	jolt  float64
	save  snapshot
	sleep *sleepGeom // set once the whisker has slept
}

// snapshot is a saved state for step rejection.
type snapshot struct {
	q  []quat
	w  []geom.Vec3
	wb geom.Vec3
}

func (st *rodState) saveState()    { st.copyState(&st.save) }
func (st *rodState) restoreState() { st.pasteState(&st.save) }

// copyState saves the state into s; pasteState restores it.
func (st *rodState) copyState(s *snapshot) {
	s.q = append(s.q[:0], st.q...)
	s.w = append(s.w[:0], st.w...)
	s.wb = st.wb
}

func (st *rodState) pasteState(s *snapshot) {
	copy(st.q, s.q)
	copy(st.w, s.w)
	st.wb = s.wb
}

func newRodState(g *rodGeom, p Physics, nobj int) *rodState {
	n := g.n
	st := &rodState{g: g, phys: p,
		q: make([]quat, n), w: make([]geom.Vec3, n),
		lw:    make([]linkWork, n),
		cache: make([]sampleCache, nobj*len(g.samples)),
	}
	copy(st.q, g.rest)
	return st
}

// setBaseVelocity sets the base angular velocity (world) at the current
// time, the start of the integration.
func (st *rodState) setBaseVelocity(wb geom.Vec3) { st.wb = wb }

// step advances the whisker from t_n by h to t_{n+1}, where the base has
// orientation rb and angular velocity wb (world) and the objects are at
// objs. It returns the load the whisker exerts on its base during the step,
// (Fx, Fy, Fz, Mx, My, Mz) in world axes with the moment about the base
// point. Contact penalties are scaled by ramp (0…1).
//
// Scheme: linearly implicit (backward) Euler. One articulated-body
// (Featherstone) pass in the whisker's fixed frame, at the state of t_n
// with the base and objects of t_{n+1}, implicit in every stiff term —
// joint springs and dampers enter the joint inertia as h·c + h²·k, penalty
// contacts and friction enter the body inertia as h·(c + h·k)·nnᵀ and
// h·c_t·(1 − nnᵀ) — gives the accelerations; then the joint velocities and
// rotations are updated with the new velocities (symplectic order). Linear
// stiffness and damping are thus treated by backward Euler,
// unconditionally stable for any h. Joint velocities are expressed in
// world axes during the pass, so each joint's motion subspace is [1; p×]
// and its stiffness k_b·1 + (k_t − k_b)·d·dᵀ (d the link axis).
//
// (A variable-step BDF2 version of the same pass was tried: it is second
// order on smooth motion, but the readout error is dominated by contact
// onset and release, where it was less accurate than backward Euler and
// rejected more steps; see TestSubstepConvergence.)
func (st *rodState) step(h float64, rb geom.Mat3, wb geom.Vec3, objs []objFrame, base geom.Vec3, ramp float64) ([6]float64, error) {
	alpha := wb.Sub(st.wb).Scale(1 / h)
	out, err := st.evaluate(h, rb, wb, alpha, objs, base, ramp)
	if err != nil {
		return out, err
	}
	for j := range st.lw {
		l := &st.lw[j]
		w := st.w[j]
		wn := geom.Vec3{w[0] + h*l.dw[0], w[1] + h*l.dw[1], w[2] + h*l.dw[2]}
		turnQuat(&st.q[j], geom.Vec3{h * wn[0], h * wn[1], h * wn[2]})
		st.w[j] = wn
	}
	st.wb = wb
	return out, nil
}

// measure returns the base load in the current state without advancing it
// (the readout of row 0), with base orientation rb, angular velocity wb and
// angular acceleration alpha, linearised with step h.
func (st *rodState) measure(h float64, rb geom.Mat3, wb, alpha geom.Vec3, objs []objFrame, base geom.Vec3, ramp float64) ([6]float64, error) {
	return st.evaluate(h, rb, wb, alpha, objs, base, ramp)
}

// mulMatQuat returns r·mat(q).
func mulMatQuat(r *geom.Mat3, q quat) geom.Mat3 {
	var out geom.Mat3
	mulMatQuatTo(&out, r, &q)
	return out
}

// mulMatQuatTo sets out = r·mat(q) (out must not alias r).
func mulMatQuatTo(out, r *geom.Mat3, q *quat) {
	w, x, y, z := q[0], q[1], q[2], q[3]
	m00, m01, m02 := 1-2*(y*y+z*z), 2*(x*y-w*z), 2*(x*z+w*y)
	m10, m11, m12 := 2*(x*y+w*z), 1-2*(x*x+z*z), 2*(y*z-w*x)
	m20, m21, m22 := 2*(x*z-w*y), 2*(y*z+w*x), 1-2*(x*x+y*y)
	for i := 0; i < 3; i++ {
		a0, a1, a2 := r[i][0], r[i][1], r[i][2]
		out[i][0] = a0*m00 + a1*m10 + a2*m20
		out[i][1] = a0*m01 + a1*m11 + a2*m21
		out[i][2] = a0*m02 + a1*m12 + a2*m22
	}
}

// restDeviation returns the rotation vector of rest⁻¹·q (both unit).
func restDeviation(rest, q *quat) geom.Vec3 {
	a0, a1, a2, a3 := rest[0], -rest[1], -rest[2], -rest[3]
	b0, b1, b2, b3 := q[0], q[1], q[2], q[3]
	d := quat{
		a0*b0 - a1*b1 - a2*b2 - a3*b3,
		a0*b1 + a1*b0 + a2*b3 - a3*b2,
		a0*b2 - a1*b3 + a2*b0 + a3*b1,
		a0*b3 + a1*b2 - a2*b1 + a3*b0,
	}
	return d.log()
}

// turnQuat sets q = normalise(q·exp(r)).
func turnQuat(q *quat, r geom.Vec3) {
	e := quatExp(r)
	a0, a1, a2, a3 := q[0], q[1], q[2], q[3]
	b0, b1, b2, b3 := e[0], e[1], e[2], e[3]
	w := a0*b0 - a1*b1 - a2*b2 - a3*b3
	x := a0*b1 + a1*b0 + a2*b3 - a3*b2
	y := a0*b2 - a1*b3 + a2*b0 + a3*b1
	z := a0*b3 + a1*b2 - a2*b1 + a3*b0
	n := 1 / math.Sqrt(w*w+x*x+y*y+z*z)
	q[0], q[1], q[2], q[3] = w*n, x*n, y*n, z*n
}
