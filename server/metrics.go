package server

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"
)

// latencyBuckets are the upper bounds (seconds) of the request-duration
// histogram.
var latencyBuckets = [...]float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type reqKey struct {
	method, route string
	status        int
}

type histogram struct {
	counts [len(latencyBuckets) + 1]uint64
	sum    float64
	n      uint64
}

// Metrics collects request counters and latencies and writes them in the
// Prometheus text exposition format.
type Metrics struct {
	mu       sync.Mutex
	requests map[reqKey]uint64
	latency  map[string]*histogram
	started  time.Time
}

// NewMetrics returns an empty collector.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[reqKey]uint64{}, latency: map[string]*histogram{}, started: time.Now()}
}

// Observe records one finished request.
func (m *Metrics) Observe(method, route string, status int, d time.Duration) {
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[reqKey{method, route, status}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{}
		m.latency[route] = h
	}
	i := sort.SearchFloat64s(latencyBuckets[:], sec)
	h.counts[i]++
	h.sum += sec
	h.n++
}

func esc(s string) string { return strconv.Quote(s) }

// WriteTo writes the exposition text.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.status < b.status
	})
	var out []byte
	add := func(format string, args ...any) { out = fmt.Appendf(out, format, args...) }
	add("# HELP whiskerbench_http_requests_total HTTP requests answered, by method, route and status.\n")
	add("# TYPE whiskerbench_http_requests_total counter\n")
	for _, k := range keys {
		add("whiskerbench_http_requests_total{method=%s,route=%s,status=\"%d\"} %d\n", esc(k.method), esc(k.route), k.status, m.requests[k])
	}
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	add("# HELP whiskerbench_http_request_duration_seconds Time to answer HTTP requests, by route.\n")
	add("# TYPE whiskerbench_http_request_duration_seconds histogram\n")
	for _, r := range routes {
		h := m.latency[r]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			add("whiskerbench_http_request_duration_seconds_bucket{route=%s,le=\"%g\"} %d\n", esc(r), le, cum)
		}
		add("whiskerbench_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", esc(r), h.n)
		add("whiskerbench_http_request_duration_seconds_sum{route=%s} %g\n", esc(r), h.sum)
		add("whiskerbench_http_request_duration_seconds_count{route=%s} %d\n", esc(r), h.n)
	}
	started := m.started
	m.mu.Unlock()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	add("# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	add("# HELP go_memstats_heap_alloc_bytes Bytes of allocated heap objects.\n# TYPE go_memstats_heap_alloc_bytes gauge\ngo_memstats_heap_alloc_bytes %d\n", ms.HeapAlloc)
	add("# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %d\n", started.Unix())
	n, err := w.Write(out)
	return int64(n), err
}
