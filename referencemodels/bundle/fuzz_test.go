package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// The seed corpora: testdata/manifests/*.json and testdata/bundles/*.tar,
// valid and invalid, written by `go test -run TestSeedCorpus -update`.
// Names starting with "valid" must load; the others must be refused.

func seedFiles(t testing.TB, dir, ext string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	if len(out) == 0 {
		t.Fatalf("no seed files in testdata/%s", dir)
	}
	return out
}

func corpus(t testing.TB) (manifests, bundles map[string][]byte) {
	b := tinyBundle(t, arch.CellIntersection, 7)
	man := manifestBytes(t, b)
	w := weightsBytes(t, b.weightsArrays())
	sw := strings.NewReplacer
	manifests = map[string][]byte{
		"valid.json":           man,
		"unknown_field.json":   []byte(sw(`"format_version": 1,`, `"format_version": 1, "hook": "x",`).Replace(string(man))),
		"wrong_layers.json":    []byte(sw(`"fc8",`, ``).Replace(string(man))),
		"wrong_count.json":     []byte(sw(`"tensors": `, `"tensors": 1`).Replace(string(man))),
		"truncated.json":       man[:len(man)/2],
		"trailing.json":        append(append([]byte{}, man...), '1'),
		"empty_object.json":    []byte("{}"),
		"not_json.json":        []byte("\x93NUMPY"),
		"negative_epochs.json": []byte(sw(`"epochs": 3`, `"epochs": -3`).Replace(string(man))),
	}
	bundles = map[string][]byte{
		"valid.tar":         tarBytes(t, b),
		"valid_gru.tar":     tarBytes(t, tinyBundle(t, arch.CellGRU, 3)),
		"extra_member.tar":  makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w}, member{"x.py", tar.TypeReg, []byte("x")}),
		"traversal.tar":     makeTar(t, member{"../" + ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, w}),
		"symlink.tar":       makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeSymlink, nil}),
		"no_weights.tar":    makeTar(t, member{ManifestFile, tar.TypeReg, man}),
		"other_weights.tar": makeTar(t, member{ManifestFile, tar.TypeReg, man}, member{WeightsFile, tar.TypeReg, weightsBytes(t, tinyBundle(t, arch.CellGRU, 3).weightsArrays())}),
	}
	return manifests, bundles
}

// TestSeedCorpus checks the committed seeds (and rewrites them with
// -update): valid ones load, invalid ones are refused.
func TestSeedCorpus(t *testing.T) {
	if *update {
		man, bun := corpus(t)
		for dir, files := range map[string]map[string][]byte{"manifests": man, "bundles": bun} {
			os.MkdirAll(filepath.Join("testdata", dir), 0o755)
			for name, b := range files {
				if err := os.WriteFile(filepath.Join("testdata", dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for name, b := range seedFiles(t, "manifests", ".json") {
		_, err := ParseManifest(bytes.NewReader(b), 0)
		if valid := strings.HasPrefix(name, "valid"); valid != (err == nil) {
			t.Errorf("manifest %s: err = %v", name, err)
		}
	}
	for name, b := range seedFiles(t, "bundles", ".tar") {
		_, err := ReadTar(context.Background(), bytes.NewReader(b), Limits{})
		if valid := strings.HasPrefix(name, "valid"); valid != (err == nil) {
			t.Errorf("bundle %s: err = %v", name, err)
		}
	}
}

// FuzzParseManifest: any input is either refused or gives a manifest that
// validates and re-encodes to an input the parser accepts again.
func FuzzParseManifest(f *testing.F) {
	for _, b := range seedFiles(f, "manifests", ".json") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(bytes.NewReader(data), 1<<16)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed manifest does not validate: %v", err)
		}
		b, err := m.encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseManifest(bytes.NewReader(b), 1<<20); err != nil {
			t.Fatalf("re-encoded manifest refused: %v", err)
		}
	})
}

// FuzzReadTar: the reader never panics or over-allocates on any input, and
// whatever it accepts is a consistent bundle.
func FuzzReadTar(f *testing.F) {
	for _, b := range seedFiles(f, "bundles", ".tar") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadTar(context.Background(), bytes.NewReader(data), Limits{MaxManifestBytes: 1 << 16, MaxWeightsBytes: 1 << 20})
		if err != nil {
			return
		}
		if _, err := b.Model(); err != nil {
			t.Fatalf("accepted bundle has no model: %v", err)
		}
	})
}
