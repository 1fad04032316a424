// Package ndarray holds whiskerbench's one n-dimensional array type: a shape
// and a flat, row-major (C order) slice of float32, float64, int64 or string
// elements. It does no I/O; package npz reads and writes it.
package ndarray
