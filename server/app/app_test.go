package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/whiskerbench/whiskerbench/server/app"
	"github.com/whiskerbench/whiskerbench/server/browsertest"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// running is a whole whiskerbench started on 127.0.0.1:0.
type running struct {
	*app.App
	stop func() error
}

// start runs whiskerbench on the dialect's database with the test
// configuration, changed by each of mods in turn.
func start(t *testing.T, dialect string, mods ...func(*app.Config)) *running {
	t.Helper()
	cfg := app.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.BuildBenchmarks = false
	cfg.SeedZoo = false // the zoo takes minutes to score; the seeding tests opt in
	if dialect == "postgres" {
		cfg.Database = storetest.PostgresDSN(t)
	}
	for _, m := range mods {
		m(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	var once bool
	var result error
	stop := func() error {
		if !once {
			once = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { stop() })
	return &running{App: a, stop: stop}
}

func do(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: non-JSON answer %q", method, url, b)
		}
	}
	return resp.StatusCode, out
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestAuth(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			r := start(t, d)
			ctx := context.Background()
			acc := accounts.New(r.Store().DB)
			if _, err := acc.CreateLab(ctx, "Barrel Lab"); err != nil {
				t.Fatal(err)
			}
			_, labTok, err := acc.CreateToken(ctx, "Barrel Lab", accounts.LabMember)
			if err != nil {
				t.Fatal(err)
			}
			_, maintTok, err := acc.CreateToken(ctx, "Barrel Lab", accounts.Maintainer)
			if err != nil {
				t.Fatal(err)
			}
			revoked, revTok, err := acc.CreateToken(ctx, "Barrel Lab", accounts.LabMember)
			if err != nil {
				t.Fatal(err)
			}
			if err := acc.RevokeToken(ctx, revoked.ID); err != nil {
				t.Fatal(err)
			}
			unknown := "wb_" + strings.Repeat("A", 43)
			tests := []struct {
				name, method, path, auth, body string
				status                         int
				code                           string
			}{
				{"me without token", "GET", "/api/v1/me", "", "", 401, "unauthenticated"},
				{"me malformed scheme", "GET", "/api/v1/me", "Basic abc", "", 401, "unauthenticated"},
				{"me malformed token", "GET", "/api/v1/me", "Bearer not-a-token", "", 401, "unauthenticated"},
				{"me unknown token", "GET", "/api/v1/me", "Bearer " + unknown, "", 401, "unauthenticated"},
				{"me revoked token", "GET", "/api/v1/me", "Bearer " + revTok, "", 401, "unauthenticated"},
				{"me lab token", "GET", "/api/v1/me", "Bearer " + labTok, "", 200, ""},
				{"me maintainer token", "GET", "/api/v1/me", "bearer " + maintTok, "", 200, ""},
				{"write without token", "POST", "/api/v1/labs", "", `{"name":"X"}`, 401, "unauthenticated"},
				{"write with revoked token", "POST", "/api/v1/labs", "Bearer " + revTok, `{"name":"X"}`, 401, "unauthenticated"},
				{"maintainer-only with lab token", "POST", "/api/v1/labs", "Bearer " + labTok, `{"name":"X"}`, 403, "forbidden"},
				{"maintainer-only list with lab token", "GET", "/api/v1/labs", "Bearer " + labTok, "", 403, "forbidden"},
				{"maintainer creates lab", "POST", "/api/v1/labs", "Bearer " + maintTok, `{"name":"Second Lab"}`, 201, ""},
				{"duplicate lab", "POST", "/api/v1/labs", "Bearer " + maintTok, `{"name":"Second Lab"}`, 409, "conflict"},
				{"bad body", "POST", "/api/v1/labs", "Bearer " + maintTok, `{"name":`, 400, "invalid"},
				{"unknown endpoint", "GET", "/api/v1/nope", "", "", 404, "not_found"},
			}
			for _, tc := range tests {
				status, body := do(t, tc.method, r.URL()+tc.path, tc.auth, tc.body)
				if status != tc.status || errCode(body) != tc.code {
					t.Errorf("%s: got %d %v, want %d %q", tc.name, status, body, tc.status, tc.code)
				}
				if tc.code != "" {
					e := body["error"].(map[string]any)
					if msg, _ := e["message"].(string); msg == "" || strings.HasSuffix(msg, ": "+tc.code) {
						t.Errorf("%s: message %q should explain without the bare code", tc.name, msg)
					}
				}
			}
			_, me := do(t, "GET", r.URL()+"/api/v1/me", "Bearer "+labTok, "")
			if me["lab"] != "Barrel Lab" || me["role"] != "lab_member" {
				t.Errorf("me = %v", me)
			}
		})
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	r := start(t, "sqlite")
	if s, b := do(t, "GET", r.URL()+"/healthz", "", ""); s != 200 || b["status"] != "ok" {
		t.Fatalf("healthz %d %v", s, b)
	}
	if s, b := do(t, "GET", r.URL()+"/readyz", "", ""); s != 200 || b["status"] != "ready" {
		t.Fatalf("readyz %d %v", s, b)
	}
	resp, err := http.Get(r.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`whiskerbench_http_requests_total{method="GET",route="/readyz",status="200"} 1`,
		`whiskerbench_http_request_duration_seconds_count{route="/healthz"} 1`,
		"# TYPE go_goroutines gauge",
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
	if got := resp.Header.Get("X-Request-Id"); got == "" {
		t.Error("no X-Request-Id on response")
	}
	// After the database is gone, readiness fails but health does not.
	r.Store().Close()
	if s, _ := do(t, "GET", r.URL()+"/readyz", "", ""); s != 503 {
		t.Errorf("readyz with closed database = %d, want 503", s)
	}
	if s, _ := do(t, "GET", r.URL()+"/healthz", "", ""); s != 200 {
		t.Errorf("healthz with closed database = %d, want 200", s)
	}
}

func TestBodyLimit(t *testing.T) {
	r := start(t, "sqlite")
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	status, body := do(t, "POST", r.URL()+"/api/v1/labs", "Bearer wb_"+strings.Repeat("A", 43), big)
	if status != 413 || errCode(body) != "too_large" {
		t.Fatalf("got %d %v, want 413 too_large", status, body)
	}
}

// A request in flight when shutdown begins is answered in full, and Serve
// returns nil afterwards.
func TestGracefulShutdown(t *testing.T) {
	r := start(t, "sqlite")
	acc := accounts.New(r.Store().DB)
	ctx := context.Background()
	if _, err := acc.CreateLab(ctx, "Ops"); err != nil {
		t.Fatal(err)
	}
	_, tok, err := acc.CreateToken(ctx, "Ops", accounts.Maintainer)
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", r.URL()+"/api/v1/labs", pr)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	type result struct {
		status int
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		resp.Body.Close()
		got <- result{status: resp.StatusCode}
	}()
	// Half the body is sent: the handler is now blocked reading it.
	if _, err := pw.Write([]byte(`{"name": "Slow`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- r.stop() }()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("server stopped with a request still in flight (err %v)", err)
	default:
	}
	// New connections are refused once shutdown has begun.
	if _, err := http.Get(r.URL() + "/healthz"); err == nil {
		t.Error("a new request was accepted during shutdown")
	}
	if _, err := pw.Write([]byte(` Lab"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res := <-got
	if res.err != nil || res.status != http.StatusCreated {
		t.Fatalf("in-flight request: status %d err %v, want 201", res.status, res.err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Serve returned %v after graceful shutdown", err)
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	env := map[string]string{"WHISKERBENCH_LISTEN": "127.0.0.1:9999", "WHISKERBENCH_LOG_LEVEL": "debug"}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		listen  string
		wantErr string
	}{
		{"defaults", nil, nil, "127.0.0.1:8080", ""},
		{"environment", nil, env, "127.0.0.1:9999", ""},
		{"flag wins", []string{"--listen", "127.0.0.1:7000"}, env, "127.0.0.1:7000", ""},
		{"bad env", nil, map[string]string{"WHISKERBENCH_SHUTDOWN_TIMEOUT": "soon"}, "", "WHISKERBENCH_SHUTDOWN_TIMEOUT"},
		{"bad level", []string{"--log-level", "loud"}, nil, "", "--log-level"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := app.Defaults()
			fs := newFlagSet()
			finish := cfg.Bind(fs, func(k string) string { return tc.env[k] })
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := finish()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want mention of %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || cfg.Listen != tc.listen {
				t.Fatalf("listen %q err %v, want %q", cfg.Listen, err, tc.listen)
			}
		})
	}
}

// The home page renders in a real browser and explains the benchmark.
func TestHomePageInBrowser(t *testing.T) {
	r := start(t, "sqlite")
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(r.URL()+"/"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h1, "process touch like a mouse") {
		t.Errorf("h1 = %q", h1)
	}
	for _, want := range []string{"barrel cortex", "Chung, Shen, Kong", "NeurIPS 2025", "whiskerbench eval"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page text lacks %q", want)
		}
	}
	color, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[string](`getComputedStyle(document.querySelector('.brand')).color`))
	if err != nil {
		t.Fatal(err)
	}
	if color != "rgb(122, 62, 157)" {
		t.Errorf("stylesheet not applied: brand colour %q", color)
	}
	browsertest.Screenshot(t, ctx, "home")
}

// The docs page explains both submission kinds, the metrics and citation.
func TestDocsPage(t *testing.T) {
	r := start(t, "sqlite")
	resp, err := http.Get(r.URL() + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Submit activations", "Submit weights", "rsa-paper-v1", "rsa-v2", "@inproceedings", "neural__conv1"} {
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("/docs (%d) lacks %q", resp.StatusCode, want)
		}
	}
}
