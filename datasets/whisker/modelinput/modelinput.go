package modelinput

import (
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Shape constants of the paper's model input.
const (
	Frames    = 110 // time steps kept
	Whiskers  = 30  // RA0…RE5
	Channels  = 6   // Fx, Fy, Fz, Mx, My, Mz
	GridRows  = 5   // whisker rows A..E
	GridCols  = 7   // arcs 0..6
	Cells     = GridRows * GridCols
	Steps     = 22 // model time steps
	PerStep   = Frames / Steps
	Outlier   = 1000 // |x| above this is an outlier (mN or mN·mm)
	InputChan = PerStep * Channels
)

// PaddedCells returns the flat grid cells that hold no whisker: A5, A6, B5,
// B6, E6 (paper-spec §2.1).
func PaddedCells() []int { return []int{5, 6, 12, 13, 34} }

// Decimate keeps 110 frames of raw (frames, 30, 6): raw itself when it has
// exactly 110 frames, otherwise frames 1, 1+s, 1+2s, … with s = frames/110
// (integer division), the first 110 of them — pure decimation, no filter.
func Decimate(raw ndarray.Array) (ndarray.Array, error) {
	if err := check(raw, "decimate", Whiskers); err != nil {
		return ndarray.Array{}, err
	}
	n := raw.Shape[0]
	per := Whiskers * Channels
	if n == Frames {
		out := make([]float32, len(raw.F32))
		copy(out, raw.F32)
		return ndarray.FromFloat32([]int{Frames, Whiskers, Channels}, out), nil
	}
	s := n / Frames
	if s < 1 || 1+(Frames-1)*s >= n {
		return ndarray.Array{}, fmt.Errorf("decimate: %d frames cannot give %d (step %d from frame 1)", n, Frames, s)
	}
	out := make([]float32, Frames*per)
	for t := 0; t < Frames; t++ {
		src := (1 + t*s) * per
		copy(out[t*per:(t+1)*per], raw.F32[src:src+per])
	}
	return ndarray.FromFloat32([]int{Frames, Whiskers, Channels}, out), nil
}

// CleanOutliers applies the paper's rule in place to x (frames, whiskers,
// 6): NaN → 0; every |value| > 1000 becomes NaN and is forward-filled along
// time per (whisker, channel) with the last valid value; what stays NaN (a
// leading run) becomes 0. Outliers are replaced, not clipped.
func CleanOutliers(x ndarray.Array) error {
	if x.DType != ndarray.Float32 || x.Dims() != 3 || x.Shape[2] != Channels {
		return fmt.Errorf("clean outliers: want float32 (frames, whiskers, %d), got %s %s", Channels, x.DType, x.ShapeString())
	}
	n, w := x.Shape[0], x.Shape[1]
	d := x.F32
	for s := 0; s < w*Channels; s++ {
		last := float32(0)
		have := false
		for t := 0; t < n; t++ {
			i := t*w*Channels + s
			v := d[i]
			if v != v {
				v = 0 // NaN → 0 comes first, so a NaN is never filled
			}
			if math.Abs(float64(v)) > Outlier {
				if have {
					v = last
				} else {
					v = 0
				}
			} else {
				last, have = v, true
			}
			d[i] = v
		}
	}
	return nil
}

// Pad inserts the zero cells of the 5×7 grid: (frames, 30, 6) →
// (frames, 35, 6), whisker k going to the k-th non-padded cell.
func Pad(x ndarray.Array) (ndarray.Array, error) {
	if err := check(x, "pad", Whiskers); err != nil {
		return ndarray.Array{}, err
	}
	n := x.Shape[0]
	cellOf := whiskerCells()
	out := make([]float32, n*Cells*Channels)
	for t := 0; t < n; t++ {
		for k := 0; k < Whiskers; k++ {
			copy(out[(t*Cells+cellOf[k])*Channels:][:Channels], x.F32[(t*Whiskers+k)*Channels:][:Channels])
		}
	}
	return ndarray.FromFloat32([]int{n, Cells, Channels}, out), nil
}

// whiskerCells maps whisker k (RA0…RE5) to its flat grid cell.
func whiskerCells() []int {
	pad := map[int]bool{}
	for _, c := range PaddedCells() {
		pad[c] = true
	}
	var out []int
	for c := 0; c < Cells; c++ {
		if !pad[c] {
			out = append(out, c)
		}
	}
	return out
}

// Pack reshapes (110, 35, 6) to (22, 30, 5, 7) as the paper's
// ShapeNetReshape: out[t, step·6 + f, r, c] = in[t·5 + step, r·7 + c, f].
func Pack(x ndarray.Array) (ndarray.Array, error) {
	if x.DType != ndarray.Float32 || x.Dims() != 3 || x.Shape[0] != Frames || x.Shape[1] != Cells || x.Shape[2] != Channels {
		return ndarray.Array{}, fmt.Errorf("pack: want float32 (%d, %d, %d), got %s %s", Frames, Cells, Channels, x.DType, x.ShapeString())
	}
	out := make([]float32, Steps*InputChan*Cells)
	for t := 0; t < Steps; t++ {
		for step := 0; step < PerStep; step++ {
			for f := 0; f < Channels; f++ {
				for cell := 0; cell < Cells; cell++ {
					out[(t*InputChan+step*Channels+f)*Cells+cell] = x.F32[((t*PerStep+step)*Cells+cell)*Channels+f]
				}
			}
		}
	}
	return ndarray.FromFloat32([]int{Steps, InputChan, GridRows, GridCols}, out), nil
}

// Process runs the whole chain on one readout (frames, 30, 6) and returns
// the model input (22, 30, 5, 7). raw is not modified.
func Process(raw ndarray.Array) (ndarray.Array, error) {
	d, err := Decimate(raw)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("model input: %w", err)
	}
	if err := CleanOutliers(d); err != nil {
		return ndarray.Array{}, fmt.Errorf("model input: %w", err)
	}
	p, err := Pad(d)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("model input: %w", err)
	}
	out, err := Pack(p)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("model input: %w", err)
	}
	return out, nil
}

func check(x ndarray.Array, op string, whiskers int) error {
	if x.DType != ndarray.Float32 || x.Dims() != 3 || x.Shape[1] != whiskers || x.Shape[2] != Channels || len(x.F32) != ndarray.Size(x.Shape) {
		return fmt.Errorf("%s: want float32 (frames, %d, %d), got %s %s", op, whiskers, Channels, x.DType, x.ShapeString())
	}
	return nil
}
