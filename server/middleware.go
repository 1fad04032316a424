package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/whiskerbench/whiskerbench/submissions/accounts"
)

const (
	requestIDHeader = "X-Request-Id"
	ctxRequestID    = "whiskerbench.request_id"
	ctxPrincipal    = "whiskerbench.principal"
)

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// withRequestID takes a sane incoming X-Request-Id or makes one, and echoes
// it on the response.
func withRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(ctxRequestID, id)
		c.Header(requestIDHeader, id)
		c.Next()
	}
}

// logAndMeasure logs one structured line per request and feeds metrics.
func logAndMeasure(logger *slog.Logger, m *Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		d := time.Since(start)
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		m.Observe(c.Request.Method, route, status, d)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		ctx := c.Request.Context()
		if !logger.Enabled(ctx, level) {
			return // build no attributes for a line nobody keeps (warn level, under load)
		}
		logger.LogAttrs(ctx, level, "http request",
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int("bytes", c.Writer.Size()),
			slog.Duration("duration", d),
			slog.String("remote", c.ClientIP()),
		)
	}
}

// recoverJSON turns a handler panic into a logged 500 in the API's error
// shape instead of a dropped connection.
func recoverJSON(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				logger.ErrorContext(c.Request.Context(), "handler panic", "request_id", requestID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				abortWithError(c, logger, fmt.Errorf("panic: %v", r))
			}
		}()
		c.Next()
	}
}

// limitBody caps request bodies; reading past the cap fails with
// *http.MaxBytesError, which answers 413.
func limitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, ErrorBody{Error: ErrorDetail{
				Code: "too_large", Message: fmt.Sprintf("request body of %d bytes exceeds the %d-byte limit", c.Request.ContentLength, max), RequestID: requestID(c),
			}})
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}

// authenticate resolves an Authorization: Bearer token when present. With
// required set, requests without a valid token stop with 401.
func (s *Server) authenticate(required bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		if h == "" {
			if required {
				abortWithError(c, s.logger, fmt.Errorf("this endpoint needs 'Authorization: Bearer <token>' (ask a maintainer for a token): %w", accounts.ErrUnauthenticated))
				return
			}
			c.Next()
			return
		}
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			abortWithError(c, s.logger, fmt.Errorf("malformed Authorization header: use 'Bearer <token>': %w", accounts.ErrUnauthenticated))
			return
		}
		p, err := s.accounts.Authenticate(c.Request.Context(), strings.TrimSpace(tok))
		if err != nil {
			abortWithError(c, s.logger, err)
			return
		}
		c.Set(ctxPrincipal, p)
		c.Next()
	}
}

// writesNeedAuth requires a token on every method that changes state.
func (s *Server) writesNeedAuth() gin.HandlerFunc {
	auth, optional := s.authenticate(true), s.authenticate(false)
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			optional(c)
		default:
			auth(c)
		}
	}
}

func principal(c *gin.Context) (accounts.Principal, bool) {
	v, ok := c.Get(ctxPrincipal)
	if !ok {
		return accounts.Principal{}, false
	}
	p, ok := v.(accounts.Principal)
	return p, ok
}

// requirePrincipal stops requests that carry no valid token.
func (s *Server) requirePrincipal() gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := principal(c); !ok {
			abortWithError(c, s.logger, fmt.Errorf("this endpoint needs 'Authorization: Bearer <token>': %w", accounts.ErrUnauthenticated))
			return
		}
		c.Next()
	}
}

// requireMaintainer stops lab tokens with 403.
func (s *Server) requireMaintainer() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := principal(c)
		if !ok {
			abortWithError(c, s.logger, fmt.Errorf("this endpoint needs a maintainer token: %w", accounts.ErrUnauthenticated))
			return
		}
		if !p.IsMaintainer() {
			abortWithError(c, s.logger, fmt.Errorf("lab %q's token is not a maintainer token: %w", p.LabName, ErrForbidden))
			return
		}
		c.Next()
	}
}
