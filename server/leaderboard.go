package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/structure"
)

// boardPages serves the leaderboard, its exports, the scatter, and the
// model and benchmark pages.
type boardPages struct {
	s     *Server
	lb    *leaderboard.Service
	st    *structure.Service // RDMs and stimulus traces; nil shows none
	cache renderCache
}

// renderCache keeps rendered representations of the current stamp, keyed
// by ETag; a new stamp empties it, so nothing stale is ever served.
// Concurrent requests for a representation that is being rendered wait
// for that render instead of rendering it again.
type renderCache struct {
	mu        sync.Mutex
	stamp     string
	pages     map[string]cached
	rendering map[string]*rendering // by stamp and ETag
}

// rendering is one representation being produced.
type rendering struct {
	done chan struct{}
	page cached
	ok   bool
}

type cached struct {
	contentType string
	body        []byte
	gz          []byte // body gzip-compressed; nil if compression failed
}

// renderCacheSize bounds the views kept per stamp.
const renderCacheSize = 128

func (rc *renderCache) get(stamp, etag string) (cached, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.stamp != stamp {
		return cached{}, false
	}
	p, ok := rc.pages[etag]
	return p, ok
}

func (rc *renderCache) put(stamp, etag string, p cached) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.stamp != stamp || len(rc.pages) >= renderCacheSize {
		rc.stamp, rc.pages = stamp, map[string]cached{}
	}
	rc.pages[etag] = p
}

// serveCached answers from the render cache, or renders with produce and
// keeps the result, identity and gzip bytes both; gz picks the encoding
// answered. When produce fails it has answered the request itself.
func (h *boardPages) serveCached(c *gin.Context, stamp string, gz bool, produce func() (cached, bool)) {
	etag := c.Writer.Header().Get("ETag")
	if gz {
		etag = strings.TrimSuffix(strings.TrimSuffix(etag, `"`), gzipSuffix) + `"`
	}
	if p, ok := h.cache.get(stamp, etag); ok {
		p.write(c, gz, etag)
		return
	}
	key := stamp + "\x00" + etag
	rc := &h.cache
	rc.mu.Lock()
	if r, ok := rc.rendering[key]; ok {
		rc.mu.Unlock()
		select {
		case <-r.done:
		case <-c.Request.Context().Done():
			c.AbortWithStatus(http.StatusServiceUnavailable)
			return
		}
		if r.ok {
			r.page.write(c, gz, etag)
			return
		}
		// The first render failed and answered its own request; try once more.
		if p, ok := h.produceEncoded(c, produce); ok {
			p.write(c, gz, etag)
		}
		return
	}
	if rc.rendering == nil {
		rc.rendering = map[string]*rendering{}
	}
	r := &rendering{done: make(chan struct{})}
	rc.rendering[key] = r
	rc.mu.Unlock()
	r.page, r.ok = h.produceEncoded(c, produce)
	if r.ok {
		rc.put(stamp, etag, r.page)
	}
	rc.mu.Lock()
	delete(rc.rendering, key)
	rc.mu.Unlock()
	close(r.done)
	if r.ok {
		r.page.write(c, gz, etag)
	}
}

// produceEncoded renders with produce and compresses the result once. A
// failed compression is logged and leaves identity bytes only.
func (h *boardPages) produceEncoded(c *gin.Context, produce func() (cached, bool)) (cached, bool) {
	p, ok := produce()
	if !ok {
		return p, false
	}
	var err error
	if p.gz, err = gzipBytes(p.body); err != nil {
		h.s.logger.ErrorContext(c.Request.Context(), "compress page", "path", c.Request.URL.Path, "err", err)
	}
	return p, true
}

// renderBytes executes a template into memory.
func (h *boardPages) renderBytes(c *gin.Context, name string, data any) (cached, bool) {
	var b bytes.Buffer
	if err := h.s.pages.ExecuteTemplate(&b, name, data); err != nil {
		h.s.logger.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error rendering %s; request id %s", name, requestID(c))
		return cached{}, false
	}
	return cached{contentType: "text/html; charset=utf-8", body: b.Bytes()}, true
}

