package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
)

var update = flag.Bool("update", false, "rewrite the seed corpora in testdata/")

// tinyConfig is a test-sized model: width 0.01 gives channels 1, 1, 3, 4,
// 4, 3 and fc7 10; repr 4; 3 classes.
func tinyConfig(cell string) arch.Config {
	c := arch.ZhuangConvRNN(cell, cell != arch.CellTimeDecay, arch.DecoderLinear)
	c.Encoder.Width = 0.01
	c.Encoder.ReprDim = 4
	c.Classes = 3
	return c
}

func tinyBundle(t testing.TB, cell string, seed uint64) *Bundle {
	t.Helper()
	cfg := tinyConfig(cell)
	p, err := cfg.Init(seed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cfg, p, Training{DatasetDigest: "sha256:00", Seed: seed, Commit: "unknown", Epochs: 3, BestEpoch: 2,
		Optimizer: "adamw", Schedule: "constant", Metrics: map[string]float64{"val_top1": 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tarBytes(t testing.TB, b *Bundle) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTar(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func randomInput(n int, seed uint64) ndarray.Array {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := ndarray.Zeros32(n, 22, 30, 5, 7)
	for i := range x.F32 {
		x.F32[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestRoundTrip: save → load (directory and tar) gives identical
// parameters, manifest and activations, for every cell and with GPT.
func TestRoundTrip(t *testing.T) {
	gpt := tinyConfig(arch.CellIntersection).WithGPT(4)
	gpt.Attender.NLayer, gpt.Attender.NHead = 1, 2
	cases := []struct {
		name string
		cfg  arch.Config
	}{
		{"timedecay", tinyConfig(arch.CellTimeDecay)},
		{"ugrnn_ln", tinyConfig(arch.CellUGRNN)},
		{"intersection_ln", tinyConfig(arch.CellIntersection)},
		{"gru_ln", tinyConfig(arch.CellGRU)},
		{"lstm_ln", tinyConfig(arch.CellLSTM)},
		{"intersection_gpt", gpt},
	}
	ctx := context.Background()
	x := randomInput(2, 3)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.cfg.Init(9)
			if err != nil {
				t.Fatal(err)
			}
			b, err := New(tc.cfg, p, Training{Seed: 9, Commit: "unknown"})
			if err != nil {
				t.Fatal(err)
			}
			m0, err := b.Model()
			if err != nil {
				t.Fatal(err)
			}
			want, err := ead.Activations(ctx, m0, x)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, path := range []string{filepath.Join(dir, "b"), filepath.Join(dir, "b.tar")} {
				if err := Save(path, b); err != nil {
					t.Fatal(err)
				}
				got, err := Load(ctx, path, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				for i := range p {
					if got.Params[i].Name != p[i].Name || !equal32(got.Params[i].Data, p[i].Data) {
						t.Fatalf("%s: parameter %s differs after the round trip", path, p[i].Name)
					}
				}
				m, err := got.Model()
				if err != nil {
					t.Fatal(err)
				}
				acts, err := ead.Activations(ctx, m, x)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range got.Manifest.Layers {
					if !equal32(acts[l].F32, want[l].F32) {
						t.Fatalf("%s: activations of %s differ after the round trip", path, l)
					}
				}
			}
		})
	}
}

func equal32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestTarDeterministic: the same bundle always gives the same bytes.
func TestTarDeterministic(t *testing.T) {
	a, b := tarBytes(t, tinyBundle(t, arch.CellGRU, 1)), tarBytes(t, tinyBundle(t, arch.CellGRU, 1))
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of one bundle differ")
	}
	if bytes.Equal(a, tarBytes(t, tinyBundle(t, arch.CellGRU, 2))) {
		t.Fatal("bundles of different weights are equal")
	}
}

type member struct {
	name string
	typ  byte
	data []byte
}

func makeTar(t testing.TB, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := &tar.Header{Name: m.name, Typeflag: m.typ, Mode: 0o644, Size: int64(len(m.data))}
		if m.typ == tar.TypeSymlink || m.typ == tar.TypeDir {
			h.Size, h.Linkname = 0, "manifest.json"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write(m.data)
		}
	}
	tw.Close()
	return buf.Bytes()
}

func manifestBytes(t testing.TB, b *Bundle) []byte {
	t.Helper()
	m, err := b.Manifest.encode()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func weightsBytes(t testing.TB, arrays []npz.Named) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := npz.Write(&buf, arrays); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMalformedRejected: every malformed bundle is refused with a message
// that names what is wrong.
func TestMalformedRejected(t *testing.T) {
	b := tinyBundle(t, arch.CellIntersection, 4)
	man := manifestBytes(t, b)
	good := b.weightsArrays()
	edit := func(f func(a []npz.Named) []npz.Named) []byte {
		c := make([]npz.Named, len(good))
		for i, a := range good {
			c[i] = npz.Named{Name: a.Name, Array: ndarray.FromFloat32(a.Array.Shape, append([]float32(nil), a.Array.F32...))}
		}
		return weightsBytes(t, f(c))
	}
	w := weightsBytes(t, good)
	replaceMan := func(old, new string) []byte {
		if !bytes.Contains(man, []byte(old)) {
			t.Fatalf("manifest lacks %q", old)
		}
		return bytes.Replace(man, []byte(old), []byte(new), 1)
	}
	first := good[0].Name
	cases := []struct {
		name string
		tar  []byte
		lim  Limits
		want string
	}{
		{"unknown manifest field", makeTar(t, member{ManifestFile, tar.TypeReg, replaceMan(`"format_version": 1,`, `"format_version": 1, "exec": "rm -rf /",`)}, member{WeightsFile, tar.TypeReg, w}), Limits{}, `unknown field "exec"`},
		{"unknown nested field", makeTar(t, member{ManifestFile, tar.TypeReg, replaceMan(`"kind": "convrnn",`, `"kind": "convrnn", "dilation": 2,`)}, member{WeightsFile, tar.TypeReg, w}), Limits{}, `unknown field "dilation"`},
		{"trailing manifest data", makeTar(t, member{ManifestFile, tar.TypeReg, append(append([]byte{}, man...), "{}"...)}, member{WeightsFile, tar.TypeReg, w}), Limits{}, "data after the manifest"},
		{"format version", makeTar(t, member{ManifestFile, tar.TypeReg, replaceMan(`"format_version": 1`, `"format_version": 2`)}, member{WeightsFile, tar.TypeReg, w}), Limits{}, "format_version 2"},
		{"layers", makeTar(t, member{ManifestFile, tar.TypeReg, replaceMan(`"conv1",`, `"conv0",`)}, member{WeightsFile, tar.TypeReg, w}), Limits{}, "layers"},
		{"bad arch", makeTar(t, member{ManifestFile, tar.TypeReg, replaceMan(`"cell": "intersection"`, `"cell": "transformer"`)}, member{WeightsFile, tar.TypeReg, w}), Limits{}, `encoder.cell "transformer"`},
		{"missing tensor", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, edit(func(a []npz.Named) []npz.Named { return a[1:] })}), Limits{}, "tensor " + first + " (1, 30, 2, 2) missing"},
		{"extra tensor", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, edit(func(a []npz.Named) []npz.Named {
			return append(a, npz.Named{Name: "encoder.conv9.pre.weight", Array: ndarray.Zeros32(1)})
		})}), Limits{}, `tensor "encoder.conv9.pre.weight" is not a parameter`},
		{"wrong shape", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, edit(func(a []npz.Named) []npz.Named {
			a[0].Array, _ = a[0].Array.Reshape(30, 1, 2, 2)
			return a
		})}), Limits{}, "tensor " + first + " has shape (30, 1, 2, 2), want (1, 30, 2, 2)"},
		{"float64", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, edit(func(a []npz.Named) []npz.Named {
			a[3].Array = ndarray.Zeros64(a[3].Array.Shape...)
			return a
		})}), Limits{}, "tensor " + good[3].Name + " has dtype float64 (<f8), want float32"},
		{"NaN", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, edit(func(a []npz.Named) []npz.Named {
			a[3].Array.F32[0] = float32(math.NaN())
			return a
		})}), Limits{}, "tensor " + good[3].Name + " has 1 NaN/Inf values"},
		{"Inf", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, edit(func(a []npz.Named) []npz.Named {
			a[2].Array.F32[1] = float32(math.Inf(-1))
			return a
		})}), Limits{}, "tensor " + good[2].Name + " has 1 NaN/Inf values (first at flat index 1)"},
		{"weights not npz", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, []byte("import os")}), Limits{}, "not a valid .npz"},
		{"oversized weights", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w}), Limits{MaxWeightsBytes: 1000}, "more than the limit of 1000"},
		{"oversized manifest", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w}), Limits{MaxManifestBytes: 100}, "more than the limit of 100"},
		{"extra member", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w}, member{"model.py", tar.TypeReg, []byte("x")}), Limits{}, `tar member "model.py"`},
		{"path traversal", makeTar(t, member{"../manifest.json", tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w}), Limits{}, `tar member "../manifest.json"`},
		{"subdirectory path", makeTar(t, member{"b/manifest.json", tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w}), Limits{}, `tar member "b/manifest.json"`},
		{"dot path", makeTar(t, member{"./manifest.json", tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w}), Limits{}, `tar member "./manifest.json"`},
		{"symlink", makeTar(t, member{WeightsFile, tar.TypeSymlink, nil}), Limits{}, "not a regular file"},
		{"duplicate", makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w}), Limits{}, "appears twice"},
		{"no weights", makeTar(t, member{ManifestFile, tar.TypeReg, man}), Limits{}, "no weights.npz"},
		{"no manifest", makeTar(t, member{WeightsFile, tar.TypeReg, w}), Limits{}, "no manifest.json"},
		{"not a tar", []byte("#!/bin/sh\necho hi\n"), Limits{}, "read tar"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTar(context.Background(), bytes.NewReader(tc.tar), tc.lim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// The unmodified parts are accepted, so the cases above fail for
	// their own reason.
	if _, err := ReadTar(context.Background(), bytes.NewReader(makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w})), Limits{}); err != nil {
		t.Fatal(err)
	}
}

