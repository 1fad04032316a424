package ead

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
	"github.com/whiskerbench/whiskerbench/referencemodels/optim"
)

// tinyMamba is tiny's encoder (repr 8) with a 2-layer Mamba: d_inner 16,
// d_state 4, d_conv 4, dt_rank 2.
func tinyMamba(cell string) arch.Config {
	c := tiny(cell, false, arch.DecoderLinear).WithMamba()
	c.Attender.NLayer = 2
	c.Attender.DState = 4
	c.Attender.DtRank = 2
	return c
}

// refMamba is a direct float64 implementation of the Mamba attender from
// the equations of paper-spec §2.7 (mamba_ssm's selective_scan_ref and
// Block), over one sample's sequence seq[t][feature].
type refMamba struct {
	cfg arch.Config
	p   map[string][]float64
}

func (r refMamba) layerNorm(prefix string, x [][]float64) [][]float64 {
	w, bias := r.p[prefix+".weight"], r.p[prefix+".bias"]
	out := make([][]float64, len(x))
	for t, v := range x {
		var mu, va float64
		for _, e := range v {
			mu += e
		}
		mu /= float64(len(v))
		for _, e := range v {
			va += (e - mu) * (e - mu)
		}
		va /= float64(len(v))
		out[t] = make([]float64, len(v))
		for c, e := range v {
			out[t][c] = (e-mu)/math.Sqrt(va+1e-5)*w[c] + bias[c]
		}
	}
	return out
}

// matvec returns W·v for W (rows, len(v)) row-major.
func matvec(w, v []float64, rows int) []float64 {
	out := make([]float64, rows)
	for i := range out {
		for j, e := range v {
			out[i] += w[i*len(v)+j] * e
		}
	}
	return out
}

func silu64(v float64) float64 { return v / (1 + math.Exp(-v)) }

func (r refMamba) mixer(prefix string, h [][]float64) [][]float64 {
	a := r.cfg.Attender
	d, di, N, R, K := r.cfg.Encoder.ReprDim, r.cfg.MambaDInner(), a.DState, a.DtRank, a.DConv
	p := func(s string) []float64 { return r.p[prefix+"."+s] }
	T := len(h)
	xs, zs := make([][]float64, T), make([][]float64, T)
	for t := range h {
		xz := matvec(p("in_proj.weight"), h[t], 2*di)
		xs[t], zs[t] = xz[:di], xz[di:]
	}
	state := make([][]float64, di)
	for j := range state {
		state[j] = make([]float64, N)
	}
	out := make([][]float64, T)
	for t := 0; t < T; t++ {
		// Causal depthwise conv: x_t' = b + Σ_k w[k]·x[t+k−(K−1)].
		u := make([]float64, di)
		for j := range u {
			s := p("conv1d.bias")[j]
			for k := 0; k < K; k++ {
				if tt := t + k - (K - 1); tt >= 0 {
					s += p("conv1d.weight")[j*K+k] * xs[tt][j]
				}
			}
			u[j] = silu64(s)
		}
		xdbl := matvec(p("x_proj.weight"), u, R+2*N)
		dt := matvec(p("dt_proj.weight"), xdbl[:R], di)
		Bv, Cv := xdbl[R:R+N], xdbl[R+N:]
		y := make([]float64, di)
		for j := range y {
			delta := math.Log1p(math.Exp(dt[j] + p("dt_proj.bias")[j]))
			y[j] = p("D")[j] * u[j]
			for n := 0; n < N; n++ {
				A := -math.Exp(p("A_log")[j*N+n])
				state[j][n] = math.Exp(delta*A)*state[j][n] + delta*Bv[n]*u[j]
				y[j] += Cv[n] * state[j][n]
			}
			y[j] *= silu64(zs[t][j])
		}
		out[t] = matvec(p("out_proj.weight"), y, d)
	}
	return out
}

// attender returns every mixer output and the final LayerNorm output.
func (r refMamba) attender(seq [][]float64) (mixers [][][]float64, norm [][]float64) {
	hidden := seq
	var residual [][]float64
	for i := 0; i < r.cfg.Attender.NLayer; i++ {
		if residual == nil {
			residual = hidden
		} else {
			residual = addSeq(hidden, residual)
		}
		hidden = r.mixer(fmt.Sprintf("attender.layers.%d.mixer", i), r.layerNorm(fmt.Sprintf("attender.layers.%d.norm", i), residual))
		mixers = append(mixers, hidden)
	}
	return mixers, r.layerNorm("attender.norm_f", addSeq(hidden, residual))
}

func addSeq(a, b [][]float64) [][]float64 {
	out := make([][]float64, len(a))
	for t := range a {
		out[t] = make([]float64, len(a[t]))
		for c := range a[t] {
			out[t][c] = a[t][c] + b[t][c]
		}
	}
	return out
}

