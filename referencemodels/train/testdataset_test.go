package train

import (
	"context"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
)

// TestSeparateTestDataset: with test_dataset the final test metrics come
// from that dataset's test split (scored again here with Evaluate), and a
// test dataset with other classes is refused.
func TestSeparateTestDataset(t *testing.T) {
	ds := t.TempDir()
	writeDataset(t, ds, 3, map[string][]int{tactile.Train: {12}, tactile.Validation: {12}}, 1)
	held := t.TempDir()
	writeDataset(t, held, 3, map[string][]int{tactile.Test: {7}}, 2)
	out := t.TempDir()
	cfg := parse(t, tinyYAML(ds, out, "2", "test_dataset: "+held+"\noptimizer: {kind: adam, lr: 0.01}\nschedule: {kind: constant_lr}\n"))
	ctx := context.Background()
	res, err := Run(ctx, cfg, Options{Commit: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Test == nil || res.Test.N != 7 {
		t.Fatalf("test metrics %+v, want 7 held-out sweeps", res.Test)
	}
	for _, h := range res.History {
		if !(h.WallSeconds >= h.Seconds && h.Seconds > 0) {
			t.Errorf("epoch %d: wall %v s, training %v s", h.Epoch, h.WallSeconds, h.Seconds)
		}
	}
	a, err := cfg.Architecture(3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Load(ctx, res.BundlePath, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ead.New(a, b.Params)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Evaluate(ctx, m, held, tactile.Test, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got != *res.Test {
		t.Errorf("Evaluate = %+v, Run's test = %+v", got, *res.Test)
	}
	if _, err := Evaluate(ctx, m, ds, tactile.Test, 4); err == nil {
		t.Error("Evaluate on a dataset without test sweeps succeeded")
	}

	other := t.TempDir()
	writeDataset(t, other, 4, map[string][]int{tactile.Test: {4}}, 3)
	bad := parse(t, tinyYAML(ds, t.TempDir(), "1", "test_dataset: "+other+"\noptimizer: {kind: adam, lr: 0.01}\nschedule: {kind: constant_lr}\n"))
	if _, err := Run(ctx, bad, Options{Commit: "test"}); err == nil || !strings.Contains(err.Error(), "classes") {
		t.Errorf("a test dataset with other classes: %v", err)
	}
}
