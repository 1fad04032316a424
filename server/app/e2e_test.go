package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/blobs"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// benchData holds benchmark versions built once for the package's tests:
// the real neural benchmark (simulated stimuli, synthetic cortex) and a
// small classification benchmark in the dataset format, whose inputs are
// class-dependent noise so that the probe has something to find.
type benchData struct {
	neuralDir, shapesDir   string
	neuralSpec, shapesSpec *benchmarks.Spec
	neuralFig, shapesFig   catalog.Figures
	testLabels             []int64
}

var (
	benchOnce sync.Once
	bench     benchData
	benchErr  error
)

func testBenchmarks(t *testing.T) benchData {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the neural benchmark (simulation)")
	}
	benchOnce.Do(func() {
		root, err := os.MkdirTemp("", "wb-bench-*")
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		bench.neuralDir, bench.neuralSpec, benchErr = benchmarks.BuildNeural(ctx, root, catalog.SyntheticSource(synth.DefaultConfig().Seed), benchmarks.NeuralOptions{ScorerVersion: catalog.NeuralScorer, Workers: 2})
		if benchErr != nil {
			return
		}
		if bench.neuralFig, benchErr = catalog.ComputeFigures(ctx, bench.neuralDir, bench.neuralSpec); benchErr != nil {
			return
		}
		bench.shapesDir, bench.shapesSpec, bench.testLabels, benchErr = writeShapes(filepath.Join(root, "shapes"))
		if benchErr != nil {
			return
		}
		bench.shapesFig, benchErr = catalog.ComputeFigures(ctx, bench.shapesDir, bench.shapesSpec)
	})
	if benchErr != nil {
		t.Fatal(benchErr)
	}
	return bench
}

const (
	nClasses = 3
	nTrain   = 30
	nVal     = 6
	nTest    = 12
)

// writeShapes writes a classification benchmark version in the layout
// BuildShapes produces (public/ and heldout/ dataset directories).
func writeShapes(dir string) (string, *benchmarks.Spec, []int64, error) {
	const cell = 22 * 30 * 5 * 7
	mk := func(sub, split string, n int, seed int64) ([]int64, error) {
		d := filepath.Join(dir, sub)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		in := make([]float32, n*cell)
		labels := make([]int64, n)
		ids := make([]int64, n)
		x := uint64(seed)
		for i := 0; i < n; i++ {
			labels[i] = int64(i % nClasses)
			ids[i] = int64(i)
			for j := 0; j < cell; j++ {
				x = x*6364136223846793005 + 1442695040888963407
				noise := float32(x>>40)/float32(1<<24) - 0.5
				sig := float32(0)
				if (j/35)%30 == int(labels[i]) {
					sig = 0.8
				}
				in[i*cell+j] = sig + noise
			}
		}
		sh := tactile.Shard{File: split + "-00000.npz", Split: split, Sweeps: n}
		if err := npz.WriteFile(filepath.Join(d, sh.File), []npz.Named{
			{Name: "inputs", Array: ndarray.FromFloat32([]int{n, 22, 30, 5, 7}, in)},
			{Name: "labels", Array: ndarray.FromInt64([]int{n}, labels)},
			{Name: "object_ids", Array: ndarray.FromInt64([]int{n}, ids)},
		}); err != nil {
			return nil, err
		}
		m := tactile.Manifest{FormatVersion: tactile.FormatVersion, GeneratorVersion: "test", ClassNames: []string{"a", "b", "c"},
			SweepsPerObject: 1, InputShape: []int{22, 30, 5, 7}, Shards: []tactile.Shard{sh}, Complete: true}
		b, _ := json.Marshal(m)
		return labels, os.WriteFile(filepath.Join(d, tactile.ManifestFile), b, 0o644)
	}
	// The public directory holds the train and validation splits.
	if _, err := mk("public", tactile.Train, nTrain, 1); err != nil {
		return "", nil, nil, err
	}
	if err := appendShard(filepath.Join(dir, "public"), tactile.Validation, nVal); err != nil {
		return "", nil, nil, err
	}
	testLabels, err := mk("heldout", tactile.Test, nTest, 3)
	if err != nil {
		return "", nil, nil, err
	}
	spec := &benchmarks.Spec{Name: benchmarks.TactileShapes, Kind: benchmarks.Classification, ScorerVersion: catalog.ClassificationScorer, Params: map[string]string{"test": "1"}}
	for _, f := range []string{"public/manifest.json", "public/train-00000.npz", "public/validation-00000.npz", "heldout/manifest.json", "heldout/test-00000.npz"} {
		sum, err := benchmarks.FileSHA256(filepath.Join(dir, f))
		if err != nil {
			return "", nil, nil, err
		}
		spec.Files = append(spec.Files, benchmarks.File{Role: benchmarks.RoleShardData, Path: f, SHA256: sum, Public: strings.HasPrefix(f, "public")})
	}
	spec.Seal()
	return dir, spec, testLabels, benchmarks.WriteSpec(dir, spec)
}

