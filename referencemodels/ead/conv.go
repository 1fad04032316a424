package ead

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
)

// convGeom returns the convolution of x (C, g.B·g.H·g.W) with the weight
// prefix.weight (Cout, C·KH·KW) (a PyTorch (Cout, C, KH, KW) weight
// flattened) under geometry g: MatMul(w, Im2ColGeom(x)), plus prefix.bias
// when bias is set. The output is (Cout, g.B·Ho·Wo).
func (b *builder) convGeom(prefix string, x *G.Node, g gops.ConvGeom, bias bool) (*G.Node, error) {
	cols, err := gops.Im2ColGeom(x, g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	return b.linear(prefix, cols, bias)
}
