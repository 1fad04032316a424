package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/server/app"
)

// wrkScript prints wrk's exact percentiles (microseconds) and counts as
// one JSON line after the run.
const wrkScript = `done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format('WRKSTATS {"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"requests":%d,"seconds":%.3f,"bytes":%d,"connect_errors":%d,"read_errors":%d,"status_errors":%d,"timeouts":%d}\n',
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    summary.requests, s, summary.bytes, summary.errors.connect, summary.errors.read, summary.errors.status, summary.errors.timeout))
end
`

// wrkStats is what wrkScript prints.
type wrkStats struct {
	P50           int64   `json:"p50"`
	P90           int64   `json:"p90"`
	P99           int64   `json:"p99"`
	P999          int64   `json:"p999"`
	Max           int64   `json:"max"`
	Requests      int64   `json:"requests"`
	Seconds       float64 `json:"seconds"`
	Bytes         int64   `json:"bytes"`
	ConnectErrors int64   `json:"connect_errors"`
	ReadErrors    int64   `json:"read_errors"`
	StatusErrors  int64   `json:"status_errors"`
	Timeouts      int64   `json:"timeouts"`
}

func ms(us int64) string { return strconv.FormatFloat(float64(us)/1000, 'f', 1, 64) }

// loadEnv reads an integer setting of the load test.
func loadEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestLoadLeaderboard is the leaderboard's load benchmark (BENCHMARKS.md,
// "Leaderboard under load"). It is opt-in: WHISKERBENCH_LOADTEST=1, wrk on
// the PATH. It starts the service as 'whiskerbench serve' does (app.Start,
// embedded SQLite in a temporary data directory, no job runner, log level
// warn), seeds WHISKERBENCH_LOADTEST_MODELS public models (default 10 000)
// in bulk, then runs wrk with 100 connections on 2 threads for
// WHISKERBENCH_LOADTEST_SECONDS (default 20) against each URL (or the
// comma-separated paths in WHISKERBENCH_LOADTEST_PATHS): once on a
// quiet board, once while a new scored model arrives every second. During
// arrivals a probe client records the time from each arrival's commit to
// the first response of that URL that contains it. wrk sends
// Accept-Encoding: gzip, as browsers do, and the sizes reported are of the
// bytes on the wire. WHISKERBENCH_LOADTEST_CPUPROFILE names a file for a
// CPU profile of the whole process over the wrk runs.
func TestLoadLeaderboard(t *testing.T) {
	if os.Getenv("WHISKERBENCH_LOADTEST") == "" {
		t.Skip("set WHISKERBENCH_LOADTEST=1 (needs wrk) to run the leaderboard load benchmark")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip("wrk is not installed (apt-get install wrk)")
	}
	n := loadEnv("WHISKERBENCH_LOADTEST_MODELS", 10_000)
	secs := loadEnv("WHISKERBENCH_LOADTEST_SECONDS", 20)
	conns := loadEnv("WHISKERBENCH_LOADTEST_CONNECTIONS", 100)

	cfg := app.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.BuildBenchmarks = false
	cfg.RunJobs = false
	cfg.LogLevel = "warn"
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	db := a.Store().DB
	bench := leaderboardtest.Register(t, db, "v1")
	t0 := time.Now()
	leaderboardtest.AddBulk(t, db, bench, leaderboardtest.Synthetic(n, 1))
	t.Logf("seeded %d models in %s", n, time.Since(t0).Round(time.Millisecond))

	script := filepath.Join(t.TempDir(), "stats.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{
		"/leaderboard",
		"/api/v1/leaderboard",
		"/leaderboard?family=ConvRNN&objective=supervised&sort=rsa-v2&dir=desc",
		"/api/v1/leaderboard?family=ConvRNN&objective=supervised&sort=rsa-v2&dir=desc",
	}
	if only := os.Getenv("WHISKERBENCH_LOADTEST_PATHS"); only != "" {
		paths = strings.Split(only, ",")
	}
	for _, p := range paths {
		start := time.Now()
		body := fetch(t, a.URL()+p)
		t.Logf("first response %s: %s, %d bytes", p, time.Since(start).Round(time.Millisecond), len(body))
	}
	if prof := os.Getenv("WHISKERBENCH_LOADTEST_CPUPROFILE"); prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	arrival := 0
	for _, p := range paths {
		for _, arrivals := range []bool{false, true} {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var lags []time.Duration
			if arrivals {
				wg.Add(1)
				go func() {
					defer wg.Done()
					lags = arrive(ctx, t, a.URL()+p, db, bench, &arrival, stop)
				}()
			}
			out, err := exec.Command(wrk, "-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", secs), "--latency",
				"-H", "Accept-Encoding: gzip", "-s", script, a.URL()+p).CombinedOutput()
			close(stop)
			wg.Wait()
			if err != nil {
				t.Fatalf("wrk %s: %v\n%s", p, err, out)
			}
			var st wrkStats
			for _, line := range strings.Split(string(out), "\n") {
				if j, ok := strings.CutPrefix(line, "WRKSTATS "); ok {
					if err := json.Unmarshal([]byte(j), &st); err != nil {
						t.Fatalf("wrk stats %q: %v", j, err)
					}
				}
			}
			if st.Requests == 0 {
				t.Fatalf("wrk %s: no requests\n%s", p, out)
			}
			phase := "quiet"
			if arrivals {
				phase = "1 new model/s"
			}
			line := fmt.Sprintf("LOAD %-78s %-14s p50 %6s ms  p90 %6s ms  p99 %6s ms  max %6s ms  %7.0f req/s  %6.0f KiB/resp  errors %d/%d/%d/%d",
				p, phase, ms(st.P50), ms(st.P90), ms(st.P99), ms(st.Max), float64(st.Requests)/st.Seconds,
				float64(st.Bytes)/float64(st.Requests)/1024, st.ConnectErrors, st.ReadErrors, st.StatusErrors, st.Timeouts)
			if arrivals {
				line += "  " + lagSummary(lags)
			}
			t.Log(line)
		}
	}
}

