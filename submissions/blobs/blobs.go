package blobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrTooLarge is returned when a blob exceeds the store's size limit.
var ErrTooLarge = errors.New("blob too large")

// ErrNotFound is returned for unknown digests.
var ErrNotFound = errors.New("blob not found")

// Info describes a stored blob.
type Info struct {
	Digest  string // "sha256:<64 hex>"
	Size    int64
	Existed bool // a byte-identical blob was already stored
}

// Store keeps immutable blobs by content digest.
type Store interface {
	// Put stores r's bytes (at most max; ≤ 0 means no limit) and returns
	// their digest. A failed Put leaves nothing behind.
	Put(ctx context.Context, r io.Reader, max int64) (Info, error)
	// Open returns the blob's bytes.
	Open(ctx context.Context, digest string) (File, error)
	// Stat reports a blob's size.
	Stat(ctx context.Context, digest string) (int64, error)
	// Delete removes a blob; deleting an absent blob is not an error.
	Delete(ctx context.Context, digest string) error
}

// File is an open blob: readable, seekable and readable at offsets (npz
// archives need ReaderAt).
type File interface {
	io.ReadSeekCloser
	io.ReaderAt
	Size() int64
}

// FS stores blobs under a directory: DIR/sha256/ab/abcdef….
type FS struct {
	dir string
}

// NewFS returns a filesystem store rooted at dir, creating it.
func NewFS(dir string) (*FS, error) {
	if err := os.MkdirAll(filepath.Join(dir, "sha256"), 0o750); err != nil {
		return nil, fmt.Errorf("create blob store %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("create blob store %s: %w", dir, err)
	}
	return &FS{dir: dir}, nil
}

// ParseDigest checks a "sha256:<hex>" digest and returns its hex part.
func ParseDigest(d string) (string, error) {
	const prefix = "sha256:"
	if len(d) != len(prefix)+64 || d[:len(prefix)] != prefix {
		return "", fmt.Errorf("digest %q: want sha256: followed by 64 hex digits", d)
	}
	h := d[len(prefix):]
	if _, err := hex.DecodeString(h); err != nil {
		return "", fmt.Errorf("digest %q: want sha256: followed by 64 hex digits", d)
	}
	for _, c := range h {
		if c >= 'A' && c <= 'F' {
			return "", fmt.Errorf("digest %q: use lower-case hex", d)
		}
	}
	return h, nil
}

func (s *FS) path(hexd string) string {
	return filepath.Join(s.dir, "sha256", hexd[:2], hexd)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Put implements Store.
func (s *FS) Put(ctx context.Context, r io.Reader, max int64) (info Info, err error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "upload-*")
	if err != nil {
		return Info{}, fmt.Errorf("store blob: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	src := io.Reader(ctxReader{ctx, r})
	if max > 0 {
		src = io.LimitReader(src, max+1)
	}
	n, err := io.CopyBuffer(io.MultiWriter(tmp, h), src, make([]byte, 1<<20))
	if err != nil {
		return Info{}, fmt.Errorf("store blob: %w", err)
	}
	if max > 0 && n > max {
		return Info{}, fmt.Errorf("upload exceeds the %d-byte limit: %w", max, ErrTooLarge)
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("store blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("store blob: %w", err)
	}
	hexd := hex.EncodeToString(h.Sum(nil))
	info = Info{Digest: "sha256:" + hexd, Size: n}
	final := s.path(hexd)
	if _, statErr := os.Stat(final); statErr == nil {
		info.Existed = true
		os.Remove(tmp.Name())
		return info, nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Info{}, fmt.Errorf("store blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Info{}, fmt.Errorf("store blob: %w", err)
	}
	return info, nil
}

type osFile struct {
	*os.File
	size int64
}

func (f osFile) Size() int64 { return f.size }

// Open implements Store.
func (s *FS) Open(ctx context.Context, digest string) (File, error) {
	hexd, err := ParseDigest(digest)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(hexd))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", digest, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", digest, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", digest, err)
	}
	return osFile{File: f, size: st.Size()}, nil
}

// Stat implements Store.
func (s *FS) Stat(ctx context.Context, digest string) (int64, error) {
	hexd, err := ParseDigest(digest)
	if err != nil {
		return 0, err
	}
	st, err := os.Stat(s.path(hexd))
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("%s: %w", digest, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("stat blob %s: %w", digest, err)
	}
	return st.Size(), nil
}

// Delete implements Store.
func (s *FS) Delete(ctx context.Context, digest string) error {
	hexd, err := ParseDigest(digest)
	if err != nil {
		return err
	}
	if err := os.Remove(s.path(hexd)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete blob %s: %w", digest, err)
	}
	return nil
}
