package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
)

// TestLeaderboardGzip checks the pre-compressed representations: the gzip
// bytes decode to exactly the identity bytes, each encoding has its own
// ETag (the gzip one is the identity one with -gz before the closing
// quote), both vary by Accept-Encoding, and If-None-Match answers 304 for
// the encoding whose ETag it holds only.
func TestLeaderboardGzip(t *testing.T) {
	site := startBoard(t, "sqlite", leaderboardtest.Zoo())
	for _, path := range []string{"/leaderboard", "/api/v1/leaderboard", "/leaderboard.csv", "/leaderboard/scatter",
		"/leaderboard?family=ConvRNN&sort=rsa-v2&dir=desc", "/api/v1/leaderboard?per_page=all"} {
		t.Run(path, func(t *testing.T) {
			id, idBody := getRaw(t, site.url+path, map[string]string{"Accept-Encoding": "identity"})
			gz, gzBody := getRaw(t, site.url+path, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
			if id.StatusCode != 200 || gz.StatusCode != 200 {
				t.Fatalf("status identity %d, gzip %d", id.StatusCode, gz.StatusCode)
			}
			if e := id.Header.Get("Content-Encoding"); e != "" {
				t.Errorf("identity response has Content-Encoding %q", e)
			}
			if e := gz.Header.Get("Content-Encoding"); e != "gzip" {
				t.Errorf("gzip response has Content-Encoding %q, want gzip", e)
			}
			for name, r := range map[string]*http.Response{"identity": id, "gzip": gz} {
				if v := r.Header.Get("Vary"); v != "Accept-Encoding" {
					t.Errorf("%s Vary %q, want Accept-Encoding", name, v)
				}
			}
			if got, want := gz.Header.Get("Content-Length"), strconv.Itoa(len(gzBody)); got != want {
				t.Errorf("gzip Content-Length %s, body %s bytes", got, want)
			}
			if got, want := id.Header.Get("Content-Type"), gz.Header.Get("Content-Type"); got != want {
				t.Errorf("Content-Type identity %q, gzip %q", got, want)
			}
			zr, err := gzip.NewReader(strings.NewReader(gzBody))
			if err != nil {
				t.Fatalf("gzip body: %v", err)
			}
			dec, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("gzip body: %v", err)
			}
			if !bytes.Equal(dec, []byte(idBody)) {
				t.Fatalf("gzip body decodes to %d bytes that differ from the %d identity bytes", len(dec), len(idBody))
			}
			if len(gzBody) >= len(idBody) {
				t.Errorf("gzip body %d bytes, identity %d: not compressed", len(gzBody), len(idBody))
			}
			idTag, gzTag := id.Header.Get("ETag"), gz.Header.Get("ETag")
			if want := strings.TrimSuffix(idTag, `"`) + `-gz"`; idTag == "" || gzTag != want {
				t.Fatalf("ETags identity %q, gzip %q; want the gzip one %q", idTag, gzTag, want)
			}
			revalidate := []struct {
				name, accept, tag string
				status            int
				encoding          string
			}{
				{"identity with its tag", "identity", idTag, 304, ""},
				{"gzip with its tag", "gzip", gzTag, 304, ""},
				{"gzip with the identity tag", "gzip", idTag, 200, "gzip"},
				{"identity with the gzip tag", "identity", gzTag, 200, ""},
			}
			for _, rv := range revalidate {
				r, body := getRaw(t, site.url+path, map[string]string{"Accept-Encoding": rv.accept, "If-None-Match": rv.tag})
				if r.StatusCode != rv.status || r.Header.Get("Content-Encoding") != rv.encoding {
					t.Errorf("%s: status %d encoding %q, want %d %q", rv.name, r.StatusCode, r.Header.Get("Content-Encoding"), rv.status, rv.encoding)
				}
				if rv.status == 304 && (body != "" || r.Header.Get("ETag") != rv.tag || r.Header.Get("Vary") != "Accept-Encoding") {
					t.Errorf("%s: 304 with %d body bytes, ETag %q, Vary %q", rv.name, len(body), r.Header.Get("ETag"), r.Header.Get("Vary"))
				}
			}
		})
	}
}

// TestLeaderboardAcceptEncoding checks the negotiation of Accept-Encoding
// values (RFC 9110 §12.5.3): q=0 refuses a coding, * stands for unlisted
// codings, and no header means identity.
func TestLeaderboardAcceptEncoding(t *testing.T) {
	site := startBoard(t, "sqlite", leaderboardtest.Zoo())
	tests := []struct {
		accept string
		gzip   bool
	}{
		{"", false},
		{"identity", false},
		{"gzip", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0, identity", false},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"deflate, br", false},
	}
	for _, tt := range tests {
		r, _ := getRaw(t, site.url+"/api/v1/leaderboard", map[string]string{"Accept-Encoding": tt.accept})
		if got := r.Header.Get("Content-Encoding") == "gzip"; got != tt.gzip || r.StatusCode != 200 {
			t.Errorf("Accept-Encoding %q: status %d, gzip %v, want %v", tt.accept, r.StatusCode, got, tt.gzip)
		}
	}
}

// getRaw is get without the transport's own gzip negotiation: it sends
// exactly the given headers and returns the body as sent.
func getRaw(t testing.TB, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
