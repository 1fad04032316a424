package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/server/browsertest"
)

// waitFor polls a JavaScript condition until it holds.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("waiting for %s at %s: %v", what, loc, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

const modelNames = `Array.from(document.querySelectorAll('tbody.models tr.model td.name a')).map(a => a.textContent).join(',')`

// The board in a real browser: reference and paper rows, models, sorting
// and a filter that survive a reload, the scatter and a model page.
func TestLeaderboardInBrowser(t *testing.T) {
	site := startBoard(t, "sqlite", leaderboardtest.Zoo())
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(site.url+"/leaderboard"), chromedp.WaitVisible(chromedp.CSS("table#board"))); err != nil {
		t.Fatal(err)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('tbody.models tr.model').length`); n != 6 {
		t.Fatalf("%d model rows, want 6", n)
	}
	refs := eval[string](t, ctx, `Array.from(document.querySelectorAll('tbody.refs tr.ref td.name')).map(td => td.firstChild.textContent.trim()).join('|')`)
	if refs != "Animal-to-animal ceiling|Raw input|Chance" {
		t.Errorf("reference rows %q", refs)
	}
	paper := eval[int](t, ctx, `document.querySelectorAll('tbody.paper tr.ref.paper').length`)
	bg := eval[string](t, ctx, `getComputedStyle(document.querySelector('tbody.paper tr.ref.paper td')).backgroundImage`)
	style := eval[string](t, ctx, `getComputedStyle(document.querySelector('tbody.paper tr.ref.paper td')).fontStyle`)
	if paper != 8 || !strings.Contains(bg, "repeating-linear-gradient") || style != "italic" {
		t.Errorf("paper rows: %d, background %q, font %q; want 8 hatched italic rows", paper, bg, style)
	}
	if tied := eval[int](t, ctx, `document.querySelectorAll('td.rank.tied').length`); tied < 1 {
		t.Errorf("no tied rank shown")
	}
	browsertest.Screenshot(t, ctx, "leaderboard")

	// Sort by name with the header link, then the other way round.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`thead th:nth-child(2) a`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the name sort", `document.readyState === 'complete' && location.search.includes('sort=name') && location.search.includes('dir=asc') && !!document.querySelector('table#board')`)
	if got := eval[string](t, ctx, modelNames); got != "ConvRNN-GPT,ConvRNN-IntersectionLN,ConvRNN-untrained,Mystery,ResNet18,S4-neural-only" {
		t.Errorf("ascending by name: %s", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`thead th:nth-child(2) a`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the reversed sort", `document.readyState === 'complete' && location.search.includes('dir=desc') && !!document.querySelector('table#board')`)

	// Filter to one family with the form (no JavaScript involved).
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`select[name=family]`), "ConvRNN"),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the family filter", `document.readyState === 'complete' && location.search.includes('family=ConvRNN') && !!document.querySelector('table#board')`)
	want := "ConvRNN-untrained,ConvRNN-IntersectionLN,ConvRNN-GPT"
	if got := eval[string](t, ctx, modelNames); got != want {
		t.Errorf("filtered, descending by name: %s, want %s", got, want)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("table#board"))); err != nil {
		t.Fatal(err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if got := eval[string](t, ctx, modelNames); got != want || !strings.Contains(loc, "sort=name") || !strings.Contains(loc, "dir=desc") {
		t.Errorf("after reload at %s: %s, want %s", loc, got, want)
	}
	if sel := eval[string](t, ctx, `document.querySelector('select[name=family]').value`); sel != "ConvRNN" {
		t.Errorf("family select after reload = %q", sel)
	}
	browsertest.Screenshot(t, ctx, "leaderboard-filtered")

	// The scatter: points with error bars, the ceiling band, the raw-input line.
	if err := chromedp.Do(ctx, chromedp.Navigate(site.url+"/leaderboard/scatter"), chromedp.WaitVisible(chromedp.CSS("svg#scatter"))); err != nil {
		t.Fatal(err)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('svg#scatter g.point circle').length`); n != 5 {
		t.Errorf("%d scatter points, want 5 (the models with both scores)", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('svg#scatter line.err').length`); n != 10 {
		t.Errorf("%d error bars, want 10", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('svg#scatter rect.band').length + document.querySelectorAll('svg#scatter line.ref.raw').length`); n != 3 {
		t.Errorf("band and raw-input lines: %d, want 3", n)
	}
	if w := eval[float64](t, ctx, `document.querySelector('svg#scatter').getBoundingClientRect().width`); w < 300 {
		t.Errorf("scatter drawn %v px wide", w)
	}
	browsertest.Screenshot(t, ctx, "scatter")

	// A model page from a click on a point.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`svg#scatter a g.point circle`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "a model page", `document.readyState === 'complete' && location.pathname.startsWith('/models/') && !!document.querySelector('svg#layers')`)
	if n := eval[int](t, ctx, `document.querySelectorAll('svg#layers polyline').length`); n != 2 {
		t.Errorf("%d per-layer lines, want 2", n)
	}
	if bib := eval[string](t, ctx, `document.querySelector('pre.bibtex').textContent`); !strings.HasPrefix(bib, "@misc{whiskerbench-model-") {
		t.Errorf("bibtex %q", bib)
	}
	browsertest.Screenshot(t, ctx, "model")

	if err := chromedp.Do(ctx, chromedp.Navigate(site.url+"/benchmarks/barrel-cortex-rsa-v1"), chromedp.WaitVisible(chromedp.CSS("table#versions"))); err != nil {
		t.Fatal(err)
	}
	if txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".synthetic"))); !strings.Contains(txt, "SYNTHETIC") {
		t.Errorf("synthetic notice %q", txt)
	}
	browsertest.Screenshot(t, ctx, "benchmark")
}
