package augment

import (
	"fmt"
	"slices"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// The model input layout (Chung et al. 2025, paper-spec §2.1).
const (
	Steps         = 22                    // time steps T of the packed input
	Channels      = 30                    // packed channels C = FramesPerStep·Forces
	Height        = 5                     // whisker rows A..E
	Width         = 7                     // whisker arcs 0..6
	FramesPerStep = 5                     // raw frames packed into one time step
	Forces        = 6                     // force/torque channels Fx, Fy, Fz, Mx, My, Mz
	RawFrames     = Steps * FramesPerStep // 110 raw frames
	Cells         = Height * Width        // 35 grid cells, flat index r·7+c
)

// checkShape reports an error unless x is float32 with shape
// (B, dims...) for some B ≥ 0 and data of the matching length. It returns B.
func checkShape(x ndarray.Array, dims ...int) (int, error) {
	want := "(B, " + ndarray.ShapeString(dims)[1:]
	if x.DType != ndarray.Float32 {
		return 0, fmt.Errorf("input dtype %s, want %s", x.DType, ndarray.Float32)
	}
	if len(x.Shape) != len(dims)+1 || !slices.Equal(x.Shape[1:], dims) || x.Shape[0] < 0 {
		return 0, fmt.Errorf("input shape %s, want %s", x.ShapeString(), want)
	}
	if n := ndarray.Size(x.Shape); n != len(x.F32) {
		return 0, fmt.Errorf("input shape %s needs %d values, data has %d", x.ShapeString(), n, len(x.F32))
	}
	return x.Shape[0], nil
}

// checkInput checks a packed model input (B, 22, 30, 5, 7) and returns B.
func checkInput(x ndarray.Array) (int, error) {
	return checkShape(x, Steps, Channels, Height, Width)
}

// Unpack returns the raw frames of a packed input: shape (B, 110, 6, 5, 7)
// with raw[b, t·5+step, f, r, c] = x[b, t, step·6+f, r, c]
// (paper-spec §2.1). Both layouts are row-major with the same flat offset
// ((b·22+t)·30 + step·6+f)·35 + r·7+c = ((b·110 + t·5+step)·6 + f)·35 + r·7+c,
// so the values are copied in order and only the shape changes.
func Unpack(x ndarray.Array) (ndarray.Array, error) {
	b, err := checkInput(x)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("unpack: %w", err)
	}
	return ndarray.FromFloat32([]int{b, RawFrames, Forces, Height, Width}, slices.Clone(x.F32)), nil
}

// Pack is the inverse of Unpack: (B, 110, 6, 5, 7) raw frames to the packed
// model input (B, 22, 30, 5, 7), x[b, t, step·6+f, r, c] = raw[b, t·5+step, f, r, c].
func Pack(raw ndarray.Array) (ndarray.Array, error) {
	b, err := checkShape(raw, RawFrames, Forces, Height, Width)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("pack: %w", err)
	}
	return ndarray.FromFloat32([]int{b, Steps, Channels, Height, Width}, slices.Clone(raw.F32)), nil
}
