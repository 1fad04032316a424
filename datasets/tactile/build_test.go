package tactile

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A build is deterministic and resumable: a deleted shard is rebuilt
// byte-identical, untouched shards are kept as they are, and a directory
// holding a different build is refused.
func TestBuildResumeDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 32 sweeps")
	}
	ctx := context.Background()
	dir := t.TempDir()
	p := Params{Protocol: "sweep16", Classes: 2, PerClass: 1, Seed: 5, ObjectsPerShrd: 1}
	var progress bytes.Buffer
	m, err := Build(ctx, dir, p, BuildOptions{Workers: 2, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Complete || len(m.Shards) != 2 || !strings.Contains(progress.String(), "32/32 sweeps") {
		t.Fatalf("manifest %+v, progress %q", m, progress.String())
	}
	first := filepath.Join(dir, m.Shards[0].File)
	second := filepath.Join(dir, m.Shards[1].File)
	want, _ := os.ReadFile(second)
	st0, _ := os.Stat(first)
	if err := os.Remove(second); err != nil {
		t.Fatal(err)
	}
	progress.Reset()
	m2, err := Build(ctx, dir, p, BuildOptions{Workers: 1, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(second)
	if !bytes.Equal(got, want) || m2.Shards[1].SHA256 != m.Shards[1].SHA256 {
		t.Fatal("the rebuilt shard differs from the original (build not deterministic)")
	}
	if st1, _ := os.Stat(first); !st1.ModTime().Equal(st0.ModTime()) {
		t.Error("an existing shard was rewritten on resume")
	}
	if !strings.Contains(progress.String(), "16/16 sweeps") {
		t.Errorf("resume should simulate only the missing shard's 16 sweeps: %q", progress.String())
	}
	// The shard reads back with the manifest's layout and labels.
	b, err := ReadShard(dir, m.Shards[0])
	if err != nil {
		t.Fatal(err)
	}
	obj := m.Objects[m.Shards[0].Objects[0]]
	for _, l := range b.Labels {
		if l != int64(obj.Label) {
			t.Fatalf("label %d in a shard of object %d (label %d)", l, obj.ID, obj.Label)
		}
	}
	var nonzero int
	for _, v := range b.Inputs.F32 {
		if math.IsNaN(float64(v)) || math.Abs(float64(v)) > 1000 {
			t.Fatalf("input value %v out of range", v)
		}
		if v != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Error("every input is zero: the object never touched the whiskers")
	}
	s, err := Inspect(dir)
	if err != nil || len(s.BadShards) != 0 || s.Sweeps[Train]+s.Sweeps[Validation]+s.Sweeps[Test] != 32 {
		t.Fatalf("inspect: %+v %v", s, err)
	}
	var png bytes.Buffer
	if err := RenderInspection(dir, &png); err != nil || !bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")) {
		t.Fatalf("inspection picture: %v", err)
	}
	p.Seed = 6
	if _, err := Build(ctx, dir, p, BuildOptions{}); err == nil || !strings.Contains(err.Error(), "different dataset") {
		t.Fatalf("a different build into the same directory: %v", err)
	}
}
