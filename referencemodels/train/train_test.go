package train

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
)

// tinyYAML is a test config: a width-0.03 TimeDecay ConvRNN (channels 3–12,
// fc7 31, repr 8) with a linear decoder.
func tinyYAML(dataset, out, epochs, extra string) string {
	return `dataset: ` + dataset + `
out: ` + out + `
preset: {name: timedecay-linear, width: 0.03, repr_dim: 8}
epochs: ` + epochs + `
batch_size: 8
seed: 3
` + extra
}

func parse(t *testing.T, y string) *Config {
	t.Helper()
	c, err := ParseConfig(strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTrainLearnsAndWritesBundle: a few epochs on a class-dependent
// dataset lower the loss; the bundle loads, carries provenance and test
// metrics, and its activations differ from the untrained model's.
func TestTrainLearnsAndWritesBundle(t *testing.T) {
	ds, out := smallDataset(t), t.TempDir()
	cfg := parse(t, tinyYAML(ds, out, "8", "optimizer: {kind: adamw, lr: 0.01, weight_decay: 0.0001}\nschedule: {kind: constant_lr}\n"))
	var progress bytes.Buffer
	res, err := Run(context.Background(), cfg, Options{Progress: &progress, Commit: "test-commit"})
	if err != nil {
		t.Fatal(err)
	}
	h := res.History
	if len(h) != 8 {
		t.Fatalf("%d epochs in the history", len(h))
	}
	if !(h[7].Train.Loss < h[0].Train.Loss) {
		t.Errorf("train loss did not fall: %v then %v", h[0].Train.Loss, h[7].Train.Loss)
	}
	if best := h[res.BestEpoch-1].Val.Top1; best < 0.6 {
		t.Errorf("best validation top-1 %.3f; a 3-class separable task should exceed 0.6\n%s", best, progress.String())
	}
	for _, want := range []string{"epoch 1/8", "samples/s", "ETA", "loss", "acc", "val loss", "test (best validation epoch"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress output lacks %q:\n%s", want, progress.String())
		}
	}
	b, err := bundle.Load(context.Background(), res.BundlePath, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	tr := b.Manifest.Training
	if tr.Commit != "test-commit" || tr.Epochs != 8 || tr.BestEpoch != res.BestEpoch || tr.Seed != 3 || !strings.HasPrefix(tr.DatasetDigest, "sha256:") {
		t.Errorf("provenance %+v", tr)
	}
	if res.Test == nil || res.Test.N != 12 || tr.Metrics["test_top1"] != res.Test.Top1 || tr.Metrics["val_top1"] != h[res.BestEpoch-1].Val.Top1 {
		t.Errorf("test %+v, metrics %v", res.Test, tr.Metrics)
	}
	if svg, err := os.ReadFile(res.CurvePath); err != nil || !bytes.HasPrefix(svg, []byte("<svg")) || bytes.Count(svg, []byte("<polyline")) != 5 {
		t.Errorf("curve: %v, %.80s", err, svg)
	}
	trained, err := b.Model()
	if err != nil {
		t.Fatal(err)
	}
	untrained, err := ead.NewRandom(b.Manifest.Arch, cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(2)
	at, err := ead.Activations(context.Background(), trained, x)
	if err != nil {
		t.Fatal(err)
	}
	au, err := ead.Activations(context.Background(), untrained, x)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range b.Manifest.Layers {
		same := true
		for i := range at[l].F32 {
			same = same && at[l].F32[i] == au[l].F32[i]
		}
		if same {
			t.Errorf("layer %s: trained and untrained activations are identical", l)
		}
	}
	// Running again with the same config and directory does nothing more.
	res2, err := Run(context.Background(), cfg, Options{Commit: "test-commit"})
	if err != nil || res2.ResumedAt != 8 || len(res2.History) != 8 {
		t.Fatalf("rerun of a finished run: %v, resumed at %d", err, res2.ResumedAt)
	}
}
