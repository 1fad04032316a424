package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

// ErrForbidden is returned when a principal lacks the role an endpoint needs.
var ErrForbidden = errors.New("forbidden")

// errNoRoute answers unknown API paths.
var errNoRoute = errors.New("no such endpoint")

// ErrorBody is the one JSON error shape of the API.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a machine-readable code and a message a person can act on;
// a rejected upload also lists every problem found.
type ErrorDetail struct {
	Code      string           `json:"code"`
	Message   string           `json:"message"`
	Problems  []intake.Problem `json:"problems,omitempty"`
	RequestID string           `json:"request_id,omitempty"`
}

// kinds maps sentinel errors to statuses and codes. This table is the only
// place where errors become statuses.
var kinds = []struct {
	err    error
	status int
	code   string
}{
	{accounts.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{ErrForbidden, http.StatusForbidden, "forbidden"},
	{accounts.ErrNotFound, http.StatusNotFound, "not_found"},
	{errNoRoute, http.StatusNotFound, "not_found"},
	{accounts.ErrConflict, http.StatusConflict, "conflict"},
	{accounts.ErrInvalid, http.StatusBadRequest, "invalid"},
	{submissions.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{submissions.ErrRateLimited, http.StatusTooManyRequests, "rate_limited"},
	{submissions.ErrNotFound, http.StatusNotFound, "not_found"},
	{submissions.ErrInvalid, http.StatusConflict, "conflict"},
}

// classify returns err's status, code and a message for people: the
// error's text without the sentinel's own word at its end.
func classify(err error) (int, string, string) {
	var ve *submissions.ValidationError
	if errors.As(err, &ve) {
		return http.StatusUnprocessableEntity, "invalid_upload", err.Error()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body exceeds the %d-byte limit", mbe.Limit)
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.status, k.code, strings.TrimSuffix(err.Error(), ": "+k.err.Error())
		}
	}
	return http.StatusInternalServerError, "internal", err.Error()
}

// abortWithError answers err in the API's error shape and stops the chain.
func abortWithError(c *gin.Context, logger *slog.Logger, err error) {
	status, code, msg := classify(err)
	rid := requestID(c)
	if status == http.StatusInternalServerError {
		logger.ErrorContext(c.Request.Context(), "request failed", "request_id", rid, "err", err)
		msg = "internal error; quote request id " + rid + " when reporting it"
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="whiskerbench"`)
	}
	detail := ErrorDetail{Code: code, Message: msg, RequestID: rid}
	var ve *submissions.ValidationError
	if errors.As(err, &ve) {
		detail.Problems = ve.Problems
	}
	c.Abort()
	c.PureJSON(status, ErrorBody{Error: detail})
}
