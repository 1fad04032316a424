package blobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPutOpenDedup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("whisker"), 100000)
	sum := sha256.Sum256(data)
	want := "sha256:" + hex.EncodeToString(sum[:])
	info, err := s.Put(ctx, bytes.NewReader(data), 0)
	if err != nil || info.Digest != want || info.Size != int64(len(data)) || info.Existed {
		t.Fatalf("put: %+v %v", info, err)
	}
	again, err := s.Put(ctx, bytes.NewReader(data), 0)
	if err != nil || !again.Existed || again.Digest != want {
		t.Fatalf("second put of identical bytes: %+v %v", again, err)
	}
	f, err := s.Open(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data) || f.Size() != int64(len(data)) {
		t.Fatal("read back different bytes")
	}
	if n, err := s.Stat(ctx, want); err != nil || n != int64(len(data)) {
		t.Fatalf("stat %d %v", n, err)
	}
	if err := s.Delete(ctx, want); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, want); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open after delete: %v", err)
	}
	if err := s.Delete(ctx, want); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	assertNoTemp(t, dir)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	left, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

// Failed uploads — too large, broken stream, cancelled — leave nothing.
func TestPutFailuresLeaveNothing(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewFS(dir)
	ctx := context.Background()
	if _, err := s.Put(ctx, strings.NewReader(strings.Repeat("x", 101)), 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over limit: %v", err)
	}
	if _, err := s.Put(ctx, strings.NewReader(strings.Repeat("x", 100)), 100); err != nil {
		t.Errorf("at limit: %v", err)
	}
	if _, err := s.Put(ctx, &failingReader{n: 5000}, 0); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("broken stream: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Put(cctx, strings.NewReader("abc"), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	assertNoTemp(t, dir)
	var blobs int
	filepath.Walk(filepath.Join(dir, "sha256"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			blobs++
		}
		return nil
	})
	if blobs != 1 {
		t.Errorf("%d blobs stored, want only the one at the limit", blobs)
	}
}

func TestDigestsNeverBecomePaths(t *testing.T) {
	s, _ := NewFS(t.TempDir())
	for _, d := range []string{"", "sha256:../../etc/passwd", "sha256:" + strings.Repeat("g", 64), "md5:" + strings.Repeat("a", 64), "sha256:" + strings.Repeat("A", 64), "sha256:" + strings.Repeat("a", 63) + "/"} {
		if _, err := s.Open(context.Background(), d); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("digest %q: err %v, want a format error", d, err)
		}
	}
}
