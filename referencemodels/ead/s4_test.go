package ead

import (
	"context"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/optim"
)

// tinyS4 is a CPU-test-sized S4 encoder: d_model 6, 2 blocks, d_state 4
// (2 complex modes), repr 5, 4 classes.
func tinyS4(decoder string) arch.Config {
	c := arch.S4Encoder(decoder)
	c.Encoder.DModel, c.Encoder.NLayer, c.Encoder.DState, c.Encoder.ReprDim = 6, 2, 4, 5
	c.Classes = 4
	if decoder == arch.DecoderAddnet {
		c.Decoder.Hidden = []int{6, 5}
	}
	return c
}

// refS4 is a direct float64 implementation of the S4 encoder and linear
// decoder from paper-spec §2.5/§2.8 with the SSM as its recurrence
// x_k = Ā x_{k−1} + B̄ u_k, y_k = 2·Re(C x_k) + D u_k (ZOH). It returns the
// logits [b][class] and the step-averaged activations [layer][b][feature].
func refS4(r refModel, x ndarray.Array) ([][]float64, map[string][][]float64) {
	e := r.cfg.Encoder
	B, T, H, N2 := x.Shape[0], arch.InputSteps, e.DModel, e.S4Modes()
	const F = arch.S4InFeatures
	lin := func(name string, v []float64, out int) []float64 {
		w, bias := r.p[name+".weight"], r.p[name+".bias"]
		o := make([]float64, out)
		for i := range o {
			s := bias[i]
			for j, vj := range v {
				s += w[i*len(v)+j] * vj
			}
			o[i] = s
		}
		return o
	}
	acts := map[string][][]float64{}
	mean := func(name string, b int, seq [][]float64) {
		if acts[name] == nil {
			acts[name] = make([][]float64, B)
		}
		m := make([]float64, len(seq[0]))
		for _, v := range seq {
			for i, vi := range v {
				m[i] += vi / float64(len(seq))
			}
		}
		acts[name][b] = m
	}
	logits := make([][]float64, B)
	for b := 0; b < B; b++ {
		seq := make([][]float64, T)
		for t := range seq {
			u := make([]float64, F)
			for f := range u { // (B, 22, 30, 5, 7): frame t is C,H,W-contiguous
				u[f] = float64(x.F32[(b*T+t)*F+f])
			}
			seq[t] = lin("encoder.s4.in", u, H)
		}
		mean("enc_s4_emb", b, seq)
		for l := 0; l < e.NLayer; l++ {
			p := fmt.Sprintf("encoder.s4.layers.%d", l)
			logDt, aRe, aIm, c, d := r.p[p+".kernel.log_dt"], r.p[p+".kernel.A_re"], r.p[p+".kernel.A_im"], r.p[p+".kernel.C"], r.p[p+".D"]
			ssm := make([][]float64, T)
			for t := range ssm {
				ssm[t] = make([]float64, H)
			}
			for h := 0; h < H; h++ {
				dt := math.Exp(logDt[h])
				st := make([]complex128, N2)
				for t := 0; t < T; t++ {
					ut := seq[t][h]
					var s complex128
					for n := range st {
						j := h*N2 + n
						A := complex(-math.Exp(aRe[j]), aIm[j])
						Ab := cmplx.Exp(complex(dt, 0) * A)
						st[n] = Ab*st[n] + (Ab-1)/A*complex(ut, 0)
						s += complex(c[2*j], c[2*j+1]) * st[n]
					}
					ssm[t][h] = 2*real(s) + d[h]*ut
				}
			}
			for t := 0; t < T; t++ {
				g := make([]float64, H)
				for h, v := range ssm[t] {
					g[h] = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
				}
				z := lin(p+".out", g, 2*H)
				y := make([]float64, H)
				var mu, va float64
				for h := range y {
					y[h] = seq[t][h] + z[h]/(1+math.Exp(-z[H+h]))
					mu += y[h] / float64(H)
				}
				for _, v := range y {
					va += (v - mu) * (v - mu) / float64(H)
				}
				gm, bt := r.p[p+".norm.weight"], r.p[p+".norm.bias"]
				for h := range y {
					y[h] = (y[h]-mu)/math.Sqrt(va+1e-5)*gm[h] + bt[h]
				}
				seq[t] = y
			}
			mean(fmt.Sprintf("enc_s4_l%d", l), b, seq)
		}
		for t := range seq {
			seq[t] = lin("encoder.s4.dec", seq[t], e.ReprDim)
		}
		mean("enc_s4_dec", b, seq)
		logits[b] = lin("decoder.l0", seq[T-1], r.cfg.Classes)
	}
	return logits, acts
}

