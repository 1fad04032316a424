package shapes

import (
	"errors"
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Transformed places a Shape in a parent frame: a point x of the inner
// shape's frame sits at Scale·R·x + T in the parent frame. Distances are
// multiplied by Scale and normals rotated by R. R may be any orthogonal
// matrix (a reflection gives a mirrored object).
type Transformed struct {
	inner Shape
	r, rt geom.Mat3
	scale float64
	t     geom.Vec3
	box   geom.AABB
}

// NewTransformed wraps s with rotation r, uniform scale and translation t.
// Wrapping a *Transformed composes the two transforms into one.
func NewTransformed(s Shape, r geom.Mat3, scale float64, t geom.Vec3) (*Transformed, error) {
	if s == nil {
		return nil, errors.New("transform: nil shape")
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("transform: scale %v must be positive and finite", scale)
	}
	if !finiteVec(t) {
		return nil, fmt.Errorf("transform: translation %v is not finite", t)
	}
	rrt := r.Mul(r.Transpose())
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if !(math.Abs(rrt[i][j]-want) < 1e-9) {
				return nil, fmt.Errorf("transform: rotation %v is not orthogonal", r)
			}
		}
	}
	if in, ok := s.(*Transformed); ok {
		// parent(x) = scale·R·(in.scale·in.R·x + in.t) + t
		return NewTransformed(in.inner, r.Mul(in.r), scale*in.scale, r.MulVec(in.t).Scale(scale).Add(t))
	}
	return &Transformed{inner: s, r: r, rt: r.Transpose(), scale: scale, t: t,
		box: transformBox(s.Bounds(), r, scale, t)}, nil
}

// Distance implements Shape.
func (x *Transformed) Distance(p geom.Vec3) (float64, geom.Vec3) {
	// Scalar arithmetic: the compiler keeps scalars in registers, not arrays.
	inv := 1 / x.scale
	px, py, pz := (p[0]-x.t[0])*inv, (p[1]-x.t[1])*inv, (p[2]-x.t[2])*inv
	r := &x.r
	d, n := x.inner.Distance(geom.Vec3{
		r[0][0]*px + r[1][0]*py + r[2][0]*pz,
		r[0][1]*px + r[1][1]*py + r[2][1]*pz,
		r[0][2]*px + r[1][2]*py + r[2][2]*pz,
	})
	nx, ny, nz := n[0], n[1], n[2]
	return d * x.scale, geom.Vec3{
		r[0][0]*nx + r[0][1]*ny + r[0][2]*nz,
		r[1][0]*nx + r[1][1]*ny + r[1][2]*nz,
		r[2][0]*nx + r[2][1]*ny + r[2][2]*nz,
	}
}

// Bounds implements Shape (the box of the transformed corners of the
// inner shape's box; loose when the rotation is not axis-aligned).
func (x *Transformed) Bounds() geom.AABB { return x.box }

// Inner returns the wrapped shape.
func (x *Transformed) Inner() Shape { return x.inner }

// Rotation, Scale and Translation return the transform's parts.
func (x *Transformed) Rotation() geom.Mat3 { return x.r }

// Scale returns the uniform scale factor.
func (x *Transformed) Scale() float64 { return x.scale }

// Translation returns the translation.
func (x *Transformed) Translation() geom.Vec3 { return x.t }

// Apply maps a point of the inner frame to the parent frame.
func (x *Transformed) Apply(p geom.Vec3) geom.Vec3 { return x.r.MulVec(p).Scale(x.scale).Add(x.t) }

// PointsBounds returns the axis-aligned box of pts (empty box for none).
func PointsBounds(pts []geom.Vec3) geom.AABB {
	b := geom.EmptyAABB()
	for _, p := range pts {
		b = b.Extend(p)
	}
	return b
}

// Diagonal returns the length of the box's diagonal.
func Diagonal(b geom.AABB) float64 { return b.Size().Norm() }

// ScaleToDiagonal scales s uniformly about its origin so that the bounding
// box of pts (points of s's surface: mesh vertices, or SurfacePoints for an
// analytic shape) gets diagonal diag, as WHISKiT scales objects to OBJ_SCALE.
func ScaleToDiagonal(s Shape, pts []geom.Vec3, diag float64) (*Transformed, error) {
	if !(diag > 0) || math.IsInf(diag, 0) {
		return nil, fmt.Errorf("scale to diagonal: target %v must be positive and finite", diag)
	}
	cur := Diagonal(PointsBounds(pts))
	if !(cur > 0) || math.IsInf(cur, 0) {
		return nil, fmt.Errorf("scale to diagonal: the %d points have no extent", len(pts))
	}
	t, err := NewTransformed(s, geom.Identity(), diag/cur, geom.Vec3{})
	if err != nil {
		return nil, fmt.Errorf("scale to diagonal: %w", err)
	}
	return t, nil
}

// RotateZ rotates s by thetaDeg degrees about the +z axis through its origin.
func RotateZ(s Shape, thetaDeg float64) (*Transformed, error) {
	if math.IsNaN(thetaDeg) || math.IsInf(thetaDeg, 0) {
		return nil, fmt.Errorf("rotate z: angle %v is not finite", thetaDeg)
	}
	t, err := NewTransformed(s, geom.RotZ(geom.Deg(thetaDeg)), 1, geom.Vec3{})
	if err != nil {
		return nil, fmt.Errorf("rotate z: %w", err)
	}
	return t, nil
}

// PlaceWhiskit applies WHISKiT's object placement (simulator-spec §5,
// paper-spec §3.1): scale s about its origin so that the bounding box of pts
// has diagonal scaleMM (scaleMM = 0 keeps the size), rotate by thetaDeg about
// +z, then translate the origin to (pos.x − xmin, pos.y + ymin, pos.z), where
// xmin and ymin are the minimum corner of the scaled, rotated pts. So the −x
// face touches x = pos.x; the y rule is WHISKiT's own (the +y face of a
// centred object ends near pos.y), kept for compatibility; pos.z places the
// origin, not a face. pts are points of s's surface in s's frame: mesh
// vertices (exactly as WHISKiT) or SurfacePoints for an analytic shape.
func PlaceWhiskit(s Shape, pts []geom.Vec3, scaleMM, thetaDeg float64, pos geom.Vec3) (*Transformed, error) {
	if len(pts) == 0 {
		return nil, errors.New("place: no surface points")
	}
	if math.IsNaN(thetaDeg) || math.IsInf(thetaDeg, 0) || !finiteVec(pos) {
		return nil, fmt.Errorf("place: angle %v or position %v is not finite", thetaDeg, pos)
	}
	scale := 1.0
	if scaleMM != 0 {
		if !(scaleMM > 0) || math.IsInf(scaleMM, 0) {
			return nil, fmt.Errorf("place: scale %v must be positive and finite", scaleMM)
		}
		cur := Diagonal(PointsBounds(pts))
		if !(cur > 0) || math.IsInf(cur, 0) {
			return nil, fmt.Errorf("place: the %d points have no extent", len(pts))
		}
		scale = scaleMM / cur
	}
	r := geom.RotZ(geom.Deg(thetaDeg))
	xmin, ymin := math.Inf(1), math.Inf(1)
	for _, p := range pts {
		q := r.MulVec(p).Scale(scale)
		xmin = math.Min(xmin, q[0])
		ymin = math.Min(ymin, q[1])
	}
	t, err := NewTransformed(s, r, scale, geom.Vec3{pos[0] - xmin, pos[1] + ymin, pos[2]})
	if err != nil {
		return nil, fmt.Errorf("place: %w", err)
	}
	return t, nil
}