// mountLeaderboard adds the board's routes.
func (s *Server) mountLeaderboard(e *gin.Engine, lb *leaderboard.Service, st *structure.Service) {
	h := &boardPages{s: s, lb: lb, st: st}
	e.GET("/leaderboard", h.boardHTML)
	e.GET("/leaderboard.csv", h.boardCSV)
	e.GET("/leaderboard/scatter", h.scatterHTML)
	e.GET("/models/:id", h.modelHTML)
	e.GET("/benchmarks", h.benchmarksHTML)
	e.GET("/benchmarks/:name", h.benchmarkHTML)
	e.GET("/api/v1/leaderboard", h.boardJSON)
	e.GET("/api/v1/leaderboard/changes", h.changesJSON)
	e.GET("/api/v1/models/:id", h.modelJSON)
	e.GET("/api/v1/benchmarks/:name", h.benchmarkJSON)
}

// cacheControl makes caches revalidate on every use: the ETag answers
// cheaply when nothing changed, and a new score is never served stale.
const cacheControl = "public, max-age=0, must-revalidate"

// etag is the validator of a representation: the board's stamp, the
// server's version, the route and the canonical query.
func (h *boardPages) etag(c *gin.Context, stamp, variant string) string {
	sum := sha256.Sum256([]byte(h.s.version + "\x00" + c.FullPath() + "\x00" + variant))
	return `W/"` + stamp + "-" + hex.EncodeToString(sum[:8]) + `"`
}

// fresh sets the ETag of an identity-only representation and answers 304
// when the client already has it.
func (h *boardPages) fresh(c *gin.Context, stamp, variant string) bool {
	return h.notModified(c, h.etag(c, stamp, variant))
}

// freshEncoded is fresh for representations served by serveCached in
// either encoding: gz reports whether the client takes gzip, whose ETag
// carries gzipSuffix, and the answer varies by Accept-Encoding.
func (h *boardPages) freshEncoded(c *gin.Context, stamp, variant string) (gz, done bool) {
	gz = acceptsGzip(c.GetHeader("Accept-Encoding"))
	etag := h.etag(c, stamp, variant)
	if gz {
		etag = strings.TrimSuffix(etag, `"`) + gzipSuffix + `"`
	}
	c.Header("Vary", "Accept-Encoding")
	return gz, h.notModified(c, etag)
}

// notModified sets etag and answers 304 when If-None-Match holds it.
func (h *boardPages) notModified(c *gin.Context, etag string) bool {
	c.Header("ETag", etag)
	c.Header("Cache-Control", cacheControl)
	for _, t := range strings.Split(c.GetHeader("If-None-Match"), ",") {
		if t = strings.TrimSpace(t); t == etag || t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			c.Status(http.StatusNotModified)
			c.Abort()
			return true
		}
	}
	return false
}

// fail answers an error as JSON (api) or as a page.
func (h *boardPages) fail(c *gin.Context, api bool, err error) {
	status, code := http.StatusInternalServerError, "internal"
	switch {
	case errors.Is(err, leaderboard.ErrInvalidQuery):
		status, code = http.StatusBadRequest, "invalid"
	case errors.Is(err, leaderboard.ErrNotFound):
		status, code = http.StatusNotFound, "not_found"
	}
	if status == http.StatusInternalServerError {
		h.s.logger.ErrorContext(c.Request.Context(), "leaderboard request failed", "request_id", requestID(c), "path", c.Request.URL.Path, "err", err)
	}
	if api {
		if status == http.StatusInternalServerError {
			abortWithError(c, h.s.logger, err)
			return
		}
		msg := strings.TrimSuffix(strings.TrimSuffix(err.Error(), ": "+leaderboard.ErrInvalidQuery.Error()), ": "+leaderboard.ErrNotFound.Error())
		c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg, RequestID: requestID(c)}})
		return
	}
	c.Abort()
	switch status {
	case http.StatusNotFound:
		h.s.render(c, status, "notfound.html", pageData{Title: "Not found", Path: c.Request.URL.Path})
	case http.StatusBadRequest:
		h.page(c, status, "lberror.html", errorPage{pageHead: h.head("Cannot show that view", "/leaderboard"), Message: err.Error()})
	default:
		c.String(status, "internal error; quote request id %s when reporting it", requestID(c))
	}
}

// pageHead is what the layout needs.
type pageHead struct {
	Title   string
	Path    string
	Version string
	Refresh int // seconds; a <noscript> meta refresh (pages of runs in flight)
}

func (h *boardPages) head(title, path string) pageHead {
	return pageHead{Title: title, Path: path, Version: h.s.version}
}

