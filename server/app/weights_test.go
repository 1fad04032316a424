package app_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
	"github.com/whiskerbench/whiskerbench/server/app"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// tinyArch is a test-sized ConvRNN with the linear decoder: at width w the
// conv channels are a few each and the model runs in seconds on a CPU.
func tinyArch(w float64) arch.Config {
	c := arch.ZhuangConvRNN(arch.CellTimeDecay, false, arch.DecoderLinear)
	c.Encoder.Width = w
	c.Encoder.ReprDim = 8
	c.Classes = 3
	return c
}

// tinyBundle returns a randomly initialised bundle of tinyArch(w).
func tinyBundle(t *testing.T, w float64) *bundle.Bundle {
	t.Helper()
	cfg := tinyArch(w)
	p, err := cfg.Init(7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.New(cfg, p, bundle.Training{Commit: "unknown"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bundleTar(t *testing.T, b *bundle.Bundle) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := bundle.WriteTar(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// retar rewrites a bundle tar with its weights.npz replaced by arrays.
func retar(t *testing.T, good []byte, arrays []npz.Named) []byte {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(good))
	var man []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == bundle.ManifestFile {
			man, _ = io.ReadAll(tr)
		}
	}
	var wb bytes.Buffer
	if err := npz.WriteCompressed(&wb, arrays); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, f := range []struct {
		name string
		data []byte
	}{{bundle.ManifestFile, man}, {bundle.WeightsFile, wb.Bytes()}} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.data))})
		tw.Write(f.data)
	}
	tw.Close()
	return out.Bytes()
}

// weightArrays returns b's parameters as named arrays, copied, with edit
// applied (it may drop, add or change entries).
func weightArrays(b *bundle.Bundle, edit func([]npz.Named) []npz.Named) []npz.Named {
	out := make([]npz.Named, len(b.Params))
	for i, p := range b.Params {
		out[i] = npz.Named{Name: p.Name, Array: ndarray.FromFloat32(append([]int(nil), p.Shape...), append([]float32(nil), p.Data...))}
	}
	return edit(out)
}

// registerBenchmarks registers the test benchmarks and returns a lab's
// token and another lab's.
func registerBenchmarks(t *testing.T, r *running) (string, string) {
	t.Helper()
	b := testBenchmarks(t)
	ctx := context.Background()
	cat := catalog.New(r.Store().DB)
	if _, err := cat.Register(ctx, b.neuralDir, b.neuralSpec, b.neuralFig); err != nil {
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
	return tokA, tokB
}

// modelLevel returns a scored submission's model-level scores keyed by
// benchmark, scorer version and target.
func modelLevel(t *testing.T, final map[string]any) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, s := range final["scores"].([]any) {
		sc := s.(map[string]any)
		if sc["layer"] != nil || sc["value"] == nil {
			continue
		}
		out[fmt.Sprintf("%v/%v/%v", sc["benchmark"], sc["scorer_version"], sc["target"])] = sc["value"].(float64)
	}
	return out
}

