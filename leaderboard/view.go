package leaderboard

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalidQuery is returned for a query string the board cannot apply.
var ErrInvalidQuery = errors.New("invalid leaderboard query")

// Query is a board view's state: its filters and sort, as in the URL.
type Query struct {
	Family    string `json:"family,omitempty"`
	Encoder   string `json:"encoder,omitempty"`
	Attender  string `json:"attender,omitempty"`
	Objective string `json:"objective,omitempty"`
	Lab       string `json:"lab,omitempty"`
	MinParams *int64 `json:"min_params,omitempty"`
	MaxParams *int64 `json:"max_params,omitempty"`
	Sort      string `json:"sort"`
	Desc      bool   `json:"desc"`
	// Page is the 1-based page of the view's rows; PerPage its length, 0
	// for every row ("all").
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

// Page sizes: the default, and the most a page may hold other than "all".
const (
	DefaultPerPage = 100
	MaxPerPage     = 1000
)

// Text sort keys; the score column keys and KeyAggregate sort by value.
var textKeys = []string{"name", "lab", "family", "encoder", "attender", "objective"}

// SortKeys lists the keys the board can sort on.
func (b *Board) SortKeys() []string {
	keys := append(slices.Clone(textKeys), "params", KeyAggregate)
	for _, c := range b.Columns {
		keys = append(keys, c.Key)
	}
	return keys
}

// DefaultSort is the aggregate when any model has one, else the first
// column any model has a score in, else the name.
func (b *Board) DefaultSort() string {
	for _, r := range b.Rows {
		if r.Aggregate != nil {
			return KeyAggregate
		}
	}
	for _, c := range b.Columns {
		for _, r := range b.Rows {
			if r.Cells.Get(c.Key) != nil {
				return c.Key
			}
		}
	}
	return "name"
}

// ParseParams reads a parameter count: digits, optionally with a decimal
// part and a k, M or B suffix, or in e-notation ("3M", "1.5e6", "200k").
func ParseParams(s string) (int64, error) {
	t := strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	mult := 1.0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k', 'K':
			mult, t = 1e3, t[:n-1]
		case 'm', 'M':
			mult, t = 1e6, t[:n-1]
		case 'b', 'B', 'g', 'G':
			mult, t = 1e9, t[:n-1]
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f*mult > 1e15 {
		return 0, fmt.Errorf("parameter count %q: use a non-negative number such as 3000000, 3M or 1.5e6", s)
	}
	return int64(math.Round(f * mult)), nil
}

// ParseQuery reads a view's state from a query string, checked against
// the board's sort keys. Empty values mean "no filter".
func (b *Board) ParseQuery(v url.Values) (Query, error) {
	q := Query{
		Family: strings.TrimSpace(v.Get("family")), Encoder: strings.TrimSpace(v.Get("encoder")),
		Attender: strings.TrimSpace(v.Get("attender")), Objective: strings.TrimSpace(v.Get("objective")),
		Lab: strings.TrimSpace(v.Get("lab")), Sort: strings.TrimSpace(v.Get("sort")),
	}
	var probs []string
	for _, f := range []struct {
		name string
		dst  **int64
	}{{"min_params", &q.MinParams}, {"max_params", &q.MaxParams}} {
		if s := strings.TrimSpace(v.Get(f.name)); s != "" {
			n, err := ParseParams(s)
			if err != nil {
				probs = append(probs, f.name+": "+err.Error())
				continue
			}
			*f.dst = &n
		}
	}
	if q.MinParams != nil && q.MaxParams != nil && *q.MinParams > *q.MaxParams {
		probs = append(probs, fmt.Sprintf("min_params %d is above max_params %d", *q.MinParams, *q.MaxParams))
	}
	if q.Sort == "" {
		q.Sort = b.DefaultSort()
	} else if !slices.Contains(b.SortKeys(), q.Sort) {
		probs = append(probs, fmt.Sprintf("sort %q: use one of %s", q.Sort, strings.Join(b.SortKeys(), ", ")))
	}
	switch d := v.Get("dir"); d {
	case "":
		q.Desc = !slices.Contains(textKeys, q.Sort)
	case "asc", "desc":
		q.Desc = d == "desc"
	default:
		probs = append(probs, fmt.Sprintf("dir %q: use asc or desc", d))
	}
	q.Page, q.PerPage = 1, DefaultPerPage
	if p := strings.TrimSpace(v.Get("page")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			probs = append(probs, fmt.Sprintf("page %q: use a whole number from 1", p))
		} else {
			q.Page = n
		}
	}
	switch p := strings.TrimSpace(v.Get("per_page")); p {
	case "":
	case "all":
		q.PerPage = 0
	default:
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > MaxPerPage {
			probs = append(probs, fmt.Sprintf("per_page %q: use a whole number from 1 to %d, or all", p, MaxPerPage))
		} else {
			q.PerPage = n
		}
	}
	if len(probs) > 0 {
		return Query{}, fmt.Errorf("%s: %w", strings.Join(probs, "; "), ErrInvalidQuery)
	}
	return q, nil
}

