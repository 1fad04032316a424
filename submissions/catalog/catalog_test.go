package catalog_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// The neural benchmark end to end: simulated stimuli, synthetic cortex,
// figures, registration, export, and re-import of the synthetic file as if
// it were real data.
func TestNeuralBenchmarkLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the six Rodgers stimuli")
	}
	ctx := context.Background()
	root := t.TempDir()
	build := func(seed uint64) (string, *benchmarks.Spec) {
		dir, spec, err := benchmarks.BuildNeural(ctx, root, catalog.SyntheticSource(seed), benchmarks.NeuralOptions{ScorerVersion: catalog.NeuralScorer, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		return dir, spec
	}
	dir, spec := build(1)
	if !spec.Synthetic || !strings.Contains(spec.Description, "SYNTHETIC") {
		t.Errorf("the synthetic version is not labelled synthetic: %+v", spec)
	}
	// Same inputs, same version (the stimuli are reused from disk).
	if _, again := build(1); again.Version != spec.Version {
		t.Errorf("rebuilding with the same seed gave version %s, want %s", again.Version, spec.Version)
	}
	// A different neural seed is different data: a new version.
	if _, other := build(2); other.Version == spec.Version {
		t.Errorf("a different synthetic seed kept version %s", spec.Version)
	}
	fig, err := catalog.ComputeFigures(ctx, dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rsa-paper-v1", "rsa-v2", "rsa-paper-v1/pairwise"} {
		if fig.Ceiling[k] == nil {
			t.Errorf("no %s ceiling", k)
		}
	}
	for _, k := range []string{"raw-input/rsa-paper-v1", "raw-input/rsa-v2"} {
		if fig.Baselines[k] == nil {
			t.Errorf("no %s baseline", k)
		}
	}
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			st := storetest.Migrated(t, d)
			cat := catalog.New(st.DB)
			b, err := cat.Register(ctx, dir, spec, fig)
			if err != nil {
				t.Fatal(err)
			}
			if b2, err := cat.Register(ctx, dir, spec, fig); err != nil || b2.ID != b.ID {
				t.Fatalf("registering twice: id %d vs %d, %v", b2.ID, b.ID, err)
			}
			list, err := cat.List(ctx)
			if err != nil || len(list) != 1 {
				t.Fatalf("list: %v %v", list, err)
			}
			var ceil map[string]map[string]any
			if err := json.Unmarshal(list[0].Ceiling, &ceil); err != nil {
				t.Fatal(err)
			}
			if _, ok := ceil["rsa-paper-v1"]["mean"]; !ok {
				t.Errorf("stored ceiling lacks the v1 mean: %s", list[0].Ceiling)
			}
			line := catalog.Summaries(list)[0].Line
			if !strings.Contains(line, "SYNTHETIC") || !strings.Contains(line, "a2a (v1) mean") {
				t.Errorf("listing line %q", line)
			}
			// Export: the stimuli only, in the paper's layout.
			out := t.TempDir()
			files, err := catalog.Export(ctx, b, out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(files, []string{"neural_stimuli.npz", "README.md"}) {
				t.Errorf("exported %v", files)
			}
			arrays, err := npz.ReadFile(filepath.Join(out, "neural_stimuli.npz"), npz.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(arrays) != 1 || arrays[0].Name != "inputs" || !reflect.DeepEqual(arrays[0].Array.Shape, []int{6, 22, 30, 5, 7}) {
				t.Errorf("export holds %v", npz.Names(arrays))
			}
		})
	}
	// The synthetic file passes the importer's validation. Imported as is,
	// it is the same data, hence the same version (versions name content).
	src, report, err := catalog.ImportSource(filepath.Join(dir, benchmarks.NeuralFile), "")
	if err != nil {
		t.Fatalf("the synthetic cortex fails the importer: %v", err)
	}
	if !strings.Contains(report, "11 animals") || strings.Contains(report, "zero-fill quirk") {
		t.Errorf("import report:\n%s", report)
	}
	_, imp, err := benchmarks.BuildNeural(ctx, root, src, benchmarks.NeuralOptions{ScorerVersion: catalog.NeuralScorer, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Version != spec.Version {
		t.Errorf("re-importing identical data gave version %s, want %s", imp.Version, spec.Version)
	}
	// A permuted stimulus order is a different data set, hence version.
	src2, _, err := catalog.ImportSource(filepath.Join(dir, benchmarks.NeuralFile), "convex close,convex medium,convex far,concave close,concave medium,concave far")
	if err != nil {
		t.Fatal(err)
	}
	if _, imp2, err := benchmarks.BuildNeural(ctx, root, src2, benchmarks.NeuralOptions{ScorerVersion: catalog.NeuralScorer, Workers: 2}); err != nil || imp2.Version == imp.Version {
		t.Errorf("reordered import: version %v err %v", imp2, err)
	}
}

func TestImportSourceErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, arrays ...npz.Named) string {
		p := filepath.Join(dir, name)
		if err := npz.WriteFile(p, arrays); err != nil {
			t.Fatal(err)
		}
		return p
	}
	animal := func(trials, stim, units int) ndarray.Array {
		a := ndarray.Zeros64(trials, stim, units)
		for i := range a.F64 {
			a.F64[i] = float64((i*7)%11) + 0.5
		}
		return a
	}
	good := write("good.npz", npz.Named{Name: "m1", Array: animal(4, 6, 3)}, npz.Named{Name: "m2", Array: animal(5, 6, 2)})
	tests := []struct {
		path, order, want string
	}{
		{good, "a,b", "lists 2 stimuli"},
		{good, "concave near,concave near,concave far,convex near,convex medium,convex far", "twice"},
		{good, "concave near,concave medium,concave far,convex near,convex medium,flat", `"flat" is not one of`},
		{write("five.npz", npz.Named{Name: "m1", Array: animal(4, 5, 3)}), "", "5 stimulus columns, want 6"},
		{write("flat.npz", npz.Named{Name: "m1", Array: ndarray.Zeros64(6, 3)}), "", "want (trials, stimuli, units)"},
		{write("f32.npz", npz.Named{Name: "m1", Array: ndarray.Zeros32(4, 6, 3)}), "", "want float64"},
		{filepath.Join(dir, "missing.npz"), "", "no such file"},
	}
	for _, tc := range tests {
		_, _, err := catalog.ImportSource(tc.path, tc.order)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: err %v, want %q", filepath.Base(tc.path), tc.order, err, tc.want)
		}
	}
	if _, rep, err := catalog.ImportSource(good, "convex close,convex medium,convex far,concave close,concave medium,concave far"); err != nil || !strings.Contains(rep, "2 animals") {
		t.Errorf("good file: %v\n%s", err, rep)
	}
}
