package ead

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

func smallHead(obj string) arch.SSLHead {
	switch obj {
	case arch.ObjectiveSimCLR:
		return arch.SSLHead{Objective: obj, Hidden: 6, Out: 5}
	case arch.ObjectiveSimSiam:
		return arch.SSLHead{Objective: obj, Hidden: 6, Out: 5, PredHidden: 4}
	}
	return arch.SSLHead{Objective: obj}
}

// TestSSLGradientFiniteDifference checks the SSL losses' gradients against
// central differences in float64 at one random element of every tensor.
// SimSiam's gradient is not the loss's gradient (the stop-gradient drops
// the path through z), so there only the predictor, which z does not
// depend on, is compared; every other tensor must still get a non-zero
// gradient through p.
//
// For AE + Mamba, fc8's bias is moved off its uniform init (0.1 in every
// row): there the first token is constant across features, the attender
// output at t = 0 sits at the kink of the L1 term and h = 1e-6 is too
// coarse (TestMambaAEGradientAtConstantToken checks that point).
func TestSSLGradientFiniteDifference(t *testing.T) {
	gpt := tinyGPT(arch.CellTimeDecay)
	gpt.Attender.Dropout = 0
	cases := []struct {
		name   string
		cfg    arch.Config
		head   arch.SSLHead
		jitter string // parameter moved off its init by N(0, 0.05²) per element
	}{
		{"simclr", tiny(arch.CellUGRNN, false, arch.DecoderLinear), smallHead(arch.ObjectiveSimCLR), ""},
		{"simsiam", tiny(arch.CellTimeDecay, false, arch.DecoderLinear), smallHead(arch.ObjectiveSimSiam), ""},
		{"ae", tiny(arch.CellTimeDecay, false, arch.DecoderLinear), smallHead(arch.ObjectiveAE), ""},
		{"ae gpt", gpt, smallHead(arch.ObjectiveAE), ""},
		{"simclr mamba", tinyMamba(arch.CellTimeDecay), smallHead(arch.ObjectiveSimCLR), ""},
		{"ae mamba", tinyMamba(arch.CellTimeDecay), smallHead(arch.ObjectiveAE), "encoder.fc8.pre.bias"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewRandomSSL(tc.cfg, tc.head, 5)
			if err != nil {
				t.Fatal(err)
			}
			for i := range m.Params {
				if strings.HasSuffix(m.Params[i].Name, ".tau") {
					m.Params[i].Data[0] = 0.5
				}
			}
			if tc.jitter != "" {
				jr := rand.New(rand.NewPCG(6, 6))
				p := m.Params[m.Params.Index(tc.jitter)].Data
				for j := range p {
					p[j] += float32(0.05 * jr.NormFloat64())
				}
			}
			x := randomInput(4, 3)
			gr, err := m.Build(Options{Batch: 4, Train: true, Float64: true})
			if err != nil {
				t.Fatal(err)
			}
			defer gr.Close()
			ctx := context.Background()
			loss := func() float64 {
				l, _, err := gr.Step(ctx, x)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			// SimSiam's stop-gradient leaves finite differences of the
			// backbone and projector meaningless; they must get a non-zero
			// gradient, and only the predictor is compared.
			var skip func(*arch.Param, []float64) bool
			if tc.head.Objective == arch.ObjectiveSimSiam {
				skip = func(p *arch.Param, g []float64) bool {
					if strings.HasPrefix(p.Name, "ssl.predictor.") {
						return false
					}
					nz := false
					for _, v := range g {
						nz = nz || v != 0
					}
					if !nz && !strings.HasSuffix(p.Name, ".tau") {
						t.Errorf("%s: zero gradient", p.Name)
					}
					return true
				}
			}
			compareFiniteDifferences(t, m.Params, gr.Grads64, loss, 1, skip)
		})
	}
}