// Values is the query as URL parameters, in a canonical form: a view's
// URL, shared or reloaded, shows the same view.
func (q Query) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("family", q.Family)
	set("encoder", q.Encoder)
	set("attender", q.Attender)
	set("objective", q.Objective)
	set("lab", q.Lab)
	if q.MinParams != nil {
		v.Set("min_params", strconv.FormatInt(*q.MinParams, 10))
	}
	if q.MaxParams != nil {
		v.Set("max_params", strconv.FormatInt(*q.MaxParams, 10))
	}
	set("sort", q.Sort)
	if q.Desc {
		v.Set("dir", "desc")
	} else {
		v.Set("dir", "asc")
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	switch {
	case q.PerPage == 0:
		v.Set("per_page", "all")
	case q.PerPage != DefaultPerPage:
		v.Set("per_page", strconv.Itoa(q.PerPage))
	}
	return v
}

// WithPage returns the query at page p.
func (q Query) WithPage(p int) Query {
	q.Page = max(p, 1)
	return q
}

// WithSort returns the query sorted on key: the opposite direction when it
// is already sorted on key, else the key's natural direction.
func (q Query) WithSort(key string) Query {
	q.Page = 1
	if q.Sort == key {
		q.Desc = !q.Desc
		return q
	}
	q.Sort, q.Desc = key, !slices.Contains(textKeys, key)
	return q
}

// Filtered reports whether any filter is set.
func (q Query) Filtered() bool {
	return q.Family != "" || q.Encoder != "" || q.Attender != "" || q.Objective != "" || q.Lab != "" || q.MinParams != nil || q.MaxParams != nil
}

// Match reports whether a row passes the query's filters. Text filters
// compare case-insensitively; with a parameter range set, models that do
// not state their parameter count are left out.
func (q Query) Match(r Row) bool {
	eq := func(want, got string) bool { return want == "" || strings.EqualFold(want, got) }
	if !eq(q.Family, r.Family) || !eq(q.Encoder, r.Encoder) || !eq(q.Attender, r.Attender) || !eq(q.Objective, r.Objective) || !eq(q.Lab, r.Lab) {
		return false
	}
	if q.MinParams != nil || q.MaxParams != nil {
		if r.ParamCount == nil {
			return false
		}
		if q.MinParams != nil && *r.ParamCount < *q.MinParams {
			return false
		}
		if q.MaxParams != nil && *r.ParamCount > *q.MaxParams {
			return false
		}
	}
	return true
}

// View is one query's rows of a board. Rows holds every row that passes
// the filters (the CSV export and the scatter use them all); PageRows is
// the page the query asks for.
type View struct {
	*Board
	Query   Query `json:"query"`
	Rows    []Row `json:"-"`
	Total   int   `json:"total"`   // public models on the board, before filters
	Matched int   `json:"matched"` // models that pass the filters
	Pages   int   `json:"pages"`   // pages of the matched models (at least 1)
}

// PageBounds returns the half-open range of Rows on the query's page (the
// last page when the query asks for one beyond it).
func (v View) PageBounds() (start, end int) {
	n := len(v.Rows)
	if v.Query.PerPage <= 0 {
		return 0, n
	}
	page := min(max(v.Query.Page, 1), max(v.Pages, 1))
	start = min((page-1)*v.Query.PerPage, n)
	return start, min(start+v.Query.PerPage, n)
}

// PageRows are the rows on the query's page.
func (v View) PageRows() []Row {
	start, end := v.PageBounds()
	return v.Rows[start:end]
}

// View filters and sorts the board's rows. Missing values sort last in
// either direction; equal values fall back to the name, then the model id.
func (b *Board) View(q Query) View {
	rows := make([]Row, 0, len(b.Rows))
	if order := b.sortOrder(q.Sort, q.Desc); order != nil {
		for _, i := range order {
			if q.Match(b.Rows[i]) {
				rows = append(rows, b.Rows[i])
			}
		}
	} else {
		for _, r := range b.Rows {
			if q.Match(r) {
				rows = append(rows, r)
			}
		}
		SortRows(rows, q.Sort, q.Desc)
	}
	pages := 1
	if q.PerPage > 0 && len(rows) > q.PerPage {
		pages = (len(rows) + q.PerPage - 1) / q.PerPage
	}
	return View{Board: b, Query: q, Rows: rows, Total: len(b.Rows), Matched: len(rows), Pages: pages}
}

