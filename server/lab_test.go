package server_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/server"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/blobs"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/store"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// labSite is a server with accounts and submissions over a database in
// which only a neural benchmark is registered (so an upload must hold
// neural__<layer> arrays of 6 rows). Nothing scores: there is no queue.
type labSite struct {
	url        string
	st         *store.Store
	subs       *submissions.Service
	acc        *accounts.Service
	blobDir    string
	tokA, tokB string
	labA, labB int64
	tokenAID   int64
}

func startLabSite(t *testing.T) *labSite {
	t.Helper()
	ctx := context.Background()
	st := storetest.Migrated(t, "sqlite")
	cat := catalog.New(st.DB)
	if _, err := cat.Register(ctx, t.TempDir(), &benchmarks.Spec{Name: benchmarks.BarrelCortex, Kind: benchmarks.NeuralRSA, Version: "v1",
		ScorerVersion: catalog.NeuralScorer, DataDigest: "sha256:test", Synthetic: true, Params: map[string]string{"fixture": "lab"}}, catalog.Figures{}); err != nil {
		t.Fatal(err)
	}
	blobDir := t.TempDir()
	bs, err := blobs.NewFS(blobDir)
	if err != nil {
		t.Fatal(err)
	}
	subs := submissions.New(st.DB, bs, cat, nil, submissions.Options{})
	acc := accounts.New(st.DB)
	la, _ := acc.CreateLab(ctx, "Lab A")
	lb, _ := acc.CreateLab(ctx, "Lab B")
	ta, tokA, _ := acc.CreateToken(ctx, "Lab A", accounts.LabMember)
	_, tokB, _ := acc.CreateToken(ctx, "Lab B", accounts.LabMember)
	srv, err := server.New(server.Deps{Accounts: acc, Submissions: subs, DB: st, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &labSite{url: ts.URL, st: st, subs: subs, acc: acc, blobDir: blobDir, tokA: tokA, tokB: tokB, labA: la.ID, labB: lb.ID, tokenAID: ta.ID}
}

// browser is an HTTP client with cookies that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func send(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func browse(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", u, nil)
	return send(t, c, req)
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, c, req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%s", page)
	}
	return m[1]
}

