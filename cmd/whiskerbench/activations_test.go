package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
)

func tinyArch() arch.Config {
	c := arch.ZhuangConvRNN(arch.CellUGRNN, false, arch.DecoderLinear)
	c.Encoder.Width, c.Encoder.ReprDim, c.Classes = 0.03, 8, 3
	return c
}

func randomStimuli(n int, seed uint64) ndarray.Array {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := ndarray.Zeros32(n, 22, 30, 5, 7)
	for i := range x.F32 {
		x.F32[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestActivationsCommand: the command writes, per layer, the activations
// the model computes (named neural__<layer> with --prefix), in batches,
// and the result is scored by 'eval neural'.
func TestActivationsCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := tinyArch()
	p, err := cfg.Init(4)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.New(cfg, p, bundle.Training{Seed: 4, Commit: "unknown"})
	if err != nil {
		t.Fatal(err)
	}
	bpath := filepath.Join(dir, "model.tar")
	if err := bundle.Save(bpath, b); err != nil {
		t.Fatal(err)
	}
	x := randomStimuli(6, 1)
	stim := filepath.Join(dir, "stimuli.npz")
	if err := npz.WriteFile(stim, []npz.Named{{Name: "labels", Array: ndarray.FromInt64([]int{1}, []int64{0})}, {Name: "inputs", Array: x}}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "acts.npz")
	r := runCLI(t, nil, "activations", "--bundle", bpath, "--inputs", stim, "--out", out, "--prefix", "neural", "--batch", "4")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	got, err := npz.ReadFile(out, npz.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := b.Model()
	want, err := ead.Activations(t.Context(), m, x)
	if err != nil {
		t.Fatal(err)
	}
	layers := ead.LayerNames(cfg)
	if len(got) != len(layers) {
		t.Fatalf("%d arrays, want %d layers", len(got), len(layers))
	}
	for i, l := range layers {
		a := got[i]
		if a.Name != "neural__"+l || a.Array.ShapeString() != want[l].ShapeString() {
			t.Fatalf("array %d: %s %s, want neural__%s %s", i, a.Name, a.Array.ShapeString(), l, want[l].ShapeString())
		}
		for j := range a.Array.F32 {
			if d := a.Array.F32[j] - want[l].F32[j]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("%s[%d] = %v, model gives %v", a.Name, j, a.Array.F32[j], want[l].F32[j])
			}
		}
	}
	ev := runCLI(t, nil, "eval", "neural", "--activations", out, "--neural", "testdata/neural.npz", "--json")
	if ev.code != 0 || !strings.Contains(ev.stdout, "conv1") {
		t.Fatalf("eval neural on the activations: exit %d\n%s\n%s", ev.code, ev.stdout, ev.stderr)
	}
}

func TestActivationsCommandErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := tinyArch()
	p, _ := cfg.Init(1)
	b, _ := bundle.New(cfg, p, bundle.Training{Commit: "unknown"})
	bpath := filepath.Join(dir, "b")
	if err := bundle.Save(bpath, b); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.npz")
	npz.WriteFile(bad, []npz.Named{{Name: "inputs", Array: ndarray.Zeros32(2, 22, 30, 35)}})
	none := filepath.Join(dir, "none.npz")
	npz.WriteFile(none, []npz.Named{{Name: "x", Array: ndarray.Zeros32(2)}})
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--bundle", bpath, "--inputs", bad}, 2, "needs --bundle, --inputs and --out"},
		{[]string{"--bundle", bpath, "--inputs", bad, "--out", "o.npz", "--prefix", "brain"}, 2, `--prefix "brain"`},
		{[]string{"--bundle", bpath, "--inputs", bad, "--out", filepath.Join(dir, "o.npz")}, 1, "want float32 (n, 22, 30, 5, 7)"},
		{[]string{"--bundle", bpath, "--inputs", none, "--out", filepath.Join(dir, "o.npz")}, 1, "holds no inputs array"},
		{[]string{"--bundle", filepath.Join(dir, "missing.tar"), "--inputs", none, "--out", filepath.Join(dir, "o.npz")}, 1, "load bundle"},
	}
	for _, tc := range cases {
		r := runCLI(t, nil, append([]string{"activations"}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}

// TestTrainCommand trains a tiny model from a YAML config on a small
// tactile-format dataset written here (real builds run the simulator) and
// feeds the bundle to 'activations'.
func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	ds := filepath.Join(dir, "ds")
	os.MkdirAll(ds, 0o755)
	writeTinyDataset(t, ds)
	out := filepath.Join(dir, "run")
	conf := filepath.Join(dir, "train.yaml")
	os.WriteFile(conf, []byte(fmt.Sprintf(`dataset: %s
out: %s
preset: {name: timedecay-linear, width: 0.03, repr_dim: 8}
optimizer: {kind: adamw, lr: 0.01}
schedule: {kind: constant_lr}
epochs: 2
batch_size: 8
seed: 1
`, ds, out)), 0o644)
	r := runCLI(t, nil, "train", "--config", conf)
	if r.code != 0 || !strings.Contains(r.stdout, "best validation top-1") || !strings.Contains(r.stderr, "epoch 2/2") {
		t.Fatalf("train: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	stim := filepath.Join(dir, "stim.npz")
	npz.WriteFile(stim, []npz.Named{{Name: "inputs", Array: randomStimuli(3, 2)}})
	a := runCLI(t, nil, "activations", "--bundle", filepath.Join(out, "bundle.tar"), "--inputs", stim, "--out", filepath.Join(dir, "a.npz"))
	if a.code != 0 {
		t.Fatalf("activations of the trained bundle: %s", a.stderr)
	}
	if r := runCLI(t, nil, "train", "--config", filepath.Join(dir, "missing.yaml")); r.code != 1 || !strings.Contains(r.stderr, "open config") {
		t.Fatalf("missing config: exit %d %s", r.code, r.stderr)
	}
}

// writeTinyDataset writes 3 classes of noise plus a class-dependent offset:
// a train shard of 20 sweeps, validation and test shards of 6.
func writeTinyDataset(t *testing.T, dir string) {
	rng := rand.New(rand.NewPCG(3, 3))
	m := tactile.Manifest{FormatVersion: tactile.FormatVersion, GeneratorVersion: "test", ClassNames: []string{"a", "b", "c"},
		InputShape: []int{22, 30, 5, 7}, SweepsPerObject: 1, Complete: true}
	id := 0
	for _, sp := range []struct {
		name string
		n    int
	}{{tactile.Train, 20}, {tactile.Validation, 6}, {tactile.Test, 6}} {
		x := ndarray.Zeros32(sp.n, 22, 30, 5, 7)
		labels, ids := make([]int64, sp.n), make([]int64, sp.n)
		sh := tactile.Shard{File: sp.name + ".npz", Split: sp.name, Sweeps: sp.n}
		for i := range labels {
			y := i % 3
			labels[i], ids[i] = int64(y), int64(id)
			m.Objects = append(m.Objects, tactile.Object{ID: id, Label: y, Class: m.ClassNames[y], Split: sp.name, Shard: len(m.Shards)})
			sh.Objects = append(sh.Objects, id)
			id++
			for j := 0; j < 22*30*35; j++ {
				v := 0.5 * rng.NormFloat64()
				if (j/35)%30/10 == y {
					v++
				}
				x.F32[i*22*30*35+j] = float32(v)
			}
		}
		if err := npz.WriteFile(filepath.Join(dir, sh.File), []npz.Named{{Name: "inputs", Array: x},
			{Name: "labels", Array: ndarray.FromInt64([]int{sp.n}, labels)}, {Name: "object_ids", Array: ndarray.FromInt64([]int{sp.n}, ids)}}); err != nil {
			t.Fatal(err)
		}
		m.Shards = append(m.Shards, sh)
	}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, tactile.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
