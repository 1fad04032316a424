package gops

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Fused gate ops for the recurrent cells: one pass over the gate
// pre-activations instead of a RowSlice, Sigmoid, Tanh/ReLU, Sub, Mul and
// Add node each (and as many intermediate tensors and backward nodes).

// MixAct is the candidate activation of a GatedMix.
type MixAct int

const (
	MixTanh MixAct = iota // tanh
	MixReLU               // max(0, ·)
)

func (a MixAct) String() string {
	if a == MixReLU {
		return "relu"
	}
	return "tanh"
}

// sigmoid matches gorgonia's float32 and float64 Sigmoid.
func sigmoid[T float](x T) T {
	if x < -88 {
		return 0
	}
	if x > 15 {
		return 1
	}
	return T(1 / (1 + math.Exp(-float64(x))))
}

func act[T float](a MixAct, x T) T {
	if a == MixReLU {
		return max(x, 0)
	}
	return T(math.Tanh(float64(x)))
}

// gatedMix computes o = c + g·(v − c) with g = σ(z[off] + fb) and c =
// act(z[off+C]) row-block-wise; z has R rows of N, v and o have C rows.
func gatedMix[T float](o, z, v []T, off, C int, fb T, a MixAct) {
	N := len(v) / C
	ga, ca := z[off*N:(off+C)*N], z[(off+C)*N:(off+2*C)*N]
	ga, ca, o = ga[:len(v)], ca[:len(v)], o[:len(v)]
	for i, vv := range v {
		g, c := sigmoid(ga[i]+fb), act(a, ca[i])
		o[i] = c + g*(vv-c)
	}
}

// gatedMixGrad writes the gradients of gatedMix given the upstream dy:
// into dz (R rows: zero outside the two gate blocks) when dz is non-nil,
// into dv when dv is non-nil.
func gatedMixGrad[T float](dz, dv, z, v, dy []T, off, C int, fb T, a MixAct) {
	N := len(v) / C
	ga, ca := z[off*N:(off+C)*N], z[(off+C)*N:(off+2*C)*N]
	ga, ca, dy = ga[:len(v)], ca[:len(v)], dy[:len(v)]
	if dv != nil {
		dv = dv[:len(v)]
		for i, d := range dy {
			dv[i] = d * sigmoid(ga[i]+fb)
		}
	}
	if dz == nil {
		return
	}
	clear(dz[:off*N])
	clear(dz[(off+2*C)*N:])
	dga, dca := dz[off*N:(off+C)*N], dz[(off+C)*N:(off+2*C)*N]
	dga, dca = dga[:len(v)], dca[:len(v)]
	for i, d := range dy {
		g, c := sigmoid(ga[i]+fb), act(a, ca[i])
		dga[i] = d * (v[i] - c) * g * (1 - g)
		dc := d * (1 - g)
		if a == MixReLU {
			if ca[i] <= 0 {
				dc = 0
			}
		} else {
			dc *= 1 - c*c
		}
		dca[i] = dc
	}
}

// GatedMix returns c + g·(v − c) = g·v + (1 − g)·c for v (C, N), where the
// gate g = σ(z_g + fb) and the candidate c = act(z_c) read rows [off,
// off+C) and [off+C, off+2C) of z (R, N). It fuses a cell's gate slice,
// activations and interpolation into one node (IntersectionRNN: y' =
// GatedMix(z, u, 2C, 1, relu), s' = GatedMix(z, s, 0, 1, tanh)).
func GatedMix(z, v *G.Node, off int, fb float64, a MixAct) (*G.Node, error) {
	if err := require2D("gated_mix", z); err != nil {
		return nil, err
	}
	if err := require2D("gated_mix", v); err != nil {
		return nil, err
	}
	R, N, C := rows(z), cols(z), rows(v)
	if cols(v) != N || off < 0 || off+2*C > R {
		return nil, fmt.Errorf("gated_mix: z %v, v %v, offset %d do not fit", z.Shape(), v.Shape(), off)
	}
	name := fmt.Sprintf("gated_mix{%d,%d,%d,%d,%g,%v}", R, C, N, off, fb, a)
	k := &kernel{
		name: name, inDims: []int{2, 2}, outDims: 2,
		shape: fixed("gated_mix", tensor.Shape{C, N}, []int{R, N}, []int{C, N}),
		f32: func(o []float32, in [][]float32, _ []tensor.Shape) {
			gatedMix(o, in[0], in[1], off, C, float32(fb), a)
		},
		f64: func(o []float64, in [][]float64, _ []tensor.Shape) { gatedMix(o, in[0], in[1], off, C, fb, a) },
		wrt: []bool{true, true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		dz, err := gatedMixGradNode(true, in[0], in[1], g, off, fb, a)
		if err != nil {
			return nil, err
		}
		dv, err := gatedMixGradNode(false, in[0], in[1], g, off, fb, a)
		return G.Nodes{dz, dv}, err
	}
	return apply(k, z, v)
}

// gatedMixGradNode is GatedMix's gradient with respect to z (wrtZ) or v.
func gatedMixGradNode(wrtZ bool, z, v, dy *G.Node, off int, fb float64, a MixAct) (*G.Node, error) {
	R, N, C := rows(z), cols(z), rows(v)
	which, out := "v", tensor.Shape{C, N}
	if wrtZ {
		which, out = "z", tensor.Shape{R, N}
	}
	name := fmt.Sprintf("gated_mix_grad_%s{%d,%d,%d,%d,%g,%v}", which, R, C, N, off, fb, a)
	return apply(&kernel{
		name: name, inDims: []int{2, 2, 2}, outDims: 2,
		shape: fixed(name, out, []int{R, N}, []int{C, N}, []int{C, N}),
		f32: func(o []float32, in [][]float32, _ []tensor.Shape) {
			if wrtZ {
				gatedMixGrad(o, nil, in[0], in[1], in[2], off, C, float32(fb), a)
			} else {
				gatedMixGrad(nil, o, in[0], in[1], in[2], off, C, float32(fb), a)
			}
		},
		f64: func(o []float64, in [][]float64, _ []tensor.Shape) {
			if wrtZ {
				gatedMixGrad(o, nil, in[0], in[1], in[2], off, C, fb, a)
			} else {
				gatedMixGrad(nil, o, in[0], in[1], in[2], off, C, fb, a)
			}
		},
	}, z, v, dy)
}
