package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/evaluator"
)

// The CLI's JSON has exactly the shape and carries the same numbers
// as the library, for files written by numpy (testdata/make_fixtures.py).
func TestEvalNeuralJSON(t *testing.T) {
	for _, metric := range []string{evaluator.MetricPaperV1, evaluator.MetricV2} {
		r := runCLI(t, nil, "eval", "neural", "--activations", "testdata/acts.npz", "--neural", "testdata/neural.npz", "--metric", metric, "--json")
		if r.code != 0 {
			t.Fatalf("%s: %+v", metric, r)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"metric", "score", "best", "layers"} {
			if _, ok := got[k]; !ok {
				t.Errorf("%s: JSON lacks %q", metric, k)
			}
		}
		entry := got["layers"].(map[string]any)["conv1"].(map[string]any)["pooled"].(map[string]any)
		for _, k := range []string{"raw", "corrected", "kept", "ci_low", "ci_high"} {
			if _, ok := entry[k]; !ok {
				t.Errorf("%s: layer entry lacks %q", metric, k)
			}
		}
		// The same computation through the library gives the same bytes.
		acts, _ := readNamed("testdata/acts.npz")
		layers, _ := evaluator.ActivationsFromArrays(acts)
		nd, err := readNeural("testdata/neural.npz")
		if err != nil {
			t.Fatal(err)
		}
		want, err := evaluator.EvaluateNeural(metric, layers, nd, evaluator.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		wb, _ := json.MarshalIndent(want, "", "  ")
		if strings.TrimSpace(r.stdout) != string(wb) {
			t.Errorf("%s: CLI JSON differs from the library result", metric)
		}
	}
}

func TestEvalCeilingAndProbe(t *testing.T) {
	r := runCLI(t, nil, "eval", "ceiling", "--neural", "testdata/neural.npz", "--json")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	var c map[string]any
	json.Unmarshal([]byte(r.stdout), &c)
	animals, _ := c["animals"].(map[string]any)
	if !reflect.DeepEqual(keys(animals), []string{"m1", "m2", "m3"}) || c["metric"] != evaluator.MetricPaperV1 {
		t.Errorf("ceiling JSON: %s", r.stdout)
	}
	r = runCLI(t, nil, "eval", "ceiling", "--neural", "testdata/neural.npz", "--pairwise", "--json")
	json.Unmarshal([]byte(r.stdout), &c)
	if pairs, _ := c["animals"].(map[string]any); len(pairs) != 6 {
		t.Errorf("pairwise ceiling has %d ordered pairs, want 6", len(pairs))
	}
	r = runCLI(t, nil, "eval", "probe", "--train", "testdata/probe_train.npz", "--test", "testdata/probe_test.npz")
	if r.code != 0 || !strings.Contains(r.stdout, "top-1") || !strings.Contains(r.stdout, "chosen by cross-validation") {
		t.Errorf("probe: %+v", r)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestEvalErrors(t *testing.T) {
	dir := t.TempDir()
	five := filepath.Join(dir, "five.npz")
	if err := npz.WriteFile(five, []npz.Named{{Name: "l1", Array: ndarray.Zeros32(5, 8)}}); err != nil {
		t.Fatal(err)
	}
	nan := filepath.Join(dir, "nan.npz")
	bad := ndarray.Zeros32(6, 4)
	for i := range bad.F32 {
		bad.F32[i] = float32(i%5) + 1
	}
	bad.F32[9] = nanF32()
	if err := npz.WriteFile(nan, []npz.Named{{Name: "conv1", Array: bad}}); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.npz")
	os.WriteFile(garbage, []byte("not a zip"), 0o644)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", "neural", "--neural", "testdata/neural.npz"}, 2, "needs --activations"},
		{[]string{"eval", "neural", "--activations", "testdata/acts.npz", "--neural", "testdata/neural.npz", "--metric", "v3"}, 2, "rsa-paper-v1 or rsa-v2"},
		{[]string{"eval", "neural", "--activations", five, "--neural", "testdata/neural.npz"}, 1, `activation "l1": 5 stimuli, the neural data has 6`},
		{[]string{"eval", "neural", "--activations", nan, "--neural", "testdata/neural.npz"}, 1, `activation "conv1": element [2 1] is NaN`},
		{[]string{"eval", "neural", "--activations", garbage, "--neural", "testdata/neural.npz"}, 1, "not a valid .npz"},
		{[]string{"eval", "neural", "--activations", "testdata/acts.npz", "--neural", "testdata/acts.npz"}, 1, "want float64"},
		{[]string{"eval", "probe", "--train", "testdata/acts.npz", "--test", "testdata/probe_test.npz"}, 1, "no 'features' array"},
	}
	for _, tc := range tests {
		r := runCLI(t, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d stderr %q, want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}

func nanF32() float32 {
	var z float32
	return z / z
}
