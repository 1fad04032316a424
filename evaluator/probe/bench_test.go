package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// largeBenchData loads the 10 000 × 4096 × 117 data written by
// testdata/bench_anchor.py into the directory named by
// $WHISKERBENCH_PROBE_BENCH, skipping the test when it is unset.
func largeBenchData(tb testing.TB) (train, test Dataset) {
	tb.Helper()
	dir := os.Getenv("WHISKERBENCH_PROBE_BENCH")
	if dir == "" {
		tb.Skip("set WHISKERBENCH_PROBE_BENCH to the directory bench_anchor.py writes (see BENCHMARKS.md)")
	}
	var meta struct {
		NTrain  int `json:"n_train"`
		NTest   int `json:"n_test"`
		D       int `json:"d"`
		Classes int `json:"classes"`
	}
	readJSON(tb, filepath.Join(dir, "meta.json"), &meta)
	load := func(name string, n int) Dataset {
		x := readF32(tb, filepath.Join(dir, name+".f32"))
		y := readI64(tb, filepath.Join(dir, name+".i64"))
		if len(x) != n*meta.D || len(y) != n {
			tb.Fatalf("%s: %d features, %d labels, meta says %d×%d", name, len(x), len(y), n, meta.D)
		}
		return Dataset{ndarray.FromFloat32([]int{n, meta.D}, x), ndarray.FromInt64([]int{n}, y)}
	}
	return load("train", meta.NTrain), load("test", meta.NTest)
}

func envFloat(tb testing.TB, name string, def float64) float64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		tb.Fatalf("%s=%q: %v", name, s, err)
	}
	return v
}

// TestLargeBenchmark is the Go half of testdata/bench_anchor.py: it times
// Fit and Score on the large data and prints one "PROBE_BENCH {json}" line
// per configuration for the script to tabulate.
func TestLargeBenchmark(t *testing.T) {
	train, test := largeBenchData(t)
	c := envFloat(t, "WHISKERBENCH_PROBE_BENCH_C", 0.01)
	base := Options{
		MaxIter: int(envFloat(t, "WHISKERBENCH_PROBE_BENCH_MAXITER", 100)),
		Tol:     envFloat(t, "WHISKERBENCH_PROBE_BENCH_TOL", 1e-4),
	}
	type config struct {
		name string
		opts Options
	}
	one := base
	one.Cs = []float64{c}
	var configs []config
	for _, k := range kernels() {
		if k == kernelGonum {
			continue // ~20× slower than the assembly kernels: minutes
		}
		o := one
		o.kernelName = k.String()
		configs = append(configs, config{fmt.Sprintf("go probe float32 %s, C=%g", k, c), o})
	}
	if os.Getenv("WHISKERBENCH_PROBE_BENCH_CV") != "" {
		configs = append(configs, config{"go probe float32, 5-fold CV, 6 Cs + refit", base})
	}
	for _, cf := range configs {
		t0 := time.Now()
		m, err := Fit(context.Background(), train, cf.opts)
		if err != nil {
			t.Fatal(err)
		}
		fit := time.Since(t0)
		acc, err := m.Score(test)
		if err != nil {
			t.Fatal(err)
		}
		total := time.Since(t0)
		line, err := json.Marshal(map[string]any{
			"name": cf.name, "top1": acc.Top1, "top5": acc.TopK, "iterations": m.Iterations,
			"c": m.C, "cv": m.CV, "fit_s": fit.Seconds(), "total_s": total.Seconds(), "stop": m.Stop,
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("PROBE_BENCH %s\n", line)
	}
}

// BenchmarkFitLarge times one fit at C=0.01 on the large data (see
// TestLargeBenchmark).
func BenchmarkFitLarge(b *testing.B) {
	train, _ := largeBenchData(b)
	for b.Loop() {
		m, err := Fit(context.Background(), train, Options{Cs: []float64{0.01}})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Iterations), "iterations")
	}
}

// BenchmarkEvaluateSmall times the whole metric, 5-fold CV included, on a
// 2000 × 256 × 20 in-memory problem: small enough for routine runs.
func BenchmarkEvaluateSmall(b *testing.B) {
	all := blobs(9, 2500, 256, 64, 20, 0.5)
	train, test := rows(all, 0, 2000), rows(all, 2000, 2500)
	for b.Loop() {
		if _, err := Evaluate(context.Background(), train, test, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