// randomMamba returns cfg's attender parameters with every tensor random
// (A_log around the Mamba init, dt biases such that Δ spans ~0.05..2).
func randomMamba(cfg arch.Config, seed uint64) map[string][]float64 {
	specs, err := cfg.Specs()
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	p := map[string][]float64{}
	for _, s := range specs {
		v := make([]float64, s.Size())
		for i := range v {
			v[i] = rng.NormFloat64() * 0.5
		}
		p[s.Name] = v
	}
	return p
}

// mambaGraph builds a float64 builder for cfg holding the given parameter
// values, with taps.
func mambaGraph(cfg arch.Config, p map[string][]float64, batch int) *builder {
	b := &builder{cfg: cfg, g: G.NewGraph(), dt: tensor.Float64, batch: batch, params: map[string]*G.Node{},
		zeros: map[string]*G.Node{}, taps: map[string][]*gops.Capture{}}
	specs, _ := cfg.Specs()
	for _, s := range specs {
		shape := graphShape(s.Shape)
		b.params[s.Name] = G.NewTensor(b.g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(s.Name),
			G.WithValue(b.newTensor(shape, p[s.Name])))
	}
	return b
}

func runGraph(t *testing.T, g *G.ExprGraph) {
	t.Helper()
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

// seqFromMatrix turns a (d, B·T) layout value into [b][t][feature].
func seqFromMatrix(v []float64, d, B, T int) [][][]float64 {
	out := make([][][]float64, B)
	for b := range out {
		out[b] = make([][]float64, T)
		for t := range out[b] {
			out[b][t] = make([]float64, d)
			for c := 0; c < d; c++ {
				out[b][t][c] = v[c*B*T+b*T+t]
			}
		}
	}
	return out
}

func compareSeq(t *testing.T, name string, got, want [][]float64) {
	t.Helper()
	for s := range want {
		for c := range want[s] {
			if e := math.Abs(got[s][c] - want[s][c]); e > 1e-9*(1+math.Abs(want[s][c])) {
				t.Fatalf("%s[t=%d, c=%d] = %.15g, reference %.15g", name, s, c, got[s][c], want[s][c])
			}
		}
	}
}

// mixerTestConfig: d 6, d_inner 12, d_state 3, d_conv 4, dt_rank 2.
func mixerTestConfig() arch.Config {
	c := tiny(arch.CellTimeDecay, false, arch.DecoderLinear)
	c.Encoder.ReprDim = 6
	c = c.WithMamba()
	c.Attender.NLayer, c.Attender.DState, c.Attender.DtRank = 2, 3, 2
	return c
}

// TestMambaMixerMatchesReference compares one mixer of the graph with the
// direct recurrence on random inputs and parameters (B 2, T 22) in float64.
func TestMambaMixerMatchesReference(t *testing.T) {
	cfg := mixerTestConfig()
	const B, T = 2, arch.InputSteps
	p := randomMamba(cfg, 3)
	b := mambaGraph(cfg, p, B)
	d := cfg.Encoder.ReprDim
	rng := rand.New(rand.NewPCG(8, 8))
	h := make([]float64, d*B*T)
	for i := range h {
		h[i] = rng.NormFloat64()
	}
	hn := G.NewTensor(b.g, tensor.Float64, 2, G.WithShape(d, B*T), G.WithName("h"), G.WithValue(b.newTensor([]int{d, B * T}, h)))
	out, err := b.mambaMixer("attender.layers.1.mixer", hn, B, T)
	if err != nil {
		t.Fatal(err)
	}
	var v G.Value
	G.Read(out, &v)
	runGraph(t, b.g)
	got := seqFromMatrix(v.Data().([]float64), d, B, T)
	ref := refMamba{cfg: cfg, p: p}
	for s, seq := range seqFromMatrix(h, d, B, T) {
		compareSeq(t, fmt.Sprintf("sample %d", s), got[s], ref.mixer("attender.layers.1.mixer", seq))
	}
}

// TestMambaAttenderMatchesReference compares the whole attender (blocks,
// residuals, final LayerNorm, last-position readout) and its activation
// taps with the reference.
func TestMambaAttenderMatchesReference(t *testing.T) {
	cfg := mixerTestConfig()
	const B, T = 2, arch.InputSteps
	p := randomMamba(cfg, 4)
	b := mambaGraph(cfg, p, B)
	d := cfg.Encoder.ReprDim
	rng := rand.New(rand.NewPCG(9, 9))
	obs := make([]*G.Node, T)
	seqs := make([][][]float64, B)
	for b := range seqs {
		seqs[b] = make([][]float64, T)
	}
	for s := range obs {
		v := make([]float64, d*B)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		for bb := 0; bb < B; bb++ {
			seqs[bb][s] = make([]float64, d)
			for c := 0; c < d; c++ {
				seqs[bb][s][c] = v[c*B+bb]
			}
		}
		obs[s] = G.NewTensor(b.g, tensor.Float64, 2, G.WithShape(d, B), G.WithName(fmt.Sprintf("obs%d", s)), G.WithValue(b.newTensor([]int{d, B}, v)))
	}
	out, err := b.mamba(obs)
	if err != nil {
		t.Fatal(err)
	}
	var v G.Value
	G.Read(out, &v)
	runGraph(t, b.g)
	ref := refMamba{cfg: cfg, p: p}
	last := v.Data().([]float64)
	for bb := 0; bb < B; bb++ {
		mixers, norm := ref.attender(seqs[bb])
		for i, m := range mixers {
			name := fmt.Sprintf("att_mamba_l%d", i)
			if len(b.taps[name]) != 1 {
				t.Fatalf("%s: %d captures, want 1", name, len(b.taps[name]))
			}
			_, tv := b.taps[name][0].Values()
			compareSeq(t, name, seqFromMatrix(tv, d, B, T)[bb], m)
		}
		_, tv := b.taps["att_mamba_norm"][0].Values()
		compareSeq(t, "att_mamba_norm", seqFromMatrix(tv, d, B, T)[bb], norm)
		got := make([]float64, d)
		for c := range got {
			got[c] = last[c*B+bb]
		}
		compareSeq(t, "readout", [][]float64{got}, norm[T-1:])
	}
}

// TestMambaTrainingLossFalls: a tiny ConvRNN + Mamba + linear model lowers
// its loss on a fixed batch within a few AdamW steps.
func TestMambaTrainingLossFalls(t *testing.T) {
	m, err := NewRandom(tinyMamba(arch.CellTimeDecay), 5)
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(4, 7)
	labels := []int{0, 1, 2, 3}
	_, losses := train(t, m, x, labels, 12, optim.NewAdamW(3e-3, 0))
	first, last := losses[0], losses[len(losses)-1]
	t.Logf("losses %.4f", losses)
	if !(last < 0.7*first) {
		t.Fatalf("loss %.4f -> %.4f after %d steps, want below 70%% of the start", first, last, len(losses))
	}
}

// TestMambaActivations: the Mamba layers follow fc8 in LayerNames, each is
// one capture of the full (d, B·22) sequence averaged to (B, d), and
// att_mamba_norm (LayerNorm weight 1, bias 0 at init) has zero mean over
// features at every position, hence also after averaging.
func TestMambaActivations(t *testing.T) {
	cfg := tinyMamba(arch.CellTimeDecay)
	names := LayerNames(cfg)
	want := []string{"conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "fc7", "fc8",
		"att_mamba_l0", "att_mamba_l1", "att_mamba_norm", "dec_mlp_l0"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("layer names %v, want %v", names, want)
	}
	m, err := NewRandom(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	const B = 3
	gr, err := m.Build(Options{Batch: B, Activations: true})
	if err != nil {
		t.Fatal(err)
	}
	defer gr.Close()
	out, err := gr.Forward(context.Background(), randomInput(B, 1))
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Encoder.ReprDim
	for _, n := range names[8:11] {
		caps := gr.taps[n]
		if len(caps) != 1 {
			t.Fatalf("%s: %d captures, want 1", n, len(caps))
		}
		if s, _ := caps[0].Values(); !reflect.DeepEqual(s, []int{d, B * arch.InputSteps}) {
			t.Errorf("%s: captured shape %v, want [%d %d]", n, s, d, B*arch.InputSteps)
		}
		if s := out.Activations[n].Shape; !reflect.DeepEqual(s, []int{B, d}) {
			t.Errorf("%s: shape %v, want [%d %d]", n, s, B, d)
		}
	}
	norm := out.Activations["att_mamba_norm"].F32
	for b := 0; b < B; b++ {
		var mean, sq float64
		for c := 0; c < d; c++ {
			mean += float64(norm[b*d+c]) / float64(d)
			sq += float64(norm[b*d+c]) * float64(norm[b*d+c])
		}
		if math.Abs(mean) > 1e-5 || sq == 0 {
			t.Errorf("att_mamba_norm sample %d: feature mean %g, sum of squares %g", b, mean, sq)
		}
	}
	if reflect.DeepEqual(out.Activations["att_mamba_l0"].F32, out.Activations["att_mamba_l1"].F32) {
		t.Error("the two mixer outputs are identical")
	}
	if !reflect.DeepEqual(out.Activations["dec_mlp_l0"].F32, out.Logits.F32) {
		t.Error("dec_mlp_l0 differs from the logits")
	}
}