type errorPage struct {
	pageHead
	Message string
}

// page renders a template with any data.
func (h *boardPages) page(c *gin.Context, status int, name string, data any) {
	var b strings.Builder
	if err := h.s.pages.ExecuteTemplate(&b, name, data); err != nil {
		h.s.logger.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error rendering %s; request id %s", name, requestID(c))
		return
	}
	c.Data(status, "text/html; charset=utf-8", []byte(b.String()))
}

// view reads the board and the query, or answers the error.
func (h *boardPages) view(c *gin.Context, api bool) (leaderboard.View, bool) {
	b, q, ok := h.query(c, api)
	if !ok {
		return leaderboard.View{}, false
	}
	return b.View(q), true
}

// query reads the board and the query, or answers the error. The view
// itself (filtering and sorting every row) is left to the caller, to do
// only when the representation is not cached.
func (h *boardPages) query(c *gin.Context, api bool) (*leaderboard.Board, leaderboard.Query, bool) {
	b, err := h.lb.Board(c.Request.Context())
	if err != nil {
		h.fail(c, api, err)
		return nil, leaderboard.Query{}, false
	}
	q, err := b.ParseQuery(c.Request.URL.Query())
	if err != nil {
		h.fail(c, api, err)
		return nil, leaderboard.Query{}, false
	}
	return b, q, true
}

// boardJSONBody is the JSON of a view.
type boardJSONBody struct {
	leaderboard.View
	Rows                []leaderboard.Row `json:"rows"` // the query's page
	AggregateDefinition string            `json:"aggregate_definition"`
	TieRule             string            `json:"tie_rule"`
	Links               map[string]string `json:"links"`
}

func (h *boardPages) boardJSON(c *gin.Context) {
	b, q, ok := h.query(c, true)
	if !ok {
		return
	}
	gz, done := h.freshEncoded(c, b.Stamp, q.Values().Encode())
	if done {
		return
	}
	h.serveCached(c, b.Stamp, gz, func() (cached, bool) {
		v := b.View(q)
		qs := q.Values().Encode()
		all := q.WithPage(1).Values()
		all.Del("per_page")
		links := map[string]string{"html": "/leaderboard?" + qs, "csv": "/leaderboard.csv?" + all.Encode(), "scatter": "/leaderboard/scatter?" + all.Encode()}
		if q.PerPage > 0 {
			page, _ := v.PageBounds()
			page = page/q.PerPage + 1
			if page > 1 {
				links["prev"] = "/api/v1/leaderboard?" + q.WithPage(page-1).Values().Encode()
			}
			if page < v.Pages {
				links["next"] = "/api/v1/leaderboard?" + q.WithPage(page+1).Values().Encode()
			}
		}
		body, err := json.Marshal(boardJSONBody{View: v, Rows: v.PageRows(), AggregateDefinition: leaderboard.AggregateDefinition, TieRule: leaderboard.TieRule,
			Links: links})
		if err != nil {
			h.fail(c, true, fmt.Errorf("encode leaderboard: %w", err))
			return cached{}, false
		}
		return cached{contentType: "application/json; charset=utf-8", body: body}, true
	})
}

func (h *boardPages) boardCSV(c *gin.Context) {
	bd, q, ok := h.query(c, true)
	if !ok {
		return
	}
	gz, done := h.freshEncoded(c, bd.Stamp, q.Values().Encode())
	if done {
		return
	}
	c.Header("Content-Disposition", `attachment; filename="whiskerbench-leaderboard.csv"`)
	h.serveCached(c, bd.Stamp, gz, func() (cached, bool) {
		v := bd.View(q)
		var b bytes.Buffer
		if err := v.WriteCSV(&b); err != nil {
			h.fail(c, true, err)
			return cached{}, false
		}
		return cached{contentType: "text/csv; charset=utf-8", body: b.Bytes()}, true
	})
}

// Page models: every string is formatted here, templates only place them.

type headerCell struct {
	Label, Sub, Href, Arrow, Title string
	Score                          bool
}

type cellView struct {
	Value, CI, Rank, Versions, Note string
	Extra                           []string
	Tied, Stale, Missing            bool
}

type rowView struct {
	Href, Name, Lab, Family, Encoder, Attender, Objective, Params string
	Reference, Reproduced                                         bool
	Rank                                                          string
	Tied                                                          bool
	Cells                                                         []cellView
	Aggregate                                                     cellView
}

