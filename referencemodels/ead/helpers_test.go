package ead

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// tiny returns a CPU-test-sized config: width 0.03 gives channels
// 3, 4, 8, 12, 12, 8 and fc7 31; repr 8; 4 classes.
func tiny(cell string, ln bool, decoder string) arch.Config {
	c := arch.ZhuangConvRNN(cell, ln, decoder)
	c.Encoder.Width = 0.03
	c.Encoder.ReprDim = 8
	c.Classes = 4
	if decoder == arch.DecoderAddnet {
		c.Decoder.Hidden = []int{6, 5}
	}
	return c
}

func tinyGPT(cell string) arch.Config {
	c := tiny(cell, false, arch.DecoderLinear).WithGPT(8)
	c.Attender.NLayer = 2
	c.Attender.NHead = 2
	return c
}

func randomInput(b int, seed uint64) ndarray.Array {
	rng := rand.New(rand.NewPCG(seed, 99))
	x := ndarray.Zeros32(b, arch.InputSteps, arch.InputChannels, arch.InputHeight, arch.InputWidth)
	for i := range x.F32 {
		x.F32[i] = float32(rng.NormFloat64())
	}
	return x
}

// checkGradient compares the symbolic gradient of a float64 training
// graph of m (batch 2, fixed input and labels) with central differences
// at samples random elements of every trainable tensor; buffers must have
// no gradient.
func checkGradient(t *testing.T, m *Model, samples int) {
	t.Helper()
	const B = 2
	x := randomInput(B, 2)
	labels := []int{1, 3}
	gr, err := m.Build(Options{Batch: B, Train: true, Float64: true})
	if err != nil {
		t.Fatal(err)
	}
	defer gr.Close()
	ctx := context.Background()
	loss := func() float64 {
		l, _, _, err := gr.Step(ctx, x, labels)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	compareFiniteDifferences(t, m.Params, gr.Grads64, loss, samples, nil)
}

// compareFiniteDifferences checks the float64 gradients that grads64
// returns after one loss evaluation against central differences of loss
// at samples random elements of every trainable parameter; buffers must
// have none. skip, when not nil, handles a parameter itself (returning
// true) instead.
func compareFiniteDifferences(t *testing.T, params arch.Params, grads64 func() ([][]float64, error), loss func() float64, samples int, skip func(p *arch.Param, grad []float64) bool) {
	t.Helper()
	loss()
	g64, err := grads64()
	if err != nil {
		t.Fatal(err)
	}
	grads := make([][]float64, len(g64))
	for i := range g64 {
		grads[i] = append([]float64(nil), g64[i]...)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	const h = 1e-6
	for i := range params {
		p := &params[i]
		if p.Buffer {
			if grads[i] != nil {
				t.Errorf("buffer %s has a gradient", p.Name)
			}
			continue
		}
		if skip != nil && skip(p, grads[i]) {
			continue
		}
		for range samples {
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
		}
	}
}