// TestS4MatchesReference: the float64 graph's logits and S4 activations
// equal the direct reference to 1e-9, and the float32 graph's to 1e-4.
func TestS4MatchesReference(t *testing.T) {
	m, err := NewRandom(tinyS4(arch.DecoderLinear), 3)
	if err != nil {
		t.Fatal(err)
	}
	const B = 3
	x := randomInput(B, 4)
	wantLogits, wantActs := refS4(newRef(m), x)
	for _, f64 := range []bool{true, false} {
		tol := 1e-4
		if f64 {
			tol = 1e-9
		}
		gr, err := m.Build(Options{Batch: B, Activations: true, Float64: f64})
		if err != nil {
			t.Fatal(err)
		}
		out, err := gr.Forward(context.Background(), x)
		gr.Close()
		if err != nil {
			t.Fatal(err)
		}
		// The captured logits (classes, B) keep the graph's precision;
		// Output.Logits is float32.
		_, lg := gr.logits.Values()
		K := m.Config.Classes
		for b := 0; b < B; b++ {
			for k := 0; k < K; k++ {
				if g, w := lg[k*B+b], wantLogits[b][k]; math.Abs(g-w) > tol*(1+math.Abs(w)) {
					t.Fatalf("float64 %v: logit [%d,%d] = %.10g, reference %.10g", f64, b, k, g, w)
				}
			}
		}
		// Activations are float32 arrays: compare to float32 rounding.
		for name, want := range wantActs {
			a := out.Activations[name]
			F := len(want[0])
			if !reflect.DeepEqual(a.Shape, []int{B, F}) {
				t.Fatalf("%s: shape %v, want [%d %d]", name, a.Shape, B, F)
			}
			for b := 0; b < B; b++ {
				for f := 0; f < F; f++ {
					if g, w := float64(a.F32[b*F+f]), want[b][f]; math.Abs(g-w) > max(tol, 1e-6)*(1+math.Abs(w)) {
						t.Fatalf("float64 %v: %s[%d,%d] = %.8g, reference %.8g", f64, name, b, f, g, w)
					}
				}
			}
		}
	}
}