// sortValue returns a row's value under a numeric key.
func sortValue(r Row, key string) (float64, bool) {
	switch key {
	case "params":
		if r.ParamCount == nil {
			return 0, false
		}
		return float64(*r.ParamCount), true
	case KeyAggregate:
		if r.Aggregate == nil {
			return 0, false
		}
		return r.Aggregate.Value, true
	}
	c := r.Cells.Get(key)
	if c == nil {
		return 0, false
	}
	return c.Value, true
}

func sortText(r Row, key string) string {
	switch key {
	case "name":
		return r.Name
	case "lab":
		return r.Lab
	case "family":
		return r.Family
	case "encoder":
		return r.Encoder
	case "attender":
		return r.Attender
	case "objective":
		return r.Objective
	}
	return ""
}

// SortRows sorts rows in place on key. Each row's key is read once and
// an index permutation is sorted (rows are large structs: comparing and
// swapping them directly dominated a 10 000-row view).
func SortRows(rows []Row, key string, desc bool) {
	text := slices.Contains(textKeys, key)
	type sortKey struct {
		text string
		num  float64
		ok   bool
	}
	keys := make([]sortKey, len(rows))
	for i := range rows {
		if text {
			keys[i].text = strings.ToLower(sortText(rows[i], key))
			keys[i].ok = keys[i].text != ""
		} else {
			keys[i].num, keys[i].ok = sortValue(rows[i], key)
		}
	}
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := &keys[i], &keys[j]
		if a.ok != b.ok { // missing values last in either direction
			if a.ok {
				return -1
			}
			return 1
		}
		if a.ok {
			c := 0
			if text {
				c = strings.Compare(a.text, b.text)
			} else {
				c = cmpFloat(a.num, b.num)
			}
			if desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		if c := strings.Compare(rows[i].Name, rows[j].Name); c != 0 {
			return c
		}
		return cmpInt64(rows[i].ModelID, rows[j].ModelID)
	})
	sorted := make([]Row, len(rows))
	for i, o := range order {
		sorted[i] = rows[o]
	}
	copy(rows, sorted)
}

// cmpFloat orders as < does (no NaN reaches a sort key).
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortOrder returns the row indices in the order SortRows gives on a score
// column or the aggregate, read off the column's ranked order (Board.orders)
// instead of sorting every row: the unranked cells (older versions) are
// merged in, equal values put in name order, and missing ones appended.
// It returns nil for other keys, or a board built without orders.
func (b *Board) sortOrder(key string, desc bool) []int32 {
	k := len(b.Columns)
	if len(b.orders) != k+1 {
		return nil
	}
	ri := k
	if key != KeyAggregate {
		ri = slices.IndexFunc(b.Columns, func(c Column) bool { return c.Key == key })
		if ri < 0 {
			return nil
		}
	}
	cell := func(i int32) *Cell {
		if ri == k {
			return b.Rows[i].Aggregate
		}
		return b.Rows[i].Cells.Get(key)
	}
	var extra, missing []int32
	for i := range b.Rows {
		switch c := cell(int32(i)); {
		case c == nil:
			missing = append(missing, int32(i))
		case !ranked(c):
			extra = append(extra, int32(i))
		}
	}
	byValue := func(a, c int32) int { return -cmpFloat(cell(a).Value, cell(c).Value) } // highest first
	byName := func(a, c int32) int {
		if d := strings.Compare(b.Rows[a].Name, b.Rows[c].Name); d != 0 {
			return d
		}
		return cmpInt64(b.Rows[a].ModelID, b.Rows[c].ModelID)
	}
	slices.SortFunc(extra, byValue)
	order := make([]int32, 0, len(b.Rows))
	e := 0
	for _, i := range b.orders[ri] {
		for e < len(extra) && byValue(extra[e], i) < 0 {
			order = append(order, extra[e])
			e++
		}
		order = append(order, i)
	}
	order = append(order, extra[e:]...)
	if !desc {
		slices.Reverse(order)
	}
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && cell(order[hi]).Value == cell(order[lo]).Value {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(order[lo:hi], byName)
		}
		lo = hi
	}
	slices.SortFunc(missing, byName)
	return append(order, missing...)
}
