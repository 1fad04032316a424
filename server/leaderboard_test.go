package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/leaderboard/structure"
	"github.com/whiskerbench/whiskerbench/server"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/store"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// boardSite is a server over a seeded database.
type boardSite struct {
	url     string
	handler http.Handler
	st      *store.Store
	bench   leaderboardtest.Benchmarks
	ids     map[string]int64
}

func startBoard(t testing.TB, dialect string, models []leaderboardtest.Model) *boardSite {
	t.Helper()
	st := storetest.Migrated(t, dialect)
	bench := leaderboardtest.Register(t, st.DB, "v1")
	ids := map[string]int64{}
	for _, m := range models {
		ids[m.Name], _ = leaderboardtest.Add(t, st.DB, bench, m)
	}
	srv, err := server.New(server.Deps{Accounts: accounts.New(st.DB), Leaderboard: leaderboard.New(st.DB), DB: st, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &boardSite{url: ts.URL, handler: srv, st: st, bench: bench, ids: ids}
}

func get(t testing.TB, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestLeaderboardRoutes(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			site := startBoard(t, d, leaderboardtest.Zoo())
			gpt := strconv.FormatInt(site.ids["ConvRNN-GPT"], 10)
			secret := strconv.FormatInt(site.ids["Secret"], 10)
			tests := []struct {
				name, path  string
				status      int
				contentType string
				want, not   []string
			}{
				{"board", "/leaderboard", 200, "text/html", []string{
					"ConvRNN-GPT", "ConvRNN-IntersectionLN", "Animal-to-animal ceiling", "0.620 ± 0.070", "max 0.810", "v1 · rsa-v2", "Raw input",
					"Reported in the paper, not reproduced here", leaderboard.PaperSource, "0.956", "SYNTHETIC", "1=", "barrel-cortex-rsa-v1 @ v1 · rsa-v2",
					"tactile-shapes-v1 @ v1 · probe-lbfgs-1", "Aggregate = the mean",
				}, []string{"Secret"}},
				{"filtered board", "/leaderboard?family=ResNet", 200, "text/html", []string{"ResNet18", "Showing <span id=\"shown\">1</span> of 6"}, []string{"ConvRNN-GPT</a>"}},
				{"bad query page", "/leaderboard?sort=bogus&min_params=x", 400, "text/html", []string{`sort &#34;bogus&#34;`, "min_params"}, nil},
				{"json", "/api/v1/leaderboard?sort=name", 200, "application/json", []string{`"rows"`, `"aggregate_definition"`, `"benchmark_version":"v1"`, `"scorer_version":"rsa-v2"`, `"kind":"paper"`}, []string{"Secret"}},
				{"bad query json", "/api/v1/leaderboard?dir=sideways", 400, "application/json", []string{`"code":"invalid"`, `dir \"sideways\"`}, nil},
				{"csv", "/leaderboard.csv?objective=untrained", 200, "text/csv", []string{"row_type,model_id,name", "ConvRNN-untrained", "paper,,Zhuang_inter_ln_simclr_lr1e_1 (paper)"}, []string{"ConvRNN-GPT"}},
				{"scatter", "/leaderboard/scatter", 200, "text/html", []string{"<svg", `class="band"`, "raw input 0.310", "ConvRNN-GPT", "5 models plotted"}, []string{"S4-neural-only</text>"}},
				{"scatter bad axis", "/leaderboard/scatter?x=name", 400, "text/html", []string{"scatter axes"}, nil},
				{"model page", "/models/" + gpt, 200, "text/html", []string{"ConvRNN-GPT", `id="layers"`, "polyline", "@misc{whiskerbench-model-convrnn-gpt-", "Content sha256", "Zhuang", "readout"}, nil},
				{"model json", "/api/v1/models/" + gpt, 200, "application/json", []string{`"neural_layers"`, `"bibtex"`}, nil},
				{"private model", "/models/" + secret, 404, "text/html", []string{"Not found"}, nil},
				{"private model json", "/api/v1/models/" + secret, 404, "application/json", []string{`"code":"not_found"`}, nil},
				{"model id not a number", "/models/abc", 404, "text/html", nil, nil},
				{"benchmark page", "/benchmarks/barrel-cortex-rsa-v1", 200, "text/html", []string{"SYNTHETIC", "Likeness to barrel cortex", "Version history", "many-to-one", "sha256:neural-v1", "@inproceedings{chung2025tactile"}, nil},
				{"classification benchmark", "/benchmarks/tactile-shapes-v1", 200, "text/html", []string{"Touch recognition", "chance, top-1"}, []string{"<strong>SYNTHETIC.</strong>"}},
				{"benchmark json", "/api/v1/benchmarks/tactile-shapes-v1", 200, "application/json", []string{`"versions"`}, nil},
				{"unknown benchmark", "/benchmarks/nope", 404, "text/html", nil, nil},
				{"benchmark list", "/benchmarks", 200, "text/html", []string{"barrel-cortex-rsa-v1", "tactile-shapes-v1"}, nil},
				{"nav", "/", 200, "text/html", []string{`href="/leaderboard"`, `href="/leaderboard/scatter"`, `href="/benchmarks"`}, nil},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					resp, body := get(t, site.url+tc.path, nil)
					if resp.StatusCode != tc.status {
						t.Fatalf("status %d, want %d; body %.500s", resp.StatusCode, tc.status, body)
					}
					if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
						t.Errorf("content type %q, want %s", ct, tc.contentType)
					}
					for _, w := range tc.want {
						if !strings.Contains(body, w) {
							t.Errorf("body lacks %q", w)
						}
					}
					for _, n := range tc.not {
						if strings.Contains(body, n) {
							t.Errorf("body has %q", n)
						}
					}
				})
			}
		})
	}
}

