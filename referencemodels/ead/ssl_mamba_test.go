package ead

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// TestMambaAEGradientAtConstantToken pins down why the autoencoder's
// gradient check through the Mamba attender disagreed by 3.5% on
// encoder.fc8.pre.bias at h = 1e-6, and that the symbolic gradient there
// is right.
//
// At the init fc8's bias is 0.1 in every row and fc8 reads only zeros at
// t = 0 (one-step delays, paper-spec §2.2), so the first token is the
// same constant in every feature. Each LayerNorm at that position then
// sees zero variance and returns its bias (0): the mixer's input there is
// 0, in_proj gives x = z = 0 and SiLU(z) = 0, so the mixer adds nothing,
// and the attender's output at t = 0 is ≈ 0 for every sample (checked
// below on the att_mamba_norm capture). The AE loss reads that output
// through its L1 term mean|h|, whose kink is at 0, while perturbing fc8's
// bias moves the output there with the LayerNorm gain 1/√ε ≈ 316 per
// layer. The loss is thus non-differentiable at this point (forward and
// backward differences differ by a fixed jump, larger than the gradient)
// and strongly curved on either side, so central differences carry an
// O(h) error: at h = 1e-6 it is a few per cent; it vanishes as h → 0.
// Steps 2⁻¹⁴…2⁻²⁶ are exact in float32 around 0.1 (ulp 2⁻²⁷), so
// the finite differences see exactly the step they divide by.
func TestMambaAEGradientAtConstantToken(t *testing.T) {
	cfg := tinyMamba(arch.CellTimeDecay)
	ctx := context.Background()
	const B = 4
	x := randomInput(B, 3)

	// The attender's output at t = 0 is ≈ 0 for every sample; at the last
	// step it is a LayerNorm output (sum of squares d per sample).
	em, err := NewRandom(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	eg, err := em.Build(Options{Batch: B, Activations: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eg.Close()
	if _, err := eg.Forward(ctx, x); err != nil {
		t.Fatal(err)
	}
	_, seq := eg.taps["att_mamba_norm"][0].Values()
	d, T := cfg.EncoderOutDim(), arch.InputSteps
	for b := 0; b < B; b++ {
		var first, last float64
		for f := 0; f < d; f++ {
			first = max(first, math.Abs(seq[f*B*T+b*T]))
			last += seq[f*B*T+b*T+T-1] * seq[f*B*T+b*T+T-1]
		}
		if first > 1e-6 || last < 0.5*float64(d) {
			t.Errorf("sample %d: max |out| at t=0 %g (want ≈ 0), Σ out² at t=T−1 %g (want ≈ %d)", b, first, last, d)
		}
	}

	m, err := NewRandomSSL(cfg, smallHead(arch.ObjectiveAE), 5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Params {
		if strings.HasSuffix(m.Params[i].Name, ".tau") {
			m.Params[i].Data[0] = 0.5
		}
	}
	gr, err := m.Build(Options{Batch: B, Train: true, Float64: true})
	if err != nil {
		t.Fatal(err)
	}
	defer gr.Close()
	loss := func() float64 {
		t.Helper()
		l, _, err := gr.Step(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l0 := loss()
	g64, err := gr.Grads64()
	if err != nil {
		t.Fatal(err)
	}
	i := m.Params.Index("encoder.fc8.pre.bias")
	sym := append([]float64(nil), g64[i]...)
	p := m.Params[i].Data
	var scale float64
	for _, g := range sym {
		scale = max(scale, math.Abs(g))
	}
	const h = 0x1p-26
	for j, w := range p {
		if w != 0.1 {
			t.Fatalf("fc8 bias[%d] = %g, the test assumes the init 0.1", j, w)
		}
		p[j] = w + h
		lu := loss()
		p[j] = w - h
		ld := loss()
		p[j] = w
		central := (lu - ld) / (2 * h)
		fwd, bwd := (lu-l0)/h, (l0-ld)/h
		if math.Abs(central-sym[j]) > 1e-3*scale {
			t.Errorf("bias[%d]: symbolic %.9g, central difference (h = 2⁻²⁶) %.9g", j, sym[j], central)
		}
		if math.Abs(fwd-bwd) < math.Abs(sym[j]) {
			t.Errorf("bias[%d]: forward %.6g and backward %.6g differences agree; the kink this test documents is gone", j, fwd, bwd)
		}
	}
}