func fetch(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

// arrive adds one new scored, published model a second until stop closes,
// each good enough to lead the board (and to pass the filtered view's
// filters), and after each commit fetches url back to back until a
// response contains the new model. It returns those commit-to-visible
// times.
func arrive(ctx context.Context, t *testing.T, url string, db *gorm.DB, bench leaderboardtest.Benchmarks, seq *int, stop chan struct{}) []time.Duration {
	var lags []time.Duration
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return lags
		case <-tick.C:
		}
		*seq++
		name := fmt.Sprintf("Arrival-%04d", *seq)
		v2 := 0.9 + 0.0001*float64(*seq)
		m := leaderboardtest.Model{Name: name, Lab: "Lab 00", Family: "ConvRNN", Encoder: "Zhuang", Attender: "GPT", Objective: "supervised",
			Params: 3_000_000, Published: true, V2: v2, V2Lo: v2 - 0.01, V2Hi: v2 + 0.01, V1: 0.95, Top1: 0.9, Top5: 0.99}
		if err := leaderboardtest.Insert(ctx, db, bench, []leaderboardtest.Model{m}); err != nil {
			t.Error(err)
			return lags
		}
		committed := time.Now()
		for {
			resp, err := http.Get(url)
			if err != nil {
				t.Error(err)
				return lags
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Error(err)
				return lags
			}
			if strings.Contains(string(b), name) {
				lags = append(lags, time.Since(committed))
				break
			}
			if time.Since(committed) > 30*time.Second {
				t.Errorf("%s: %s not visible after 30 s", url, name)
				return lags
			}
		}
	}
}

func lagSummary(lags []time.Duration) string {
	if len(lags) == 0 {
		return "no arrivals seen"
	}
	var sum, worst time.Duration
	for _, l := range lags {
		sum += l
		worst = max(worst, l)
	}
	return fmt.Sprintf("new model visible after mean %s, max %s (%d arrivals)", (sum / time.Duration(len(lags))).Round(100*time.Microsecond), worst.Round(100*time.Microsecond), len(lags))
}
