package leaderboard_test

import (
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/whiskerbench/whiskerbench/leaderboard"
)

// A board of n rows named m000, m001, ...
func namedBoard(n int) *leaderboard.Board {
	b := &leaderboard.Board{}
	for i := range n {
		b.Rows = append(b.Rows, leaderboard.Row{ModelID: int64(i + 1), Name: fmt.Sprintf("m%03d", i), Cells: leaderboard.Cells{}})
	}
	return b
}

// Pages: 250 rows at the default 100 a page are pages of 100, 100 and 50;
// a page past the end shows the last; per_page=all shows every row; the
// canonical URL keeps page and per_page only when they differ from the
// defaults; sorting starts again at page 1.
func TestViewPages(t *testing.T) {
	b := namedBoard(250)
	tests := []struct {
		query       string
		first, last string
		n, pages    int
		canonical   string
		invalid     bool
	}{
		{query: "sort=name", first: "m000", last: "m099", n: 100, pages: 3, canonical: "dir=asc&sort=name"},
		{query: "sort=name&page=3", first: "m200", last: "m249", n: 50, pages: 3, canonical: "dir=asc&page=3&sort=name"},
		{query: "sort=name&page=9", first: "m200", last: "m249", n: 50, pages: 3, canonical: "dir=asc&page=9&sort=name"},
		{query: "sort=name&per_page=all", first: "m000", last: "m249", n: 250, pages: 1, canonical: "dir=asc&per_page=all&sort=name"},
		{query: "sort=name&per_page=40&page=2", first: "m040", last: "m079", n: 40, pages: 7, canonical: "dir=asc&page=2&per_page=40&sort=name"},
		{query: "sort=name&dir=desc&per_page=100", first: "m249", last: "m150", n: 100, pages: 3, canonical: "dir=desc&sort=name"},
		{query: "page=0", invalid: true},
		{query: "page=x", invalid: true},
		{query: "per_page=1001", invalid: true},
		{query: "per_page=0", invalid: true},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			v, _ := url.ParseQuery(tc.query)
			q, err := b.ParseQuery(v)
			if tc.invalid {
				if !errors.Is(err, leaderboard.ErrInvalidQuery) {
					t.Fatalf("got %v, want ErrInvalidQuery", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			view := b.View(q)
			rows := view.PageRows()
			if len(rows) != tc.n || rows[0].Name != tc.first || rows[len(rows)-1].Name != tc.last || view.Pages != tc.pages || view.Matched != 250 || len(view.Rows) != 250 {
				t.Errorf("page %d rows %s…%s of %d pages (matched %d, all %d); want %d rows %s…%s of %d",
					len(rows), rows[0].Name, rows[len(rows)-1].Name, view.Pages, view.Matched, len(view.Rows), tc.n, tc.first, tc.last, tc.pages)
			}
			if got := q.Values().Encode(); got != tc.canonical {
				t.Errorf("canonical %q, want %q", got, tc.canonical)
			}
			if s := q.WithSort("lab"); s.Page != 1 || s.PerPage != q.PerPage {
				t.Errorf("WithSort kept page %d, per_page %d", s.Page, s.PerPage)
			}
		})
	}
}
