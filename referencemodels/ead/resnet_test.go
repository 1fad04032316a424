package ead

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/optim"
)

// tinyResNet: width 0.0625 gives channels 4, 8, 16, 32; repr 8; 4 classes.
func tinyResNet() arch.Config {
	c := arch.ResNet18(arch.DecoderLinear)
	c.Encoder.Width = 0.0625
	c.Encoder.ReprDim = 8
	c.Classes = 4
	return c
}

// randomBN gives every BatchNorm random affine parameters and running
// statistics, so that inference is not the near-identity of the initial
// (0, 1) statistics.
func randomBN(m *Model, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 17))
	for i := range m.Params {
		p := &m.Params[i]
		if !strings.Contains(p.Name, "bn") && !strings.Contains(p.Name, "downsample.1") {
			continue
		}
		for j := range p.Data {
			switch {
			case strings.HasSuffix(p.Name, ".running_var"):
				p.Data[j] = float32(0.5 + rng.Float64())
			case strings.HasSuffix(p.Name, ".weight"):
				p.Data[j] = float32(0.5 + rng.Float64())
			default: // bias, running_mean
				p.Data[j] = float32(0.3 * rng.NormFloat64())
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Direct-loop float64 ResNet-18 in NCHW over frames b·22 + t (PyTorch's
// (B·T) batch), written from torchvision's definition (paper-spec §2.4).

func (t nchw) get(b, c, i, j int) float64 {
	if i < 0 || j < 0 || i >= t.h || j >= t.w {
		return 0
	}
	return t.d[((b*t.c+c)*t.h+i)*t.w+j]
}

// convK is a bias-free k×k conv with stride s and zero padding p.
func (r refModel) convK(name string, x nchw, cout, k, s, p int) nchw {
	w := r.p[name]
	ho, wo := (x.h+2*p-k)/s+1, (x.w+2*p-k)/s+1
	out := newNCHW(x.b, cout, ho, wo)
	for b := 0; b < x.b; b++ {
		for o := 0; o < cout; o++ {
			for i := 0; i < ho; i++ {
				for j := 0; j < wo; j++ {
					var sum float64
					for c := 0; c < x.c; c++ {
						for di := 0; di < k; di++ {
							for dj := 0; dj < k; dj++ {
								sum += w[((o*x.c+c)*k+di)*k+dj] * x.get(b, c, i*s-p+di, j*s-p+dj)
							}
						}
					}
					out.set(b, o, i, j, sum)
				}
			}
		}
	}
	return out
}

// bnStats records a training pass's batch mean and unbiased variance.
type bnStats map[string][2][]float64

// bn is BatchNorm2d: per channel over all frames and positions; batch
// statistics (biased variance) when train, else the running ones; eps 1e-5.
func (r refModel) bn(name string, x nchw, train bool, st bnStats) nchw {
	g, beta := r.p[name+".weight"], r.p[name+".bias"]
	out := newNCHW(x.b, x.c, x.h, x.w)
	n := float64(x.b * x.h * x.w)
	mean, varU := make([]float64, x.c), make([]float64, x.c)
	for c := 0; c < x.c; c++ {
		mu, v := r.p[name+".running_mean"][c], r.p[name+".running_var"][c]
		if train {
			var s, q float64
			for b := 0; b < x.b; b++ {
				for i := 0; i < x.h; i++ {
					for j := 0; j < x.w; j++ {
						s += x.get(b, c, i, j)
					}
				}
			}
			mu = s / n
			for b := 0; b < x.b; b++ {
				for i := 0; i < x.h; i++ {
					for j := 0; j < x.w; j++ {
						d := x.get(b, c, i, j) - mu
						q += d * d
					}
				}
			}
			v = q / n
			mean[c], varU[c] = mu, q/(n-1)
		}
		for b := 0; b < x.b; b++ {
			for i := 0; i < x.h; i++ {
				for j := 0; j < x.w; j++ {
					out.set(b, c, i, j, (x.get(b, c, i, j)-mu)/math.Sqrt(v+1e-5)*g[c]+beta[c])
				}
			}
		}
	}
	if train {
		st[name] = [2][]float64{mean, varU}
	}
	return out
}

// maxPool3 is MaxPool2d(3, stride 2, padding 1); padding never wins.
func maxPool3(x nchw) nchw {
	ho, wo := (x.h+2-3)/2+1, (x.w+2-3)/2+1
	out := newNCHW(x.b, x.c, ho, wo)
	for b := 0; b < x.b; b++ {
		for c := 0; c < x.c; c++ {
			for i := 0; i < ho; i++ {
				for j := 0; j < wo; j++ {
					m := math.Inf(-1)
					for di := 0; di < 3; di++ {
						for dj := 0; dj < 3; dj++ {
							if h, w := 2*i-1+di, 2*j-1+dj; h >= 0 && w >= 0 && h < x.h && w < x.w {
								m = math.Max(m, x.get(b, c, h, w))
							}
						}
					}
					out.set(b, c, i, j, m)
				}
			}
		}
	}
	return out
}

// frameFeatures returns x's per-frame features flattened C,H,W.
func frameFeatures(x nchw) [][]float64 {
	F := x.c * x.h * x.w
	out := make([][]float64, x.b)
	for b := range out {
		out[b] = append([]float64(nil), x.d[b*F:(b+1)*F]...)
	}
	return out
}

// resnet returns every activation layer's per-frame features, the logits
// (B, classes) of the linear decoder on step 21, the mean cross-entropy
// for labels (when given) and the batch statistics of a training pass.
func (r refModel) resnet(x ndarray.Array, labels []int, train bool) (map[string][][]float64, [][]float64, float64, bnStats) {
	B, T := x.Shape[0], arch.InputSteps
	in := newNCHW(B*T, arch.InputChannels, arch.InputHeight, arch.InputWidth)
	copy(in.d, toF64(x.F32)) // (B, T, C, H, W) is already frame-major
	st := bnStats{}
	acts := map[string][][]float64{}
	p := arch.ResNetPrefix
	w := r.cfg.ResNetWidths()
	y := mapv(r.bn(p+"bn1", r.convK(p+"conv1.weight", in, w[0], 7, 2, 3), train, st), relu)
	acts["relu"] = frameFeatures(y)
	y = maxPool3(y)
	acts["maxpool"] = frameFeatures(y)
	for _, blk := range r.cfg.ResNetBlocks() {
		q := p + blk.Name
		o := mapv(r.bn(q+".bn1", r.convK(q+".conv1.weight", y, blk.Out, 3, blk.Stride, 1), train, st), relu)
		o = r.bn(q+".bn2", r.convK(q+".conv2.weight", o, blk.Out, 3, 1, 1), train, st)
		short := y
		if blk.Downsample {
			short = r.bn(q+".downsample.1", r.convK(q+".downsample.0.weight", y, blk.Out, 1, blk.Stride, 0), train, st)
		}
		y = zip(o, short, func(a, b float64) float64 { return relu(a + b) })
		acts[blk.Name] = frameFeatures(y)
	}
	pooled := make([][]float64, y.b)
	for f := range pooled {
		pooled[f] = make([]float64, y.c)
		for c := 0; c < y.c; c++ {
			var s float64
			for i := 0; i < y.h; i++ {
				for j := 0; j < y.w; j++ {
					s += y.get(f, c, i, j)
				}
			}
			pooled[f][c] = s / float64(y.h*y.w)
		}
	}
	acts["avgpool"] = pooled
	tok := r.linear(p+"fc", pooled, r.cfg.Encoder.ReprDim)
	acts["fc"] = tok
	last := make([][]float64, B)
	for b := range last {
		last[b] = tok[b*T+T-1]
	}
	logits := r.linear("decoder.l0", last, r.cfg.Classes)
	var loss float64
	for b, yb := range labels {
		mx := math.Inf(-1)
		for _, v := range logits[b] {
			mx = math.Max(mx, v)
		}
		var z float64
		for _, v := range logits[b] {
			z += math.Exp(v - mx)
		}
		loss += math.Log(z) + mx - logits[b][yb]
	}
	if len(labels) > 0 {
		loss /= float64(len(labels))
	}
	return acts, logits, loss, st
}

// TestResNetMatchesReference compares the float64 inference graph (running
// statistics) with the direct loops: logits and every layer's per-step
// captures to 1e-9, and the averaged float32 activations to 1e-5.
func TestResNetMatchesReference(t *testing.T) {
	cfg := tinyResNet()
	m, err := NewRandom(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	randomBN(m, 4)
	const B = 2
	x := randomInput(B, 5)
	gr, err := m.Build(Options{Batch: B, Activations: true, Float64: true})
	if err != nil {
		t.Fatal(err)
	}
	defer gr.Close()
	out, err := gr.Forward(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	acts, logits, _, _ := newRef(m).resnet(x, nil, false)
	_, lg := gr.logits.Values()
	for b := 0; b < B; b++ {
		for k := 0; k < cfg.Classes; k++ {
			if got, want := lg[k*B+b], logits[b][k]; math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
				t.Fatalf("logit[%d][%d] = %.12g, reference %.12g", b, k, got, want)
			}
		}
	}
	T := arch.InputSteps
	for _, name := range resnetLayerNames(cfg) {
		caps := gr.taps[name]
		if len(caps) != T {
			t.Fatalf("%s: %d captures, want %d", name, len(caps), T)
		}
		F := len(acts[name][0])
		for step, c := range caps {
			shape, d := c.Values()
			P := shape[1] / B
			if shape[0]*P != F {
				t.Fatalf("%s: capture %v, want %d features per frame", name, shape, F)
			}
			for r := 0; r < shape[0]; r++ {
				for b := 0; b < B; b++ {
					for p := 0; p < P; p++ {
						got, want := d[r*B*P+b*P+p], acts[name][b*T+step][r*P+p]
						if math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
							t.Fatalf("%s step %d [%d][%d]: %.12g, reference %.12g", name, step, b, r*P+p, got, want)
						}
					}
				}
			}
		}
		a := out.Activations[name]
		if a.Shape[0] != B || a.Shape[1] != F {
			t.Fatalf("%s activation shape %v, want [%d %d]", name, a.Shape, B, F)
		}
		for b := 0; b < B; b++ {
			for f := 0; f < F; f++ {
				var s float64
				for step := 0; step < T; step++ {
					s += acts[name][b*T+step][f]
				}
				want := s / float64(T)
				if got := float64(a.F32[b*F+f]); math.Abs(got-want) > 1e-5*(1+math.Abs(want)) {
					t.Fatalf("%s activation [%d][%d] = %g, reference %g", name, b, f, got, want)
				}
			}
		}
	}
}

// TestResNetLayers: the layer names of paper-spec §1.8 in order before the
// attender's, and their feature sizes C·H·W at width 1/16 (channels 4, 8,
// 16, 32): relu 4·3·4, maxpool and layer1 4·2·2, layer2..4 C·1·1,
// avgpool 32, fc repr 8.
func TestResNetLayers(t *testing.T) {
	cfg := tinyResNet().WithGPT(8)
	cfg.Attender.NLayer, cfg.Attender.NHead = 1, 2
	want := []string{"relu", "maxpool", "layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1",
		"layer4.0", "layer4.1", "avgpool", "fc", "att_gpt_emb", "att_gpt_b0", "att_gpt_ln", "att_gpt_lm_head", "dec_mlp_l0"}
	if got := LayerNames(cfg); !reflect.DeepEqual(got, want) {
		t.Fatalf("LayerNames = %v,\nwant %v", got, want)
	}
	m, err := NewRandom(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	acts, err := Activations(context.Background(), m, randomInput(3, 2))
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{"relu": 48, "maxpool": 16, "layer1.0": 16, "layer1.1": 16, "layer2.0": 8, "layer2.1": 8,
		"layer3.0": 16, "layer3.1": 16, "layer4.0": 32, "layer4.1": 32, "avgpool": 32, "fc": 8}
	for name, F := range sizes {
		if a := acts[name]; fmt.Sprint(a.Shape) != fmt.Sprint([]int{3, F}) {
			t.Errorf("%s: shape %v, want [3 %d]", name, a.Shape, F)
		}
	}
}

// buffers returns copies of every running statistic.
func buffers(m *Model) map[string][]float32 {
	out := map[string][]float32{}
	for _, p := range m.Params {
		if p.Buffer {
			out[p.Name] = append([]float32(nil), p.Data...)
		}
	}
	return out
}

// TestResNetTrainingPass: a training Step of the float64 graph matches the
// reference loss with batch statistics over all B·22 frames (1e-9), moves
// every running statistic to 0.9·old + 0.1·batch (unbiased variance), and
// an inference pass leaves them unchanged.
func TestResNetTrainingPass(t *testing.T) {
	cfg := tinyResNet()
	m, err := NewRandom(cfg, 6)
	if err != nil {
		t.Fatal(err)
	}
	randomBN(m, 7)
	const B = 2
	x := randomInput(B, 8)
	labels := []int{1, 3}
	_, _, wantLoss, stats := newRef(m).resnet(x, labels, true)
	before := buffers(m)
	gr, err := m.Build(Options{Batch: B, Train: true, Float64: true})
	if err != nil {
		t.Fatal(err)
	}
	defer gr.Close()
	loss, _, _, err := gr.Step(context.Background(), x, labels)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-wantLoss) > 1e-9*(1+wantLoss) {
		t.Fatalf("training loss %.12g, reference %.12g", loss, wantLoss)
	}
	after := buffers(m)
	if len(stats) != 20 || len(after) != 40 {
		t.Fatalf("%d BatchNorms in the reference, %d buffers; want 20 and 40", len(stats), len(after))
	}
	for name, s := range stats {
		for k, suffix := range []string{".running_mean", ".running_var"} {
			for c, v := range s[k] {
				want := 0.9*float64(before[name+suffix][c]) + 0.1*v
				if got := float64(after[name+suffix][c]); math.Abs(got-want) > 1e-6*(1+math.Abs(want)) {
					t.Fatalf("%s%s[%d] = %g, want %g", name, suffix, c, got, want)
				}
			}
		}
	}
	if _, err := Predict(context.Background(), m, x); err != nil {
		t.Fatal(err)
	}
	if _, err := Activations(context.Background(), m, x); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(buffers(m), after) {
		t.Fatal("an inference pass changed the running statistics")
	}
}

// TestResNetGradient checks the symbolic gradient of a training graph
// (batch statistics) against central differences in float64, at random
// elements of every trainable tensor (two without an attender, one with
// the GPT attender).
func TestResNetGradient(t *testing.T) {
	gpt := tinyResNet().WithGPT(8)
	gpt.Attender.NLayer, gpt.Attender.NHead, gpt.Attender.Dropout = 1, 2, 0
	for _, cfg := range []arch.Config{tinyResNet(), gpt} {
		samples := 2
		if cfg.Attender.Kind == arch.AttenderGPT {
			samples = 1
		}
		t.Run(cfg.Attender.Kind, func(t *testing.T) {
			m, err := NewRandom(cfg, 11)
			if err != nil {
				t.Fatal(err)
			}
			randomBN(m, 12)
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
				if p.Buffer {
					if grads[i] != nil {
						t.Errorf("buffer %s has a gradient", p.Name)
					}
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
		})
	}
}

// TestResNetLossFalls: AdamW on one fixed batch of 8 samples lowers the
// loss of a tiny ResNet + linear model within 15 steps.
func TestResNetLossFalls(t *testing.T) {
	m, err := NewRandom(tinyResNet(), 5)
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(8, 7)
	labels := []int{0, 1, 2, 3, 0, 1, 2, 3}
	_, losses := train(t, m, x, labels, 15, optim.NewAdamW(1e-2, 0))
	first, last := losses[0], losses[len(losses)-1]
	t.Logf("loss %.4f -> %.4f", first, last)
	if !(last < 0.7*first) {
		t.Fatalf("loss %.4f -> %.4f, want a fall of at least 30%%", first, last)
	}
}

// TestResNetFullSize: the paper's ResNet18 + GPT(256) + linear model has
// 18,086,517 trainable parameters (paper-spec §2.9) and runs a forward
// pass on one sample.
func TestResNetFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size model")
	}
	m, err := NewRandom(arch.ResNet18(arch.DecoderLinear).WithGPT(256), 1)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range m.Params {
		if !p.Buffer {
			n += len(p.Data)
		}
	}
	if n != 18086517 {
		t.Fatalf("%d parameters, want 18,086,517", n)
	}
	logits, err := Predict(context.Background(), m, randomInput(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if logits.Shape[0] != 1 || logits.Shape[1] != 117 || logits.FirstNonFinite() >= 0 {
		t.Fatalf("logits shape %v or non-finite values", logits.Shape)
	}
}