// appendShard adds a validation shard of n sweeps to a dataset directory.
func appendShard(d, split string, n int) error {
	m, err := tactile.ReadManifest(d)
	if err != nil {
		return err
	}
	const cell = 22 * 30 * 5 * 7
	in := make([]float32, n*cell)
	labels := make([]int64, n)
	for i := range in {
		in[i] = float32(i%17) * 0.01
	}
	for i := range labels {
		labels[i] = int64(i % nClasses)
	}
	sh := tactile.Shard{File: split + "-00000.npz", Split: split, Sweeps: n}
	if err := npz.WriteFile(filepath.Join(d, sh.File), []npz.Named{
		{Name: "inputs", Array: ndarray.FromFloat32([]int{n, 22, 30, 5, 7}, in)},
		{Name: "labels", Array: ndarray.FromInt64([]int{n}, labels)},
		{Name: "object_ids", Array: ndarray.FromInt64([]int{n}, make([]int64, n))},
	}); err != nil {
		return err
	}
	m.Shards = append(m.Shards, sh)
	b, _ := json.Marshal(m)
	return os.WriteFile(filepath.Join(d, tactile.ManifestFile), b, 0o644)
}

// activations makes a lab's upload: two layers answering every input.
func activations(t *testing.T) (string, []byte) {
	t.Helper()
	b := testBenchmarks(t)
	_, nd, err := catalog.LoadNeural(b.neuralDir, b.neuralSpec)
	if err != nil {
		t.Fatal(err)
	}
	_ = nd
	stim, _, _ := catalog.LoadNeural(b.neuralDir, b.neuralSpec)
	feats := func(in ndarray.Array, rows int, seed float32) ndarray.Array {
		// A fixed nonlinear readout of the inputs: time-averaged channels
		// squared, plus a seeded offset per feature.
		per := ndarray.Size(in.Shape[1:]) / 22
		out := make([]float32, rows*64)
		for i := 0; i < rows; i++ {
			for t := 0; t < 22; t++ {
				for j := 0; j < per; j++ {
					v := in.F32[(i*22+t)*per+j]
					out[i*64+j%64] += v*v + seed*float32(j%7)
				}
			}
		}
		return ndarray.FromFloat32([]int{rows, 64}, out)
	}
	train, val, test, _, err := catalog.ClassificationSplits(b.shapesDir)
	if err != nil {
		t.Fatal(err)
	}
	arrays := []npz.Named{
		{Name: "neural__l1", Array: feats(stim, 6, 0.01)},
		{Name: "neural__l2", Array: feats(stim, 6, 0.2)},
		{Name: "train__l1", Array: feats(train.Inputs, train.Len(), 0.01)},
		{Name: "validation__l1", Array: feats(val.Inputs, val.Len(), 0.01)},
		{Name: "test__l1", Array: feats(test.Inputs, test.Len(), 0.01)},
	}
	var buf bytes.Buffer
	if err := npz.Write(&buf, arrays); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "acts.npz")
	os.WriteFile(path, buf.Bytes(), 0o644)
	return path, buf.Bytes()
}