// TestS4GradientFiniteDifference checks the symbolic gradient of the
// cross-entropy against central differences in float64 at three random
// elements of every parameter tensor of tiny S4 models (dropout off, so
// that runs are comparable).
func TestS4GradientFiniteDifference(t *testing.T) {
	gpt := tinyS4(arch.DecoderLinear).WithGPT(8)
	gpt.Attender.NLayer, gpt.Attender.NHead, gpt.Attender.Dropout = 1, 2, 0
	cases := []struct {
		name string
		cfg  arch.Config
	}{
		{"s4+linear", tinyS4(arch.DecoderLinear)},
		{"s4+addnet", tinyS4(arch.DecoderAddnet)},
		{"s4+gpt", gpt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Encoder.Dropout = 0
			m, err := NewRandom(tc.cfg, 11)
			if err != nil {
				t.Fatal(err)
			}
			const B = 2
			x := randomInput(B, 2)
			labels := []int{1, 3}
			gr, err := m.Build(Options{Batch: B, Train: true, Float64: true})
			if err != nil {
				t.Fatal(err)
			}
			defer gr.Close()
			ctx := context.Background()
			if _, _, _, err := gr.Step(ctx, x, labels); err != nil {
				t.Fatal(err)
			}
			g64, err := gr.Grads64()
			if err != nil {
				t.Fatal(err)
			}
			grads := make([][]float64, len(g64))
			for i := range g64 {
				grads[i] = append([]float64(nil), g64[i]...)
			}
			loss := func() float64 {
				l, _, _, err := gr.Step(ctx, x, labels)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			rng := rand.New(rand.NewPCG(4, 4))
			const h = 1e-6
			for i := range m.Params {
				p := &m.Params[i]
				for r := 0; r < 3; r++ {
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
		})
	}
}

// TestS4LossFalls: a tiny S4 model (dropout 0.2 active) lowers its loss on
// a fixed batch of 8 within 30 AdamW steps.
func TestS4LossFalls(t *testing.T) {
	m, err := NewRandom(tinyS4(arch.DecoderLinear), 5)
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(8, 7)
	labels := []int{0, 1, 2, 3, 0, 1, 2, 3}
	_, losses := train(t, m, x, labels, 30, optim.NewAdamW(1e-2, 0))
	first, last := losses[0], losses[len(losses)-1]
	for _, l := range losses {
		if math.IsNaN(l) {
			t.Fatalf("NaN loss: %v", losses)
		}
	}
	// Chance level is ln 4 = 1.386; the last losses must sit well below
	// the first.
	if !(last < 0.5*first) {
		t.Fatalf("loss %.4f -> %.4f over %d steps: %v", first, last, len(losses), losses)
	}
	t.Logf("loss %.3f -> %.3f", first, last)
}

// TestS4LayerNamesAndActivations: the S4 layer names of paper-spec §1.8,
// one (B, d) capture per layer averaged over the 22 steps, with and
// without the GPT attender, and dropout only while training.
func TestS4LayerNamesAndActivations(t *testing.T) {
	gpt := tinyS4(arch.DecoderLinear).WithGPT(8)
	gpt.Attender.NLayer, gpt.Attender.NHead = 1, 2
	cases := []struct {
		name  string
		cfg   arch.Config
		names []string
	}{
		{"linear", tinyS4(arch.DecoderLinear), []string{"enc_s4_emb", "enc_s4_l0", "enc_s4_l1", "enc_s4_dec", "dec_mlp_l0"}},
		{"gpt", gpt, []string{"enc_s4_emb", "enc_s4_l0", "enc_s4_l1", "enc_s4_dec",
			"att_gpt_emb", "att_gpt_b0", "att_gpt_ln", "att_gpt_lm_head", "dec_mlp_l0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := LayerNames(tc.cfg); !reflect.DeepEqual(got, tc.names) {
				t.Fatalf("layer names %v, want %v", got, tc.names)
			}
			m, err := NewRandom(tc.cfg, 1)
			if err != nil {
				t.Fatal(err)
			}
			x := randomInput(3, 1)
			acts, err := Activations(context.Background(), m, x)
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) != len(tc.names) {
				t.Errorf("%d activation layers, want %d", len(acts), len(tc.names))
			}
			width := map[string]int{"enc_s4_emb": 6, "enc_s4_l0": 6, "enc_s4_l1": 6, "enc_s4_dec": 5, "dec_mlp_l0": 4}
			for name, w := range width {
				if s := acts[name].Shape; !reflect.DeepEqual(s, []int{3, w}) {
					t.Errorf("%s: shape %v, want [3 %d]", name, s, w)
				}
			}
			// Inference is deterministic with dropout 0.2 configured;
			// training masks change the loss between runs.
			a, _ := Predict(context.Background(), m, x)
			b, _ := Predict(context.Background(), m, x)
			if !reflect.DeepEqual(a, b) {
				t.Fatal("inference is not deterministic")
			}
			gr, err := m.Build(Options{Batch: 3, Train: true, DropoutSeed: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer gr.Close()
			l1, _, _, err := gr.Step(context.Background(), x, []int{0, 1, 2})
			if err != nil {
				t.Fatal(err)
			}
			l2, _, _, _ := gr.Step(context.Background(), x, []int{0, 1, 2})
			if l1 == l2 {
				t.Fatalf("S4 dropout masks did not change between training runs (loss %g twice)", l1)
			}
		})
	}
}
