package app_test

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whiskerbench/whiskerbench/server/app"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// writeBigActivations streams an activations archive with one neural layer
// of 6 × features float32 to path, without holding it in memory.
func writeBigActivations(t *testing.T, path string, features int) int64 {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "neural__big.npy", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (6, %d), }", features)
	pad := (64 - (10+len(dict)+1)%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	w.Write([]byte("\x93NUMPY\x01\x00"))
	binary.Write(w, binary.LittleEndian, uint16(len(hdr)))
	w.Write([]byte(hdr))
	buf := make([]byte, 4<<20)
	var x uint32 = 1
	left := 6 * features
	for left > 0 {
		n := min(left, len(buf)/4)
		for i := 0; i < n; i++ {
			x = x*1664525 + 1013904223
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(x>>8)/float32(1<<24)))
		}
		w.Write(buf[:4*n])
		left -= n
	}
	zw.Close()
	bw.Flush()
	st, _ := f.Stat()
	return st.Size()
}

func procStatus(key string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key+":") {
			f := strings.Fields(line)
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v * 1024
		}
	}
	return -1
}

// TestUploadThroughput uploads a large activations file through the real
// HTTP path (streamed to the blob store while hashed, then validated in
// bounded memory) and reports throughput and the process's peak RSS. It
// runs only with WHISKERBENCH_BENCH_UPLOAD_MB set (file size in MB).
func TestUploadThroughput(t *testing.T) {
	mb, _ := strconv.Atoi(os.Getenv("WHISKERBENCH_BENCH_UPLOAD_MB"))
	if mb <= 0 {
		t.Skip("set WHISKERBENCH_BENCH_UPLOAD_MB to measure upload throughput")
	}
	b := testBenchmarks(t)
	cfg := app.Defaults()
	cfg.Listen, cfg.DataDir, cfg.BuildBenchmarks, cfg.RunJobs = "127.0.0.1:0", t.TempDir(), false, false
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	go a.Serve(ctx)
	cat := catalog.New(a.Store().DB)
	if _, err := cat.Register(ctx, b.neuralDir, b.neuralSpec, b.neuralFig); err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(a.Store().DB)
	acc.CreateLab(ctx, "Big Lab")
	_, tok, _ := acc.CreateToken(ctx, "Big Lab", accounts.LabMember)
	path := filepath.Join(t.TempDir(), "big.npz")
	size := writeBigActivations(t, path, mb<<20/24)
	// Reset the peak-RSS counter, so that it measures the upload alone.
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	before := procStatus("VmHWM")
	f, _ := os.Open(path)
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("card", `{"name":"big"}`)
		part, _ := mw.CreateFormFile("file", "big.npz")
		io.Copy(part, f)
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest("POST", a.URL()+"/api/v1/submissions", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	el := time.Since(t0)
	peak := procStatus("VmHWM")
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	t.Logf("uploaded and validated %.2f GB in %v: %.0f MB/s; peak RSS %.0f MB (before %.0f MB)", float64(size)/1e9, el.Round(time.Millisecond), float64(size)/1e6/el.Seconds(), float64(peak)/1e6, float64(before)/1e6)
	if peak > 512<<20 {
		t.Errorf("peak RSS %d MB during a %d MB upload: memory is not bounded", peak>>20, size>>20)
	}
}
