package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
)

// benchSite seeds n public models (in one transaction) on SQLite.
func benchSite(b *testing.B, n int) *boardSite {
	b.Helper()
	site := startBoard(b, "sqlite", nil)
	tx := site.st.DB.Begin()
	families := []string{"ConvRNN", "ResNet", "SSM", "Transformer"}
	for i := 0; i < n; i++ {
		f := float64(i%97) / 97
		leaderboardtest.Add(b, tx, site.bench, leaderboardtest.Model{
			Name: fmt.Sprintf("model-%05d", i), Lab: fmt.Sprintf("Lab %02d", i%40), Family: families[i%len(families)],
			Encoder: "enc", Attender: "none", Objective: "supervised", Params: int64(1e6 + i*1000), Published: true,
			V2: 0.1 + 0.5*f, V1: 0.2 + 0.6*f, Top1: 0.1 + 0.4*f, Top5: 0.5 + 0.4*f,
		})
	}
	if err := tx.Commit().Error; err != nil {
		b.Fatal(err)
	}
	return site
}

func serve(b *testing.B, h http.Handler, path string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK && rec.Code != http.StatusNotModified {
		b.Fatalf("%s: %d", path, rec.Code)
	}
	return rec
}

// BenchmarkLeaderboard1000 times the board's routes over 1000 public
// models, in process on SQLite: warm (the board cached under its stamp),
// revalidation (304), and cold (a new score before every request).
func BenchmarkLeaderboard1000(b *testing.B) {
	site := benchSite(b, 1000)
	h := site.handler
	for _, path := range []string{"/leaderboard", "/api/v1/leaderboard", "/leaderboard.csv", "/leaderboard/scatter", "/leaderboard?family=SSM&sort=name"} {
		b.Run("warm "+path, func(b *testing.B) {
			serve(b, h, path, nil)
			b.ResetTimer()
			for b.Loop() {
				serve(b, h, path, nil)
			}
		})
	}
	b.Run("304 /leaderboard", func(b *testing.B) {
		etag := serve(b, h, "/leaderboard", nil).Header().Get("ETag")
		for b.Loop() {
			if rec := serve(b, h, "/leaderboard", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified {
				b.Fatalf("got %d", rec.Code)
			}
		}
	})
	b.Run("cold /leaderboard", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			site.st.DB.Exec("UPDATE submissions SET updated_at = ? WHERE id = 1", time.Now().UTC())
			b.StartTimer()
			serve(b, h, "/leaderboard", nil)
		}
	})
}
