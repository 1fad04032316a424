package main

import (
	"path/filepath"
	"strings"
	"testing"
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
