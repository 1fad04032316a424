package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/structure"
	"github.com/whiskerbench/whiskerbench/server/web"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the server needs from the layers below it.
type Deps struct {
	Accounts     *accounts.Service
	Submissions  *submissions.Service
	Leaderboard  *leaderboard.Service // the board and its pages; nil serves none
	Structure    *structure.Service   // RDMs and stimulus traces on model and benchmark pages; nil shows none
	DB           Pinger
	Logger       *slog.Logger
	MaxBodyBytes int64
	Version      string
}

// Server is the HTTP handler of whiskerbench.
type Server struct {
	engine   *gin.Engine
	accounts *accounts.Service
	subs     *submissions.Service
	db       Pinger
	logger   *slog.Logger
	metrics  *Metrics
	pages    *template.Template
	version  string
	lb       *leaderboard.Service
}

// New builds the handler. It fails only if the embedded templates are
// broken, which tests catch.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 1 << 20
	}
	pages, err := web.Templates()
	if err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{
		engine:   gin.New(),
		accounts: d.Accounts,
		subs:     d.Submissions,
		db:       d.DB,
		logger:   d.Logger,
		metrics:  NewMetrics(),
		pages:    pages,
		version:  d.Version,
		lb:       d.Leaderboard,
	}
	e := s.engine
	e.HandleMethodNotAllowed = true
	e.Use(withRequestID(), logAndMeasure(s.logger, s.metrics), recoverJSON(s.logger))

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler)

	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	e.StaticFS("/static", http.FS(static))
	e.GET("/", s.home)
	e.GET("/docs", s.docsPage)
	if d.Leaderboard != nil {
		s.mountLeaderboard(e, d.Leaderboard, d.Structure)
	}

	// Uploads stream to the blob store under the submission service's own
	// size limit; every other endpoint reads at most MaxBodyBytes.
	if s.subs != nil {
		e.POST("/api/v1/submissions", s.authenticate(true), s.upload)
		if s.accounts != nil {
			s.mountLab(e, d.MaxBodyBytes)
		}
	}
	api := e.Group("/api/v1", limitBody(d.MaxBodyBytes), s.writesNeedAuth())
	api.GET("/me", s.requirePrincipal(), s.me)
	api.GET("/labs", s.requireMaintainer(), s.listLabs)
	api.POST("/labs", s.requireMaintainer(), s.createLab)
	if s.subs != nil {
		api.GET("/submissions", s.requirePrincipal(), s.listSubmissions)
		api.GET("/submissions/:id", s.requirePrincipal(), s.getSubmission)
		api.POST("/submissions/:id/publish", s.requirePrincipal(), s.publishSubmission)
		api.GET("/submissions/:id/activations", s.requirePrincipal(), s.submissionActivations)
	}

	e.NoRoute(s.noRoute)
	e.NoMethod(s.noRoute)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

func (s *Server) noRoute(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		abortWithError(c, s.logger, fmt.Errorf("%s %s: %w (see /docs for the API)", c.Request.Method, c.Request.URL.Path, errNoRoute))
		return
	}
	c.Status(http.StatusNotFound)
	s.render(c, http.StatusNotFound, "notfound.html", pageData{Title: "Not found", Path: c.Request.URL.Path})
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.version})
}

func (s *Server) readyz(c *gin.Context) {
	if err := s.db.Ping(c.Request.Context()); err != nil {
		c.JSON(http.StatusServiceUnavailable, ErrorBody{Error: ErrorDetail{Code: "unavailable", Message: err.Error(), RequestID: requestID(c)}})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

func (s *Server) metricsHandler(c *gin.Context) {
	c.Header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	c.Status(http.StatusOK)
	s.metrics.WriteTo(c.Writer)
}

func (s *Server) me(c *gin.Context) {
	p, _ := principal(c)
	c.JSON(http.StatusOK, p)
}

type labJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

func toLabJSON(l accounts.Lab) labJSON {
	return labJSON{ID: l.ID, Name: l.Name, CreatedAt: l.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}
}

func (s *Server) listLabs(c *gin.Context) {
	labs, err := s.accounts.Labs(c.Request.Context())
	if err != nil {
		abortWithError(c, s.logger, err)
		return
	}
	out := make([]labJSON, len(labs))
	for i, l := range labs {
		out[i] = toLabJSON(l)
	}
	c.JSON(http.StatusOK, gin.H{"labs": out})
}

func (s *Server) createLab(c *gin.Context) {
	var req struct {
		Name string `json:"name"`
	}
	if err := c.ShouldBindJSON(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			abortWithError(c, s.logger, err)
			return
		}
		abortWithError(c, s.logger, fmt.Errorf("body must be JSON like {\"name\": \"My Lab\"}: %v: %w", err, accounts.ErrInvalid))
		return
	}
	lab, err := s.accounts.CreateLab(c.Request.Context(), req.Name)
	if err != nil {
		abortWithError(c, s.logger, err)
		return
	}
	c.JSON(http.StatusCreated, toLabJSON(lab))
}

// pageData is what every page template receives.
type pageData struct {
	Title   string
	Path    string
	Version string
	Refresh int // see pageHead
	// Synthetic is set on the home page while a current neural benchmark
	// is the synthetic cortex.
	Synthetic bool
}

func (s *Server) render(c *gin.Context, status int, name string, data pageData) {
	data.Version = s.version
	var b strings.Builder
	if err := s.pages.ExecuteTemplate(&b, name, data); err != nil {
		s.logger.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error rendering %s; request id %s", name, requestID(c))
		return
	}
	c.Data(status, "text/html; charset=utf-8", []byte(b.String()))
}

func (s *Server) home(c *gin.Context) {
	p := pageData{Title: "whiskerbench", Path: "/"}
	if s.lb != nil {
		if b, err := s.lb.Board(c.Request.Context()); err == nil {
			for _, x := range b.Benchmarks {
				p.Synthetic = p.Synthetic || x.Synthetic
			}
		}
	}
	s.render(c, http.StatusOK, "home.html", p)
}
