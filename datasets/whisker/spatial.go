package whisker

import (
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

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
	if r := s2 / (w * w); r < 0.01 {
		// 2·atan(s/w)/s = (2/w)·Σ (−r)^k/(2k+1), r = s²/w² < 0.01
		// (angles below 11°), truncated after r⁵: error < r⁶/13 < 1e-13.
		f = 2 / w * (1 - r*(1.0/3-r*(1.0/5-r*(1.0/7-r*(1.0/9-r*(1.0/11))))))
	} else {
		s := math.Sqrt(s2)
		f = 2 * math.Atan2(s, w) / s
	}
	return v.Scale(f)
}

// quatExp returns the unit quaternion of rotation vector r.
func quatExp(r geom.Vec3) quat {
	th2 := r.Dot(r)
	if th2 < 0.01 {
		// cos(θ/2) and sin(θ/2)/θ by their series to θ⁸ (θ < 0.1: error
		// < 1e-16).
		x := th2 / 4
		c := 1 - x/2*(1-x/12*(1-x/30*(1-x/56)))
		k := 0.5 * (1 - x/6*(1-x/20*(1-x/42*(1-x/72))))
		return quat{c, r[0] * k, r[1] * k, r[2] * k}
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