type refView struct {
	Kind, Label, Note, Source string
	Cells                     []cellView
}

type selectView struct {
	Name, Label string
	Options     []optionView
}

type optionView struct {
	Value    string
	Selected bool
}

type benchView struct {
	Name, Version, Kind, Scorer, Href string
	Synthetic                         bool
}

type boardPage struct {
	pageHead
	Headers                        []headerCell
	Rows                           []rowView
	Refs, Paper                    []refView
	Selects                        []selectView
	MinParams, MaxParams           string
	Sort, Dir, PerPage             string
	Shown, Total                   int
	First, Last, Page, Pages       int
	PrevHref, NextHref, AllHref    string
	Filtered                       bool
	CSVHref, JSONHref, ScatterHref string
	AggregateDefinition, TieRule   string
	PaperSource, PaperCaveat       string
	Benchmarks                     []benchView
	Synthetic                      bool
	ColumnCount                    int
	Changed                        *changeBox // the latest ranking change, if any
}

func cellOf(c *leaderboard.Cell) cellView {
	if c == nil {
		return cellView{Value: "—", Missing: true, Note: "missing: not scored (never counted as zero)"}
	}
	cv := cellView{Value: leaderboard.Num(c.Value), CI: leaderboard.CIText(c.CI), Rank: leaderboard.RankText(c.Place), Tied: c.Tied,
		Versions: c.BenchmarkVersion + " · " + c.Scorer, Stale: !c.Current}
	if c.Benchmark == leaderboard.KeyAggregate {
		cv.Versions, cv.Note = "normalised mean", "over "+c.BenchmarkVersion
	}
	if cv.Stale {
		cv.Note = "scored on an older benchmark version; not ranked until re-scored"
	}
	return cv
}

func refCells(r leaderboard.ReferenceRow, cols []leaderboard.Column) []cellView {
	out := make([]cellView, 0, len(cols)+1)
	for _, c := range cols {
		rc, ok := r.Cells[c.Key]
		if !ok {
			out = append(out, cellView{Missing: true})
			continue
		}
		cv := cellView{Value: leaderboard.Num(rc.Value), CI: leaderboard.CIText(rc.CI), Versions: rc.BenchmarkVersion + " · " + rc.Scorer}
		if rc.SEM != nil {
			cv.Value += " ± " + leaderboard.Num(*rc.SEM)
		}
		if rc.Max != nil {
			cv.Extra = append(cv.Extra, "max "+leaderboard.Num(*rc.Max))
		}
		out = append(out, cv)
	}
	return append(out, cellView{Missing: true})
}

