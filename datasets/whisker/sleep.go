package whisker

import (
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Sleeping: a passive whisker exactly at rest stays at rest until an object
// touches it, so it is not integrated meanwhile. Its contact samples then
// have fixed world positions, and whether an object can have reached one is
// decided from conservative distance bounds (signed distances are
// 1-Lipschitz): the object's body-frame displacement of the whisker's
// bounding sphere since the last check, against the smallest distance
// margin found then. Only when the bound is used up are the samples
// re-checked (most against their cached distances, few by a query).

// wakeState is the check of one sleeping whisker against one object: the
// object's pose at the last check (rt0, t0 relative to the base point) and
// a lower bound on every sample's distance margin d − reach then.
type wakeState struct {
	rt0   geom.Mat3
	t0    geom.Vec3
	slack float64
}

// sleepGeom is a sleeping whisker's fixed geometry: the sample positions
// relative to the base point and their bounding sphere.
type sleepGeom struct {
	x      []geom.Vec3
	centre geom.Vec3
	radius float64
	wake   []wakeState
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
		th := restDeviation(&st.g.rest[j], &st.q[j])
		if th.Dot(th) > 1e-28 {
			return false
		}
	}
	return true
}

// settled reports whether a passive whisker may be put to sleep after the
// readout out: it touched nothing in the last step, the readout is below
// sleepLoad, and so is a bound on the load its remaining motion can exert:
// with E the elastic energy plus an upper bound on the kinetic energy
// (Cauchy–Schwarz over the n joints: n·Σ ½·J_d·|w|²), no joint moment can
// exceed √(2·E·k_max), and the base force is taken as that moment over
// min(ℓ, 1 mm).
func (st *rodState) settled(out [6]float64) bool {
	if st.contact || len(st.loads) > 0 {
		return false
	}
	for _, v := range out {
		if math.Abs(v) >= sleepLoad {
			return false
		}
	}
	g := st.g
	var el, kin, kmax float64
	for j := range st.q {
		th := restDeviation(&g.rest[j], &st.q[j])
		el += g.kt[j]*th[0]*th[0] + g.kb[j]*(th[1]*th[1]+th[2]*th[2])
		w := st.w[j]
		kin += g.jd[j] * w.Dot(w)
		kmax = math.Max(kmax, math.Max(g.kb[j], g.kt[j]))
	}
	e := 0.5*el + 0.5*float64(g.n)*kin
	lever := math.Min(g.ell, 1)
	bound := math.Sqrt(2*e*kmax) / lever
	return bound < sleepLoad
}

// fallAsleep sets the whisker exactly at rest, its base at rest
// orientation rb with no angular velocity, and prepares the wake checks
// against nobj objects.
func (st *rodState) fallAsleep(rb geom.Mat3, nobj int) {
	g := st.g
	copy(st.q, g.rest)
	for j := range st.w {
		st.w[j] = geom.Vec3{}
	}
	st.wb = geom.Vec3{}
	sg := st.sleep
	if sg == nil {
		sg = &sleepGeom{x: make([]geom.Vec3, len(g.samples)), wake: make([]wakeState, nobj)}
		// Sample positions at rest.
		r := rb
		var p geom.Vec3
		pos := make([]geom.Vec3, g.n)
		rot := make([]geom.Mat3, g.n)
		for j := 0; j < g.n; j++ {
			if j > 0 {
				p = p.Add(col(r, 0).Scale(g.ell))
			}
			r = mulMatQuat(&r, g.rest[j])
			pos[j], rot[j] = p, r
		}
		box := geom.EmptyAABB()
		for k, s := range g.samples {
			x := pos[s.link].Add(col(rot[s.link], 0).Scale(s.frac * g.ell))
			sg.x[k] = x
			box = box.Extend(x)
		}
		sg.centre = box.Center()
		for _, x := range sg.x {
			sg.radius = math.Max(sg.radius, x.Sub(sg.centre).Norm())
		}
		st.sleep = sg
	}
	for i := range sg.wake {
		sg.wake[i].slack = math.Inf(-1) // re-check at the next mayTouch
	}
}

// mayTouch reports whether an object at objs can touch the sleeping
// whisker, i.e. some sample is within reach of a surface (or a distance
// query failed, which the next step then reports).
func (st *rodState) mayTouch(objs []objFrame, base geom.Vec3) bool {
	sg := st.sleep
	g := st.g
	ns := len(g.samples)
	margin := st.phys.ContactMargin
	for oi := range objs {
		o := &objs[oi]
		ws := &sg.wake[oi]
		ot := o.t.Sub(base)
		if ws.slack > 0 {
			pc := o.rt.MulVec(sg.centre.Sub(ot))
			pc0 := ws.rt0.MulVec(sg.centre.Sub(ws.t0))
			var fr float64
			for a := 0; a < 3; a++ {
				for b := 0; b < 3; b++ {
					d := o.rt[a][b] - ws.rt0[a][b]
					fr += d * d
				}
			}
			if pc.Sub(pc0).Norm()+math.Sqrt(fr)*sg.radius < ws.slack {
				continue
			}
		}
		cache := st.cache[oi*ns : (oi+1)*ns]
		slack := math.Inf(1)
		for k := range g.samples {
			reach := g.samples[k].radius + margin
			pb := o.rt.MulVec(sg.x[k].Sub(ot))
			c := &cache[k]
			if c.valid {
				if b := c.d - reach - pb.Sub(c.pb).Norm(); b > 0 {
					slack = math.Min(slack, b)
					continue
				}
			}
			var d float64
			if bd := o.bounds.DistSq(pb); bd > reach*reach {
				d = math.Sqrt(bd)
			} else {
				d, _ = o.shape.Distance(pb)
				if !(d >= reach) { // within reach, or NaN
					return true
				}
			}
			c.pb, c.d, c.valid = pb, d, true
			slack = math.Min(slack, d-reach)
		}
		ws.rt0, ws.t0, ws.slack = o.rt, ot, slack
	}
	return false
}
