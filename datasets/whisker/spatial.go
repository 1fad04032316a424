package whisker

import (
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Spatial (6-D) algebra in Featherstone's convention, expressed in one fixed
// frame per whisker (world axes, origin at the whisker's base point).
// A motion vector is (ω, v_O), a force vector is (n_O, f), with v_O and n_O
// referred to the origin.

type vec6 [6]float64

// mat6 is a 6×6 matrix, row-major.
type mat6 [36]float64

// mat63 is a 6×3 matrix, row-major (a joint's motion subspace or U = I·S).
type mat63 [18]float64

// crossMotion returns a ×m b for motion vectors.
func crossMotion(a, b vec6) vec6 {
	return vec6{
		a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0],
		a[1]*b[5] - a[2]*b[4] + a[4]*b[2] - a[5]*b[1],
		a[2]*b[3] - a[0]*b[5] + a[5]*b[0] - a[3]*b[2],
		a[0]*b[4] - a[1]*b[3] + a[3]*b[1] - a[4]*b[0],
	}
}

// crossForce returns v ×* f for a motion v and a force f.
func crossForce(v, f vec6) vec6 {
	return vec6{
		v[1]*f[2] - v[2]*f[1] + v[4]*f[5] - v[5]*f[4],
		v[2]*f[0] - v[0]*f[2] + v[5]*f[3] - v[3]*f[5],
		v[0]*f[1] - v[1]*f[0] + v[3]*f[4] - v[4]*f[3],
		v[1]*f[5] - v[2]*f[4],
		v[2]*f[3] - v[0]*f[5],
		v[0]*f[4] - v[1]*f[3],
	}
}

func (m *mat6) mulVec(v vec6) vec6 {
	var out vec6
	for i := 0; i < 6; i++ {
		r := m[6*i : 6*i+6]
		out[i] = r[0]*v[0] + r[1]*v[1] + r[2]*v[2] + r[3]*v[3] + r[4]*v[4] + r[5]*v[5]
	}
	return out
}

// spatialInertia returns the inertia of a body of mass m, centre of mass c
// and rotational inertia ic about c:
// [[ic + m(|c|²1 − ccᵀ), m c×], [−m c×, m 1]].
func spatialInertia(m float64, c geom.Vec3, ic geom.Mat3) mat6 {
	var out mat6
	cc := c.Dot(c)
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			v := ic[i][j] - m*c[i]*c[j]
			if i == j {
				v += m * cc
			}
			out[6*i+j] = v
		}
		out[6*(3+i)+3+i] = m
	}
	// m c× in the top-right block, its transpose (−m c×) bottom-left.
	sx := skew(c)
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out[6*i+3+j] = m * sx[i][j]
			out[6*(3+i)+j] = -m * sx[i][j]
		}
	}
	return out
}

// addPointDamper adds to m the spatial matrix Jᵀ·B·J of a translational
// damper B (symmetric 3×3) acting at point x, where J maps a motion vector
// to the velocity of x: v_x = v_O − x × ω. It is
// [[−x× B x×, x× B], [−B x×, B]].
func addPointDamper(m *mat6, x geom.Vec3, b geom.Mat3) {
	sx := skew(x)
	xb := sx.Mul(b)   // x× B
	xbx := xb.Mul(sx) // x× B x×
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			m[6*i+j] -= xbx[i][j]
			m[6*i+3+j] += xb[i][j]
			m[6*(3+i)+j] += xb[j][i]
			m[6*(3+i)+3+j] += b[i][j]
		}
	}
}

func skew(v geom.Vec3) geom.Mat3 {
	return geom.Mat3{{0, -v[2], v[1]}, {v[2], 0, -v[0]}, {-v[1], v[0], 0}}
}

// expRot returns the rotation exp([w]×) (Rodrigues).
func expRot(w geom.Vec3) geom.Mat3 {
	th2 := w.Dot(w)
	var a, b float64
	if th2 < 1e-8 {
		a = 1 - th2/6
		b = 0.5 - th2/24
	} else {
		th := math.Sqrt(th2)
		s, c := math.Sincos(th)
		a = s / th
		b = (1 - c) / th2
	}
	k := skew(w)
	k2 := k.Mul(k)
	out := geom.Identity()
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out[i][j] += a*k[i][j] + b*k2[i][j]
		}
	}
	return out
}