// signIn signs a client in and returns the CSRF token of its session.
func signIn(t *testing.T, site *labSite, c *http.Client, token string) string {
	t.Helper()
	_, page := browse(t, c, site.url+"/signin")
	resp, body := postForm(t, c, site.url+"/signin", url.Values{"csrf": {csrfOf(t, page)}, "token": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/lab" {
		t.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
	_, lab := browse(t, c, site.url+"/lab")
	return csrfOf(t, lab)
}

func TestLabSignIn(t *testing.T) {
	site := startLabSite(t)
	c := browser(t)
	resp, page := browse(t, c, site.url+"/signin")
	if resp.StatusCode != 200 || !strings.Contains(page, `type="password"`) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("sign-in page: %d %v", resp.StatusCode, resp.Header)
	}
	csrf := csrfOf(t, page)
	tests := []struct {
		name, csrf, token string
		status            int
		want              string
	}{
		{"malformed token", "form", "not-a-token", 401, "That token was not accepted: malformed token"},
		{"unknown token", "form", "wb_" + strings.Repeat("A", 43), 401, "unknown token"},
		{"no csrf", "", site.tokA, 403, "did not come from this site"},
		{"wrong csrf", "wrong", site.tokA, 403, "did not come from this site"},
	}
	for _, tc := range tests {
		// Each failed attempt re-issues the form's CSRF value: "form" sends
		// the current one, "wrong" a changed one.
		sent := tc.csrf
		switch tc.csrf {
		case "form":
			sent = csrf
		case "wrong":
			sent = "x" + csrf[1:]
			if csrf[0] == 'x' {
				sent = "y" + csrf[1:]
			}
		}
		resp, body := postForm(t, c, site.url+"/signin", url.Values{"csrf": {sent}, "token": {tc.token}})
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %d and %q", tc.name, resp.StatusCode, tc.status, tc.want)
		}
		if strings.Contains(body, tc.token) {
			t.Errorf("%s: the page echoes the token", tc.name)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == "wb_session" && ck.MaxAge >= 0 {
				t.Errorf("%s: a session cookie was set", tc.name)
			}
		}
		csrf = csrfOf(t, body)
	}
	if r, _ := browse(t, c, site.url+"/lab"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/signin" {
		t.Errorf("/lab without a session: %d %s", r.StatusCode, r.Header.Get("Location"))
	}

	resp, body := postForm(t, c, site.url+"/signin", url.Values{"csrf": {csrf}, "token": {site.tokA}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good token: %d %s", resp.StatusCode, body)
	}
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "wb_session" {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Secure || strings.Contains(sess.Value, site.tokA) || sess.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, not Secure over plain HTTP, not the token", sess)
	}
	if loc := resp.Header.Get("Location"); strings.Contains(loc, site.tokA) || loc != "/lab" {
		t.Errorf("redirect to %q", loc)
	}
	resp, lab := browse(t, c, site.url+"/lab")
	if resp.StatusCode != 200 || !strings.Contains(lab, "Signed in as <strong>Lab A</strong>") || strings.Contains(lab, site.tokA) {
		t.Fatalf("/lab after sign-in: %d", resp.StatusCode)
	}
	// Signing out needs the session's CSRF token.
	if r, body := postForm(t, c, site.url+"/signout", url.Values{"csrf": {"nope"}}); r.StatusCode != 403 || !strings.Contains(body, "not from your current session") {
		t.Errorf("sign-out with a wrong CSRF token: %d", r.StatusCode)
	}
	if r, _ := postForm(t, c, site.url+"/signout", url.Values{"csrf": {csrfOf(t, lab)}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out: %d", r.StatusCode)
	}
	// The old cookie no longer opens anything, even replayed.
	replay := browser(t)
	u, _ := url.Parse(site.url)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "wb_session", Value: sess.Value}})
	if r, _ := browse(t, replay, site.url+"/lab"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out session still opens /lab: %d", r.StatusCode)
	}
	// Revoking the token ends its sessions.
	c2 := browser(t)
	signIn(t, site, c2, site.tokA)
	if err := site.acc.RevokeToken(context.Background(), site.tokenAID); err != nil {
		t.Fatal(err)
	}
	if r, _ := browse(t, c2, site.url+"/lab"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a revoked token's session still opens /lab: %d", r.StatusCode)
	}
}