func TestLimitErrorsWrapErrLimit(t *testing.T) {
	b := tinyBundle(t, arch.CellTimeDecay, 1)
	_, err := ReadTar(context.Background(), bytes.NewReader(tarBytes(t, b)), Limits{MaxWeightsBytes: 64})
	if !errors.Is(err, npz.ErrLimit) {
		t.Fatalf("err = %v, want ErrLimit", err)
	}
}

// TestDirectoryRejected: a bundle directory holds only its two regular files.
func TestDirectoryRejected(t *testing.T) {
	b := tinyBundle(t, arch.CellUGRNN, 2)
	cases := []struct {
		name  string
		setup func(dir string) error
		want  string
	}{
		{"extra file", func(d string) error { return os.WriteFile(filepath.Join(d, "run.sh"), []byte("x"), 0o644) }, `unexpected entry "run.sh"`},
		{"missing weights", func(d string) error { return os.Remove(filepath.Join(d, WeightsFile)) }, "weights.npz missing"},
		{"symlinked weights", func(d string) error {
			w := filepath.Join(d, WeightsFile)
			if err := os.Rename(w, filepath.Join(filepath.Dir(d), "elsewhere.npz")); err != nil {
				return err
			}
			return os.Symlink(filepath.Join(filepath.Dir(d), "elsewhere.npz"), w)
		}, "not a regular file"},
		{"bad manifest", func(d string) error {
			return os.WriteFile(filepath.Join(d, ManifestFile), []byte(`{"format_version": 1}`), 0o644)
		}, "encoder.kind"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "b")
			if err := Save(dir, b); err != nil {
				t.Fatal(err)
			}
			if err := tc.setup(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(context.Background(), dir, Limits{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// Save refuses to write into a directory holding other files.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644)
	if err := Save(dir, b); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Fatalf("save into a used directory: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	cfg := tinyConfig(arch.CellGRU)
	p, _ := cfg.Init(1)
	cases := []struct {
		name   string
		params arch.Params
		tr     Training
		want   string
	}{
		{"params", p[1:], Training{Commit: "unknown"}, "parameters"},
		{"no commit", p, Training{}, "training.commit"},
		{"no digest", p, Training{Commit: "x", Epochs: 2, BestEpoch: 1}, "dataset_digest"},
		{"best after end", p, Training{Commit: "x", DatasetDigest: "d", Epochs: 2, BestEpoch: 3}, "best_epoch"},
		{"NaN metric", p, Training{Commit: "x", Metrics: map[string]float64{"val_top1": math.NaN()}}, `metric "val_top1"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(cfg, tc.params, tc.tr); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
