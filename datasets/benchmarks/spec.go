package benchmarks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/tactile"
)

// The default benchmarks.
const (
	TactileShapes = "tactile-shapes-v1"
	BarrelCortex  = "barrel-cortex-rsa-v1"
)

// Kinds of benchmark.
const (
	Classification = "classification"
	NeuralRSA      = "neural-rsa"
)

// File roles.
const (
	RoleStimuli   = "stimuli" // neural: (6, 22, 30, 5, 7) model input of the Rodgers stimuli
	RoleNeural    = "neural"  // neural: Rodgers-layout responses
	RolePublic    = "public"  // classification: train + validation dataset directory manifest
	RoleHeldOut   = "heldout" // classification: test dataset directory manifest (labels secret)
	RoleShardData = "shard"   // classification: one dataset shard
)

// File is one data file of a benchmark version, relative to its directory.
type File struct {
	Role   string `json:"role"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	// Public files may be exported to labs; the others never leave the
	// server (held-out labels).
	Public bool `json:"public"`
}

// Spec describes one benchmark version.
type Spec struct {
	Name          string            `json:"name"`
	Kind          string            `json:"kind"`
	Version       string            `json:"version"`
	ScorerVersion string            `json:"scorer_version"`
	DataDigest    string            `json:"data_digest"`
	Synthetic     bool              `json:"synthetic"`
	Description   string            `json:"description"`
	Params        map[string]string `json:"params"`
	Files         []File            `json:"files"`
}

// SpecFile is the spec's name inside a version directory.
const SpecFile = "benchmark.json"

// DataDigest is the sha256 over the sorted "role path sha256" lines of the
// files: any change to any file changes it.
func DataDigest(files []File) string {
	lines := make([]string, len(files))
	for i, f := range files {
		lines[i] = f.Role + " " + f.Path + " " + f.SHA256
	}
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return "sha256:" + hex.EncodeToString(h[:])
}

// VersionOf names a version by its kind, scorer version and data digest:
// the first 12 hex digits of their sha256.
func VersionOf(kind, scorer, dataDigest string) string {
	h := sha256.Sum256([]byte(kind + "\n" + scorer + "\n" + dataDigest))
	return hex.EncodeToString(h[:6])
}

// Seal fills DataDigest and Version from the files and scorer.
func (s *Spec) Seal() {
	sort.Slice(s.Files, func(i, j int) bool { return s.Files[i].Path < s.Files[j].Path })
	s.DataDigest = DataDigest(s.Files)
	s.Version = VersionOf(s.Kind, s.ScorerVersion, s.DataDigest)
}

// FileByRole returns the first file with the role.
func (s *Spec) FileByRole(role string) (File, bool) {
	for _, f := range s.Files {
		if f.Role == role {
			return f, true
		}
	}
	return File{}, false
}

// ReadSpec reads DIR/benchmark.json and checks that every file is present
// with its recorded digest.
func ReadSpec(dir string, verify bool) (*Spec, error) {
	b, err := os.ReadFile(filepath.Join(dir, SpecFile))
	if err != nil {
		return nil, fmt.Errorf("read benchmark spec: %w", err)
	}
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, SpecFile), err)
	}
	if verify {
		for _, f := range s.Files {
			sum, err := FileSHA256(filepath.Join(dir, f.Path))
			if err != nil {
				return nil, err
			}
			if sum != f.SHA256 {
				return nil, fmt.Errorf("benchmark %s %s: %s changed on disk (sha256 %s, recorded %s); rebuild the benchmark", s.Name, s.Version, f.Path, sum, f.SHA256)
			}
		}
	}
	return &s, nil
}

// WriteSpec writes DIR/benchmark.json.
func WriteSpec(dir string, s *Spec) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode benchmark spec: %w", err)
	}
	tmp := filepath.Join(dir, "."+SpecFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write benchmark spec: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, SpecFile))
}

// FileSHA256 returns a file's hex sha256.
func FileSHA256(path string) (string, error) { return tactile.FileSHA256(path) }

// hashFiles records the files under dir matching the roles given.
func hashFiles(dir string, files []File) ([]File, error) {
	out := make([]File, len(files))
	for i, f := range files {
		sum, err := FileSHA256(filepath.Join(dir, f.Path))
		if err != nil {
			return nil, err
		}
		f.SHA256 = sum
		out[i] = f
	}
	return out, nil
}

// finish seals spec, writes it into buildDir and moves buildDir to
// root/name/version. An existing identical version is kept and the build
// directory removed.
func finish(root string, spec *Spec, buildDir string) (string, error) {
	spec.Seal()
	if err := WriteSpec(buildDir, spec); err != nil {
		return "", err
	}
	final := filepath.Join(root, spec.Name, spec.Version)
	if _, err := os.Stat(filepath.Join(final, SpecFile)); err == nil {
		if _, err := ReadSpec(final, true); err == nil {
			if err := os.RemoveAll(buildDir); err != nil {
				return "", fmt.Errorf("remove build directory: %w", err)
			}
			return final, nil
		}
		// The installed copy changed on disk: keep it aside, install this one.
		aside := fmt.Sprintf("%s.changed-%d", final, time.Now().Unix())
		if err := os.Rename(final, aside); err != nil {
			return "", fmt.Errorf("move aside the changed copy of %s %s: %w", spec.Name, spec.Version, err)
		}
	}
	if err := os.Rename(buildDir, final); err != nil {
		return "", fmt.Errorf("install benchmark %s %s: %w", spec.Name, spec.Version, err)
	}
	return final, nil
}

// paramsKey names a build directory after its parameters, so that an
// interrupted build resumes in the same place.
func paramsKey(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(k + "=" + params[k] + "\n")
	}
	h := sha256.Sum256([]byte(sb.String()))
	return hex.EncodeToString(h[:6])
}

// installed finds a version of benchmark name already installed under
// root that was built with params and scorer: its spec records them and
// every file is present with its recorded digest. Builds start with it, so
// a catalogue that lost its registration (a new database over an old data
// directory) registers the installed version instead of simulating it
// again.
func installed(root, name string, params map[string]string, scorer string) (string, *Spec, bool) {
	entries, err := os.ReadDir(filepath.Join(root, name))
	if err != nil {
		return "", nil, false
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), "build-") {
			continue
		}
		dir := filepath.Join(root, name, e.Name())
		s, err := ReadSpec(dir, false)
		if err != nil || s.Name != name || s.Version != e.Name() || s.ScorerVersion != scorer || !maps.Equal(s.Params, params) {
			continue
		}
		if _, err := ReadSpec(dir, true); err != nil {
			continue // changed on disk: build it anew
		}
		return dir, s, true
	}
	return "", nil, false
}
