package whisker

import (
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// The articulated-body pass works in world axes but refers every link's
// spatial quantities to its own proximal joint point P_j (Featherstone's
// algorithm is coordinate-free, so each quantity may use its own origin as
// long as transfers between links apply the point shift). A motion vector
// is (ω, v_P) — v_P the velocity of the material point at P — and a force
// (n_P, f). The ball joint at P_j then has motion subspace S = [1; 0], so
// U = I^A·S and D = Sᵀ·I^A·S are blocks of I^A, and all lever arms are at
// most a link long: stiff contact dampers at the tip no longer swamp the
// joint inertias through round-off, as they did with one origin at the
// base point 20 mm away.

// linkWork is the per-link scratch of one evaluation of the dynamics.
type linkWork struct {
	rot geom.Mat3 // link orientation (world axes)
	pos geom.Vec3 // P_j relative to the base point
	om  geom.Vec3 // link angular velocity
	vp  geom.Vec3 // velocity of P_j
	uw  geom.Vec3 // joint velocity, world axes
	cw  geom.Vec3 // velocity-product acceleration (angular part)
	cv  geom.Vec3 // velocity-product acceleration (linear part)
	// articulated inertia about P_j, [[A, B], [Bᵀ, C]] (A, C symmetric),
	// and bias force (pn, pf)
	a, b, c geom.Mat3
	pn, pf  geom.Vec3
	dinv    geom.Mat3
	tau     geom.Vec3 // joint torque minus the bias moment
	dw      geom.Vec3 // joint acceleration, child frame
}

// evaluate runs the articulated-body pass at the current joint state with
// implicit weight gam (γ in the comments below; the step: the linear stiff
// terms enter as γ·c + γ²·k), base orientation rb, angular velocity wb and angular
// acceleration alpha. It stores the joint accelerations in st.lw[j].dw and
// returns the load on the base.
func (st *rodState) evaluate(gam float64, rb geom.Mat3, wb, alpha geom.Vec3, objs []objFrame, base geom.Vec3, ramp float64) ([6]float64, error) {
	g := st.g
	n := g.n
	ell := g.ell
	hl := ell / 2
	lw := st.lw[:n]
	// Pass 1: kinematics, link inertias and velocity-product bias forces.
	parentR := rb
	pom := wb         // parent angular velocity
	var pvp geom.Vec3 // velocity of the parent's point P_{j−1} (the base point does not move)
	var p geom.Vec3
	for j := range lw {
		l := &lw[j]
		vp := pvp
		if j > 0 {
			r := geom.Vec3{parentR[0][0] * ell, parentR[1][0] * ell, parentR[2][0] * ell}
			p = geom.Vec3{p[0] + r[0], p[1] + r[1], p[2] + r[2]}
			vp = geom.Vec3{pvp[0] + pom[1]*r[2] - pom[2]*r[1], pvp[1] + pom[2]*r[0] - pom[0]*r[2], pvp[2] + pom[0]*r[1] - pom[1]*r[0]}
		}
		mulMatQuatTo(&l.rot, &parentR, &st.q[j])
		rot := &l.rot
		l.pos = p
		wj := st.w[j]
		u := geom.Vec3{
			rot[0][0]*wj[0] + rot[0][1]*wj[1] + rot[0][2]*wj[2],
			rot[1][0]*wj[0] + rot[1][1]*wj[1] + rot[1][2]*wj[2],
			rot[2][0]*wj[0] + rot[2][1]*wj[1] + rot[2][2]*wj[2],
		}
		l.uw = u
		// c = (ω_{j−1}, v_P) ×m (u, 0) = (ω_{j−1} × u, v_P × u)
		l.cw = pom.Cross(u)
		l.cv = vp.Cross(u)
		om := geom.Vec3{pom[0] + u[0], pom[1] + u[1], pom[2] + u[2]}
		l.om, l.vp = om, vp
		// Rigid link about P_j: centre c' = (ℓ/2)·d, rotational inertia
		// it·1 + da·ddᵀ about the centre:
		// A = (it + m·c'²)·1 + (da − m·c'²)·ddᵀ, B = m·[c']×, C = m·1.
		d := geom.Vec3{rot[0][0], rot[1][0], rot[2][0]}
		m := g.mass[j]
		it := g.it[j]
		da := g.ia[j] - it
		mh2 := m * hl * hl
		s0, s1 := it+mh2, da-mh2
		l.a = geom.Mat3{
			{s0 + s1*d[0]*d[0], s1 * d[0] * d[1], s1 * d[0] * d[2]},
			{s1 * d[1] * d[0], s0 + s1*d[1]*d[1], s1 * d[1] * d[2]},
			{s1 * d[2] * d[0], s1 * d[2] * d[1], s0 + s1*d[2]*d[2]},
		}
		mc := geom.Vec3{m * hl * d[0], m * hl * d[1], m * hl * d[2]}
		l.b = geom.Mat3{{0, -mc[2], mc[1]}, {mc[2], 0, -mc[0]}, {-mc[1], mc[0], 0}}
		l.c = geom.Mat3{{m, 0, 0}, {0, m, 0}, {0, 0, m}}
		// bias v ×* (I·v): lin = m·(v_P + ω × c'), ang = I_c·ω + c' × lin
		cp := geom.Vec3{hl * d[0], hl * d[1], hl * d[2]}
		oc := om.Cross(cp)
		lin := geom.Vec3{m * (vp[0] + oc[0]), m * (vp[1] + oc[1]), m * (vp[2] + oc[2])}
		dd := da * (d[0]*om[0] + d[1]*om[1] + d[2]*om[2])
		cl := cp.Cross(lin)
		ang := geom.Vec3{it*om[0] + dd*d[0] + cl[0], it*om[1] + dd*d[1] + cl[1], it*om[2] + dd*d[2] + cl[2]}
		l.pn = om.Cross(ang).Add(vp.Cross(lin))
		l.pf = om.Cross(lin)
		parentR, pom, pvp = *rot, om, vp
	}
	for _, ld := range st.loads {
		l := &lw[ld.link]
		x := col(l.rot, 0).Scale(ld.frac * ell)
		l.pn = l.pn.Sub(x.Cross(ld.force))
		l.pf = l.pf.Sub(ld.force)
	}
	st.contact = false
	if len(objs) > 0 {
		touched, err := st.contacts(gam, objs, base, ramp)
		if err != nil {
			return [6]float64{}, err
		}
		st.contact = touched
	}
	// Pass 2: articulated inertias, inward.
	for j := n - 1; j >= 0; j-- {
		l := &lw[j]
		// D = A + γ·c + γ²·k as k_b·1 + (k_t − k_b)·d·dᵀ.
		d := geom.Vec3{l.rot[0][0], l.rot[1][0], l.rot[2][0]}
		ab := gam*g.cb[j] + gam*gam*g.kb[j]
		at := gam*g.ct[j] + gam*gam*g.kt[j]
		dab := at - ab
		var dm [9]float64
		for r := 0; r < 3; r++ {
			for k := 0; k < 3; k++ {
				dm[3*r+k] = l.a[r][k] + dab*d[r]*d[k]
			}
		}
		dm[0] += ab
		dm[4] += ab
		dm[8] += ab
		// symmetrise against round-off before inverting
		dm[1], dm[3] = (dm[1]+dm[3])/2, (dm[1]+dm[3])/2
		dm[2], dm[6] = (dm[2]+dm[6])/2, (dm[2]+dm[6])/2
		dm[5], dm[7] = (dm[5]+dm[7])/2, (dm[5]+dm[7])/2
		if !inv3symTo(&l.dinv, &dm) {
			return [6]float64{}, fmt.Errorf("joint %d: singular articulated inertia", j)
		}
		e := &l.dinv
		// Joint torque: spring on the rotation away from rest, damping and
		// the implicit γ·k·w term, in the child frame, then to world axes;
		// minus the bias moment about P_j (Sᵀ·p^A).
		th := restDeviation(&g.rest[j], &st.q[j])
		wj := st.w[j]
		kt, kb := g.kt[j], g.kb[j]
		ct, cb := g.ct[j]+gam*kt, g.cb[j]+gam*kb
		tb := geom.Vec3{-kt*th[0] - ct*wj[0], -kb*th[1] - cb*wj[1], -kb*th[2] - cb*wj[2]}
		r := &l.rot
		tau := geom.Vec3{
			r[0][0]*tb[0] + r[0][1]*tb[1] + r[0][2]*tb[2] - l.pn[0],
			r[1][0]*tb[0] + r[1][1]*tb[1] + r[1][2]*tb[2] - l.pn[1],
			r[2][0]*tb[0] + r[2][1]*tb[1] + r[2][2]*tb[2] - l.pn[2],
		}
		l.tau = tau
		if j == 0 {
			break
		}
		// I^a = I^A − U·D⁻¹·Uᵀ with U = [A; Bᵀ], E = D⁻¹, D = A + M (M the
		// armature): A' = A − A·E·A = A·E·M, B' = B − A·E·B = M·E·B,
		// C' = C − Bᵀ·E·B. The product forms avoid the cancellation of
		// A − A·E·A when M ≪ A (a refined step, or stiff contact dampers);
		// A' and C' are symmetrised.
		A, B, C := &l.a, &l.b, &l.c
		var ae, eb geom.Mat3
		mul3To(&ae, A, e)   // A·E
		mul3To(&eb, e, B)   // E·B
		aed := ae.MulVec(d) // A·E·d
		var dtb geom.Vec3   // dᵀ·E·B
		for k := 0; k < 3; k++ {
			dtb[k] = d[0]*eb[0][k] + d[1]*eb[1][k] + d[2]*eb[2][k]
		}
		var a1, b1, c1 geom.Mat3
		for r := 0; r < 3; r++ {
			for k := 0; k < 3; k++ {
				a1[r][k] = ab*ae[r][k] + dab*aed[r]*d[k]
				b1[r][k] = ab*eb[r][k] + dab*d[r]*dtb[k]
				c1[r][k] = C[r][k] - (B[0][r]*eb[0][k] + B[1][r]*eb[1][k] + B[2][r]*eb[2][k])
			}
		}
		for r := 0; r < 3; r++ {
			for k := r + 1; k < 3; k++ {
				v := (a1[r][k] + a1[k][r]) / 2
				a1[r][k], a1[k][r] = v, v
				v = (c1[r][k] + c1[k][r]) / 2
				c1[r][k], c1[k][r] = v, v
			}
		}
		eu := e.MulVec(tau)
		cw, cv := l.cw, l.cv
		var pn, pf geom.Vec3
		for r := 0; r < 3; r++ {
			pn[r] = l.pn[r] + a1[r][0]*cw[0] + a1[r][1]*cw[1] + a1[r][2]*cw[2] + b1[r][0]*cv[0] + b1[r][1]*cv[1] + b1[r][2]*cv[2] +
				A[r][0]*eu[0] + A[r][1]*eu[1] + A[r][2]*eu[2]
			pf[r] = l.pf[r] + b1[0][r]*cw[0] + b1[1][r]*cw[1] + b1[2][r]*cw[2] + c1[r][0]*cv[0] + c1[r][1]*cv[1] + c1[r][2]*cv[2] +
				B[0][r]*eu[0] + B[1][r]*eu[1] + B[2][r]*eu[2]
		}
		// Transfer to the parent's point P_{j−1} = P_j − r: with
		// T = −[r]×, A += A' + B'T + (B'T)ᵀ + TᵀC'T, B += B' + TᵀC',
		// C += C', n += r × f.
		par := &lw[j-1]
		rv := geom.Vec3{par.rot[0][0] * ell, par.rot[1][0] * ell, par.rot[2][0] * ell}
		var bt, kc geom.Mat3 // B'·[r]× and C'·[r]× (rows × r)
		for i := 0; i < 3; i++ {
			bt[i] = geom.Vec3(b1[i]).Cross(rv)
			kc[i] = geom.Vec3(c1[i]).Cross(rv)
		}
		// [r]×·K column by column: r × K_{:,k}
		var rk geom.Mat3
		for k := 0; k < 3; k++ {
			ck := geom.Vec3{kc[0][k], kc[1][k], kc[2][k]}
			x := rv.Cross(ck)
			rk[0][k], rk[1][k], rk[2][k] = x[0], x[1], x[2]
		}
		for i := 0; i < 3; i++ {
			for k := 0; k < 3; k++ {
				par.a[i][k] += a1[i][k] - bt[i][k] - bt[k][i] - rk[i][k]
				par.b[i][k] += b1[i][k] - kc[k][i]
				par.c[i][k] += c1[i][k]
			}
		}
		rf := rv.Cross(pf)
		par.pn = geom.Vec3{par.pn[0] + pn[0] + rf[0], par.pn[1] + pn[1] + rf[1], par.pn[2] + pn[2] + rf[2]}
		par.pf = par.pf.Add(pf)
	}
	// Pass 3: accelerations, outward. The base's spatial acceleration is
	// (α, 0) about the base point, which is P_0.
	aw, av := alpha, geom.Vec3{}
	var fn, ff geom.Vec3
	jolt := 0.0
	for j := range lw {
		l := &lw[j]
		if j > 0 {
			par := &lw[j-1]
			rv := geom.Vec3{par.rot[0][0] * ell, par.rot[1][0] * ell, par.rot[2][0] * ell}
			av = av.Sub(rv.Cross(aw))
		}
		aw = aw.Add(l.cw)
		av = av.Add(l.cv)
		A, B := &l.a, &l.b
		var rhs geom.Vec3
		for k := 0; k < 3; k++ {
			rhs[k] = l.tau[k] - (A[k][0]*aw[0] + A[k][1]*aw[1] + A[k][2]*aw[2] + B[k][0]*av[0] + B[k][1]*av[1] + B[k][2]*av[2])
		}
		qa := l.dinv.MulVec(rhs)
		if jl := qa.Dot(qa); jl > jolt || jl != jl {
			jolt = jl
		}
		aw = aw.Add(qa)
		if j == 0 {
			// Force across joint 0 on link 0: I^A_0·a_0 + p^A_0.
			C := &l.c
			for k := 0; k < 3; k++ {
				fn[k] = l.pn[k] + A[k][0]*aw[0] + A[k][1]*aw[1] + A[k][2]*aw[2] + B[k][0]*av[0] + B[k][1]*av[1] + B[k][2]*av[2]
				ff[k] = l.pf[k] + B[0][k]*aw[0] + B[1][k]*aw[1] + B[2][k]*aw[2] + C[k][0]*av[0] + C[k][1]*av[1] + C[k][2]*av[2]
			}
		}
		r := &l.rot
		l.dw = geom.Vec3{
			r[0][0]*qa[0] + r[1][0]*qa[1] + r[2][0]*qa[2],
			r[0][1]*qa[0] + r[1][1]*qa[1] + r[2][1]*qa[2],
			r[0][2]*qa[0] + r[1][2]*qa[1] + r[2][2]*qa[2],
		}
	}
	st.jolt = gam * gam * math.Sqrt(jolt)
	// The whisker exerts −f on the base.
	return [6]float64{-ff[0], -ff[1], -ff[2], -fn[0], -fn[1], -fn[2]}, nil
}

// mul3To sets out = a·b (out must not alias a or b).
func mul3To(out, a, b *geom.Mat3) {
	for i := 0; i < 3; i++ {
		a0, a1, a2 := a[i][0], a[i][1], a[i][2]
		out[i][0] = a0*b[0][0] + a1*b[1][0] + a2*b[2][0]
		out[i][1] = a0*b[0][1] + a1*b[1][1] + a2*b[2][1]
		out[i][2] = a0*b[0][2] + a1*b[1][2] + a2*b[2][2]
	}
}

// inv3symTo sets out to the inverse of the symmetric positive definite
// 3×3 matrix a (row-major); it reports false if a is not positive definite
// to working precision.
func inv3symTo(out *geom.Mat3, a *[9]float64) bool {
	c00 := a[4]*a[8] - a[5]*a[7]
	c01 := a[5]*a[6] - a[3]*a[8]
	c02 := a[3]*a[7] - a[4]*a[6]
	det := a[0]*c00 + a[1]*c01 + a[2]*c02
	if !(det > 0) || math.IsInf(det, 0) {
		return false
	}
	id := 1 / det
	c11 := a[0]*a[8] - a[2]*a[6]
	c12 := a[2]*a[3] - a[0]*a[5]
	c22 := a[0]*a[4] - a[1]*a[3]
	*out = geom.Mat3{{c00 * id, c01 * id, c02 * id}, {c01 * id, c11 * id, c12 * id}, {c02 * id, c12 * id, c22 * id}}
	return true
}

// contacts adds penalty contact and friction of every sample against every
// object: the explicit force to the bias of its link and the implicit
// stiffness/damping (weight gam) to its inertia, both about the link's
// joint point. It reports whether any sample touched.
func (st *rodState) contacts(gam float64, objs []objFrame, base geom.Vec3, ramp float64) (bool, error) {
	g := st.g
	ph := st.phys
	lw := st.lw
	// Whisker bounding box (relative to the base point).
	lo, hi := lw[0].pos, lw[0].pos
	for i := 1; i < g.n; i++ {
		lo, hi = geom.Min(lo, lw[i].pos), geom.Max(hi, lw[i].pos)
	}
	last := &lw[g.n-1]
	tip := last.pos.Add(col(last.rot, 0).Scale(g.ell))
	lo, hi = geom.Min(lo, tip), geom.Max(hi, tip)
	reachMax := g.maxR + ph.ContactMargin
	touched := false
	ns := len(g.samples)
	for oi := range objs {
		o := &objs[oi]
		owlo, owh := o.wlo.Sub(base), o.wh.Sub(base)
		cache := st.cache[oi*ns : (oi+1)*ns]
		if lo[0]-reachMax > owh[0] || hi[0]+reachMax < owlo[0] ||
			lo[1]-reachMax > owh[1] || hi[1]+reachMax < owlo[1] ||
			lo[2]-reachMax > owh[2] || hi[2]+reachMax < owlo[2] {
			for k := range cache {
				cache[k].valid = false
			}
			continue
		}
		ot := o.t.Sub(base)
		rt := &o.rt
		for k := range g.samples {
			smp := &g.samples[k]
			l := &lw[smp.link]
			fl := smp.frac * g.ell
			xl := geom.Vec3{l.rot[0][0] * fl, l.rot[1][0] * fl, l.rot[2][0] * fl} // from P_j
			y := geom.Vec3{l.pos[0] + xl[0] - ot[0], l.pos[1] + xl[1] - ot[1], l.pos[2] + xl[2] - ot[2]}
			pb := geom.Vec3{
				rt[0][0]*y[0] + rt[0][1]*y[1] + rt[0][2]*y[2],
				rt[1][0]*y[0] + rt[1][1]*y[1] + rt[1][2]*y[2],
				rt[2][0]*y[0] + rt[2][1]*y[1] + rt[2][2]*y[2],
			}
			reach := smp.radius + ph.ContactMargin
			c := &cache[k]
			if c.valid {
				e := geom.Vec3{pb[0] - c.pb[0], pb[1] - c.pb[1], pb[2] - c.pb[2]}
				if s := c.d - reach; s > 0 && s*s > e[0]*e[0]+e[1]*e[1]+e[2]*e[2] {
					continue
				}
			}
			if bd := o.bounds.DistSq(pb); bd > reach*reach {
				c.pb, c.d, c.valid = pb, math.Sqrt(bd), true
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
			// the implicit damper γ·k instead of kicking the link.
			delta := reach - d
			kc := ph.ContactStiffness * ramp
			if delta > ph.MaxPenetration {
				delta = ph.MaxPenetration
			}
			cn := ph.ContactDampingRatio * 2 * math.Sqrt(kc*smp.mass)
			vx := l.vp.Add(l.om.Cross(xl))
			vo := o.v.Add(o.w.Cross(y))
			vrel := vx.Sub(vo)
			vn := nw.Dot(vrel)
			// The contact stays in the implicit solve while the point
			// overlaps, even when the predicted force is pulling (fn < 0):
			// dropping it then would release the velocity with which the
			// implicit penalty resolved the overlap and make the point
			// chatter on and off the surface.
			cimp := cn + gam*kc
			fnrm := kc*delta - cimp*vn
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
			ctan := ph.Friction * kc * delta / sp
			force := nw.Scale(fnrm).Sub(vt.Scale(ctan))
			l.pn = l.pn.Sub(xl.Cross(force))
			l.pf = l.pf.Sub(force)
			// Implicit damper b = γ·((c_imp − c_t)·nnᵀ + c_t·1) at xl:
			// A += −[x]×·b·[x]×, B += [x]×·b, C += b.
			cnn, ct := gam*(cimp-ctan), gam*ctan
			var bm geom.Mat3
			for a := 0; a < 3; a++ {
				for bb := 0; bb < 3; bb++ {
					bm[a][bb] = cnn * nw[a] * nw[bb]
				}
				bm[a][a] += ct
			}
			addPointDamper(l, xl, &bm)
		}
	}
	return touched, nil
}

// addPointDamper adds to link l's inertia about its joint point the
// spatial matrix Jᵀ·B·J of a translational damper B (symmetric 3×3) at
// offset x from the point, where J maps a motion vector to the velocity of
// x: v_x = v_P − x × ω. It is [[−x× B x×, x× B], [−B x×, B]].
func addPointDamper(l *linkWork, x geom.Vec3, b *geom.Mat3) {
	sx := skew(x)
	xb := sx.Mul(*b)  // x× B
	xbx := xb.Mul(sx) // x× B x×
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			l.a[i][j] -= xbx[i][j]
			l.b[i][j] += xb[i][j]
			l.c[i][j] += b[i][j]
		}
	}
}
