package ndarray

import (
	"fmt"
	"math"
	"strings"
)

// DType names an element type, spelled as numpy spells it.
type DType string

// The element types an Array can hold.
const (
	Float32 DType = "float32"
	Float64 DType = "float64"
	Int64   DType = "int64"
	String  DType = "str"
)

// Array is a dense row-major array. Exactly one of the data slices is
// non-nil, matching DType; its length equals the product of Shape.
// A zero-dimensional array (a scalar) has an empty Shape and one element.
type Array struct {
	Shape []int
	DType DType
	F32   []float32
	F64   []float64
	I64   []int64
	Str   []string
}

// Size returns the number of elements implied by shape (1 for a scalar).
// It returns -1 if any dimension is negative or the product overflows int.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return -1
		}
		if d != 0 && n > math.MaxInt/d {
			return -1
		}
		n *= d
	}
	return n
}

func checkLen(shape []int, n int) {
	if s := Size(shape); s != n {
		panic(fmt.Sprintf("ndarray: shape %v needs %d elements, data has %d", shape, s, n))
	}
}

// FromFloat32 wraps data (not copied) with shape. It panics if the sizes
// disagree: that is a programming error, never a user-input error.
func FromFloat32(shape []int, data []float32) Array {
	checkLen(shape, len(data))
	return Array{Shape: clone(shape), DType: Float32, F32: data}
}

// FromFloat64 wraps data (not copied) with shape.
func FromFloat64(shape []int, data []float64) Array {
	checkLen(shape, len(data))
	return Array{Shape: clone(shape), DType: Float64, F64: data}
}

// FromInt64 wraps data (not copied) with shape.
func FromInt64(shape []int, data []int64) Array {
	checkLen(shape, len(data))
	return Array{Shape: clone(shape), DType: Int64, I64: data}
}

// FromStrings wraps data (not copied) as a one-dimensional string array.
func FromStrings(data []string) Array {
	return Array{Shape: []int{len(data)}, DType: String, Str: data}
}

// Zeros32 returns a new zero-filled float32 array.
func Zeros32(shape ...int) Array {
	return FromFloat32(shape, make([]float32, Size(shape)))
}

// Zeros64 returns a new zero-filled float64 array.
func Zeros64(shape ...int) Array {
	return FromFloat64(shape, make([]float64, Size(shape)))
}

func clone(s []int) []int {
	out := make([]int, len(s))
	copy(out, s)
	return out
}

// Len returns the number of elements.
func (a Array) Len() int {
	switch a.DType {
	case Float32:
		return len(a.F32)
	case Float64:
		return len(a.F64)
	case Int64:
		return len(a.I64)
	case String:
		return len(a.Str)
	}
	return 0
}

// Dims returns the number of dimensions.
func (a Array) Dims() int { return len(a.Shape) }

// IsFloat reports whether the array holds float32 or float64 elements.
func (a Array) IsFloat() bool { return a.DType == Float32 || a.DType == Float64 }

// ShapeString formats the shape as numpy does, e.g. "(6, 22, 30)".
func (a Array) ShapeString() string { return ShapeString(a.Shape) }

// ShapeString formats a shape as numpy does: "(6,)" for one dimension.
func ShapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Reshape returns an array sharing a's data with a new shape of the same size.
func (a Array) Reshape(shape ...int) (Array, error) {
	if Size(shape) != a.Len() {
		return Array{}, fmt.Errorf("reshape %s to %s: sizes differ", a.ShapeString(), ShapeString(shape))
	}
	b := a
	b.Shape = clone(shape)
	return b, nil
}

// Rows views the array as a matrix: the first dimension as rows and every
// trailing dimension flattened into columns. A 1-D array is one column.
func (a Array) Rows() (rows, cols int) {
	if len(a.Shape) == 0 {
		return 1, 1
	}
	rows = a.Shape[0]
	cols = 1
	for _, d := range a.Shape[1:] {
		cols *= d
	}
	return rows, cols
}

// At64 returns element i (flat index) as float64. It panics on strings.
func (a Array) At64(i int) float64 {
	switch a.DType {
	case Float32:
		return float64(a.F32[i])
	case Float64:
		return a.F64[i]
	case Int64:
		return float64(a.I64[i])
	}
	panic("ndarray: At64 on " + string(a.DType))
}

// AsFloat64 returns the elements as float64: the data itself for a float64
// array, a converted copy otherwise. It errors on strings.
func (a Array) AsFloat64() ([]float64, error) {
	switch a.DType {
	case Float64:
		return a.F64, nil
	case Float32:
		out := make([]float64, len(a.F32))
		for i, v := range a.F32 {
			out[i] = float64(v)
		}
		return out, nil
	case Int64:
		out := make([]float64, len(a.I64))
		for i, v := range a.I64 {
			out[i] = float64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("array of %s is not numeric", a.DType)
}

// FirstNonFinite returns the flat index of the first NaN or ±Inf element,
// or -1 when every element is finite (always -1 for integer and string data).
func (a Array) FirstNonFinite() int {
	switch a.DType {
	case Float32:
		for i, v := range a.F32 {
			if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
				return i
			}
		}
	case Float64:
		for i, v := range a.F64 {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return i
			}
		}
	}
	return -1
}

// Index converts a flat index into a multi-index for this array's shape.
func (a Array) Index(flat int) []int {
	idx := make([]int, len(a.Shape))
	for d := len(a.Shape) - 1; d >= 0; d-- {
		if a.Shape[d] > 0 {
			idx[d] = flat % a.Shape[d]
			flat /= a.Shape[d]
		}
	}
	return idx
}
