package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// gzipSuffix ends the ETag of a gzip-encoded representation, so that the
// identity and gzip bytes of one view never share a validator.
const gzipSuffix = "-gz"

// acceptsGzip reports whether the request's Accept-Encoding admits gzip
// (RFC 9110 §12.5.3: "gzip" or "x-gzip" with a non-zero q, or "*" with a
// non-zero q when gzip is not listed).
func acceptsGzip(header string) bool {
	star, gz := false, -1 // gz: -1 not listed, 0 refused, 1 accepted
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		ok := qualityNonZero(params)
		switch name {
		case "gzip", "x-gzip":
			if ok {
				gz = 1
			} else if gz < 0 {
				gz = 0
			}
		case "*":
			star = ok
		}
	}
	return gz == 1 || gz < 0 && star
}

// qualityNonZero reads a coding's parameters; a missing or unreadable q
// counts as 1.
func qualityNonZero(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err != nil || q > 0
	}
	return true
}

// gzipBytes compresses a rendered representation once, at a fast level:
// it is kept beside the identity bytes and served to every client that
// accepts gzip until the stamp changes.
func gzipBytes(body []byte) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(body)/4 + 64)
	w, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, fmt.Errorf("gzip writer: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return b.Bytes(), nil
}

// write answers 200 with the representation in the negotiated encoding;
// identity is the identity ETag, set again if gzip bytes are missing.
func (p cached) write(c *gin.Context, gz bool, identity string) {
	body := p.body
	switch {
	case gz && p.gz != nil:
		body = p.gz
		c.Header("Content-Encoding", "gzip")
	case gz:
		c.Header("ETag", identity)
	}
	c.Header("Content-Length", strconv.Itoa(len(body)))
	c.Data(200, p.contentType, body)
}
