package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/evaluator/rsa"
	"github.com/whiskerbench/whiskerbench/server/app"
	"github.com/whiskerbench/whiskerbench/server/browsertest"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// startApp runs whiskerbench from server/app on SQLite in a temporary data
// directory, scoring jobs in process, with the real neural benchmark
// (simulated stimuli, synthetic cortex) registered.
func startApp(t *testing.T) (*app.App, string, *benchmarks.Spec) {
	t.Helper()
	ctx := context.Background()
	dir, spec, err := benchmarks.BuildNeural(ctx, t.TempDir(), catalog.SyntheticSource(synth.DefaultConfig().Seed), benchmarks.NeuralOptions{ScorerVersion: catalog.NeuralScorer, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	fig, err := catalog.ComputeFigures(ctx, dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Defaults()
	cfg.Listen, cfg.DataDir, cfg.BuildBenchmarks, cfg.ShutdownTimeout = "127.0.0.1:0", t.TempDir(), false, 10*time.Second
	cfg.SeedZoo = false // the zoo would occupy the job runner for minutes
	actx, cancel := context.WithCancel(ctx)
	a, err := app.Start(actx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(actx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	if _, err := catalog.New(a.Store().DB).Register(ctx, dir, spec, fig); err != nil {
		t.Fatal(err)
	}
	return a, dir, spec
}

// browserActivations writes a lab's activations for the neural benchmark:
// two layers, each a fixed nonlinear readout of the benchmark's inputs
// (time-averaged channels squared, plus a seeded offset per feature).
func browserActivations(t *testing.T, dir string, spec *benchmarks.Spec) (string, map[string]ndarray.Array) {
	t.Helper()
	stim, _, err := catalog.LoadNeural(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	feats := func(seed float32) ndarray.Array {
		per := ndarray.Size(stim.Shape[1:]) / 22
		out := make([]float32, 6*64)
		for i := range 6 {
			for s := range 22 {
				for j := range per {
					v := stim.F32[(i*22+s)*per+j]
					out[i*64+j%64] += v*v + seed*float32(j%7)
				}
			}
		}
		return ndarray.FromFloat32([]int{6, 64}, out)
	}
	layers := map[string]ndarray.Array{"l1": feats(0.01), "l2": feats(0.2)}
	var buf bytes.Buffer
	if err := npz.Write(&buf, []npz.Named{{Name: "neural__l1", Array: layers["l1"]}, {Name: "neural__l2", Array: layers["l2"]}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "activations.npz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, layers
}

// until polls a JavaScript condition for up to limit.
func until(t *testing.T, ctx context.Context, limit time.Duration, what, js string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[string](`document.body ? document.body.innerText : ''`))
			t.Fatalf("waiting for %s at %s: %v\n%s", what, loc, err, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A lab signs in with its token, uploads activations from the browser,
// watches the run reach "scored", publishes it, and finds the model on the
// public board with its RDM beside the neural one.
func TestLabInBrowser(t *testing.T) {
	browsertest.Require(t)
	if testing.Short() {
		t.Skip("builds the neural benchmark (simulation) and scores a submission")
	}
	a, dir, spec := startApp(t)
	ctx0 := context.Background()
	acc := accounts.New(a.Store().DB)
	if _, err := acc.CreateLab(ctx0, "Whisker Lab"); err != nil {
		t.Fatal(err)
	}
	_, token, err := acc.CreateToken(ctx0, "Whisker Lab", accounts.LabMember)
	if err != nil {
		t.Fatal(err)
	}
	path, layers := browserActivations(t, dir, spec)
	ctx := browsertest.NewWithTimeout(t, 5*time.Minute)
	base := a.URL()

	// Sign in: the token goes in a password field of a POST form.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(chromedp.CSS("form#signin"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "signin")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#token"), token), chromedp.Click(chromedp.CSS(`form#signin button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, 20*time.Second, "the lab page", `location.pathname === '/lab' && !!document.querySelector('form#upload')`)
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, token) {
		t.Errorf("the token is in the URL %s", loc)
	}
	if cookie := eval[string](t, ctx, `document.cookie`); strings.Contains(cookie, "wb_session") {
		t.Errorf("the session cookie is readable from JavaScript: %q", cookie)
	}

	// Upload with the form (the inline script sends it with progress).
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`input[name=name]`), "WebRNN"),
		chromedp.SetValue(chromedp.CSS(`input[name=family]`), "ConvRNN"),
		chromedp.SetValue(chromedp.CSS(`input[name=objective]`), "supervised"),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{path}),
		chromedp.Click(chromedp.CSS(`form#upload button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, 30*time.Second, "the submission page", `/^\/lab\/submissions\/\d+$/.test(location.pathname) && !!document.querySelector('#status')`)
	first := eval[string](t, ctx, `document.querySelector('#status').textContent`)
	if first != "queued" && first != "running" && first != "scored" {
		t.Errorf("status right after the upload: %q", first)
	}
	// The page follows the run without a reload by the test.
	until(t, ctx, 4*time.Minute, `status "scored"`, `document.readyState === 'complete' && document.querySelector('#status') && document.querySelector('#status').textContent === 'scored' && !!document.querySelector('#scores')`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#scores tbody tr').length`); n < 2 {
		t.Errorf("%d score rows, want rsa-paper-v1 and rsa-v2", n)
	}
	browsertest.Screenshot(t, ctx, "submission")

	// Publish, then find the model on the public board.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form#publish button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, 20*time.Second, "the published page", `document.readyState === 'complete' && !!document.querySelector('#published a')`)
	modelPath := eval[string](t, ctx, `new URL(document.querySelector('#published a').href).pathname`)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/leaderboard"), chromedp.WaitVisible(chromedp.CSS("table#board"))); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, modelNames); got != "WebRNN" {
		t.Errorf("public board models %q, want WebRNN", got)
	}

	// The model page: its RDM beside the neural RDM, with labels and legends.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+modelPath), chromedp.WaitVisible(chromedp.CSS("svg#rdm-model"))); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"rdm-model", "rdm-neural"} {
		q := fmt.Sprintf(`document.querySelectorAll('svg#%s `, id)
		if n := eval[int](t, ctx, q+`rect.cell').length`); n != 36 {
			t.Errorf("%s: %d cells, want 36", id, n)
		}
		if got := eval[string](t, ctx, q+`text.row')[0].textContent`); got != "concave near" {
			t.Errorf("%s: first row label %q", id, got)
		}
		if n := eval[int](t, ctx, q+`text.legendtick').length`); n != 3 {
			t.Errorf("%s: %d legend ticks", id, n)
		}
		if w := eval[float64](t, ctx, fmt.Sprintf(`document.querySelector('svg#%s').getBoundingClientRect().width`, id)); w < 250 {
			t.Errorf("%s drawn %v px wide", id, w)
		}
	}
	browsertest.Screenshot(t, ctx, "model-rdm")

	// The page's JSON holds the same RDM: 1 − Pearson r of the best layer's
	// rows, checked against a plain float64 loop.
	resp, err := http.Get(base + "/api/v1" + modelPath)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		RDM struct {
			Layer string `json:"layer"`
			Model struct {
				Stimuli int       `json:"stimuli"`
				Values  []float64 `json:"values"`
				Labels  []string  `json:"labels"`
			} `json:"model"`
			Neural struct {
				Values []float64 `json:"values"`
			} `json:"neural"`
		} `json:"rdm"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	arr, ok := layers[body.RDM.Layer]
	if !ok || body.RDM.Model.Stimuli != 6 || len(body.RDM.Model.Values) != 36 || len(body.RDM.Neural.Values) != 36 || body.RDM.Model.Labels[5] != "convex far" {
		t.Fatalf("model JSON rdm: layer %q, %d stimuli, %d/%d values", body.RDM.Layer, body.RDM.Model.Stimuli, len(body.RDM.Model.Values), len(body.RDM.Neural.Values))
	}
	row := func(i int) []float64 {
		out := make([]float64, 64)
		for j := range out {
			out[j] = float64(arr.F32[i*64+j])
		}
		return out
	}
	for i := range 6 {
		for j := range 6 {
			want := 1 - rsa.Pearson(row(i), row(j))
			if got := body.RDM.Model.Values[i*6+j]; math.Abs(got-want) > 1e-9 {
				t.Errorf("model RDM (%d, %d) = %v, reference %v", i, j, got, want)
			}
		}
	}

	// The benchmark page: the neural RDM and one trace per stimulus.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/benchmarks/"+benchmarks.BarrelCortex), chromedp.WaitVisible(chromedp.CSS("svg#rdm-neural"))); err != nil {
		t.Fatal(err)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#stimuli svg.trace polyline.force').length`); n != 6 {
		t.Errorf("%d force traces, want 6", n)
	}
	if n := eval[int](t, ctx, `document.querySelector('#stimuli svg.trace polyline.torque').getAttribute('points').split(' ').length`); n != 200 {
		t.Errorf("a torque trace has %d points, want 200 (1000 frames, 5 per point)", n)
	}
	browsertest.Screenshot(t, ctx, "benchmark-stimuli")
}
