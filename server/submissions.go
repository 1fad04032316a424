package server

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

// submissionJSON is a submission as the API shows it to its lab.
type submissionJSON struct {
	ID         int64             `json:"id"`
	Kind       string            `json:"kind"`
	Status     string            `json:"status"`
	Progress   float64           `json:"progress"`
	Digest     string            `json:"digest"`
	SizeBytes  int64             `json:"size_bytes"`
	Error      string            `json:"error,omitempty"`
	Published  bool              `json:"published"`
	Reproduced bool              `json:"reproduced"` // scored both as activations and as weights, with agreeing scores
	Layers     json.RawMessage   `json:"layers"`
	CreatedAt  string            `json:"created_at"`
	FinishedAt string            `json:"finished_at,omitempty"`
	Recognised bool              `json:"recognised,omitempty"` // a byte-identical earlier upload
	Scores     []scoreJSON       `json:"scores,omitempty"`
	Links      map[string]string `json:"links"`
}

type scoreJSON struct {
	Benchmark string          `json:"benchmark"`
	Version   string          `json:"benchmark_version"`
	Scorer    string          `json:"scorer_version"`
	Layer     string          `json:"layer,omitempty"`
	Target    string          `json:"target,omitempty"`
	Value     *float64        `json:"value"`
	CILow     *float64        `json:"ci_low"`
	CIHigh    *float64        `json:"ci_high"`
	Details   json.RawMessage `json:"details,omitempty"`
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func toSubmissionJSON(s submissions.Submission) submissionJSON {
	out := submissionJSON{ID: s.ID, Kind: string(s.Kind), Status: string(s.Status), Progress: s.Progress, Digest: s.BlobDigest,
		SizeBytes: s.SizeBytes, Error: s.Error, Published: s.Published, Reproduced: s.Reproduced, Layers: s.Layers, CreatedAt: ts(s.CreatedAt),
		Links: map[string]string{"self": fmt.Sprintf("/api/v1/submissions/%d", s.ID)}}
	if s.FinishedAt != nil {
		out.FinishedAt = ts(*s.FinishedAt)
	}
	if s.Kind == submissions.KindWeights && s.Status == submissions.StatusScored && s.ActivationsDigest != "" {
		out.Links["activations"] = fmt.Sprintf("/api/v1/submissions/%d/activations", s.ID)
	}
	return out
}

// upload receives a multipart form: "kind" (activations|weights), "card"
// (the model card as JSON), then "file". The file part is streamed to the
// blob store; nothing of it is held in memory.
func (s *Server) upload(c *gin.Context) {
	p, _ := principal(c)
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct != "multipart/form-data" {
		abortWithError(c, s.logger, fmt.Errorf("send multipart/form-data with fields kind, card (JSON) and then file: %w", accounts.ErrInvalid))
		return
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		abortWithError(c, s.logger, fmt.Errorf("read multipart body: %v: %w", err, accounts.ErrInvalid))
		return
	}
	kind := submissions.KindActivations
	var card submissions.Card
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			abortWithError(c, s.logger, fmt.Errorf("the form has no file part (send kind and card first, then file): %w", accounts.ErrInvalid))
			return
		}
		if err != nil {
			abortWithError(c, s.logger, fmt.Errorf("read multipart body: %v: %w", err, accounts.ErrInvalid))
			return
		}
		switch part.FormName() {
		case "kind", "card":
			b, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				abortWithError(c, s.logger, fmt.Errorf("read field %s: %v: %w", part.FormName(), err, accounts.ErrInvalid))
				return
			}
			if part.FormName() == "kind" {
				kind = submissions.Kind(b)
				continue
			}
			if err := json.Unmarshal(b, &card); err != nil {
				abortWithError(c, s.logger, &submissions.ValidationError{Problems: []intake.Problem{{Array: "card", Message: "not valid JSON: " + err.Error()}}})
				return
			}
		case "file":
			sub, existed, err := s.subs.Receive(c.Request.Context(), p.LabID, kind, card, part)
			if err != nil {
				abortWithError(c, s.logger, err)
				return
			}
			out := toSubmissionJSON(sub)
			out.Recognised = existed
			status := http.StatusAccepted
			if existed {
				status = http.StatusOK
			}
			c.Header("Location", out.Links["self"])
			c.JSON(status, out)
			return
		default:
			abortWithError(c, s.logger, fmt.Errorf("unknown form field %q (use kind, card, file): %w", part.FormName(), accounts.ErrInvalid))
			return
		}
	}
}

func (s *Server) submissionID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		abortWithError(c, s.logger, fmt.Errorf("submission id %q is not a number: %w", c.Param("id"), accounts.ErrInvalid))
		return 0, false
	}
	return id, true
}

func (s *Server) getSubmission(c *gin.Context) {
	p, _ := principal(c)
	id, ok := s.submissionID(c)
	if !ok {
		return
	}
	sub, err := s.subs.Get(c.Request.Context(), p.LabID, id)
	if err != nil {
		abortWithError(c, s.logger, err)
		return
	}
	out := toSubmissionJSON(sub)
	if sub.Status == submissions.StatusScored {
		scores, err := s.subs.ScoresWithBenchmarks(c.Request.Context(), id)
		if err != nil {
			abortWithError(c, s.logger, err)
			return
		}
		for _, sc := range scores {
			out.Scores = append(out.Scores, scoreJSON{Benchmark: sc.Benchmark, Version: sc.Version, Scorer: sc.ScorerVersion, Layer: sc.Layer, Target: sc.Target,
				Value: sc.Value, CILow: sc.CILow, CIHigh: sc.CIHigh, Details: detailsIfTop(sc)})
		}
	}
	c.JSON(http.StatusOK, out)
}

// detailsIfTop keeps the full result only on model-level rows.
func detailsIfTop(sc submissions.ScoreRow) json.RawMessage {
	if sc.Layer == "" {
		return sc.Details
	}
	return nil
}

func (s *Server) listSubmissions(c *gin.Context) {
	p, _ := principal(c)
	subs, err := s.subs.List(c.Request.Context(), p.LabID)
	if err != nil {
		abortWithError(c, s.logger, err)
		return
	}
	out := make([]submissionJSON, len(subs))
	for i, sub := range subs {
		out[i] = toSubmissionJSON(sub)
	}
	c.JSON(http.StatusOK, gin.H{"submissions": out})
}

func (s *Server) publishSubmission(c *gin.Context) {
	p, _ := principal(c)
	id, ok := s.submissionID(c)
	if !ok {
		return
	}
	sub, err := s.subs.Publish(c.Request.Context(), p.LabID, id)
	if err != nil {
		abortWithError(c, s.logger, err)
		return
	}
	c.JSON(http.StatusOK, toSubmissionJSON(sub))
}

// submissionActivations streams the activations the server computed for
// one of the lab's scored weights submissions, as an npz in the
// submission format (<input>__<layer>).
func (s *Server) submissionActivations(c *gin.Context) {
	p, _ := principal(c)
	id, ok := s.submissionID(c)
	if !ok {
		return
	}
	f, _, err := s.subs.Activations(c.Request.Context(), p.LabID, id)
	if err != nil {
		abortWithError(c, s.logger, err)
		return
	}
	defer f.Close()
	c.DataFromReader(http.StatusOK, f.Size(), "application/octet-stream", f, map[string]string{
		"Content-Disposition": fmt.Sprintf(`attachment; filename="submission-%d-activations.npz"`, id),
	})
}