// logRot returns the rotation vector θ with exp([θ]×) = r, for rotations by
// less than π (the only ones a joint of a whisker reaches).
func logRot(r geom.Mat3) geom.Vec3 {
	v := geom.Vec3{r[2][1] - r[1][2], r[0][2] - r[2][0], r[1][0] - r[0][1]}
	c := (r[0][0] + r[1][1] + r[2][2] - 1) / 2
	if c > 1 {
		c = 1
	} else if c < -1 {
		c = -1
	}
	s := v.Norm() / 2
	th := math.Atan2(s, c)
	var f float64
	if s < 1e-7 {
		f = 0.5 * (1 + th*th/6)
	} else {
		f = th / (2 * s)
	}
	return v.Scale(f)
}

// orthonormalize returns the rotation nearest to a slightly drifted r
// (Gram–Schmidt on the columns).
func orthonormalize(r geom.Mat3) geom.Mat3 {
	x := geom.Vec3{r[0][0], r[1][0], r[2][0]}.Unit()
	y := geom.Vec3{r[0][1], r[1][1], r[2][1]}
	y = y.Sub(x.Scale(x.Dot(y))).Unit()
	z := x.Cross(y)
	return geom.Mat3{{x[0], y[0], z[0]}, {x[1], y[1], z[1]}, {x[2], y[2], z[2]}}
}

func col(r geom.Mat3, j int) geom.Vec3 { return geom.Vec3{r[0][j], r[1][j], r[2][j]} }

// inv3sym inverts a symmetric positive definite 3×3 matrix.
func inv3sym(a [9]float64) ([9]float64, bool) {
	c00 := a[4]*a[8] - a[5]*a[7]
	c01 := a[5]*a[6] - a[3]*a[8]
	c02 := a[3]*a[7] - a[4]*a[6]
	det := a[0]*c00 + a[1]*c01 + a[2]*c02
	if !(det > 0) || math.IsInf(det, 0) {
		return [9]float64{}, false
	}
	id := 1 / det
	c11 := a[0]*a[8] - a[2]*a[6]
	c12 := a[2]*a[3] - a[0]*a[5]
	c22 := a[0]*a[4] - a[1]*a[3]
	return [9]float64{c00 * id, c01 * id, c02 * id, c01 * id, c11 * id, c12 * id, c02 * id, c12 * id, c22 * id}, true
}

// quat is a unit quaternion (w, x, y, z).
type quat [4]float64

func (a quat) mul(b quat) quat {
	return quat{
		a[0]*b[0] - a[1]*b[1] - a[2]*b[2] - a[3]*b[3],
		a[0]*b[1] + a[1]*b[0] + a[2]*b[3] - a[3]*b[2],
		a[0]*b[2] - a[1]*b[3] + a[2]*b[0] + a[3]*b[1],
		a[0]*b[3] + a[1]*b[2] - a[2]*b[1] + a[3]*b[0],
	}
}

func (a quat) conj() quat { return quat{a[0], -a[1], -a[2], -a[3]} }

func (a quat) normalized() quat {
	n := 1 / math.Sqrt(a[0]*a[0]+a[1]*a[1]+a[2]*a[2]+a[3]*a[3])
	return quat{a[0] * n, a[1] * n, a[2] * n, a[3] * n}
}

// mat returns the rotation matrix of a unit quaternion.
func (a quat) mat() geom.Mat3 {
	w, x, y, z := a[0], a[1], a[2], a[3]
	return geom.Mat3{
		{1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y)},
	}
}

// log returns the rotation vector of a unit quaternion (angle < π).
func (a quat) log() geom.Vec3 {
	w := a[0]
	v := geom.Vec3{a[1], a[2], a[3]}
	if w < 0 {
		w, v = -w, v.Scale(-1)
	}
	s2 := v.Dot(v)
	var f float64
	if s2 < 1e-4 {
		// 2·atan(s/w)/s = (2/w)(1 − s²/(3w²) + s⁴/(5w⁴)), |s| < 0.01
		r := s2 / (w * w)
		f = 2 / w * (1 - r/3 + r*r/5)
	} else {
		s := math.Sqrt(s2)
		f = 2 * math.Atan2(s, w) / s
	}
	return v.Scale(f)
}

// quatExp returns the unit quaternion of rotation vector r.
func quatExp(r geom.Vec3) quat {
	th2 := r.Dot(r)
	if th2 < 1e-8 {
		return quat{1 - th2/8, r[0] / 2, r[1] / 2, r[2] / 2}.normalized()
	}
	th := math.Sqrt(th2)
	s, c := math.Sincos(th / 2)
	k := s / th
	return quat{c, r[0] * k, r[1] * k, r[2] * k}
}

// quatRotZ returns the rotation by angle a about z.
func quatRotZ(a float64) quat {
	s, c := math.Sincos(a / 2)
	return quat{c, 0, 0, s}
}