func download(t *testing.T, url, token string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// A weight bundle is run by the server on every benchmark input, held-out
// test inputs included, and scored; its activations can be downloaded,
// and uploading them as activations gives the same scores, which marks
// both submissions reproduced.
func TestWeightsSubmission(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			bd := testBenchmarks(t)
			r := start(t, d)
			tokA, tokB := registerBenchmarks(t, r)
			b := tinyBundle(t, 0.05)
			card := `{"name":"ConvRNN-tiny","family":"ConvRNN","objective":"supervised"}`

			status, sub, raw := postUpload(t, r.URL(), tokA, map[string]string{"kind": "weights", "card": card}, bundleTar(t, b))
			if status != http.StatusAccepted {
				t.Fatalf("upload: %d %s", status, raw)
			}
			layers := ead.LayerNames(b.Manifest.Arch)
			gotLayers := sub["layers"].(map[string]any)
			for _, in := range []string{"neural", "train", "validation", "test"} {
				if l, _ := gotLayers[in].([]any); len(l) != len(layers) {
					t.Errorf("recorded layers of %s: %v, want %v", in, gotLayers[in], layers)
				}
			}
			wid := int64(sub["id"].(float64))
			wfinal := waitScored(t, r.URL(), tokA, wid)
			if wfinal["status"] != "scored" {
				t.Fatalf("weights submission ended %v: %v", wfinal["status"], wfinal["error"])
			}
			wantLink := fmt.Sprintf("/api/v1/submissions/%d/activations", wid)
			if links := wfinal["links"].(map[string]any); links["activations"] != wantLink {
				t.Errorf("links %v lack activations %s", links, wantLink)
			}

			// The activations: every layer for every input, with the
			// inputs' row counts (the held-out test inputs were run too).
			code, hdr, acts := download(t, r.URL()+wantLink, tokA)
			if code != http.StatusOK {
				t.Fatalf("download activations: %d %s", code, acts)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("Content-Type %q", ct)
			}
			if cd := hdr.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
				t.Errorf("Content-Disposition %q", cd)
			}
			arrays, err := npz.Read(bytes.NewReader(acts), int64(len(acts)), npz.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			rows := map[string]int{"neural": 6, "train": nTrain, "validation": nVal, "test": nTest}
			if len(arrays) != 4*len(layers) {
				t.Errorf("%d arrays, want %d (4 inputs × %d layers)", len(arrays), 4*len(layers), len(layers))
			}
			for _, a := range arrays {
				in, _, _ := strings.Cut(a.Name, "__")
				if a.Array.Shape[0] != rows[in] {
					t.Errorf("%s has %d rows, want %d", a.Name, a.Array.Shape[0], rows[in])
				}
			}
			// It is the model's own output: conv1 of the neural stimuli
			// equals running the bundle here.
			stim, _, err := catalog.LoadNeural(bd.neuralDir, bd.neuralSpec)
			if err != nil {
				t.Fatal(err)
			}
			m, err := b.Model()
			if err != nil {
				t.Fatal(err)
			}
			local, err := ead.BatchedActivations(context.Background(), m, stim, 16, nil)
			if err != nil {
				t.Fatal(err)
			}
			if srv, ok := npz.Lookup(arrays, "neural__"+layers[0]); !ok || !equalF32(srv.F32, local[layers[0]].F32) {
				t.Errorf("neural__%s differs from running the bundle locally", layers[0])
			}

			// Only the owner may download; activations uploads have none.
			if code, _, _ := download(t, r.URL()+wantLink, tokB); code != http.StatusNotFound {
				t.Errorf("another lab downloaded the activations: %d", code)
			}

			// The same activations uploaded as such score the same.
			status, asub, raw := postUpload(t, r.URL(), tokA, map[string]string{"kind": "activations", "card": card}, acts)
			if status != http.StatusAccepted {
				t.Fatalf("upload activations: %d %s", status, raw)
			}
			aid := int64(asub["id"].(float64))
			afinal := waitScored(t, r.URL(), tokA, aid)
			if afinal["status"] != "scored" {
				t.Fatalf("activations submission ended %v: %v", afinal["status"], afinal["error"])
			}
			if code, _, body := download(t, fmt.Sprintf("%s/api/v1/submissions/%d/activations", r.URL(), aid), tokA); code != http.StatusNotFound {
				t.Errorf("activations submission's download: %d %s", code, body)
			}
			ws, as := modelLevel(t, wfinal), modelLevel(t, afinal)
			for _, k := range []string{benchmarks.BarrelCortex + "/rsa-paper-v1/<nil>", benchmarks.BarrelCortex + "/rsa-v2/<nil>", benchmarks.TactileShapes + "/" + catalog.ClassificationScorer + "/top1"} {
				if _, ok := ws[k]; !ok {
					t.Errorf("weights submission has no model-level score %s: %v", k, ws)
				}
			}
			if len(ws) == 0 || len(ws) != len(as) {
				t.Errorf("model-level scores: weights %v, activations %v", ws, as)
			}
			for k, v := range ws {
				if as[k] != v {
					t.Errorf("%s: weights %v, activations %v (must be equal)", k, v, as[k])
				}
			}
			for _, id := range []int64{wid, aid} {
				_, s := do(t, "GET", fmt.Sprintf("%s/api/v1/submissions/%d", r.URL(), id), "Bearer "+tokA, "")
				if s["reproduced"] != true {
					t.Errorf("submission %d (%v) not marked reproduced", id, s["kind"])
				}
			}
			// Once published, the board's row says so too.
			if s, body := do(t, "POST", fmt.Sprintf("%s/api/v1/submissions/%d/publish", r.URL(), aid), "Bearer "+tokA, ""); s != http.StatusOK {
				t.Fatalf("publish: %d %v", s, body)
			}
			_, board := do(t, "GET", r.URL()+"/api/v1/leaderboard", "", "")
			found := false
			boardRows, _ := board["rows"].([]any)
			for _, row := range boardRows {
				if rm := row.(map[string]any); rm["name"] == "ConvRNN-tiny" {
					found = true
					if rm["reproduced"] != true {
						t.Errorf("leaderboard row %v is not marked reproduced", rm)
					}
				}
			}
			if !found {
				t.Errorf("the published model is not on the leaderboard: %v", board)
			}
		})
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// A bundle scored differently from the lab's activations is not marked
// reproduced.
func TestWeightsNotReproducedWhenScoresDiffer(t *testing.T) {
	r := start(t, "sqlite")
	tokA, _ := registerBenchmarks(t, r)
	card := `{"name":"ConvRNN-tiny"}`
	_, file := activations(t)
	status, asub, raw := postUpload(t, r.URL(), tokA, map[string]string{"kind": "activations", "card": card}, file)
	if status != http.StatusAccepted {
		t.Fatalf("upload activations: %d %s", status, raw)
	}
	status, wsub, raw := postUpload(t, r.URL(), tokA, map[string]string{"kind": "weights", "card": card}, bundleTar(t, tinyBundle(t, 0.05)))
	if status != http.StatusAccepted {
		t.Fatalf("upload weights: %d %s", status, raw)
	}
	for _, s := range []map[string]any{asub, wsub} {
		id := int64(s["id"].(float64))
		final := waitScored(t, r.URL(), tokA, id)
		if final["status"] != "scored" {
			t.Fatalf("submission %d ended %v: %v", id, final["status"], final["error"])
		}
	}
	for _, s := range []map[string]any{asub, wsub} {
		_, got := do(t, "GET", fmt.Sprintf("%s/api/v1/submissions/%v", r.URL(), s["id"]), "Bearer "+tokA, "")
		if got["reproduced"] != false {
			t.Errorf("submission %v (%v) marked reproduced = %v though its scores differ", s["id"], s["kind"], got["reproduced"])
		}
	}
}