// TestSSLEvalLossUsesRunningStats: an inference-mode loss leaves the
// BatchNorm running statistics alone; a training step moves them.
func TestSSLEvalLossUsesRunningStats(t *testing.T) {
	m, err := NewRandomSSL(tiny(arch.CellTimeDecay, false, arch.DecoderLinear), smallHead(arch.ObjectiveSimCLR), 2)
	if err != nil {
		t.Fatal(err)
	}
	i := m.Params.Index("ssl.neck.bn0.running_mean")
	ctx := context.Background()
	ev, err := m.Build(Options{Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	if _, err := ev.Loss(ctx, randomInput(4, 1)); err != nil {
		t.Fatal(err)
	}
	for _, v := range m.Params[i].Data {
		if v != 0 {
			t.Fatalf("evaluation moved the running mean: %v", m.Params[i].Data)
		}
	}
	tr, err := m.Build(Options{Batch: 4, Train: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, _, err := tr.Step(ctx, randomInput(4, 1)); err != nil {
		t.Fatal(err)
	}
	moved := false
	for _, v := range m.Params[i].Data {
		moved = moved || v != 0
	}
	if !moved {
		t.Error("a training step left the running mean at 0")
	}
	if _, err := m.Build(Options{Batch: 3, Train: true}); err == nil {
		t.Error("an odd number of views was accepted")
	}
}

// TestFrozenBackbone: a probe graph returns gradients for the decoder
// only, equal to a full graph's decoder gradients (no dropout or
// BatchNorm in this backbone, so inference and training mode agree).
func TestFrozenBackbone(t *testing.T) {
	m, err := NewRandom(tiny(arch.CellUGRNN, false, arch.DecoderLinear), 3)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x, labels := randomInput(3, 4), []int{0, 2, 1}
	step := func(frozen bool) [][]float32 {
		gr, err := m.Build(Options{Batch: 3, Train: true, FrozenBackbone: frozen})
		if err != nil {
			t.Fatal(err)
		}
		defer gr.Close()
		_, _, g, err := gr.Step(ctx, x, labels)
		if err != nil {
			t.Fatal(err)
		}
		out := make([][]float32, len(g))
		for i := range g {
			out[i] = append([]float32(nil), g[i]...)
		}
		return out
	}
	full, probe := step(false), step(true)
	for i, p := range m.Params {
		dec := strings.HasPrefix(p.Name, "decoder.")
		if !dec {
			if probe[i] != nil {
				t.Errorf("%s: frozen parameter got a gradient", p.Name)
			}
			continue
		}
		for j := range full[i] {
			if math.Abs(float64(full[i][j]-probe[i][j])) > 1e-6 {
				t.Fatalf("%s[%d]: probe %v, full %v", p.Name, j, probe[i][j], full[i][j])
			}
		}
	}
}

// TestAEChannelsAndShapes pins C0 = min(30, floor(d/35)+1) and the head's
// parameter shapes.
func TestAEChannelsAndShapes(t *testing.T) {
	for _, tc := range []struct{ d, c0 int }{{512, 15}, {256, 8}, {8, 1}, {35, 2}, {2000, 30}} {
		if got := arch.AEChannels(tc.d); got != tc.c0 {
			t.Errorf("AEChannels(%d) = %d, want %d", tc.d, got, tc.c0)
		}
	}
	cfg := arch.ZhuangConvRNN(arch.CellTimeDecay, false, arch.DecoderLinear)
	specs, err := cfg.SSLSpecs(arch.SSLHead{Objective: arch.ObjectiveAE})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{"ssl.ae.fc.weight": {15 * 35, 512}, "ssl.ae.deconv0.weight": {15, 30, 3, 3}, "ssl.ae.deconv2.bias": {30}}
	for _, s := range specs {
		if strings.HasPrefix(s.Name, "decoder.") {
			t.Errorf("SSL parameters include %s", s.Name)
		}
		if w, ok := want[s.Name]; ok {
			if ndarray.ShapeString(s.Shape) != ndarray.ShapeString(w) {
				t.Errorf("%s: shape %v, want %v", s.Name, s.Shape, w)
			}
			delete(want, s.Name)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing %v", want)
	}
}
