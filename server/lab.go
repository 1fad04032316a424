package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/submissions"
)

// The pages of signed-in labs: sign in with a token, the lab's
// submissions, an upload form, a submission's status and its publish
// button. Every handler uses the same submissions.Service as the API.

// labHead is what the layout needs, plus the signed-in lab.
type labHead struct {
	pageHead
	Lab  string
	CSRF string
}

func (s *Server) labHeadOf(c *gin.Context, title, path string) labHead {
	bs := sessionOf(c)
	return labHead{pageHead: pageHead{Title: title, Path: path, Version: s.version}, Lab: bs.Principal.LabName, CSRF: bs.CSRF}
}

// pageAny renders a template with any data.
func (s *Server) pageAny(c *gin.Context, status int, name string, data any) {
	var b strings.Builder
	if err := s.pages.ExecuteTemplate(&b, name, data); err != nil {
		s.logger.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error rendering %s; request id %s", name, requestID(c))
		return
	}
	c.Data(status, "text/html; charset=utf-8", []byte(b.String()))
}

// labError answers a page with a message.
func (s *Server) labError(c *gin.Context, status int, title, msg string) {
	if status == http.StatusNotFound {
		s.render(c, status, "notfound.html", pageData{Title: "Not found", Path: c.Request.URL.Path})
		return
	}
	s.pageAny(c, status, "laberror.html", errorPage{pageHead: pageHead{Title: title, Path: c.Request.URL.Path, Version: s.version}, Message: msg})
}

// labFail answers a service error as a page.
func (s *Server) labFail(c *gin.Context, err error) {
	status, _, msg := classify(err)
	if status == http.StatusInternalServerError {
		s.logger.ErrorContext(c.Request.Context(), "lab page failed", "request_id", requestID(c), "err", err)
		msg = "internal error; quote request id " + requestID(c) + " when reporting it"
	}
	s.labError(c, status, "Cannot do that", msg)
}

// mountLab adds the signed-in pages.
func (s *Server) mountLab(e *gin.Engine, maxBody int64) {
	g := e.Group("", labPagesHeaders())
	g.GET("/signin", s.signinPage)
	g.POST("/signin", limitBody(maxBody), s.signin)
	in := g.Group("", s.requireSession())
	in.POST("/signout", limitBody(maxBody), s.signout)
	in.GET("/lab", s.labPage)
	// The upload streams under the submission service's own size limit.
	in.POST("/lab/submissions", s.labUpload)
	in.GET("/lab/submissions/:id", s.labSubmission)
	in.GET("/lab/submissions/:id/status", s.labStatus)
	in.POST("/lab/submissions/:id/publish", limitBody(maxBody), s.labPublish)
}

type signinPage struct {
	labHead
	Message string
}

func (s *Server) signinPage(c *gin.Context) {
	if _, ok := s.currentSession(c); ok {
		c.Redirect(http.StatusSeeOther, "/lab")
		return
	}
	s.renderSignin(c, http.StatusOK, "")
}

// renderSignin shows the form with a fresh sign-in CSRF value.
func (s *Server) renderSignin(c *gin.Context, status int, msg string) {
	v := randomToken()
	setCookie(c, signinCookie, v, 3600)
	p := signinPage{labHead: labHead{pageHead: pageHead{Title: "Sign in — whiskerbench", Path: "/signin", Version: s.version}, CSRF: v}, Message: msg}
	s.pageAny(c, status, "signin.html", p)
}

