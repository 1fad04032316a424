package train

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
)

func TestSSLConfigValidation(t *testing.T) {
	base := "dataset: d\nout: o\nepochs: 20\nbatch_size: 4\nseed: 1\noptimizer: {kind: sgd, lr: 0.1}\nschedule: {kind: constant_lr}\n"
	pre := "preset: {name: timedecay-linear}\n"
	cases := []struct {
		name, yaml, want string
	}{
		{"bad objective", base + pre + "objective: byol\n", `objective "byol"`},
		{"bad augment", base + pre + "objective: simclr\naugment: jitter\n", "augment"},
		{"augment on supervised", base + pre + "augment: tactile\n", "supervised runs are not augmented"},
		{"ssl_head on supervised", base + pre + "ssl_head: {hidden: 4}\n", "ssl_head"},
		{"ssl_head on ae", base + pre + "objective: ae\nssl_head: {hidden: 4}\n", "autoencoder"},
		{"negative head width", base + pre + "objective: simclr\nssl_head: {out: -1}\n", "ssl_head"},
		{"pred_hidden on simclr", base + pre + "objective: simclr\nssl_head: {pred_hidden: 3}\n", "pred_hidden"},
		{"probe without source", base + "probe: {}\n", "probe.from: required"},
		{"probe with preset", base + pre + "probe: {from: x}\n", "neither arch nor preset"},
		{"probe of an SSL objective", base + "objective: simclr\nprobe: {from: x}\n", "linear probe is a supervised run"},
		{"unknown probe field", base + "probe: {from: x, frozen: true}\n", "unknown field"},
		{"eta on sgd", strings.Replace(base, "{kind: sgd, lr: 0.1}", "{kind: sgd, lr: 0.1, eta: 0.01}", 1) + pre, "eta is a lars setting"},
		{"warmup beyond epochs", strings.Replace(base, "{kind: constant_lr}", "{kind: cos_annealing_w_warmup, warmup_epochs: 20}", 1) + pre, "warmup_epochs 20"},
		{"default warmup beyond epochs", strings.Replace(strings.Replace(base, "{kind: constant_lr}", "{kind: cos_annealing_w_warmup}", 1), "epochs: 20", "epochs: 5", 1) + pre, "warmup_epochs 10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	// Defaults: simclr augments with tactile and has the paper's head;
	// lars takes η 0.001; cos_annealing_w_warmup warms up for 10 epochs.
	c := parse(t, strings.Replace(strings.Replace(base, "{kind: sgd, lr: 0.1}", "{kind: lars, lr: 0.1, momentum: 0.9}", 1),
		"{kind: constant_lr}", "{kind: cos_annealing_w_warmup}", 1)+pre+"objective: simclr\n")
	if c.Augment != "tactile" || c.Head() != arch.DefaultSSLHead(arch.ObjectiveSimCLR) || *c.Optimizer.Eta != 0.001 || *c.Schedule.WarmupEpochs != 10 {
		t.Errorf("defaults: augment %q head %+v eta %v warmup %v", c.Augment, c.Head(), *c.Optimizer.Eta, *c.Schedule.WarmupEpochs)
	}
	if c := parse(t, base+pre+"objective: ae\n"); c.Augment != "" || c.Head().Objective != arch.ObjectiveAE {
		t.Errorf("ae: augment %q head %+v", c.Augment, c.Head())
	}
	if c := parse(t, base+pre); c.ObjectiveKind() != arch.ObjectiveSupervised || c.Objective != "" {
		t.Errorf("supervised default: %q", c.Objective)
	}
}

// TestCosAnnealingSchedule: W = 10, E = 100 (paper-spec §2.10):
// e = 0: 1 − (1 − 1/10)(1 − 1e-4) = 0.10009; e = 9: 1 − 0 = 1;
// e = 10: 0.5·(1 + cos(π/90)); e = 54: 0.5·(1 + cos(π/2)) = 0.5;
// e = 99: 0.5·(1 + cos π) = 0. With W = 0: e = 0 gives 0.5·(1 + cos(π/100)).
func TestCosAnnealingSchedule(t *testing.T) {
	w10, w0 := 10, 0
	s := ScheduleConfig{Kind: ScheduleCosAnneal, WarmupEpochs: &w10}
	for _, tc := range []struct {
		e    int
		want float64
	}{{0, 0.10009}, {9, 1}, {10, 0.5 * (1 + math.Cos(math.Pi/90))}, {54, 0.5}, {99, 0}} {
		if got := s.LRFactor(tc.e, 100); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("epoch %d: %v, want %v", tc.e, got, tc.want)
		}
	}
	s.WarmupEpochs = &w0
	if got, want := s.LRFactor(0, 100), 0.5*(1+math.Cos(math.Pi/100)); math.Abs(got-want) > 1e-12 {
		t.Errorf("no warm-up, epoch 0: %v, want %v", got, want)
	}
}

func sslYAML(ds, out, epochs, extra string) string {
	return tinyYAML(ds, out, epochs, "optimizer: {kind: lars, lr: 20, momentum: 0.9, weight_decay: 0.0001}\nschedule: {kind: constant_lr}\nssl_head: {hidden: 16, out: 8}\n"+extra)
}

// TestSimCLRThenProbe: SimCLR pre-training (LARS; the large lr makes
// LARS's η·‖w‖/‖g‖ steps of a few per cent) on the tiny dataset lowers its
// loss and writes ssl.json/ssl.npz at the minimum validation loss; a
// linear probe of that output trains only the decoder and writes a normal
// EAD bundle whose encoder weights are the SSL weights, with provenance.
func TestSimCLRThenProbe(t *testing.T) {
	ds := t.TempDir()
	writeDataset(t, ds, 3, map[string][]int{tactile.Train: {16}, tactile.Validation: {8}, tactile.Test: {8}}, 1)
	sslOut := t.TempDir()
	ctx := context.Background()
	cfg := parse(t, sslYAML(ds, sslOut, "6", "objective: simclr\naugment: tactile-no-temporal\n"))
	res, err := Run(ctx, cfg, Options{Commit: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h := res.History
	if !(h[len(h)-1].Train.Loss < h[0].Train.Loss) {
		t.Errorf("SimCLR train loss did not fall: %.4f -> %.4f", h[0].Train.Loss, h[len(h)-1].Train.Loss)
	}
	best := res.BestEpoch
	for _, e := range h {
		if e.Val.Loss < h[best-1].Val.Loss {
			t.Errorf("best epoch %d (val %.4f) but epoch %d has val %.4f", best, h[best-1].Val.Loss, e.Epoch, e.Val.Loss)
		}
	}
	w, err := loadSSL(res.SSLPath)
	if err != nil {
		t.Fatal(err)
	}
	if w.manifest.Augment != "tactile-no-temporal" || w.manifest.Head.Objective != arch.ObjectiveSimCLR || w.manifest.Training.BestEpoch != best {
		t.Errorf("ssl manifest %+v", w.manifest)
	}
	// A second Run of the finished config resumes and changes nothing.
	again, err := Run(ctx, cfg, Options{Commit: "test"})
	if err != nil || again.ResumedAt != 6 {
		t.Fatalf("rerun: %v, resumed at %d", err, again.ResumedAt)
	}

	probeOut := t.TempDir()
	pc := parse(t, "dataset: "+ds+"\nout: "+probeOut+"\nepochs: 3\nbatch_size: 8\nseed: 4\n"+
		"optimizer: {kind: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.0001}\nschedule: {kind: step_lr}\nprobe: {from: "+sslOut+"}\n")
	pr, err := Run(ctx, pc, Options{Commit: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Test == nil || pr.Test.N != 8 {
		t.Fatalf("probe test metrics %+v", pr.Test)
	}
	b, err := bundle.Load(ctx, filepath.Join(probeOut, BundleFile), bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Model(); err != nil {
		t.Fatal(err)
	}
	tr := b.Manifest.Training
	if tr.Objective != arch.ObjectiveSimCLR || tr.Augment != "tactile-no-temporal" || !strings.HasPrefix(tr.SSLSource, filepath.Base(sslOut)+" (ssl.npz sha256:") || strings.Contains(tr.SSLSource, "/") || b.Manifest.Arch.Decoder.Kind != arch.DecoderLinear {
		t.Errorf("probe provenance %+v, decoder %+v", tr, b.Manifest.Arch.Decoder)
	}
	src := map[string][]float32{}
	for _, p := range w.params {
		src[p.Name] = p.Data
	}
	decoderMoved := false
	init, err := b.Manifest.Arch.Init(4)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range b.Params {
		if strings.HasPrefix(p.Name, "decoder.") {
			for j := range p.Data {
				decoderMoved = decoderMoved || p.Data[j] != init[i].Data[j]
			}
			continue
		}
		s, ok := src[p.Name]
		if !ok {
			t.Fatalf("bundle tensor %s is not in the SSL weights", p.Name)
		}
		for j := range s {
			if s[j] != p.Data[j] {
				t.Fatalf("%s[%d]: probe bundle %v, SSL weights %v", p.Name, j, p.Data[j], s[j])
			}
		}
	}
	if !decoderMoved {
		t.Error("the probe did not train its decoder")
	}
	for name := range src {
		if strings.HasPrefix(name, "ssl.") && b.Params.Index(name) >= 0 {
			t.Errorf("SSL head tensor %s in the EAD bundle", name)
		}
	}
}

// TestSimSiamAndAERuns: both objectives run end to end on the tiny
// dataset with finite losses; the autoencoder's loss falls.
func TestSimSiamAndAERuns(t *testing.T) {
	ds := t.TempDir()
	writeDataset(t, ds, 3, map[string][]int{tactile.Train: {12}, tactile.Validation: {6}}, 2)
	ctx := context.Background()
	ss := parse(t, tinyYAML(ds, t.TempDir(), "2", "objective: simsiam\naugment: tactile-no-temporal\noptimizer: {kind: sgd, lr: 0.05, momentum: 0.9}\nschedule: {kind: cos_annealing_w_warmup, warmup_epochs: 0}\nssl_head: {hidden: 8, out: 8, pred_hidden: 4}\n"))
	res, err := Run(ctx, ss, Options{Commit: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.History {
		if !(e.Train.Loss >= -1 && e.Train.Loss <= 1) || math.IsNaN(e.Val.Loss) {
			t.Errorf("simsiam epoch %d: train %v val %v (a negative mean cosine lies in [−1, 1])", e.Epoch, e.Train.Loss, e.Val.Loss)
		}
	}
	ae := parse(t, tinyYAML(ds, t.TempDir(), "3", "objective: ae\noptimizer: {kind: adam, lr: 0.01}\nschedule: {kind: step_lr}\n"))
	res, err = Run(ctx, ae, Options{Commit: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h := res.History
	if !(h[len(h)-1].Train.Loss < h[0].Train.Loss) {
		t.Errorf("AE train loss did not fall: %.4f -> %.4f", h[0].Train.Loss, h[len(h)-1].Train.Loss)
	}
}
