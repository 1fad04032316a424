package benchmarks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// installVersion writes a version directory by hand: one data file and
// the sealed spec recording it, as finish leaves a build.
func installVersion(t *testing.T, root, data string, params map[string]string, scorer string) (string, *Spec) {
	t.Helper()
	build := filepath.Join(root, TactileShapes, "build-"+paramsKey(params))
	if err := os.MkdirAll(build, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(build, "data.bin"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := FileSHA256(filepath.Join(build, "data.bin"))
	if err != nil {
		t.Fatal(err)
	}
	spec := &Spec{Name: TactileShapes, Kind: Classification, ScorerVersion: scorer, Params: params,
		Files: []File{{Role: RoleShardData, Path: "data.bin", SHA256: sum, Public: true}}}
	dir, err := finish(root, spec, build)
	if err != nil {
		t.Fatal(err)
	}
	return dir, spec
}

// A build looks for its version already installed (the catalogue may have
// lost its registration: a new database over an old data directory) and
// takes it only when name, parameters and scorer match and every file
// still has its digest; finish replaces an installed copy that changed on
// disk, keeping it aside, instead of keeping it.
func TestInstalled(t *testing.T) {
	root := t.TempDir()
	params := map[string]string{"classes": "2", "generator": "g1"}
	dir, spec := installVersion(t, root, "sweeps", params, "probe-1")
	if got, s, ok := installed(root, TactileShapes, params, "probe-1"); !ok || got != dir || s.Version != spec.Version {
		t.Fatalf("installed = %s %v %v; want %s", got, s, ok, dir)
	}
	tests := []struct {
		name   string
		params map[string]string
		scorer string
	}{
		{"other parameters", map[string]string{"classes": "3", "generator": "g1"}, "probe-1"},
		{"fewer parameters", map[string]string{"classes": "2"}, "probe-1"},
		{"other scorer", params, "probe-2"},
	}
	for _, tc := range tests {
		if _, _, ok := installed(root, TactileShapes, tc.params, tc.scorer); ok {
			t.Errorf("%s: an installed version was taken", tc.name)
		}
	}
	if _, _, ok := installed(root, BarrelCortex, params, "probe-1"); ok {
		t.Error("another benchmark's name: an installed version was taken")
	}

	// Changed on disk: not taken, and a new build of it replaces it.
	if err := os.WriteFile(filepath.Join(dir, "data.bin"), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := installed(root, TactileShapes, params, "probe-1"); ok {
		t.Fatal("a version whose file changed on disk was taken")
	}
	again, _ := installVersion(t, root, "sweeps", params, "probe-1")
	if again != dir {
		t.Fatalf("rebuilt into %s, want %s", again, dir)
	}
	if _, err := ReadSpec(dir, true); err != nil {
		t.Errorf("the rebuilt version does not verify: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(root, TactileShapes))
	aside := false
	for _, e := range entries {
		aside = aside || strings.HasPrefix(e.Name(), spec.Version+".changed-")
		if strings.HasPrefix(e.Name(), "build-") {
			t.Errorf("build directory %s left behind", e.Name())
		}
	}
	if !aside {
		t.Errorf("the changed copy was not kept aside: %v", entries)
	}
	if _, _, ok := installed(root, TactileShapes, params, "probe-1"); !ok {
		t.Error("the rebuilt version is not found installed")
	}
}