func uploadBody(t *testing.T, fields map[string]string, file []byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range []string{"kind", "card"} {
		if v, ok := fields[k]; ok {
			mw.WriteField(k, v)
		}
	}
	if file != nil {
		w, _ := mw.CreateFormFile("file", "acts.npz")
		w.Write(file)
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func postUpload(t *testing.T, url, token string, fields map[string]string, file []byte) (int, map[string]any, string) {
	t.Helper()
	ct, body := uploadBody(t, fields, file)
	req, _ := http.NewRequest("POST", url+"/api/v1/submissions", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out, string(raw)
}

func TestSubmissionEndToEnd(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			b := testBenchmarks(t)
			r := start(t, d)
			ctx := context.Background()
			cat := catalog.New(r.Store().DB)
			nb, err := cat.Register(ctx, b.neuralDir, b.neuralSpec, b.neuralFig)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cat.Register(ctx, b.shapesDir, b.shapesSpec, b.shapesFig); err != nil {
				t.Fatal(err)
			}
			acc := accounts.New(r.Store().DB)
			acc.CreateLab(ctx, "Lab A")
			acc.CreateLab(ctx, "Lab B")
			_, tokA, _ := acc.CreateToken(ctx, "Lab A", accounts.LabMember)
			_, tokB, _ := acc.CreateToken(ctx, "Lab B", accounts.LabMember)
			path, file := activations(t)
			card := `{"name":"ConvRNN-test","family":"ConvRNN","objective":"supervised"}`

			status, sub, raw := postUpload(t, r.URL(), tokA, map[string]string{"kind": "activations", "card": card}, file)
			if status != http.StatusAccepted {
				t.Fatalf("upload: %d %s", status, raw)
			}
			id := int64(sub["id"].(float64))
			final := waitScored(t, r.URL(), tokA, id)
			if final["status"] != "scored" {
				t.Fatalf("submission ended %v: %v", final["status"], final["error"])
			}
			// The server's neural score equals the offline scorer's to the bit.
			arrays, err := npz.ReadFile(path, npz.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			named := make([]evaluator.NamedArray, len(arrays))
			for i, a := range arrays {
				named[i] = evaluator.NamedArray{Name: a.Name, Array: a.Array}
			}
			_, nd, _ := catalog.LoadNeural(b.neuralDir, b.neuralSpec)
			want := map[string]float64{}
			for _, m := range []string{evaluator.MetricPaperV1, evaluator.MetricV2} {
				res, err := evaluator.EvaluateNeural(m, submissions.NeuralActivations(named), nd, evaluator.DefaultOptions())
				if err != nil {
					t.Fatal(err)
				}
				want[m] = float64(res.Score)
			}
			got := map[string]float64{}
			var probeTop1 float64 = -1
			for _, s := range final["scores"].([]any) {
				sc := s.(map[string]any)
				if sc["layer"] != nil || sc["value"] == nil {
					continue
				}
				if sc["benchmark"] == benchmarks.BarrelCortex {
					got[sc["scorer_version"].(string)] = sc["value"].(float64)
					if sc["benchmark_version"] != nb.Version {
						t.Errorf("score tied to version %v, want %s", sc["benchmark_version"], nb.Version)
					}
				}
				if sc["benchmark"] == benchmarks.TactileShapes && sc["target"] == "top1" {
					probeTop1 = sc["value"].(float64)
				}
			}
			for m, w := range want {
				if got[m] != w {
					t.Errorf("%s: server score %v, offline %v (must be equal to the bit)", m, got[m], w)
				}
			}
			if probeTop1 < 1.0/nClasses+0.2 {
				t.Errorf("probe top-1 %v is not well above chance", probeTop1)
			}
			// No answer of any endpoint holds the test labels.
			for _, u := range []string{fmt.Sprintf("/api/v1/submissions/%d", id), "/api/v1/submissions", "/api/v1/me"} {
				body := get(t, r.URL()+u, tokA)
				if strings.Contains(body, labelsJSON(b.testLabels)) {
					t.Errorf("%s leaks the test labels", u)
				}
			}
			// Another lab cannot see it; the owner can publish it.
			if s, _ := do(t, "GET", fmt.Sprintf("%s/api/v1/submissions/%d", r.URL(), id), "Bearer "+tokB, ""); s != http.StatusNotFound {
				t.Errorf("another lab read a private submission: %d", s)
			}
			if s, body := do(t, "POST", fmt.Sprintf("%s/api/v1/submissions/%d/publish", r.URL(), id), "Bearer "+tokA, ""); s != 200 || body["published"] != true {
				t.Errorf("publish: %d %v", s, body)
			}
			// A job that dies after writing its scores and is run again
			// rewrites the same rows: one result per key, never two.
			var before int64
			r.Store().DB.Model(&submissions.Score{}).Where("submission_id = ?", id).Count(&before)
			r.Store().DB.Model(&submissions.Submission{}).Where("id = ?", id).Update("status", submissions.StatusRunning)
			bs, err := blobs.NewFS(filepath.Join(r.DataDir(), "blobs"))
			if err != nil {
				t.Fatal(err)
			}
			svc := submissions.New(r.Store().DB, bs, cat, nil, submissions.Options{})
			if err := svc.Score(ctx, id, nil); err != nil {
				t.Fatal(err)
			}
			var after int64
			r.Store().DB.Model(&submissions.Score{}).Where("submission_id = ?", id).Count(&after)
			if before == 0 || after != before {
				t.Errorf("re-running the scoring job: %d score rows, had %d", after, before)
			}
			// A benchmark version registered while the job scores (after the
			// versions were read, before the scores are written): the change's
			// re-scoring list, taken from the scored submissions, misses this
			// one, so the job itself scores again on the new version.
			r.Store().DB.Model(&submissions.Submission{}).Where("id = ?", id).Update("status", submissions.StatusRunning)
			var raced int64
			registered := false
			err = svc.Score(ctx, id, func(float64) {
				if registered {
					return
				}
				registered = true
				spec := *b.neuralSpec
				spec.ScorerVersion = catalog.NeuralScorer + "-race"
				spec.Seal()
				nb2, err := cat.Register(ctx, b.neuralDir, &spec, b.neuralFig)
				if err != nil {
					t.Error(err)
				}
				raced = nb2.ID
			})
			if err != nil {
				t.Fatal(err)
			}
			var onNew int64
			r.Store().DB.Model(&submissions.Score{}).Where("submission_id = ? AND benchmark_id = ? AND layer = ''", id, raced).Count(&onNew)
			if raced == 0 || onNew == 0 {
				t.Errorf("a version registered while scoring: %d model-level scores on it (benchmark %d), want the submission scored on it", onNew, raced)
			}
			// A byte-identical re-upload is recognised, not scored again.
			status, again, _ := postUpload(t, r.URL(), tokA, map[string]string{"kind": "activations", "card": card}, file)
			if status != http.StatusOK || again["recognised"] != true || int64(again["id"].(float64)) != id {
				t.Errorf("re-upload: %d %v", status, again)
			}
			var n int64
			r.Store().DB.Model(&submissions.Submission{}).Count(&n)
			if n != 1 {
				t.Errorf("%d submissions after a re-upload, want 1", n)
			}
		})
	}
}

func labelsJSON(l []int64) string {
	b, _ := json.Marshal(l)
	return string(b)
}

func get(t *testing.T, url, token string) string {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func waitScored(t *testing.T, url, token string, id int64) map[string]any {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		var out map[string]any
		json.Unmarshal([]byte(get(t, fmt.Sprintf("%s/api/v1/submissions/%d", url, id), token)), &out)
		if s := out["status"]; s == "scored" || s == "failed" {
			return out
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("submission %d not scored within 3 minutes", id)
	return nil
}

// Malformed uploads are answered 4xx with a precise message, and nothing
// is stored or queued.
func TestMalformedUploads(t *testing.T) {
	b := testBenchmarks(t)
	r := start(t, "sqlite")
	ctx := context.Background()
	cat := catalog.New(r.Store().DB)
	cat.Register(ctx, b.neuralDir, b.neuralSpec, b.neuralFig)
	cat.Register(ctx, b.shapesDir, b.shapesSpec, b.shapesFig)
	acc := accounts.New(r.Store().DB)
	acc.CreateLab(ctx, "Lab A")
	_, tok, _ := acc.CreateToken(ctx, "Lab A", accounts.LabMember)
	_, good := activations(t)
	card := `{"name":"m"}`
	mk := func(arrays ...npz.Named) []byte {
		var buf bytes.Buffer
		if err := npz.Write(&buf, arrays); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	nan := ndarray.Zeros32(6, 8)
	for i := range nan.F32 {
		nan.F32[i] = float32(i % 5)
	}
	nan.F32[3] = float32(nanValue())
	tests := []struct {
		name   string
		fields map[string]string
		file   []byte
		status int
		want   string
	}{
		{"truncated npz", map[string]string{"card": card}, good[:len(good)/3], 422, "not a valid .npz"},
		{"wrong dtype", map[string]string{"card": card}, mk(npz.Named{Name: "neural__x", Array: ndarray.FromInt64([]int{6, 2}, make([]int64, 12))}), 422, "must be float32 or float64"},
		{"NaN", map[string]string{"card": card}, mk(npz.Named{Name: "neural__x", Array: nan}), 422, "non-finite"},
		{"wrong shape", map[string]string{"card": card}, mk(npz.Named{Name: "neural__x", Array: ndarray.Zeros32(5, 8)}), 422, "5 rows, the neural input has 6"},
		{"enormous header", map[string]string{"card": card}, hugeHeaderNPZ(t), 422, "exceeds"},
		{"path in member name", map[string]string{"card": card}, traversalNPZ(t), 422, "must not contain"},
		{"zip bomb", map[string]string{"card": card}, zipBomb(t), 422, "trailing data"},
		{"no name", map[string]string{"card": `{}`}, good, 422, "card.name"},
		{"bad card", map[string]string{"card": `{`}, good, 422, "not valid JSON"},
		{"bad kind", map[string]string{"kind": "code", "card": card}, good, 422, "use activations or weights"},
		{"activations as weights", map[string]string{"kind": "weights", "card": card}, good, 422, "a weights upload is a .tar holding manifest.json and weights.npz"},
		{"no file", map[string]string{"card": card}, nil, 400, "no file part"},
	}
	for _, tc := range tests {
		status, _, raw := postUpload(t, r.URL(), tok, tc.fields, tc.file)
		if status != tc.status || !strings.Contains(raw, tc.want) {
			t.Errorf("%s: %d %s, want %d and %q", tc.name, status, raw, tc.status, tc.want)
		}
	}
	assertNothingKept(t, r, "malformed uploads")
	// Unauthenticated uploads are refused before reading the body.
	ct, body := uploadBody(t, map[string]string{"card": card}, good)
	req, _ := http.NewRequest("POST", r.URL()+"/api/v1/submissions", body)
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("unauthenticated upload: %d", resp.StatusCode)
	}
}

// assertNothingKept fails when rejected uploads left a submission row or a
// blob behind.
func assertNothingKept(t *testing.T, r *running, what string) {
	t.Helper()
	var n int64
	r.Store().DB.Model(&submissions.Submission{}).Count(&n)
	if n != 0 {
		t.Errorf("%d submissions recorded from %s", n, what)
	}
	var blobs int
	filepath.Walk(filepath.Join(r.DataDir(), "blobs", "sha256"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			blobs++
		}
		return nil
	})
	if blobs != 0 {
		t.Errorf("%d blobs kept from %s", blobs, what)
	}
}