func (h *boardPages) boardPageOf(v leaderboard.View, path string) boardPage {
	q := v.Query
	link := func(p string, qq leaderboard.Query) string { return p + "?" + qq.Values().Encode() }
	whole := q.WithPage(1)
	whole.PerPage = leaderboard.DefaultPerPage
	start, end := v.PageBounds()
	p := boardPage{pageHead: h.head("Leaderboard — whiskerbench", path), Shown: len(v.Rows), Total: v.Total, Filtered: q.Filtered(),
		CSVHref: link("/leaderboard.csv", whole), JSONHref: link("/api/v1/leaderboard", q), ScatterHref: link("/leaderboard/scatter", whole),
		First: start + 1, Last: end, Page: 1, Pages: max(v.Pages, 1),
		AggregateDefinition: leaderboard.AggregateDefinition, TieRule: leaderboard.TieRule, PaperSource: leaderboard.PaperSource, PaperCaveat: leaderboard.PaperCaveat,
		Sort: q.Sort, Dir: "asc", ColumnCount: 6 + len(v.Columns) + 1}
	if q.Desc {
		p.Dir = "desc"
	}
	if q.PerPage > 0 {
		p.Page = start/q.PerPage + 1
		if q.PerPage != leaderboard.DefaultPerPage {
			p.PerPage = strconv.Itoa(q.PerPage)
		}
		if p.Page > 1 {
			p.PrevHref = link(path, q.WithPage(p.Page-1))
		}
		if p.Page < p.Pages {
			p.NextHref = link(path, q.WithPage(p.Page+1))
		}
	} else {
		p.PerPage = "all"
	}
	if p.Pages > 1 {
		all := q.WithPage(1)
		all.PerPage = 0
		p.AllHref = link(path, all)
	}
	if q.MinParams != nil {
		p.MinParams = strconv.FormatInt(*q.MinParams, 10)
	}
	if q.MaxParams != nil {
		p.MaxParams = strconv.FormatInt(*q.MaxParams, 10)
	}
	for _, b := range v.Benchmarks {
		p.Benchmarks = append(p.Benchmarks, benchView{Name: b.Name, Version: b.Version, Kind: b.Kind, Scorer: b.Scorer, Synthetic: b.Synthetic, Href: "/benchmarks/" + url.PathEscape(b.Name)})
		p.Synthetic = p.Synthetic || b.Synthetic
	}
	arrow := func(key string) string {
		if q.Sort != key {
			return ""
		}
		if q.Desc {
			return "▼"
		}
		return "▲"
	}
	th := func(label, key, sub, title string, score bool) headerCell {
		return headerCell{Label: label, Sub: sub, Href: link("/leaderboard", q.WithSort(key)), Arrow: arrow(key), Title: title, Score: score}
	}
	p.Headers = []headerCell{
		th("Rank", leaderboard.KeyAggregate, "aggregate", "rank by the aggregate; = marks a tie", false),
		th("Model", "name", "", "", false), th("Lab", "lab", "", "", false),
		th("Family", "family", "encoder / attender", "", false), th("Objective", "objective", "", "", false), th("Params", "params", "", "", false),
	}
	for _, c := range v.Columns {
		sub := c.Benchmark + " @ " + c.Version + " · " + c.Scorer
		p.Headers = append(p.Headers, th(c.Label, c.Key, sub, c.Interval, true))
	}
	p.Headers = append(p.Headers, th("Aggregate", leaderboard.KeyAggregate, "mean of normalised scores", leaderboard.AggregateDefinition, true))
	for _, r := range v.PageRows() {
		fam := r.Family
		if r.Encoder != "" || r.Attender != "" {
			fam += " (" + strings.Trim(r.Encoder+" / "+r.Attender, " /") + ")"
		}
		rv := rowView{Href: fmt.Sprintf("/models/%d", r.ModelID), Name: r.Name, Lab: r.Lab, Family: fam, Objective: r.Objective,
			Params: leaderboard.Params(r.ParamCount), Reference: r.Reference, Reproduced: r.Reproduced, Aggregate: cellOf(r.Aggregate)}
		if r.Aggregate != nil {
			rv.Rank, rv.Tied = leaderboard.RankText(r.Aggregate.Place), r.Aggregate.Tied
		}
		for _, c := range v.Columns {
			rv.Cells = append(rv.Cells, cellOf(r.Cells.Get(c.Key)))
		}
		p.Rows = append(p.Rows, rv)
	}
	for _, r := range v.References {
		p.Refs = append(p.Refs, refView{Kind: r.Kind, Label: r.Label, Note: r.Note, Source: r.Source, Cells: refCells(r, v.Columns)})
	}
	for _, r := range v.Paper {
		p.Paper = append(p.Paper, refView{Kind: r.Kind, Label: r.Label, Note: r.Note, Source: r.Source, Cells: refCells(r, v.Columns)})
	}
	sel := func(name, label, cur string, opts []string) selectView {
		s := selectView{Name: name, Label: label, Options: []optionView{{Value: "", Selected: cur == ""}}}
		for _, o := range opts {
			s.Options = append(s.Options, optionView{Value: o, Selected: strings.EqualFold(o, cur)})
		}
		return s
	}
	o := v.Options
	p.Selects = []selectView{
		sel("family", "Family", q.Family, o.Families), sel("encoder", "Encoder", q.Encoder, o.Encoders),
		sel("attender", "Attender", q.Attender, o.Attenders), sel("objective", "Objective", q.Objective, o.Objectives),
		sel("lab", "Lab", q.Lab, o.Labs),
	}
	return p
}

func (h *boardPages) boardHTML(c *gin.Context) {
	b, q, ok := h.query(c, false)
	if !ok {
		return
	}
	gz, done := h.freshEncoded(c, b.Stamp, q.Values().Encode())
	if done {
		return
	}
	h.serveCached(c, b.Stamp, gz, func() (cached, bool) {
		p := h.boardPageOf(b.View(q), "/leaderboard")
		p.Changed = h.latestChange(c)
		return h.renderBytes(c, "leaderboard.html", p)
	})
}

