package geom

import "math"

// Vec3 is a point or direction in 3-D space.
type Vec3 [3]float64

// Add returns a+b.
func (a Vec3) Add(b Vec3) Vec3 { return Vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }

// Sub returns a−b.
func (a Vec3) Sub(b Vec3) Vec3 { return Vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

// Scale returns s·a.
func (a Vec3) Scale(s float64) Vec3 { return Vec3{s * a[0], s * a[1], s * a[2]} }

// Dot returns a·b.
func (a Vec3) Dot(b Vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

// Cross returns a×b.
func (a Vec3) Cross(b Vec3) Vec3 {
	return Vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// Norm returns the Euclidean length of a.
func (a Vec3) Norm() float64 { return math.Sqrt(a.Dot(a)) }

// Unit returns a scaled to length 1, or the zero vector when a is zero.
func (a Vec3) Unit() Vec3 {
	n := a.Norm()
	if n == 0 {
		return Vec3{}
	}
	return a.Scale(1 / n)
}

// Lerp returns a + t·(b−a).
func Lerp(a, b Vec3, t float64) Vec3 { return a.Add(b.Sub(a).Scale(t)) }

// Min returns the component-wise minimum.
func Min(a, b Vec3) Vec3 {
	return Vec3{math.Min(a[0], b[0]), math.Min(a[1], b[1]), math.Min(a[2], b[2])}
}

// Max returns the component-wise maximum.
func Max(a, b Vec3) Vec3 {
	return Vec3{math.Max(a[0], b[0]), math.Max(a[1], b[1]), math.Max(a[2], b[2])}
}

// Mat3 is a row-major 3×3 matrix.
type Mat3 [3][3]float64

// Identity returns the identity matrix.
func Identity() Mat3 { return Mat3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}} }

// MulVec returns m·v.
func (m Mat3) MulVec(v Vec3) Vec3 {
	return Vec3{
		m[0][0]*v[0] + m[0][1]*v[1] + m[0][2]*v[2],
		m[1][0]*v[0] + m[1][1]*v[1] + m[1][2]*v[2],
		m[2][0]*v[0] + m[2][1]*v[1] + m[2][2]*v[2],
	}
}

// Mul returns m·n.
func (m Mat3) Mul(n Mat3) Mat3 {
	var out Mat3
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out[i][j] = m[i][0]*n[0][j] + m[i][1]*n[1][j] + m[i][2]*n[2][j]
		}
	}
	return out
}

// Transpose returns mᵀ (the inverse of a rotation).
func (m Mat3) Transpose() Mat3 {
	var out Mat3
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out[i][j] = m[j][i]
		}
	}
	return out
}

// RotX returns the rotation by angle a (radians) about the x axis.
func RotX(a float64) Mat3 {
	s, c := math.Sincos(a)
	return Mat3{{1, 0, 0}, {0, c, -s}, {0, s, c}}
}

// RotY returns the rotation by angle a (radians) about the y axis.
func RotY(a float64) Mat3 {
	s, c := math.Sincos(a)
	return Mat3{{c, 0, s}, {0, 1, 0}, {-s, 0, c}}
}

// RotZ returns the rotation by angle a (radians) about the z axis.
func RotZ(a float64) Mat3 {
	s, c := math.Sincos(a)
	return Mat3{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}
}

// Deg converts degrees to radians.
func Deg(d float64) float64 { return d * math.Pi / 180 }

// AABB is an axis-aligned bounding box. The zero value is not empty; use
// EmptyAABB to start a union.
type AABB struct{ Lo, Hi Vec3 }

// EmptyAABB returns a box that contains nothing and grows by Extend.
func EmptyAABB() AABB {
	inf := math.Inf(1)
	return AABB{Lo: Vec3{inf, inf, inf}, Hi: Vec3{-inf, -inf, -inf}}
}

// Extend returns the smallest box containing b and p.
func (b AABB) Extend(p Vec3) AABB { return AABB{Lo: Min(b.Lo, p), Hi: Max(b.Hi, p)} }

// Union returns the smallest box containing b and c.
func (b AABB) Union(c AABB) AABB { return AABB{Lo: Min(b.Lo, c.Lo), Hi: Max(b.Hi, c.Hi)} }

// Center returns the centre of the box.
func (b AABB) Center() Vec3 { return b.Lo.Add(b.Hi).Scale(0.5) }

// Size returns the box's extent along each axis.
func (b AABB) Size() Vec3 { return b.Hi.Sub(b.Lo) }

// Expand returns the box grown by m on every side.
func (b AABB) Expand(m float64) AABB {
	d := Vec3{m, m, m}
	return AABB{Lo: b.Lo.Sub(d), Hi: b.Hi.Add(d)}
}

// Contains reports whether p lies inside or on the box.
func (b AABB) Contains(p Vec3) bool {
	return p[0] >= b.Lo[0] && p[0] <= b.Hi[0] && p[1] >= b.Lo[1] && p[1] <= b.Hi[1] && p[2] >= b.Lo[2] && p[2] <= b.Hi[2]
}

// DistSq returns the squared distance from p to the box (0 inside).
func (b AABB) DistSq(p Vec3) float64 {
	var s float64
	for i := 0; i < 3; i++ {
		if p[i] < b.Lo[i] {
			d := b.Lo[i] - p[i]
			s += d * d
		} else if p[i] > b.Hi[i] {
			d := p[i] - b.Hi[i]
			s += d * d
		}
	}
	return s
}
