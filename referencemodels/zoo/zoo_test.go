package zoo

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
)

// fixedInput is a deterministic (2, 22, 30, 5, 7) stimulus.
func fixedInput() ndarray.Array {
	shape := []int{2, arch.InputSteps, arch.InputChannels, arch.InputHeight, arch.InputWidth}
	n := 1
	for _, d := range shape {
		n *= d
	}
	r := rand.New(rand.NewPCG(6, 7))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return ndarray.FromFloat32(shape, x)
}

// TestBundledModels loads every bundled model and its untrained twin with
// full bundle validation, checks them against the recorded config and
// record, and checks that the twins' activations differ in every layer.
func TestBundledModels(t *testing.T) {
	entries, err := Entries(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x := fixedInput()
	for _, e := range entries {
		t.Run(e.Name, func(t *testing.T) {
			for _, suf := range []string{BundleSuffix, UntrainedSuffix} {
				fi, err := os.Stat(e.Name + suf)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Size() > 10<<20 {
					t.Errorf("%s%s is %d bytes, over the zoo's 10 MB", e.Name, suf, fi.Size())
				}
			}
			tr, err := bundle.Load(ctx, e.Name+BundleSuffix, bundle.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			un, err := bundle.Load(ctx, e.Name+UntrainedSuffix, bundle.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			// A probe's architecture is its pre-training's backbone with a
			// linear decoder; its twin starts from the pre-training's seed.
			src, seed := e.Config, e.Config.Seed
			if e.SSL != nil {
				src, seed = e.SSL, e.SSL.Seed
			}
			want, err := src.Architecture(5)
			if err != nil {
				t.Fatal(err)
			}
			if e.SSL != nil {
				want.Decoder = arch.DecoderConfig{Kind: arch.DecoderLinear}
			}
			if !reflect.DeepEqual(tr.Manifest.Arch, want) || !reflect.DeepEqual(un.Manifest.Arch, want) {
				t.Fatalf("bundled architectures differ from %s", e.ConfigPath)
			}
			tt, ut := tr.Manifest.Training, un.Manifest.Training
			if tt.Epochs < 1 || tt.DatasetDigest == "" || tt.Seed != e.Config.Seed {
				t.Errorf("trained bundle provenance %+v", tt)
			}
			if ut.Epochs != 0 || ut.Seed != seed {
				t.Errorf("untrained twin provenance %+v", ut)
			}
			if _, ok := tt.Metrics["test_top1"]; !ok {
				t.Error("trained bundle has no held-out test_top1")
			}
			rec, err := ReadRecord(".", e.Name)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := want.Count(); rec.Parameters != n || rec.DatasetDigest != tt.DatasetDigest || rec.Trained.TestTop1 != tt.Metrics["test_top1"] {
				t.Errorf("record %+v disagrees with the bundle", rec)
			}
			init, err := want.Init(seed)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(init, un.Params) {
				t.Error("the untrained twin is not the config's seed initialisation")
			}
			acts := func(b *bundle.Bundle) map[string]ndarray.Array {
				m, err := b.Model()
				if err != nil {
					t.Fatal(err)
				}
				a, err := ead.Activations(ctx, m, x)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			at, au := acts(tr), acts(un)
			for _, l := range tr.Manifest.Layers {
				p, q := at[l].F32, au[l].F32
				if len(p) == 0 || len(p) != len(q) {
					t.Fatalf("layer %s: %d and %d values", l, len(p), len(q))
				}
				d := 0.0
				for i := range p {
					d = math.Max(d, math.Abs(float64(p[i]-q[i])))
				}
				if d < 1e-6 {
					t.Errorf("layer %s: trained and untrained activations agree (max |diff| %g)", l, d)
				}
			}
		})
	}
}

func TestTableListsEveryModel(t *testing.T) {
	entries, err := Entries(".")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Table(&b, ".", entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.Contains(b.String(), "`whiskerbench zoo retrain "+e.Name+"`") {
			t.Errorf("table lacks %s:\n%s", e.Name, b.String())
		}
	}
}

func TestSelectUnknown(t *testing.T) {
	entries, err := Entries(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Select(entries, []string{"nosuchmodel"}); err == nil || !strings.Contains(err.Error(), entries[0].Name) {
		t.Errorf("Select(nosuchmodel) = %v, want an error listing the models", err)
	}
	got, err := Select(entries, []string{entries[len(entries)-1].Name})
	if err != nil || len(got) != 1 || got[0].Name != entries[len(entries)-1].Name {
		t.Errorf("Select = %v, %v", got, err)
	}
}

// TestEnsureDataVerifies: a matching version on disk whose file changed is
// refused rather than trained on (and is not silently rebuilt over).
func TestEnsureDataVerifies(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, benchmarks.TactileShapes, "abc")
	if err := os.MkdirAll(filepath.Join(dir, "public"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "public", "manifest.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := benchmarks.DefaultShapesOptions()
	s := &benchmarks.Spec{Name: benchmarks.TactileShapes, Kind: benchmarks.Classification, ScorerVersion: ClassificationScorer,
		Params: benchmarks.ShapesParams(o), Files: []benchmarks.File{{Role: benchmarks.RolePublic, Path: "public/manifest.json", SHA256: strings.Repeat("0", 64)}}}
	if err := benchmarks.WriteSpec(dir, s); err != nil {
		t.Fatal(err)
	}
	_, err := EnsureData(context.Background(), root, 1, nil, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "changed on disk") {
		t.Fatalf("EnsureData = %v, want a changed-on-disk error", err)
	}
}

func TestTableNeedsRecords(t *testing.T) {
	entries, err := Entries(".")
	if err != nil {
		t.Fatal(err)
	}
	err = Table(&bytes.Buffer{}, t.TempDir(), entries)
	if !errors.Is(err, ErrNotTrained) {
		t.Errorf("Table without records = %v, want ErrNotTrained", err)
	}
}

func TestDescribe(t *testing.T) {
	gpt := arch.ZhuangConvRNN(arch.CellIntersection, true, arch.DecoderLinear).WithGPT(64)
	gpt.Attender.NLayer = 2
	mamba := arch.ResNet18(arch.DecoderLinear)
	mamba.Encoder.ReprDim = 64
	mamba = mamba.WithMamba()
	s4 := arch.S4Encoder(arch.DecoderLinear)
	for _, tc := range []struct {
		a    arch.Config
		want string
	}{
		{gpt, "ConvRNN IntersectionRNN-LN + GPT (2×64) + linear"},
		{mamba, "ResNet-18 + Mamba (4×64) + linear"},
		{s4, "S4 (4×512) + linear"},
	} {
		if got := Describe(tc.a); got != tc.want {
			t.Errorf("Describe = %q, want %q", got, tc.want)
		}
	}
}

// TestEntriesPairSSLConfigs: NAME.ssl.yaml is not an entry of its own; it
// belongs to the probe NAME.yaml, and a probe without it (or a pair whose
// roles are swapped) is refused.
func TestEntriesPairSSLConfigs(t *testing.T) {
	const sup = "dataset: d\nout: o\npreset: {name: timedecay-linear}\noptimizer: {kind: sgd, lr: 0.1}\nschedule: {kind: constant_lr}\nepochs: 1\nbatch_size: 2\nseed: 1\n"
	const ssl = sup + "objective: simclr\n"
	const probe = "dataset: d\nout: o\nprobe: {from: x}\noptimizer: {kind: sgd, lr: 0.1}\nschedule: {kind: constant_lr}\nepochs: 1\nbatch_size: 2\nseed: 1\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string // error substring, "" for success
	}{
		{"pair", map[string]string{"a.yaml": sup, "b.yaml": probe, "b.ssl.yaml": ssl}, ""},
		{"probe without pre-training", map[string]string{"b.yaml": probe}, "b.ssl.yaml is missing"},
		{"pre-training not self-supervised", map[string]string{"b.yaml": probe, "b.ssl.yaml": sup}, "must be a probe config"},
		{"main config not a probe", map[string]string{"b.yaml": sup, "b.ssl.yaml": ssl}, "must be a probe config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, c := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			es, err := Entries(dir)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Entries = %v, want an error containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 2 || es[0].Name != "a" || es[0].SSL != nil || es[1].Name != "b" || es[1].SSL == nil || es[1].SSL.Objective != "simclr" {
				t.Fatalf("entries = %+v", es)
			}
		})
	}
}