func (s *Server) signin(c *gin.Context) {
	want, _ := c.Cookie(signinCookie)
	if !sameToken(c.PostForm(csrfField), want) {
		s.renderSignin(c, http.StatusForbidden, "The sign-in form expired or did not come from this site. Paste your token again.")
		return
	}
	p, err := s.accounts.Authenticate(c.Request.Context(), strings.TrimSpace(c.PostForm("token")))
	if err != nil {
		status, _, msg := classify(err)
		if status != http.StatusUnauthorized {
			s.labFail(c, err)
			return
		}
		s.renderSignin(c, http.StatusUnauthorized, "That token was not accepted: "+msg+".")
		return
	}
	id, err := s.startSession(c.Request.Context(), p.TokenID)
	if err != nil {
		s.labFail(c, err)
		return
	}
	setCookie(c, signinCookie, "", -1)
	setCookie(c, sessionCookie, id, int(sessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, "/lab")
}

func (s *Server) signout(c *gin.Context) {
	if !s.checkCSRF(c, c.PostForm(csrfField)) {
		return
	}
	cookie, _ := c.Cookie(sessionCookie)
	if err := s.accounts.EndSession(c.Request.Context(), sessionKey(cookie)); err != nil {
		s.labFail(c, err)
		return
	}
	setCookie(c, sessionCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/")
}

// subRow is one line of the lab's list.
type subRow struct {
	ID                         int64
	Href, Model, Kind, Status  string
	Progress                   string
	Visibility, Created, Error string
}

// uploadForm is the upload form's values and problems.
type uploadForm struct {
	Kind                                                                          string
	Name, Family, Encoder, Attender, Decoder, Objective, TrainingData, ParamCount string
	PaperURL                                                                      string
	Problems                                                                      []string
	Message                                                                       string
}

type labPage struct {
	labHead
	Rows   []subRow
	Upload uploadForm
}

func pct(p float64) string { return fmt.Sprintf("%.0f%%", 100*p) }

func (s *Server) labPage(c *gin.Context) {
	s.renderLab(c, http.StatusOK, uploadForm{Kind: string(submissions.KindActivations)})
}

func (s *Server) renderLab(c *gin.Context, status int, form uploadForm) {
	bs := sessionOf(c)
	ctx := c.Request.Context()
	subs, err := s.subs.List(ctx, bs.Principal.LabID)
	if err != nil {
		s.labFail(c, err)
		return
	}
	names, err := s.subs.ModelNames(ctx, bs.Principal.LabID)
	if err != nil {
		s.labFail(c, err)
		return
	}
	p := labPage{labHead: s.labHeadOf(c, "My submissions — whiskerbench", "/lab"), Upload: form}
	for _, sub := range subs {
		r := subRow{ID: sub.ID, Href: fmt.Sprintf("/lab/submissions/%d", sub.ID), Kind: string(sub.Kind), Status: string(sub.Status),
			Progress: pct(sub.Progress), Visibility: "private", Created: sub.CreatedAt.UTC().Format("2006-01-02 15:04"), Error: sub.Error}
		if sub.ModelID != nil {
			r.Model = names[*sub.ModelID]
		}
		if sub.Published {
			r.Visibility = "public"
		}
		p.Rows = append(p.Rows, r)
	}
	s.pageAny(c, status, "lab.html", p)
}

// labUpload receives the upload form: csrf first, then the card fields
// and kind, then the file, which streams to the blob store through the
// same Receive as the API's upload.
func (s *Server) labUpload(c *gin.Context) {
	bs := sessionOf(c)
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct != "multipart/form-data" {
		s.labError(c, http.StatusBadRequest, "Cannot upload", "Send the upload form (multipart/form-data).")
		return
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		s.labError(c, http.StatusBadRequest, "Cannot upload", "Could not read the form: "+err.Error())
		return
	}
	form := uploadForm{Kind: string(submissions.KindActivations)}
	fields := map[string]*string{"kind": &form.Kind, "name": &form.Name, "family": &form.Family, "encoder": &form.Encoder, "attender": &form.Attender,
		"decoder": &form.Decoder, "objective": &form.Objective, "training_data": &form.TrainingData, "param_count": &form.ParamCount, "paper_url": &form.PaperURL}
	csrf := ""
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			form.Problems = append(form.Problems, "file: choose a file to upload")
			s.renderLab(c, http.StatusBadRequest, form)
			return
		}
		if err != nil {
			s.labError(c, http.StatusBadRequest, "Cannot upload", "Could not read the form: "+err.Error())
			return
		}
		name := part.FormName()
		if name != "file" {
			b, err := io.ReadAll(io.LimitReader(part, 16<<10))
			if err != nil {
				s.labError(c, http.StatusBadRequest, "Cannot upload", "Could not read the form: "+err.Error())
				return
			}
			if name == csrfField {
				csrf = string(b)
			} else if f, ok := fields[name]; ok {
				*f = strings.TrimSpace(string(b))
			}
			continue
		}
		// The CSRF field precedes the file in the form; nothing of the
		// file is read without it.
		if !s.checkCSRF(c, csrf) {
			return
		}
		card := submissions.Card{Name: form.Name, Family: form.Family, Encoder: form.Encoder, Attender: form.Attender, Decoder: form.Decoder,
			Objective: form.Objective, TrainingData: form.TrainingData, PaperURL: form.PaperURL}
		if form.ParamCount != "" {
			n, err := leaderboard.ParseParams(form.ParamCount)
			if err != nil {
				form.Problems = append(form.Problems, "param_count: "+err.Error())
			}
			card.ParamCount = n
		}
		if part.FileName() == "" {
			form.Problems = append(form.Problems, "file: choose a file to upload")
		}
		if len(form.Problems) > 0 {
			s.renderLab(c, http.StatusUnprocessableEntity, form)
			return
		}
		sub, _, err := s.subs.Receive(c.Request.Context(), bs.Principal.LabID, submissions.Kind(form.Kind), card, part)
		if err != nil {
			var ve *submissions.ValidationError
			if errors.As(err, &ve) {
				for _, p := range ve.Problems {
					form.Problems = append(form.Problems, p.String())
				}
				s.renderLab(c, http.StatusUnprocessableEntity, form)
				return
			}
			status, _, msg := classify(err)
			if status == http.StatusInternalServerError {
				s.labFail(c, err)
				return
			}
			form.Message = msg
			s.renderLab(c, status, form)
			return
		}
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("/lab/submissions/%d", sub.ID))
		return
	}
}

