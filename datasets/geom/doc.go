// Package geom holds the small 3-D geometry types shared by the simulator and
// the object library: vectors, rotation matrices and axis-aligned boxes, all
// in float64 millimetres.
package geom
