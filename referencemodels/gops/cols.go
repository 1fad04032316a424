package gops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ---------------------------------------------------------------------------
// Column concatenation and slices: stacking per-step inputs into one batch
// of frames and splitting the frames' features back into steps (the
// ResNet-18 encoder, Chung et al. 2025, paper-spec §2.4).

func concatCols[T float](o []T, in [][]T, R, N int) {
	off := 0
	for _, x := range in {
		n := len(x) / R
		for r := 0; r < R; r++ {
			copy(o[r*N+off:r*N+off+n], x[r*n:(r+1)*n])
		}
		off += n
	}
}

// ColConcat places matrices with equal row counts side by side:
// (R, N_0), (R, N_1), … -> (R, ΣN_i).
func ColConcat(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("col_concat: no inputs")
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	if err := require2D("col_concat", xs[0]); err != nil {
		return nil, err
	}
	R := rows(xs[0])
	N := 0
	dims := make([]int, len(xs))
	want := make([][]int, len(xs))
	wrt := make([]bool, len(xs))
	name := "col_concat{"
	for i, x := range xs {
		if err := require2D("col_concat", x); err != nil {
			return nil, err
		}
		if rows(x) != R {
			return nil, fmt.Errorf("col_concat: input %d has %d rows, want %d", i, rows(x), R)
		}
		dims[i], want[i], wrt[i] = 2, []int{R, cols(x)}, true
		N += cols(x)
		name += fmt.Sprintf("%d,", cols(x))
	}
	k := &kernel{
		name: fmt.Sprintf("%s;%d}", name, R), inDims: dims, outDims: 2,
		shape: fixed("col_concat", tensor.Shape{R, N}, want...),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { concatCols(o, in, R, N) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { concatCols(o, in, R, N) },
		wrt:   wrt,
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		out := make(G.Nodes, len(in))
		off := 0
		for i, x := range in {
			s, err := ColSlice(g, off, off+cols(x))
			if err != nil {
				return nil, err
			}
			out[i] = s
			off += cols(x)
		}
		return out, nil
	}
	return apply(k, xs...)
}

func sliceCols[T float](o, x []T, R, N, lo, hi int) {
	n := hi - lo
	for r := 0; r < R; r++ {
		copy(o[r*n:(r+1)*n], x[r*N+lo:r*N+hi])
	}
}

func padCols[T float](o, x []T, R, N, lo int) {
	clear(o)
	n := len(x) / R
	for r := 0; r < R; r++ {
		copy(o[r*N+lo:r*N+lo+n], x[r*n:(r+1)*n])
	}
}

// ColSlice returns columns [lo, hi) of x (R, N) as a new contiguous matrix.
func ColSlice(x *G.Node, lo, hi int) (*G.Node, error) {
	if err := require2D("col_slice", x); err != nil {
		return nil, err
	}
	R, N := rows(x), cols(x)
	if lo < 0 || hi > N || lo >= hi {
		return nil, fmt.Errorf("col_slice [%d, %d) of %d columns", lo, hi, N)
	}
	k := &kernel{
		name: fmt.Sprintf("col_slice{%d,%d,%d,%d}", R, N, lo, hi), inDims: []int{2}, outDims: 2,
		shape: fixed("col_slice", tensor.Shape{R, hi - lo}, []int{R, N}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { sliceCols(o, in[0], R, N, lo, hi) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { sliceCols(o, in[0], R, N, lo, hi) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(ColPad(g, lo, N)) }
	return apply(k, x)
}

// ColPad places x (R, n) at columns [lo, lo+n) of a zero (R, N) matrix.
func ColPad(x *G.Node, lo, N int) (*G.Node, error) {
	if err := require2D("col_pad", x); err != nil {
		return nil, err
	}
	R, n := rows(x), cols(x)
	if lo < 0 || lo+n > N {
		return nil, fmt.Errorf("col_pad %d columns at %d into %d", n, lo, N)
	}
	k := &kernel{
		name: fmt.Sprintf("col_pad{%d,%d,%d,%d}", R, n, lo, N), inDims: []int{2}, outDims: 2,
		shape: fixed("col_pad", tensor.Shape{R, N}, []int{R, n}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { padCols(o, in[0], R, N, lo) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { padCols(o, in[0], R, N, lo) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(ColSlice(g, lo, lo+n)) }
	return apply(k, x)
}