// A weights submission over the time budget fails with a reason naming
// the limit, and its activations cannot be downloaded.
func TestWeightsTimeBudget(t *testing.T) {
	r := start(t, "sqlite", func(c *app.Config) { c.MaxBundleSecs = 1 })
	tokA, _ := registerBenchmarks(t, r)
	// Width 0.5 takes well over a second on the 54 benchmark inputs.
	status, sub, raw := postUpload(t, r.URL(), tokA, map[string]string{"kind": "weights", "card": `{"name":"slow"}`}, bundleTar(t, tinyBundle(t, 0.5)))
	if status != http.StatusAccepted {
		t.Fatalf("upload: %d %s", status, raw)
	}
	id := int64(sub["id"].(float64))
	final := waitScored(t, r.URL(), tokA, id)
	if final["status"] != "failed" || !strings.Contains(fmt.Sprint(final["error"]), "--max-bundle-seconds") {
		t.Fatalf("slow bundle ended %v: %v", final["status"], final["error"])
	}
	if code, _, _ := download(t, fmt.Sprintf("%s/api/v1/submissions/%d/activations", r.URL(), id), tokA); code != http.StatusNotFound {
		t.Errorf("failed submission's activations: %d, want 404", code)
	}
}

// Malformed bundles are refused at upload with a message naming the
// problem, and leave no submission and no blob.
func TestMalformedBundles(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			testBenchmarks(t)
			b := tinyBundle(t, 0.05)
			budget, err := b.Manifest.Arch.Count()
			if err != nil {
				t.Fatal(err)
			}
			r := start(t, d, func(c *app.Config) { c.MaxBundleParams = int64(budget) })
			tok, _ := registerBenchmarks(t, r)
			good := bundleTar(t, b)
			first, second := b.Params[0], b.Params[1]
			_, acts := activations(t)
			tests := []struct {
				name string
				file []byte
				want []string
			}{
				{"missing tensor", retar(t, good, weightArrays(b, func(a []npz.Named) []npz.Named { return a[1:] })),
					[]string{"tensor " + first.Name, "missing"}},
				{"extra tensor", retar(t, good, weightArrays(b, func(a []npz.Named) []npz.Named {
					return append(a, npz.Named{Name: "extra.weight", Array: ndarray.Zeros32(2, 2)})
				})), []string{`tensor \"extra.weight\" is not a parameter`}},
				{"wrong shape", retar(t, good, weightArrays(b, func(a []npz.Named) []npz.Named {
					a[1].Array = ndarray.Zeros32(ndarray.Size(second.Shape) + 1)
					return a
				})), []string{"tensor " + second.Name + " has shape", "want " + ndarray.ShapeString(second.Shape)}},
				{"NaN weight", retar(t, good, weightArrays(b, func(a []npz.Named) []npz.Named {
					a[0].Array.F32[0] = float32(math.NaN())
					return a
				})), []string{"tensor " + first.Name + " has 1 NaN/Inf values"}},
				{"not a tar", acts, []string{"a weights upload is a .tar holding manifest.json and weights.npz"}},
				{"over the parameter budget", bundleTar(t, tinyBundle(t, 0.1)), []string{fmt.Sprintf("compute budget of %d (--max-bundle-params)", budget)}},
			}
			for _, tc := range tests {
				status, _, raw := postUpload(t, r.URL(), tok, map[string]string{"kind": "weights", "card": `{"name":"m"}`}, tc.file)
				if status != http.StatusUnprocessableEntity {
					t.Errorf("%s: %d %s, want 422", tc.name, status, raw)
				}
				for _, w := range tc.want {
					if !strings.Contains(raw, w) {
						t.Errorf("%s: answer %s lacks %q", tc.name, raw, w)
					}
				}
			}
			assertNothingKept(t, r, "malformed bundles")
			// The good bundle itself passes at exactly the budget.
			if status, _, raw := postUpload(t, r.URL(), tok, map[string]string{"kind": "weights", "card": `{"name":"m"}`}, good); status != http.StatusAccepted {
				t.Errorf("the well-formed bundle: %d %s", status, raw)
			}
		})
	}
}
