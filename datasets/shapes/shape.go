package shapes

import "github.com/whiskerbench/whiskerbench/datasets/geom"

// Shape is a rigid object in its own body frame, in millimetres.
//
// Distance returns the signed distance from p to the object's surface
// (negative inside the solid) and the outward unit normal of the surface at
// the point closest to p. Open surfaces (a plate, a shell) are given a
// thickness by their constructor so that "inside" is well defined.
// Implementations must be safe for concurrent use by many goroutines.
type Shape interface {
	Distance(p geom.Vec3) (dist float64, normal geom.Vec3)
	Bounds() geom.AABB
}