// The board is cheap to revalidate and never stale: the same ETag gets a
// 304 until a score arrives, then a 200 with the new model.
func TestLeaderboardETag(t *testing.T) {
	site := startBoard(t, "sqlite", leaderboardtest.Zoo())
	for _, path := range []string{"/leaderboard", "/api/v1/leaderboard", "/leaderboard.csv", "/leaderboard/scatter"} {
		t.Run(path, func(t *testing.T) {
			resp, _ := get(t, site.url+path, nil)
			etag := resp.Header.Get("ETag")
			if etag == "" || resp.Header.Get("Cache-Control") != "public, max-age=0, must-revalidate" {
				t.Fatalf("ETag %q Cache-Control %q", etag, resp.Header.Get("Cache-Control"))
			}
			again, body := get(t, site.url+path, map[string]string{"If-None-Match": etag})
			if again.StatusCode != http.StatusNotModified || body != "" {
				t.Fatalf("revalidation: %d with %d bytes, want an empty 304", again.StatusCode, len(body))
			}
			other, _ := get(t, site.url+path+"?family=ConvRNN", map[string]string{"If-None-Match": etag})
			if other.StatusCode != http.StatusOK || other.Header.Get("ETag") == etag {
				t.Errorf("another view shares the ETag (%d)", other.StatusCode)
			}
		})
	}
	resp, _ := get(t, site.url+"/leaderboard", nil)
	etag := resp.Header.Get("ETag")
	leaderboardtest.Add(t, site.st.DB, site.bench, leaderboardtest.Model{Name: "Newcomer", Lab: "New Lab", Published: true, V2: 0.3, V1: 0.3, Top1: 0.3, Top5: 0.6})
	after, body := get(t, site.url+"/leaderboard", map[string]string{"If-None-Match": etag})
	if after.StatusCode != http.StatusOK || after.Header.Get("ETag") == etag || !strings.Contains(body, "Newcomer") {
		t.Fatalf("after a new score: %d, ETag %q (was %q), newcomer shown %v", after.StatusCode, after.Header.Get("ETag"), etag, strings.Contains(body, "Newcomer"))
	}
	// A re-score of an existing submission (same ids, new values) also moves the ETag.
	etag = after.Header.Get("ETag")
	var v struct {
		Rows []struct {
			Name         string `json:"name"`
			SubmissionID int64  `json:"submission_id"`
		} `json:"rows"`
	}
	_, js := get(t, site.url+"/api/v1/leaderboard", nil)
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatal(err)
	}
	var sub int64
	for _, r := range v.Rows {
		if r.Name == "Newcomer" {
			sub = r.SubmissionID
		}
	}
	if err := site.st.DB.Exec("DELETE FROM scores WHERE submission_id = ?", sub).Error; err != nil {
		t.Fatal(err)
	}
	leaderboardtest.AddScores(t, site.st.DB, site.bench, sub, leaderboardtest.Model{V2: 0.9, V1: 0.9, Top1: 0.9, Top5: 0.95, Layers: []string{"a"}})
	final, body := get(t, site.url+"/leaderboard", map[string]string{"If-None-Match": etag})
	if final.StatusCode != http.StatusOK || !strings.Contains(body, "0.900") {
		t.Fatalf("after a re-score: %d, new value shown %v", final.StatusCode, strings.Contains(body, "0.900"))
	}
}

// Without the files an RDM is computed from (the fixture registers
// benchmarks without data), pages and JSON say so instead of failing.
func TestStructureUnavailable(t *testing.T) {
	st := storetest.Migrated(t, "sqlite")
	bench := leaderboardtest.Register(t, st.DB, "v1")
	id, _ := leaderboardtest.Add(t, st.DB, bench, leaderboardtest.Zoo()[0])
	srv, err := server.New(server.Deps{Accounts: accounts.New(st.DB), Leaderboard: leaderboard.New(st.DB), Structure: structure.New(st.DB, nil), DB: st, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	model := "/models/" + strconv.FormatInt(id, 10)
	tests := []struct{ path, want string }{
		{model, "The model RDM is not available on this server"},
		{"/api/v1" + model, `"rdm":null,"rdm_unavailable":"The model RDM is not available on this server`},
		{"/benchmarks/barrel-cortex-rsa-v1", "The neural RDM is not available on this server"},
		{"/api/v1/benchmarks/barrel-cortex-rsa-v1", `"neural_rdm":null,"stimuli":null`},
	}
	for _, tc := range tests {
		resp, body := get(t, ts.URL+tc.path, nil)
		if resp.StatusCode != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, lacks %q", tc.path, resp.StatusCode, tc.want)
		}
		if strings.Contains(body, os.TempDir()) {
			t.Errorf("%s shows a server path", tc.path)
		}
	}
}
