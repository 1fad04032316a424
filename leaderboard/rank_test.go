package leaderboard

import (
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func iv(lo, hi float64) *Interval { return &Interval{Low: lo, High: hi} }

func TestRank(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		want    []Place
	}{
		{"empty", nil, []Place{}},
		{"separated intervals", []Entry{
			{Value: 0.2, CI: iv(0.1, 0.3), OK: true},
			{Value: 0.9, CI: iv(0.8, 1.0), OK: true},
			{Value: 0.5, CI: iv(0.4, 0.6), OK: true},
		}, []Place{{3, false}, {1, false}, {2, false}}},
		{"two overlap at the top, competition rank after", []Entry{
			{Value: 0.55, CI: iv(0.51, 0.59), OK: true},
			{Value: 0.52, CI: iv(0.48, 0.56), OK: true},
			{Value: 0.30, CI: iv(0.27, 0.33), OK: true},
		}, []Place{{1, true}, {1, true}, {3, false}}},
		{"ties chain down the order", []Entry{
			{Value: 0.9, CI: iv(0.85, 0.95), OK: true},
			{Value: 0.8, CI: iv(0.75, 0.86), OK: true}, // overlaps the first
			{Value: 0.7, CI: iv(0.65, 0.76), OK: true}, // overlaps the second, not the first
			{Value: 0.5, CI: iv(0.45, 0.55), OK: true},
		}, []Place{{1, true}, {1, true}, {1, true}, {4, false}}},
		{"touching bounds count as overlap", []Entry{
			{Value: 0.6, CI: iv(0.5, 0.7), OK: true},
			{Value: 0.4, CI: iv(0.3, 0.5), OK: true},
		}, []Place{{1, true}, {1, true}}},
		{"no intervals: only equal values tie", []Entry{
			{Value: 0.5, OK: true}, {Value: 0.5, OK: true}, {Value: 0.4999, OK: true},
		}, []Place{{1, true}, {1, true}, {3, false}}},
		{"one side without an interval does not tie", []Entry{
			{Value: 0.5, CI: iv(0.1, 0.9), OK: true}, {Value: 0.45, OK: true},
		}, []Place{{1, false}, {2, false}}},
		{"missing values are unranked, not last", []Entry{
			{OK: false}, {Value: 0.1, CI: iv(0, 0.2), OK: true}, {Value: math.NaN(), OK: true}, {Value: -0.3, CI: iv(-0.4, -0.2), OK: true},
		}, []Place{{0, false}, {1, false}, {0, false}, {2, false}}},
		{"a tie group below a single leader", []Entry{
			{Value: 0.9, CI: iv(0.88, 0.92), OK: true},
			{Value: 0.5, CI: iv(0.4, 0.6), OK: true},
			{Value: 0.45, CI: iv(0.35, 0.55), OK: true},
			{Value: 0.1, CI: iv(0.0, 0.2), OK: true},
		}, []Place{{1, false}, {2, true}, {2, true}, {4, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Rank(tc.entries)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Rank = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWilson(t *testing.T) {
	tests := []struct {
		name   string
		p      float64
		n      int
		lo, hi float64 // want, ±5e-4; NaN for nil
	}{
		// Reference values: Wilson score interval, z = 1.96 (e.g. statsmodels proportion_confint method="wilson").
		{"half of 100", 0.5, 100, 0.4038, 0.5962},
		{"zero of 10", 0, 10, 0, 0.2775},
		{"all of 10", 1, 10, 0.7225, 1},
		{"0.3 of 480", 0.3, 480, 0.2605, 0.3427},
		{"no trials", 0.5, 0, math.NaN(), math.NaN()},
		{"not a proportion", 1.2, 10, math.NaN(), math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Wilson(tc.p, tc.n)
			if math.IsNaN(tc.lo) {
				if got != nil {
					t.Fatalf("Wilson = %v, want nil", *got)
				}
				return
			}
			if got == nil || math.Abs(got.Low-tc.lo) > 5e-4 || math.Abs(got.High-tc.hi) > 5e-4 {
				t.Fatalf("Wilson(%v, %d) = %v, want [%v, %v]", tc.p, tc.n, got, tc.lo, tc.hi)
			}
			if got.Low > tc.p || got.High < tc.p {
				t.Errorf("interval %v does not contain p = %v", *got, tc.p)
			}
		})
	}
}

func TestAggregate(t *testing.T) {
	tests := []struct {
		name   string
		parts  []Part
		value  float64
		ci     *Interval
		wantOK bool
	}{
		{"no benchmarks", nil, 0, nil, false},
		{"all present with intervals", []Part{{Value: 0.6, CI: iv(0.5, 0.7), OK: true}, {Value: 0.2, CI: iv(0.1, 0.4), OK: true}}, 0.4, iv(0.3, 0.55), true},
		{"one missing is missing, not a mean of one", []Part{{Value: 0.6, CI: iv(0.5, 0.7), OK: true}, {OK: false}}, 0, nil, false},
		{"a zero is a score", []Part{{Value: 0, OK: true}, {Value: 0.5, OK: true}}, 0.25, nil, true},
		{"an interval missing on one part drops the interval only", []Part{{Value: 0.6, CI: iv(0.5, 0.7), OK: true}, {Value: 0.2, OK: true}}, 0.4, nil, true},
		{"NaN is missing", []Part{{Value: math.NaN(), OK: true}, {Value: 0.5, OK: true}}, 0, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ci, ok := Aggregate(tc.parts)
			if ok != tc.wantOK || (ok && math.Abs(v-tc.value) > 1e-12) {
				t.Fatalf("Aggregate = %v, %v; want %v, %v", v, ok, tc.value, tc.wantOK)
			}
			if (ci == nil) != (tc.ci == nil) || (ci != nil && (math.Abs(ci.Low-tc.ci.Low) > 1e-12 || math.Abs(ci.High-tc.ci.High) > 1e-12)) {
				t.Errorf("interval %v, want %v", ci, tc.ci)
			}
		})
	}
}

func TestChanceCorrected(t *testing.T) {
	tests := []struct {
		acc, chance, want float64
		ok                bool
	}{
		{0.1, 0.1, 0, true},
		{1, 0.1, 1, true},
		{0.55, 0.1, 0.5, true},
		{0.05, 0.1, -0.05 / 0.9, true}, // below chance stays below zero
		{0.5, 1, 0, false},
		{0.5, math.NaN(), 0, false},
	}
	for _, tc := range tests {
		got, ok := ChanceCorrected(tc.acc, tc.chance)
		if ok != tc.ok || (ok && math.Abs(got-tc.want) > 1e-12) {
			t.Errorf("ChanceCorrected(%v, %v) = %v, %v; want %v, %v", tc.acc, tc.chance, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"3000000", 3_000_000, false}, {"3M", 3_000_000, false}, {"1.5e6", 1_500_000, false}, {"200k", 200_000, false},
		{"2B", 2_000_000_000, false}, {"23,460,072", 23_460_072, false}, {" 7 ", 7, false},
		{"-1", 0, true}, {"lots", 0, true}, {"", 0, true}, {"NaN", 0, true}, {"1e300", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseParams(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseParams(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func boardWithColumns() *Board {
	return &Board{Columns: []Column{{Key: KeyV2}, {Key: KeyV1}, {Key: KeyTop1}, {Key: KeyTop5}},
		Rows: []Row{{Name: "a", Aggregate: &Cell{Value: 1}}}}
}

func TestParseQuery(t *testing.T) {
	b := boardWithColumns()
	tests := []struct {
		name, query string
		want        string // canonical Values().Encode()
		err         string
	}{
		{"defaults", "", "dir=desc&sort=aggregate", ""},
		{"text sort defaults ascending", "sort=name", "dir=asc&sort=name", ""},
		{"explicit direction", "sort=rsa-v2&dir=asc", "dir=asc&sort=rsa-v2", ""},
		{"filters", "family=ConvRNN&objective=untrained&lab=Barrel+Lab&min_params=3M&max_params=5e7",
			"dir=desc&family=ConvRNN&lab=Barrel+Lab&max_params=50000000&min_params=3000000&objective=untrained&sort=aggregate", ""},
		{"empty filters are no filters", "family=&encoder=&min_params=", "dir=desc&sort=aggregate", ""},
		{"unknown sort", "sort=value", "", `sort "value"`},
		{"bad direction", "dir=up", "", `dir "up"`},
		{"bad params", "min_params=many", "", "min_params"},
		{"inverted range", "min_params=5M&max_params=1M", "", "above max_params"},
		{"every problem at once", "sort=x&dir=y&max_params=z", "", "max_params"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := url.ParseQuery(tc.query)
			q, err := b.ParseQuery(v)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want mention of %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Values().Encode(); got != tc.want {
				t.Errorf("canonical %q, want %q", got, tc.want)
			}
			// The canonical form parses back to the same query.
			again, err := b.ParseQuery(q.Values())
			if err != nil || !reflect.DeepEqual(again, q) {
				t.Errorf("round trip: %+v (%v), want %+v", again, err, q)
			}
		})
	}
	if _, err := b.ParseQuery(url.Values{"sort": {"x"}, "dir": {"y"}}); err == nil || !strings.Contains(err.Error(), "sort") || !strings.Contains(err.Error(), "dir") {
		t.Errorf("every problem should be listed: %v", err)
	}
}

func TestWithSort(t *testing.T) {
	q := Query{Sort: KeyAggregate, Desc: true}
	tests := []struct {
		key      string
		from     Query
		wantDesc bool
	}{
		{KeyAggregate, q, false}, // same key flips
		{KeyV2, q, true},         // score keys start high to low
		{"name", q, false},       // text keys start A to Z
		{"name", Query{Sort: "name"}, true},
	}
	for _, tc := range tests {
		got := tc.from.WithSort(tc.key)
		if got.Sort != tc.key || got.Desc != tc.wantDesc {
			t.Errorf("%+v.WithSort(%q) = %+v, want desc %v", tc.from, tc.key, got, tc.wantDesc)
		}
	}
}

func TestSortAndFilter(t *testing.T) {
	p := func(n int64) *int64 { return &n }
	rows := []Row{
		{ModelID: 1, Name: "beta", Family: "ConvRNN", ParamCount: p(30e6), Cells: Cells{{Key: KeyV2, Value: 0.5}}},
		{ModelID: 2, Name: "alpha", Family: "ResNet", ParamCount: p(11e6), Cells: Cells{{Key: KeyV2, Value: 0.7}}},
		{ModelID: 3, Name: "gamma", Family: "convrnn", Cells: Cells{}},
		{ModelID: 4, Name: "delta", Family: "", ParamCount: p(2e6), Cells: Cells{{Key: KeyV2, Value: 0.5}}},
	}
	b := &Board{Columns: []Column{{Key: KeyV2}}, Rows: rows}
	ids := func(v View) []int64 {
		var out []int64
		for _, r := range v.Rows {
			out = append(out, r.ModelID)
		}
		return out
	}
	tests := []struct {
		name string
		q    Query
		want []int64
	}{
		{"score high to low, missing last, ties by name", Query{Sort: KeyV2, Desc: true}, []int64{2, 1, 4, 3}},
		{"score low to high, missing still last", Query{Sort: KeyV2}, []int64{1, 4, 2, 3}},
		{"name", Query{Sort: "name"}, []int64{2, 1, 4, 3}},
		{"name descending", Query{Sort: "name", Desc: true}, []int64{3, 4, 1, 2}},
		{"family, empty last", Query{Sort: "family"}, []int64{1, 3, 2, 4}},
		{"params, unknown last", Query{Sort: "params", Desc: true}, []int64{1, 2, 4, 3}},
		{"family filter ignores case", Query{Sort: "name", Family: "CONVRNN"}, []int64{1, 3}},
		{"parameter range leaves out unknown counts", Query{Sort: "name", MinParams: p(5e6)}, []int64{2, 1}},
		{"parameter range both ends", Query{Sort: "name", MinParams: p(1e6), MaxParams: p(12e6)}, []int64{2, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := b.View(tc.q)
			if got := ids(v); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("order %v, want %v", got, tc.want)
			}
			if v.Total != len(rows) {
				t.Errorf("total %d, want %d", v.Total, len(rows))
			}
		})
	}
}

func TestNiceScale(t *testing.T) {
	tests := []struct {
		lo, hi         float64
		wantLo, wantHi float64
		step           float64
	}{
		{0.12, 0.87, 0, 1, 0.2},
		{0.21, 0.56, 0.2, 0.6, 0.1},
		{-0.3, 0.4, -0.4, 0.4, 0.2},
		{0.5, 0.5, 0.44, 0.56, 0.02},
		{math.NaN(), 1, 0, 1, 0.2},
	}
	for _, tc := range tests {
		s := niceScale(tc.lo, tc.hi, 0, 100)
		if math.Abs(s.lo-tc.wantLo) > 1e-9 || math.Abs(s.hi-tc.wantHi) > 1e-9 || math.Abs(s.step-tc.step) > 1e-9 {
			t.Errorf("niceScale(%v, %v) = [%v, %v] step %v, want [%v, %v] step %v", tc.lo, tc.hi, s.lo, s.hi, s.step, tc.wantLo, tc.wantHi, tc.step)
		}
		if !math.IsNaN(tc.lo) && (s.lo > tc.lo || s.hi < tc.hi) {
			t.Errorf("scale [%v, %v] does not cover [%v, %v]", s.lo, s.hi, tc.lo, tc.hi)
		}
		ticks := s.ticks()
		if len(ticks) < 2 || ticks[0].Pos != 0 || math.Abs(ticks[len(ticks)-1].Pos-100) > 1e-6 {
			t.Errorf("ticks %v should run from 0 to 100 px", ticks)
		}
	}
}
