package gops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ---------------------------------------------------------------------------
// General im2col: any kernel size, stride and symmetric zero padding, with
// PyTorch's Conv2d geometry (used by the ResNet-18 encoder, Chung et al.
// 2025, paper-spec §2.4).

// ConvGeom is the geometry of a 2-D convolution over a batch of B grids
// H×W: kernel KH×KW, one stride for both dimensions and Pad zeros on every
// side.
type ConvGeom struct{ B, H, W, KH, KW, Stride, Pad int }

// Out returns the output grid size, PyTorch's floor((H+2P−K)/S)+1 in each
// dimension.
func (g ConvGeom) Out() (ho, wo int) {
	return (g.H+2*g.Pad-g.KH)/g.Stride + 1, (g.W+2*g.Pad-g.KW)/g.Stride + 1
}

func (g ConvGeom) validate(name string) error {
	if g.B <= 0 || g.H <= 0 || g.W <= 0 || g.KH <= 0 || g.KW <= 0 || g.Stride <= 0 || g.Pad < 0 {
		return fmt.Errorf("%s: invalid geometry %+v", name, g)
	}
	if g.H+2*g.Pad < g.KH || g.W+2*g.Pad < g.KW {
		return fmt.Errorf("%s: kernel %dx%d larger than the padded grid %dx%d", name, g.KH, g.KW, g.H+2*g.Pad, g.W+2*g.Pad)
	}
	return nil
}

func (g ConvGeom) String() string {
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d,%d", g.B, g.H, g.W, g.KH, g.KW, g.Stride, g.Pad)
}

// im2colGeom writes the patch matrix of x (C, B·H·W) into out
// (C·KH·KW, B·Ho·Wo); padded taps are zero.
func im2colGeom[T float](out, x []T, C int, g ConvGeom) {
	ho, wo := g.Out()
	N, M := g.B*ho*wo, g.B*g.H*g.W
	for c := 0; c < C; c++ {
		src := x[c*M : (c+1)*M]
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				row := out[((c*g.KH+i)*g.KW+j)*N : ((c*g.KH+i)*g.KW+j+1)*N]
				for b := 0; b < g.B; b++ {
					for oh := 0; oh < ho; oh++ {
						dst := row[(b*ho+oh)*wo : (b*ho+oh+1)*wo]
						h := oh*g.Stride - g.Pad + i
						if h < 0 || h >= g.H {
							clear(dst)
							continue
						}
						line := src[(b*g.H+h)*g.W : (b*g.H+h+1)*g.W]
						for ow := range dst {
							w := ow*g.Stride - g.Pad + j
							if w < 0 || w >= g.W {
								dst[ow] = 0
							} else {
								dst[ow] = line[w]
							}
						}
					}
				}
			}
		}
	}
}

// col2imGeom is im2colGeom's adjoint: it sums the patch matrix cols
// (C·KH·KW, B·Ho·Wo) back onto the grid x (C, B·H·W).
func col2imGeom[T float](x, cols []T, C int, g ConvGeom) {
	ho, wo := g.Out()
	N, M := g.B*ho*wo, g.B*g.H*g.W
	clear(x)
	for c := 0; c < C; c++ {
		dst := x[c*M : (c+1)*M]
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				row := cols[((c*g.KH+i)*g.KW+j)*N : ((c*g.KH+i)*g.KW+j+1)*N]
				for b := 0; b < g.B; b++ {
					for oh := 0; oh < ho; oh++ {
						h := oh*g.Stride - g.Pad + i
						if h < 0 || h >= g.H {
							continue
						}
						src := row[(b*ho+oh)*wo : (b*ho+oh+1)*wo]
						line := dst[(b*g.H+h)*g.W : (b*g.H+h+1)*g.W]
						for ow, v := range src {
							if w := ow*g.Stride - g.Pad + j; w >= 0 && w < g.W {
								line[w] += v
							}
						}
					}
				}
			}
		}
	}
}

// Im2ColGeom turns x (C, B·H·W), column b·H·W + h·W + w, into the patch
// matrix (C·KH·KW, B·Ho·Wo) of geometry g, column b·Ho·Wo + oh·Wo + ow and
// row c·KH·KW + i·KW + j, so that a PyTorch Conv2d weight
// (Cout, C, KH, KW) reshaped to (Cout, C·KH·KW) multiplies it from the
// left.
func Im2ColGeom(x *G.Node, g ConvGeom) (*G.Node, error) {
	if err := require2D("im2col", x); err != nil {
		return nil, err
	}
	if err := g.validate("im2col"); err != nil {
		return nil, err
	}
	C := rows(x)
	ho, wo := g.Out()
	k := &kernel{
		name: fmt.Sprintf("im2col{%d;%s}", C, g), inDims: []int{2}, outDims: 2,
		shape: fixed("im2col", tensor.Shape{C * g.KH * g.KW, g.B * ho * wo}, []int{C, g.B * g.H * g.W}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { im2colGeom(o, in[0], C, g) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { im2colGeom(o, in[0], C, g) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, gr *G.Node) (G.Nodes, error) { return one(Col2ImGeom(gr, g)) }
	return apply(k, x)
}

// Col2ImGeom is the adjoint of Im2ColGeom: it sums the patch matrix
// (C·KH·KW, B·Ho·Wo) back onto the grid (C, B·H·W).
func Col2ImGeom(c *G.Node, g ConvGeom) (*G.Node, error) {
	if err := require2D("col2im", c); err != nil {
		return nil, err
	}
	if err := g.validate("col2im"); err != nil {
		return nil, err
	}
	taps := g.KH * g.KW
	if rows(c)%taps != 0 {
		return nil, fmt.Errorf("col2im: %d rows is not a multiple of %d", rows(c), taps)
	}
	C := rows(c) / taps
	ho, wo := g.Out()
	k := &kernel{
		name: fmt.Sprintf("col2im{%d;%s}", C, g), inDims: []int{2}, outDims: 2,
		shape: fixed("col2im", tensor.Shape{C, g.B * g.H * g.W}, []int{C * taps, g.B * ho * wo}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { col2imGeom(o, in[0], C, g) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { col2imGeom(o, in[0], C, g) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, gr *G.Node) (G.Nodes, error) { return one(Im2ColGeom(gr, g)) }
	return apply(k, c)
}