type axisOption struct {
	Key, Label string
	Selected   bool
}

type scatterPage struct {
	pageHead
	Plot         leaderboard.Plot
	Points       int
	XAxes, YAxes []axisOption
	Hidden       []hiddenField
	BoardHref    string
	Synthetic    bool
	Legend       []string
}

type hiddenField struct{ Name, Value string }

func (h *boardPages) scatterHTML(c *gin.Context) {
	v, ok := h.view(c, false)
	if !ok {
		return
	}
	dx, dy := v.ScatterAxes()
	x, y := c.DefaultQuery("x", dx), c.DefaultQuery("y", dy)
	plot, err := v.Scatter(x, y)
	if err != nil {
		h.fail(c, false, err)
		return
	}
	gz, done := h.freshEncoded(c, v.Stamp, v.Query.Values().Encode()+"&x="+x+"&y="+y)
	if done {
		return
	}
	p := scatterPage{pageHead: h.head("Task against brain — whiskerbench", "/leaderboard/scatter"), Plot: plot, Points: len(plot.Points),
		BoardHref: "/leaderboard?" + v.Query.Values().Encode()}
	for _, col := range v.Columns {
		label := col.Label + " (" + col.Benchmark + ")"
		p.XAxes = append(p.XAxes, axisOption{Key: col.Key, Label: label, Selected: col.Key == x})
		p.YAxes = append(p.YAxes, axisOption{Key: col.Key, Label: label, Selected: col.Key == y})
	}
	for k, vals := range v.Query.Values() {
		if k != "x" && k != "y" {
			p.Hidden = append(p.Hidden, hiddenField{Name: k, Value: vals[0]})
		}
	}
	for _, b := range v.Benchmarks {
		p.Synthetic = p.Synthetic || b.Synthetic
	}
	for _, b := range plot.Bands {
		p.Legend = append(p.Legend, "Shaded band: "+b.Label)
	}
	for _, l := range plot.Lines {
		if l.Label != "" {
			p.Legend = append(p.Legend, "Dashed line: "+l.Label)
		}
	}
	sort.Slice(p.Hidden, func(i, j int) bool { return p.Hidden[i].Name < p.Hidden[j].Name })
	h.serveCached(c, v.Stamp, gz, func() (cached, bool) { return h.renderBytes(c, "scatter.html", p) })
}

func (h *boardPages) modelID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("model %q: %w", c.Param("id"), leaderboard.ErrNotFound)
	}
	return id, nil
}

type kv struct{ Key, Value, Href string }

type layerRow struct {
	Layer  string
	Values []string
}

type modelPage struct {
	pageHead
	Row                 rowView
	Headers             []headerCell
	Card                []kv
	Provenance          []kv
	Plot                leaderboard.Plot
	HasPlot             bool
	PlotCaption         string
	TargetHeads         []string
	NeuralRows          []layerRow
	ClassRows           []layerRow
	BibTeX              string
	JSONHref, BoardHref string
	RDM                 rdmView
}

func (h *boardPages) modelPage(c *gin.Context, api bool) (leaderboard.ModelPage, bool) {
	id, err := h.modelID(c)
	if err != nil {
		h.fail(c, api, err)
		return leaderboard.ModelPage{}, false
	}
	b, err := h.lb.Board(c.Request.Context())
	if err != nil {
		h.fail(c, api, err)
		return leaderboard.ModelPage{}, false
	}
	if h.fresh(c, b.Stamp, c.Param("id")) {
		return leaderboard.ModelPage{}, false
	}
	mp, err := h.lb.Model(c.Request.Context(), id)
	if err != nil {
		h.fail(c, api, err)
		return leaderboard.ModelPage{}, false
	}
	return mp, true
}

// modelJSONBody is a model page's JSON: the page's data and its RDMs.
type modelJSONBody struct {
	leaderboard.ModelPage
	RDM            *structure.Pair `json:"rdm"`
	RDMUnavailable string          `json:"rdm_unavailable,omitempty"`
}

func (h *boardPages) modelJSON(c *gin.Context) {
	mp, ok := h.modelPage(c, true)
	if !ok {
		return
	}
	pair, why := h.modelRDM(c.Request.Context(), mp)
	c.JSON(http.StatusOK, modelJSONBody{ModelPage: mp, RDM: pair, RDMUnavailable: why})
}

