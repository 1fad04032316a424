package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/server/app"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// neuralBenchmark registers a small neural benchmark built from the
// numpy-written testdata/neural.npz and a stimulus tensor.
func neuralBenchmark(t *testing.T, cat *catalog.Catalog) {
	t.Helper()
	dir := t.TempDir()
	stim := ndarray.Zeros32(6, 22, 30, 5, 7)
	for i := range stim.F32 {
		stim.F32[i] = float32((i*7919)%101) / 100
	}
	if err := npz.WriteFile(filepath.Join(dir, benchmarks.StimuliFile), []npz.Named{{Name: "inputs", Array: stim}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/neural.npz")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, benchmarks.NeuralFile), b, 0o644)
	spec := &benchmarks.Spec{Name: benchmarks.BarrelCortex, Kind: benchmarks.NeuralRSA, ScorerVersion: catalog.NeuralScorer, Description: "test"}
	for _, f := range []benchmarks.File{{Role: benchmarks.RoleStimuli, Path: benchmarks.StimuliFile}, {Role: benchmarks.RoleNeural, Path: benchmarks.NeuralFile}} {
		f.SHA256, err = benchmarks.FileSHA256(filepath.Join(dir, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		spec.Files = append(spec.Files, f)
	}
	spec.Seal()
	if err := benchmarks.WriteSpec(dir, spec); err != nil {
		t.Fatal(err)
	}
	fig, err := catalog.ComputeFigures(context.Background(), dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Register(context.Background(), dir, spec, fig); err != nil {
		t.Fatal(err)
	}
}

// `whiskerbench submit --wait` uploads, follows the job and prints the
// model-level scores; a bad file is answered with every problem.
func TestSubmitWait(t *testing.T) {
	cfg := app.Defaults()
	cfg.Listen, cfg.DataDir, cfg.BuildBenchmarks, cfg.SeedZoo = "127.0.0.1:0", t.TempDir(), false, false
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	neuralBenchmark(t, catalog.New(a.Store().DB))
	acc := accounts.New(a.Store().DB)
	acc.CreateLab(ctx, "CLI Lab")
	_, tok, _ := acc.CreateToken(ctx, "CLI Lab", accounts.LabMember)

	// The submission archive: testdata/acts.npz's layers as neural__<layer>.
	arrays, err := npz.ReadFile("testdata/acts.npz", npz.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for i := range arrays {
		arrays[i].Name = "neural__" + arrays[i].Name
	}
	path := filepath.Join(t.TempDir(), "sub.npz")
	if err := npz.WriteFile(path, arrays); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := runCLI(t, map[string]string{"WHISKERBENCH_TOKEN": tok}, "submit", "--server", a.URL(), "--name", "cli-model", "--wait", path)
	if r.code != 0 {
		t.Fatalf("submit: %+v", r)
	}
	for _, want := range []string{"barrel-cortex-rsa-v1", "rsa-paper-v1", "rsa-v2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("submit output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "scored") || !strings.Contains(r.stderr, "upload") {
		t.Errorf("progress on stderr: %q", r.stderr)
	}
	t.Logf("submit --wait took %v", time.Since(start))
	// The offline scorer reads the same archive and prints the same v1 score.
	off := runCLI(t, nil, "eval", "neural", "--activations", path, "--neural", "testdata/neural.npz")
	v1 := strings.Fields(strings.SplitN(off.stdout, "\n", 2)[0])[2]
	if !strings.Contains(r.stdout, "rsa-paper-v1  "+v1) && !strings.Contains(r.stdout, "rsa-paper-v1 "+v1) {
		t.Errorf("offline v1 score %s not in the server's answer:\n%s", v1, r.stdout)
	}
	// Problems are listed, and the exit status is non-zero.
	bad := filepath.Join(t.TempDir(), "bad.npz")
	npz.WriteFile(bad, []npz.Named{{Name: "neural__short", Array: ndarray.Zeros32(5, 3)}, {Name: "oops", Array: ndarray.Zeros32(6, 3)}})
	r = runCLI(t, map[string]string{"WHISKERBENCH_TOKEN": tok}, "submit", "--server", a.URL(), "--name", "cli-model", bad)
	if r.code == 0 || !strings.Contains(r.stderr, "neural__short: 5 rows") || !strings.Contains(r.stderr, "oops: name it") {
		t.Errorf("bad upload: %+v", r)
	}
	if r := runCLI(t, nil, "submit", "--server", a.URL(), "--name", "x", path); r.code != 2 || !strings.Contains(r.stderr, "--token") {
		t.Errorf("no token: %+v", r)
	}
	_ = io.Discard
}
