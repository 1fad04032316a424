package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/referencemodels/zoo"
)

// TestZooList prints the bundled zoo's table with one row per config.
func TestZooList(t *testing.T) {
	dir := filepath.Join("..", "..", "referencemodels", "zoo")
	cfgs, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(cfgs) == 0 {
		t.Fatalf("no zoo configs in %s: %v", dir, err)
	}
	r := runCLI(t, nil, "zoo", "list", "--out", dir)
	if r.code != 0 {
		t.Fatalf("zoo list: exit %d: %s", r.code, r.stderr)
	}
	for _, c := range cfgs {
		if strings.HasSuffix(c, zoo.SSLSuffix) {
			continue // a pre-training config, listed under its probe's name
		}
		name := strings.TrimSuffix(filepath.Base(c), ".yaml")
		if !strings.Contains(r.stdout, "| "+name+" |") {
			t.Errorf("zoo list lacks %s:\n%s", name, r.stdout)
		}
	}
}

// TestZooRetrainUsage: retrain needs names or --all, and only known names.
func TestZooRetrainUsage(t *testing.T) {
	dir := filepath.Join("..", "..", "referencemodels", "zoo")
	for _, args := range [][]string{
		{"zoo", "retrain", "--out", dir},
		{"zoo", "retrain", "--all", "lstm-linear", "--out", dir},
		{"zoo", "retrain", "--out", dir, "--data-dir", t.TempDir(), "no-such-model"},
	} {
		if r := runCLI(t, nil, args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage): %s", args, r.code, r.stderr)
		}
	}
}

// TestZooRetrainEnqueue: --enqueue trains nothing and inserts one
// zoo_retrain job per model into the database's queue; a second call
// while they wait inserts nothing.
func TestZooRetrainEnqueue(t *testing.T) {
	dir := filepath.Join("..", "..", "referencemodels", "zoo")
	data := t.TempDir()
	args := []string{"zoo", "retrain", "--enqueue", "--out", dir, "--data-dir", data, "lstm-linear", "gru-linear"}
	r := runCLI(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("enqueue: exit %d: %s", r.code, r.stderr)
	}
	for _, n := range []string{"lstm-linear: queued as job", "gru-linear: queued as job"} {
		if !strings.Contains(r.stdout, n) {
			t.Errorf("output lacks %q:\n%s", n, r.stdout)
		}
	}
	r = runCLI(t, nil, args...)
	if r.code != 0 || strings.Count(r.stdout, "already queued") != 2 {
		t.Errorf("second enqueue: exit %d, want both already queued:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if matches, _ := filepath.Glob(filepath.Join(data, "zoo-runs", "*")); len(matches) != 0 {
		t.Errorf("enqueue trained something: %v", matches)
	}
}

// TestZooScore scores one bundled model (trained and untrained) on the
// default neural benchmark, built in a temporary data directory, and
// records both metrics in its NAME.json and the table.
func TestZooScore(t *testing.T) {
	src := filepath.Join("..", "..", "referencemodels", "zoo")
	zooDir := t.TempDir()
	const name = "timedecay-linear"
	for _, suf := range []string{".yaml", ".tar", ".untrained.tar", ".json"} {
		b, err := os.ReadFile(filepath.Join(src, name+suf))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(zooDir, name+suf), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(t, nil, "zoo", "score", "--out", zooDir, "--data-dir", t.TempDir(), "--workers", "2", name)
	if r.code != 0 {
		t.Fatalf("zoo score: exit %d: %s", r.code, r.stderr)
	}
	rec, err := zoo.ReadRecord(zooDir, name)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Neural == nil || !rec.Neural.Synthetic || !strings.HasPrefix(rec.Neural.Benchmark, "barrel-cortex-rsa-v1 ") {
		t.Fatalf("record neural = %+v", rec.Neural)
	}
	for _, m := range []string{"rsa-paper-v1", "rsa-v2"} {
		for which, fits := range map[string]map[string]zoo.NeuralFit{"trained": rec.Neural.Trained, "untrained": rec.Neural.Untrained} {
			f := fits[m]
			if f.Score == nil || *f.Score < -1 || *f.Score > 2 || f.Layer == "" {
				t.Errorf("%s %s = %+v", which, m, f)
			}
		}
	}
	if v2 := rec.Neural.Trained["rsa-v2"]; v2.CILow == nil || v2.CIHigh == nil || *v2.CILow > *v2.Score || *v2.CIHigh < *v2.Score {
		t.Errorf("rsa-v2 interval %+v does not bracket its score", v2)
	}
	row := fmt.Sprintf("%.3f", *rec.Neural.Trained["rsa-paper-v1"].Score)
	if !strings.Contains(r.stdout, "| "+name+" |") || !strings.Contains(r.stdout, row) {
		t.Errorf("table lacks the neural score %s:\n%s", row, r.stdout)
	}
}
