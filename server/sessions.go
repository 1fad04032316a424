package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/whiskerbench/whiskerbench/submissions/accounts"
)

// Browser sessions. A lab signs in by pasting its API token; the server
// checks it, then stores a session (accounts.StartSession, in the
// database, so a restart or another server keeps it) under the SHA-256 of
// a random id that only the HttpOnly cookie holds (the token is never
// stored, put in a cookie or in a URL). Every request re-reads the token
// by id, so revoking the token ends its sessions. Forms that change state
// carry the session's CSRF token in a hidden field; the sign-in form,
// before any session, carries a random value that must equal its own
// cookie's.
const (
	sessionCookie = "wb_session"
	signinCookie  = "wb_signin"
	csrfField     = "csrf"
	sessionTTL    = 12 * time.Hour
	ctxSession    = "whiskerbench.session"
)

// session is a signed-in browser.
type session struct {
	TokenID int64
	CSRF    string
	Expires time.Time
}

// randomToken returns 32 random bytes, base64url.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sessionKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

// startSession stores a new session for a token and returns its cookie
// value.
func (s *Server) startSession(ctx context.Context, tokenID int64) (string, error) {
	id := randomToken()
	if _, err := s.accounts.StartSession(ctx, sessionKey(id), tokenID, randomToken(), sessionTTL); err != nil {
		return "", err
	}
	return id, nil
}

// session returns the live session of a cookie value.
func (s *Server) session(ctx context.Context, cookie string) (session, error) {
	if cookie == "" {
		return session{}, accounts.ErrNoSession
	}
	bs, err := s.accounts.Session(ctx, sessionKey(cookie))
	if err != nil {
		return session{}, err
	}
	return session{TokenID: bs.TokenID, CSRF: bs.CSRF, Expires: bs.ExpiresAt}, nil
}

// setCookie writes an HttpOnly, SameSite=Strict cookie, Secure over TLS;
// maxAge < 0 deletes it.
func setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: c.Request.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// sameToken compares two CSRF values in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// browserSession is the signed-in lab of a request, if any.
type browserSession struct {
	session
	Principal accounts.Principal
}

// currentSession resolves the session cookie; a revoked token ends the
// session.
func (s *Server) currentSession(c *gin.Context) (browserSession, bool) {
	ctx := c.Request.Context()
	cookie, _ := c.Cookie(sessionCookie)
	sess, err := s.session(ctx, cookie)
	if err != nil {
		if !errors.Is(err, accounts.ErrNoSession) {
			s.logger.ErrorContext(ctx, "read session", "request_id", requestID(c), "err", err)
		}
		return browserSession{}, false
	}
	p, err := s.accounts.TokenPrincipal(ctx, sess.TokenID)
	if err != nil {
		if err := s.accounts.EndSession(ctx, sessionKey(cookie)); err != nil {
			s.logger.ErrorContext(ctx, "end session", "request_id", requestID(c), "err", err)
		}
		return browserSession{}, false
	}
	return browserSession{session: sess, Principal: p}, true
}

// labPagesHeaders keep private pages out of caches and frames.
func labPagesHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.Header("X-Frame-Options", "DENY")
		c.Header("Content-Security-Policy", "frame-ancestors 'none'")
		c.Header("Referrer-Policy", "same-origin")
		c.Next()
	}
}

// requireSession sends browsers without a session to the sign-in page.
func (s *Server) requireSession() gin.HandlerFunc {
	return func(c *gin.Context) {
		bs, ok := s.currentSession(c)
		if !ok {
			if c.Request.Method == http.MethodGet {
				c.Redirect(http.StatusSeeOther, "/signin")
			} else {
				s.labError(c, http.StatusUnauthorized, "Signed out", "Your session has ended. Sign in again with your lab's token.")
			}
			c.Abort()
			return
		}
		c.Set(ctxSession, bs)
		c.Next()
	}
}

func sessionOf(c *gin.Context) browserSession {
	v, _ := c.Get(ctxSession)
	bs, _ := v.(browserSession)
	return bs
}

// checkCSRF stops a form post whose hidden CSRF field is not the session's.
func (s *Server) checkCSRF(c *gin.Context, got string) bool {
	if !sameToken(got, sessionOf(c).CSRF) {
		s.labError(c, http.StatusForbidden, "Form expired", "This form is not from your current session (or it expired). Reload the page and try again.")
		c.Abort()
		return false
	}
	return true
}
