package ead

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// mambaSeqLossGraph builds a float64 training graph of m whose test-only
// loss is Σ_f Σ_{b,t} R[f, b·T + t]·out[f, b·T + t] over the Mamba
// attender's output at every position (mambaSeq), so that every position
// feeds the loss with its own random weight. Parameters the loss does not
// reach (the decoder) get no gradient.
func mambaSeqLossGraph(t *testing.T, m *Model, B int, r []float64) *Graph {
	t.Helper()
	b, gr := m.leaves(Options{Batch: B, Train: true, Float64: true}, "")
	for i := range gr.pnodes {
		name := m.Params[gr.pidx[i]].Name
		gr.grad[i] = strings.HasPrefix(name, "encoder.") || strings.HasPrefix(name, "attender.")
	}
	fc8, err := b.encoder(gr.xs)
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.mambaSeq(fc8)
	if err != nil {
		t.Fatal(err)
	}
	rn := G.NewConstant(tensor.New(tensor.WithShape(out.Shape().Clone()...), tensor.WithBacking(r)), G.WithName("R"))
	prod, err := G.HadamardProd(out, rn)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	if err := gr.backprop(b, loss); err != nil {
		t.Fatal(err)
	}
	g, collided, err := gr.compile(b)
	if err != nil || collided {
		t.Fatalf("compile: collided %v, %v", collided, err)
	}
	return g
}

// TestMambaSeqGradientAllPositions checks the gradient of a loss that
// reads the Mamba attender's output at every position (all 22 steps of
// B = 3 samples, each with its own random weight) against central
// differences in float64: every position's path through StackPositions,
// the causal conv across the sample boundaries b·T + t, the scan, the
// residual stream and the final LayerNorm. It runs at the init (fc8's
// bias 0.1 in every row, so the token at t = 0 is constant across
// features and every LayerNorm there sits at zero variance) and with that
// bias jittered.
func TestMambaSeqGradientAllPositions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		jitter float64 // s.d. added to each element of encoder.fc8.pre.bias
	}{{"init", 0}, {"jittered fc8 bias", 0.05}} {
		t.Run(tc.name, func(t *testing.T) { checkMambaSeqGradient(t, tc.jitter) })
	}
}

func checkMambaSeqGradient(t *testing.T, jitter float64) {
	const B = 3
	m, err := NewRandom(tinyMamba(arch.CellTimeDecay), 5)
	if err != nil {
		t.Fatal(err)
	}
	jr := rand.New(rand.NewPCG(6, 6))
	for i := range m.Params {
		p := &m.Params[i]
		switch {
		case strings.HasSuffix(p.Name, ".tau"):
			p.Data[0] = 0.5
		case p.Name == "encoder.fc8.pre.bias":
			for j := range p.Data {
				p.Data[j] += float32(jitter * jr.NormFloat64())
			}
		}
	}
	d := m.Config.EncoderOutDim()
	r := make([]float64, d*B*arch.InputSteps)
	for i := range r {
		r[i] = jr.NormFloat64()
	}
	gr := mambaSeqLossGraph(t, m, B, r)
	defer gr.Close()
	x := randomInput(B, 7)
	ctx := context.Background()
	loss := func() float64 {
		t.Helper()
		if err := gr.setInput(x); err != nil {
			t.Fatal(err)
		}
		if err := gr.run(ctx); err != nil {
			t.Fatal(err)
		}
		_, l := gr.loss.Values()
		return l[0]
	}
	loss()
	g64, err := gr.Grads64()
	if err != nil {
		t.Fatal(err)
	}
	grads := make([][]float64, len(g64))
	for i := range g64 {
		grads[i] = append([]float64(nil), g64[i]...)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	const h = 1e-6
	checked := 0
	for i := range m.Params {
		p := &m.Params[i]
		if grads[i] == nil {
			continue
		}
		for range 2 {
			j := rng.IntN(len(p.Data))
			w := p.Data[j]
			up, dn := w+float32(h), w-float32(h)
			p.Data[j] = up
			lu := loss()
			p.Data[j] = dn
			ld := loss()
			p.Data[j] = w
			fd := (lu - ld) / (float64(up) - float64(dn))
			if e := math.Abs(fd - grads[i][j]); e > 1e-6+1e-4*math.Abs(fd) {
				t.Errorf("%s[%d]: symbolic %.9g, finite difference %.9g", p.Name, j, grads[i][j], fd)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no parameter got a gradient")
	}
}
