package gops

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ---------------------------------------------------------------------------
// Pooling in the (C, B·H·W) layout: PyTorch's MaxPool2d (implicit −inf
// padding, the gradient routed to the first maximum of each window) and
// the global average pool of ResNet-18 (Chung et al. 2025, paper-spec
// §2.4).

// maxPoolArg calls visit(o, k) for every output element o (flat, in the
// (C, B·Ho·Wo) layout) with the flat index k into x of its window's
// maximum: the first in row-major tap order, as in PyTorch (which also
// lets a NaN win). Padding taps are skipped, i.e. count as −inf.
func maxPoolArg[T float](x []T, C int, g ConvGeom, visit func(o, src int)) {
	ho, wo := g.Out()
	N, M := g.B*ho*wo, g.B*g.H*g.W
	for c := 0; c < C; c++ {
		for b := 0; b < g.B; b++ {
			for oh := 0; oh < ho; oh++ {
				for ow := 0; ow < wo; ow++ {
					best, arg := math.Inf(-1), -1
					for i := 0; i < g.KH; i++ {
						h := oh*g.Stride - g.Pad + i
						if h < 0 || h >= g.H {
							continue
						}
						for j := 0; j < g.KW; j++ {
							w := ow*g.Stride - g.Pad + j
							if w < 0 || w >= g.W {
								continue
							}
							k := c*M + (b*g.H+h)*g.W + w
							if v := float64(x[k]); arg < 0 || v > best || math.IsNaN(v) {
								best, arg = v, k
							}
						}
					}
					visit(c*N+(b*ho+oh)*wo+ow, arg)
				}
			}
		}
	}
}

func maxPool[T float](o, x []T, C int, g ConvGeom) {
	maxPoolArg(x, C, g, func(i, k int) { o[i] = x[k] })
}

func maxPoolGrad[T float](dx, x, dy []T, C int, g ConvGeom) {
	clear(dx)
	maxPoolArg(x, C, g, func(i, k int) { dx[k] += dy[i] })
}

// MaxPool returns the max pool of x (C, B·H·W) over windows of geometry g,
// (C, B·Ho·Wo); padding never wins (PyTorch pads with −inf). Pad must not
// exceed half the kernel, as in PyTorch, so every window holds a real
// element. The gradient goes to the first maximum of each window.
func MaxPool(x *G.Node, g ConvGeom) (*G.Node, error) {
	if err := require2D("max_pool", x); err != nil {
		return nil, err
	}
	if err := g.validate("max_pool"); err != nil {
		return nil, err
	}
	if 2*g.Pad > g.KH || 2*g.Pad > g.KW {
		return nil, fmt.Errorf("max_pool: pad %d exceeds half the %dx%d kernel", g.Pad, g.KH, g.KW)
	}
	C := rows(x)
	ho, wo := g.Out()
	inShape := []int{C, g.B * g.H * g.W}
	k := &kernel{
		name: fmt.Sprintf("max_pool{%d;%s}", C, g), inDims: []int{2}, outDims: 2,
		shape: fixed("max_pool", tensor.Shape{C, g.B * ho * wo}, inShape),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { maxPool(o, in[0], C, g) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { maxPool(o, in[0], C, g) },
		wrt:   []bool{true},
	}
	k.grad = func(in G.Nodes, _, gr *G.Node) (G.Nodes, error) {
		return one(apply(&kernel{
			name: fmt.Sprintf("max_pool_dx{%d;%s}", C, g), inDims: []int{2, 2}, outDims: 2,
			shape: fixed("max_pool_dx", tensor.Shape{C, g.B * g.H * g.W}, inShape, []int{C, g.B * ho * wo}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { maxPoolGrad(o, in[0], in[1], C, g) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { maxPoolGrad(o, in[0], in[1], C, g) },
		}, in[0], gr))
	}
	return apply(k, x)
}

func meanGroups[T float](o, x []T, P int) {
	for i := range o {
		var s float64
		for _, v := range x[i*P : (i+1)*P] {
			s += float64(v)
		}
		o[i] = T(s / float64(P))
	}
}

func spreadGroups[T float](o, x []T, P int) {
	for i, v := range x {
		d := T(float64(v) / float64(P))
		for p := range o[i*P : (i+1)*P] {
			o[i*P+p] = d
		}
	}
}

// AvgPositions is the global average pool: it averages each run of P
// consecutive columns of x (C, M·P) (the P positions of one grid), giving
// (C, M).
func AvgPositions(x *G.Node, P int) (*G.Node, error) {
	if err := require2D("avg_positions", x); err != nil {
		return nil, err
	}
	C, N := rows(x), cols(x)
	if P <= 0 || N%P != 0 {
		return nil, fmt.Errorf("avg_positions: %d columns not a multiple of %d positions", N, P)
	}
	k := &kernel{
		name: fmt.Sprintf("avg_positions{%d,%d,%d}", C, N, P), inDims: []int{2}, outDims: 2,
		shape: fixed("avg_positions", tensor.Shape{C, N / P}, []int{C, N}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { meanGroups(o, in[0], P) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { meanGroups(o, in[0], P) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(spreadPositions(g, P)) }
	return apply(k, x)
}

// spreadPositions is AvgPositions' adjoint: (C, M) -> (C, M·P), each value
// divided by P and repeated over its P columns.
func spreadPositions(x *G.Node, P int) (*G.Node, error) {
	C, M := rows(x), cols(x)
	k := &kernel{
		name: fmt.Sprintf("spread_positions{%d,%d,%d}", C, M, P), inDims: []int{2}, outDims: 2,
		shape: fixed("spread_positions", tensor.Shape{C, M * P}, []int{C, M}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { spreadGroups(o, in[0], P) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { spreadGroups(o, in[0], P) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(AvgPositions(g, P)) }
	return apply(k, x)
}