func (s *Server) labSubmissionOf(c *gin.Context) (submissions.Submission, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.labError(c, http.StatusNotFound, "", "")
		return submissions.Submission{}, false
	}
	sub, err := s.subs.Get(c.Request.Context(), sessionOf(c).Principal.LabID, id)
	if err != nil {
		s.labFail(c, err)
		return submissions.Submission{}, false
	}
	return sub, true
}

// inFlight reports whether a submission's status can still change on its own.
func inFlight(st submissions.Status) bool {
	return st != submissions.StatusScored && st != submissions.StatusFailed
}

type scoreLine struct {
	Benchmark, Scorer, Target, Value, CI string
}

type submissionPage struct {
	labHead
	ID                              int64
	Model, Kind, Status, Progress   string
	ProgressValue                   float64
	Digest, Size, Created, Finished string
	Error                           string
	InFlight, Scored, Published     bool
	Scores                          []scoreLine
	ModelHref, StatusHref           string
	PublishHref                     string
}

func (s *Server) labSubmission(c *gin.Context) {
	sub, ok := s.labSubmissionOf(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	p := submissionPage{labHead: s.labHeadOf(c, fmt.Sprintf("Submission %d — whiskerbench", sub.ID), c.Request.URL.Path), ID: sub.ID,
		Kind: string(sub.Kind), Status: string(sub.Status), Progress: pct(sub.Progress), ProgressValue: sub.Progress, Digest: sub.BlobDigest,
		Size: fmt.Sprintf("%d bytes", sub.SizeBytes), Created: sub.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"), Error: sub.Error,
		InFlight: inFlight(sub.Status), Scored: sub.Status == submissions.StatusScored, Published: sub.Published,
		StatusHref: fmt.Sprintf("/lab/submissions/%d/status", sub.ID), PublishHref: fmt.Sprintf("/lab/submissions/%d/publish", sub.ID)}
	if p.InFlight {
		p.Refresh = 3
	}
	if sub.FinishedAt != nil {
		p.Finished = sub.FinishedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if sub.ModelID != nil {
		names, err := s.subs.ModelNames(ctx, sub.LabID)
		if err != nil {
			s.labFail(c, err)
			return
		}
		p.Model = names[*sub.ModelID]
		if sub.Published {
			p.ModelHref = fmt.Sprintf("/models/%d", *sub.ModelID)
		}
	}
	if p.Scored {
		rows, err := s.subs.ScoresWithBenchmarks(ctx, sub.ID)
		if err != nil {
			s.labFail(c, err)
			return
		}
		for _, r := range rows {
			if r.Layer != "" {
				continue
			}
			l := scoreLine{Benchmark: r.Benchmark + " @ " + r.Version, Scorer: r.ScorerVersion, Target: r.Target, Value: "—"}
			if r.Value != nil {
				l.Value = leaderboard.Num(*r.Value)
			}
			if r.CILow != nil && r.CIHigh != nil {
				l.CI = leaderboard.CIText(&leaderboard.Interval{Low: *r.CILow, High: *r.CIHigh})
			}
			p.Scores = append(p.Scores, l)
		}
	}
	s.pageAny(c, http.StatusOK, "labsubmission.html", p)
}

// labStatus is the polling script's view of a submission.
func (s *Server) labStatus(c *gin.Context) {
	sub, ok := s.labSubmissionOf(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": sub.ID, "status": sub.Status, "progress": sub.Progress, "published": sub.Published, "in_flight": inFlight(sub.Status)})
}

func (s *Server) labPublish(c *gin.Context) {
	if !s.checkCSRF(c, c.PostForm(csrfField)) {
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.labError(c, http.StatusNotFound, "", "")
		return
	}
	if _, err := s.subs.Publish(c.Request.Context(), sessionOf(c).Principal.LabID, id); err != nil {
		s.labFail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/lab/submissions/%d", id))
}