func (h *boardPages) modelHTML(c *gin.Context) {
	mp, ok := h.modelPage(c, false)
	if !ok {
		return
	}
	r := mp.Row
	view := leaderboard.View{Board: &leaderboard.Board{Columns: mp.Columns, Benchmarks: mp.Benchmarks}, Rows: []leaderboard.Row{r}}
	bp := h.boardPageOf(view, "")
	p := modelPage{pageHead: h.head(r.Name+" — whiskerbench", fmt.Sprintf("/models/%d", r.ModelID)), Row: bp.Rows[0], Headers: bp.Headers[6:],
		BibTeX: mp.BibTeX, JSONHref: fmt.Sprintf("/api/v1/models/%d", r.ModelID), BoardHref: "/leaderboard"}
	add := func(list *[]kv, k, v string) {
		if v != "" {
			*list = append(*list, kv{Key: k, Value: v})
		}
	}
	add(&p.Card, "Lab", r.Lab)
	add(&p.Card, "Family", r.Family)
	add(&p.Card, "Encoder", r.Encoder)
	add(&p.Card, "Attender", r.Attender)
	add(&p.Card, "Decoder", r.Decoder)
	add(&p.Card, "Parameters", leaderboard.Params(r.ParamCount))
	if r.ParamCount != nil {
		p.Card[len(p.Card)-1].Value += " (" + strconv.FormatInt(*r.ParamCount, 10) + ")"
	}
	add(&p.Card, "Training objective", r.Objective)
	add(&p.Card, "Training data", r.TrainingData)
	if r.Reference {
		add(&p.Card, "Reference model", "trained and scored by whiskerbench")
	}
	if r.Reproduced {
		add(&p.Card, "Reproduced", "scored from its uploaded activations and from its weights run by the server, with agreeing scores")
	}
	if r.PaperURL != "" {
		p.Card = append(p.Card, kv{Key: "Paper", Value: r.PaperURL, Href: r.PaperURL})
	}
	s := mp.Submission
	add(&p.Provenance, "Submission", fmt.Sprintf("#%d (%s upload)", s.ID, s.Kind))
	add(&p.Provenance, "Content sha256", s.Digest)
	add(&p.Provenance, "Size", fmt.Sprintf("%d bytes", s.SizeBytes))
	add(&p.Provenance, "Submitted", s.SubmittedAt.Format("2006-01-02 15:04 UTC"))
	add(&p.Provenance, "Scored", s.ScoredAt.Format("2006-01-02 15:04 UTC"))
	for _, b := range mp.Benchmarks {
		add(&p.Provenance, "Benchmark "+b.Name, b.Version+" · scorer "+b.Scorer)
	}
	if len(mp.Layers) > 0 {
		v2, v1 := mp.Series("pooled", leaderboard.ScorerV2), mp.Series("pooled", leaderboard.ScorerV1)
		p.Plot = leaderboard.LayerPlot(mp.Layers, v2, v1, "rsa-v2 (95% interval)", "rsa-paper-v1", "noise-corrected RSA, pooled population")
		p.HasPlot = len(p.Plot.Points) > 0
		p.PlotCaption = fmt.Sprintf("Per-layer scores against the pooled population of %s @ %s: rsa-v2 with its 95%% bootstrap interval (solid) and rsa-paper-v1 (dashed).",
			mp.NeuralBenchmark, mp.NeuralVersion)
	}
	for _, t := range mp.Targets {
		p.TargetHeads = append(p.TargetHeads, t+" v2", t+" v1")
	}
	for _, l := range mp.Layers {
		lr := layerRow{Layer: l}
		for _, t := range mp.Targets {
			for _, m := range []string{leaderboard.ScorerV2, leaderboard.ScorerV1} {
				cell := "—"
				if lv := mp.Neural[l][t][m]; lv != nil {
					cell = leaderboard.Num(lv.Value)
					if lv.CI != nil {
						cell += " " + leaderboard.CIText(lv.CI)
					}
				}
				lr.Values = append(lr.Values, cell)
			}
		}
		p.NeuralRows = append(p.NeuralRows, lr)
	}
	for _, cl := range mp.Classification {
		f := func(v *float64) string {
			if v == nil {
				return "—"
			}
			return leaderboard.Num(*v)
		}
		p.ClassRows = append(p.ClassRows, layerRow{Layer: cl.Layer, Values: []string{f(cl.Top1), f(cl.Top5)}})
	}
	p.RDM = rdmViewOf(h.modelRDM(c.Request.Context(), mp))
	h.page(c, http.StatusOK, "model.html", p)
}