// Sessions live in the database: a lab signed in on one server is still
// signed in on a new server over the same database (a restart), with the
// same CSRF token, and signing out there ends it everywhere.
func TestLabSessionSurvivesRestart(t *testing.T) {
	site := startLabSite(t)
	c := browser(t)
	csrf := signIn(t, site, c, site.tokA)
	srv, err := server.New(server.Deps{Accounts: accounts.New(site.st.DB), Submissions: site.subs, DB: site.st, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	restarted := httptest.NewServer(srv)
	t.Cleanup(restarted.Close)
	// The cookie jar holds the first server's cookie; hand it to the second.
	first, _ := url.Parse(site.url)
	second, _ := url.Parse(restarted.URL)
	c.Jar.SetCookies(second, c.Jar.Cookies(first))
	r, page := browse(t, c, restarted.URL+"/lab")
	if r.StatusCode != http.StatusOK || !strings.Contains(page, "Lab A") {
		t.Fatalf("after a restart /lab answered %d; want the signed-in page", r.StatusCode)
	}
	if got := csrfOf(t, page); got != csrf {
		t.Errorf("after a restart the session's CSRF token changed")
	}
	if r, _ := postForm(t, c, restarted.URL+"/signout", url.Values{"csrf": {csrf}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.StatusCode)
	}
	c.Jar.SetCookies(first, c.Jar.Cookies(second))
	replay := browser(t)
	replay.Jar.SetCookies(first, c.Jar.Cookies(first))
	for _, u := range []string{site.url, restarted.URL} {
		if r, _ := browse(t, replay, u+"/lab"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: a signed-out session still opens /lab: %d", u, r.StatusCode)
		}
	}
}

// neuralNPZ is an activations archive with one neural layer of rows×8.
func neuralNPZ(t *testing.T, rows int) []byte {
	a := ndarray.Zeros32(rows, 8)
	for i := range a.F32 {
		a.F32[i] = float32((i*7)%11) + float32(i/8)
	}
	var buf bytes.Buffer
	if err := npz.Write(&buf, []npz.Named{{Name: "neural__l1", Array: a}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadForm posts the browser's upload form: csrf first, the fields, then
// the file (omitted when file is nil; sent without a name when empty).
func uploadForm(t *testing.T, c *http.Client, site *labSite, csrf string, fields [][2]string, file []byte) (*http.Response, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	if file != nil {
		name := "acts.npz"
		if len(file) == 0 {
			name = ""
		}
		w, _ := mw.CreateFormFile("file", name)
		w.Write(file)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", site.url+"/lab/submissions", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return send(t, c, req)
}

// nothingKept fails when a submission row or a blob exists.
func nothingKept(t *testing.T, site *labSite, what string) {
	t.Helper()
	var n int64
	site.st.DB.Model(&submissions.Submission{}).Count(&n)
	files := 0
	filepath.Walk(site.blobDir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files++
		}
		return nil
	})
	if n != 0 || files != 0 {
		t.Errorf("%s: %d submissions and %d blob files kept", what, n, files)
	}
}

func TestLabUploadForm(t *testing.T) {
	site := startLabSite(t)
	c := browser(t)
	csrf := signIn(t, site, c, site.tokA)
	named := [][2]string{{"kind", "activations"}, {"name", "ConvRNN-web"}, {"family", "ConvRNN"}}
	tests := []struct {
		name   string
		csrf   string
		fields [][2]string
		file   []byte
		status int
		want   []string
	}{
		{"wrong csrf", "forged", named, neuralNPZ(t, 6), 403, []string{"not from your current session"}},
		{"wrong shape", csrf, named, neuralNPZ(t, 5), 422, []string{"nothing was kept", "5 rows, the neural input has 6"}},
		{"not an npz", csrf, named, []byte("hello"), 422, []string{"not a valid .npz"}},
		{"no name", csrf, [][2]string{{"kind", "activations"}}, neuralNPZ(t, 6), 422, []string{"card.name"}},
		{"bad kind", csrf, append([][2]string{{"kind", "code"}}, named[1:]...), neuralNPZ(t, 6), 422, []string{"use activations or weights"}},
		{"bad parameter count", csrf, append([][2]string{{"param_count", "lots"}}, named...), neuralNPZ(t, 6), 422, []string{"parameter count &#34;lots&#34;"}},
		{"no file chosen", csrf, named, []byte{}, 422, []string{"choose a file"}},
		{"no file part", csrf, named, nil, 400, []string{"choose a file"}},
	}
	for _, tc := range tests {
		resp, body := uploadForm(t, c, site, tc.csrf, tc.fields, tc.file)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the page lacks %q", tc.name, w)
			}
		}
		// The form keeps what was typed.
		if tc.status == 422 && len(tc.fields) > 1 && !strings.Contains(body, `value="ConvRNN-web"`) {
			t.Errorf("%s: the form lost the model name", tc.name)
		}
		nothingKept(t, site, tc.name)
	}
	resp, body := uploadForm(t, c, site, csrf, append(named, [2]string{"param_count", "1.5M"}), neuralNPZ(t, 6))
	if resp.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/lab/submissions/\d+$`).MatchString(resp.Header.Get("Location")) {
		t.Fatalf("good upload: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, page := browse(t, c, site.url+resp.Header.Get("Location"))
	if !strings.Contains(page, `id="status" class="status validated">validated`) || !strings.Contains(page, "ConvRNN-web") || !strings.Contains(page, `http-equiv="refresh"`) {
		t.Errorf("submission page after upload:\n%s", page)
	}
	subs, _ := site.subs.List(context.Background(), site.labA)
	if len(subs) != 1 || subs[0].Kind != submissions.KindActivations {
		t.Fatalf("submissions %+v", subs)
	}
	_, lab := browse(t, c, site.url+"/lab")
	if !strings.Contains(lab, `<tr class="sub validated">`) || !strings.Contains(lab, "private") {
		t.Errorf("the list lacks the new private submission")
	}
}

// markScored sets a submission scored, as the scoring job would.
func markScored(t *testing.T, site *labSite, id int64) {
	if err := site.st.DB.Model(&submissions.Submission{}).Where("id = ?", id).Updates(map[string]any{"status": submissions.StatusScored, "progress": 1}).Error; err != nil {
		t.Fatal(err)
	}
}

func TestLabPublish(t *testing.T) {
	site := startLabSite(t)
	ctx := context.Background()
	subB, _, err := site.subs.Receive(ctx, site.labB, submissions.KindActivations, submissions.Card{Name: "B-model"}, bytes.NewReader(neuralNPZ(t, 6)))
	if err != nil {
		t.Fatal(err)
	}
	subA, _, err := site.subs.Receive(ctx, site.labA, submissions.KindActivations, submissions.Card{Name: "A-model"}, bytes.NewReader(neuralNPZ(t, 6)))
	if err != nil {
		t.Fatal(err)
	}
	markScored(t, site, subB.ID)
	c := browser(t)
	csrf := signIn(t, site, c, site.tokA)
	pub := func(id int64, token string) (*http.Response, string) {
		return postForm(t, c, site.url+"/lab/submissions/"+itoa(id)+"/publish", url.Values{"csrf": {token}})
	}
	// Lab B's submission does not exist for lab A: 404, to read and to publish.
	if r, _ := browse(t, c, site.url+"/lab/submissions/"+itoa(subB.ID)); r.StatusCode != 404 {
		t.Errorf("reading another lab's submission: %d", r.StatusCode)
	}
	if r, _ := pub(subB.ID, csrf); r.StatusCode != 404 {
		t.Errorf("publishing another lab's submission: %d", r.StatusCode)
	}
	// An unscored submission has no button and cannot be published.
	_, page := browse(t, c, site.url+"/lab/submissions/"+itoa(subA.ID))
	if strings.Contains(page, `id="publish"`) {
		t.Error("an unscored submission shows a publish button")
	}
	if r, body := pub(subA.ID, csrf); r.StatusCode != 409 || !strings.Contains(body, "only scored submissions can be published") {
		t.Errorf("publishing an unscored submission: %d", r.StatusCode)
	}
	markScored(t, site, subA.ID)
	_, page = browse(t, c, site.url+"/lab/submissions/"+itoa(subA.ID))
	if !strings.Contains(page, `id="publish"`) || strings.Contains(page, `http-equiv="refresh"`) {
		t.Error("a scored private submission: no publish button, or still refreshing")
	}
	if r, _ := pub(subA.ID, "forged"); r.StatusCode != 403 {
		t.Errorf("publish with a forged CSRF token: %d", r.StatusCode)
	}
	for id, lab := range map[int64]int64{subA.ID: site.labA, subB.ID: site.labB} {
		if s, _ := site.subs.Get(ctx, lab, id); s.Published {
			t.Errorf("submission %d published by a refused request", id)
		}
	}
	if r, _ := pub(subA.ID, csrf); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.StatusCode)
	}
	if s, _ := site.subs.Get(ctx, site.labA, subA.ID); !s.Published {
		t.Error("not published")
	}
	_, page = browse(t, c, site.url+"/lab/submissions/"+itoa(subA.ID))
	if !strings.Contains(page, `id="published"`) || strings.Contains(page, `id="publish"`) {
		t.Error("the published page still offers the button")
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// The docs describe the browser flow; every page links to the lab pages.
func TestDocsBrowserFlow(t *testing.T) {
	site := startLabSite(t)
	resp, body := browse(t, browser(t), site.url+"/docs")
	for _, want := range []string{`id="browser-flow"`, `href="/signin"`, `href="/lab"`, "nothing is kept", "Publish"} {
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("/docs (%d) lacks %q", resp.StatusCode, want)
		}
	}
}