type benchmarkPage struct {
	pageHead
	Page                leaderboard.BenchmarkPage
	Ceilings, Baselines [][]string
	Versions            [][]string
	Registered          string
	JSONHref            string
	Structure           stimuliView
}

func (h *boardPages) benchmarkPage(c *gin.Context, api bool) (leaderboard.BenchmarkPage, bool) {
	b, err := h.lb.Board(c.Request.Context())
	if err != nil {
		h.fail(c, api, err)
		return leaderboard.BenchmarkPage{}, false
	}
	if h.fresh(c, b.Stamp, c.Param("name")) {
		return leaderboard.BenchmarkPage{}, false
	}
	bp, err := h.lb.Benchmark(c.Request.Context(), c.Param("name"))
	if err != nil {
		h.fail(c, api, err)
		return leaderboard.BenchmarkPage{}, false
	}
	return bp, true
}

// benchmarkJSONBody is a benchmark page's JSON with its neural RDM and
// stimulus traces (null when the version has none on this server).
type benchmarkJSONBody struct {
	leaderboard.BenchmarkPage
	NeuralRDM *structure.Labelled `json:"neural_rdm"`
	Stimuli   *structure.Stimuli  `json:"stimuli"`
}

func (h *boardPages) benchmarkJSON(c *gin.Context) {
	bp, ok := h.benchmarkPage(c, true)
	if !ok {
		return
	}
	rdm, st, _ := h.benchmarkStructure(c.Request.Context(), bp)
	c.JSON(http.StatusOK, benchmarkJSONBody{BenchmarkPage: bp, NeuralRDM: rdm, Stimuli: st})
}

func optNum(v *float64) string {
	if v == nil {
		return "—"
	}
	return leaderboard.Num(*v)
}

func (h *boardPages) benchmarkHTML(c *gin.Context) {
	bp, ok := h.benchmarkPage(c, false)
	if !ok {
		return
	}
	p := benchmarkPage{pageHead: h.head(bp.Name+" — whiskerbench", "/benchmarks/"+bp.Name), Page: bp,
		Registered: bp.Current.Registered.Format("2006-01-02"), JSONHref: "/api/v1/benchmarks/" + url.PathEscape(bp.Name)}
	for _, cf := range bp.Ceilings {
		p.Ceilings = append(p.Ceilings, []string{cf.Metric, cf.Mode, leaderboard.Num(cf.Mean), optNum(cf.SEM), optNum(cf.Min), optNum(cf.Max), leaderboard.CIText(cf.CI), strconv.Itoa(cf.Animals)})
	}
	for _, bf := range bp.Baselines {
		p.Baselines = append(p.Baselines, []string{bf.Label, bf.Scorer, leaderboard.Num(bf.Value), leaderboard.CIText(bf.CI)})
	}
	for _, v := range bp.Versions {
		syn := ""
		if v.Synthetic {
			syn = "SYNTHETIC"
		}
		p.Versions = append(p.Versions, []string{v.Version, v.Registered.Format("2006-01-02 15:04"), v.Scorer, v.DataDigest, syn, strconv.Itoa(v.Models)})
	}
	_, _, p.Structure = h.benchmarkStructure(c.Request.Context(), bp)
	h.page(c, http.StatusOK, "benchmark.html", p)
}

type benchmarksPage struct {
	pageHead
	Benchmarks []benchView
}

func (h *boardPages) benchmarksHTML(c *gin.Context) {
	b, err := h.lb.Board(c.Request.Context())
	if err != nil {
		h.fail(c, false, err)
		return
	}
	if h.fresh(c, b.Stamp, "") {
		return
	}
	p := benchmarksPage{pageHead: h.head("Benchmarks — whiskerbench", "/benchmarks")}
	for _, x := range b.Benchmarks {
		p.Benchmarks = append(p.Benchmarks, benchView{Name: x.Name, Version: x.Version, Kind: x.Kind, Scorer: x.Scorer, Synthetic: x.Synthetic, Href: "/benchmarks/" + url.PathEscape(x.Name)})
	}
	h.page(c, http.StatusOK, "benchmarks.html", p)
}
