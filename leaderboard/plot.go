package leaderboard

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Plot is the geometry of a hand-drawn SVG chart, in pixels with y growing
// downwards; templates only draw it.
type Plot struct {
	Width, Height            float64
	Left, Top, Right, Bottom float64 // the plotting area
	XLabel, YLabel           string
	XTicks, YTicks           []Tick
	Bands                    []Band
	Lines                    []Line
	Series                   []Series
	Points                   []Point
	Legend                   []LegendItem
}

// LegendItem is a short line sample and its label.
type LegendItem struct {
	X, X2, TX, Y float64
	Class, Label string
}

// Tick is an axis tick at a pixel position. A slanted tick's label is
// drawn rotated (x ticks whose labels would overlap).
type Tick struct {
	Pos     float64
	Label   string
	Slanted bool
	Y       float64 // a slanted label's anchor (its end), rotated about
}

// Band is a horizontal band between two pixel rows.
type Band struct {
	Y0, Y1 float64
	Label  string
}

// Line is a reference line across the plot: horizontal at Pos, or
// vertical when Vertical is set.
type Line struct {
	Pos      float64
	Vertical bool
	Label    string
	Class    string
}

// Series is a polyline through points.
type Series struct {
	Name   string
	Class  string
	Points string // "x,y x,y …"
}

// Point is a marker with optional error bars (pixel ends).
type Point struct {
	X, Y       float64
	XErr, YErr bool
	X0, X1     float64
	Y0, Y1     float64
	Label      string
	Title      string
	Href       string
	Class      string
}

// scale maps a value domain onto a pixel range.
type scale struct {
	lo, hi   float64 // domain
	p0, p1   float64 // pixels
	step     float64
	decimals int
}

func (s scale) at(v float64) float64 {
	return s.p0 + (v-s.lo)/(s.hi-s.lo)*(s.p1-s.p0)
}

// niceScale covers [lo, hi] with round ticks (steps of 1, 2 or 5 × 10^k,
// about five of them) and maps it onto [p0, p1].
func niceScale(lo, hi, p0, p1 float64) scale {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		lo, hi = 0, 1
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-0.05, hi+0.05
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw*(1-1e-9) {
			step = m * mag
			break
		}
	}
	dec := max(0, int(-math.Floor(math.Log10(step))))
	return scale{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, p0: p0, p1: p1, step: step, decimals: dec}
}

func (s scale) ticks() []Tick {
	var out []Tick
	for i := 0; ; i++ {
		v := s.lo + float64(i)*s.step
		if v > s.hi+s.step/1e6 {
			break
		}
		out = append(out, Tick{Pos: s.at(v), Label: strconv.FormatFloat(v, 'f', s.decimals, 64)})
	}
	return out
}

// extent accumulates a data range.
type extent struct {
	lo, hi float64
	ok     bool
}

func (e *extent) add(vs ...float64) {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if !e.ok {
			e.lo, e.hi, e.ok = v, v, true
			continue
		}
		e.lo, e.hi = math.Min(e.lo, v), math.Max(e.hi, v)
	}
}

func (e extent) or(lo, hi float64) (float64, float64) {
	if !e.ok {
		return lo, hi
	}
	return e.lo, e.hi
}

// Chart size of every plot.
const (
	plotW, plotH           = 720.0, 460.0
	padL, padR, padT, padB = 64.0, 24.0, 20.0, 56.0
)

func (b *Board) column(key string) (Column, bool) {
	for _, c := range b.Columns {
		if c.Key == key {
			return c, true
		}
	}
	return Column{}, false
}

func (b *Board) reference(kind, label string) (ReferenceRow, bool) {
	for _, r := range b.References {
		if r.Kind == kind && r.Label == label {
			return r, true
		}
	}
	return ReferenceRow{}, false
}

// ScatterAxes returns the default axes of the scatter: held-out top-1
// accuracy across, the rsa-v2 neural score up.
func (b *Board) ScatterAxes() (x, y string) { return KeyTop1, KeyV2 }

// Scatter plots the view's models with a current-version score on both
// columns: x against y, each with its interval as an error bar, the
// animal-to-animal ceiling (mean ± SEM) of y as a band, and the raw-input
// (and chance) figures as lines.
func (v View) Scatter(xKey, yKey string) (Plot, error) {
	xc, ok1 := v.column(xKey)
	yc, ok2 := v.column(yKey)
	if !ok1 || !ok2 {
		return Plot{}, fmt.Errorf("scatter axes %q and %q: use score columns (%s): %w", xKey, yKey, strings.Join(v.scoreKeys(), ", "), ErrInvalidQuery)
	}
	var ex, ey extent
	type pt struct {
		row  Row
		x, y *Cell
	}
	var pts []pt
	for _, r := range v.Rows {
		x, y := r.Cells.Get(xKey), r.Cells.Get(yKey)
		if x == nil || y == nil || !x.Current || !y.Current {
			continue
		}
		pts = append(pts, pt{r, x, y})
		ex.add(x.Value)
		ey.add(y.Value)
		if x.CI != nil {
			ex.add(x.CI.Low, x.CI.High)
		}
		if y.CI != nil {
			ey.add(y.CI.Low, y.CI.High)
		}
	}
	ceil, hasCeil := v.reference(RefCeiling, "Animal-to-animal ceiling")
	raw, hasRaw := v.reference(RefBaseline, "Raw input")
	chance, hasChance := v.reference(RefBaseline, "Chance")
	var band *RefCell
	if c, ok := ceil.Cells[yKey]; hasCeil && ok {
		band = &c
		sem := 0.0
		if c.SEM != nil {
			sem = *c.SEM
		}
		ey.add(c.Value-sem, c.Value+sem)
	}
	if c, ok := raw.Cells[yKey]; hasRaw && ok {
		ey.add(c.Value)
	}
	if c, ok := raw.Cells[xKey]; hasRaw && ok {
		ex.add(c.Value)
	}
	if c, ok := chance.Cells[xKey]; hasChance && ok {
		ex.add(c.Value)
	}
	xlo, xhi := ex.or(0, 1)
	ylo, yhi := ey.or(0, 1)
	p := Plot{Width: plotW, Height: plotH, Left: padL, Top: padT, Right: plotW - padR, Bottom: plotH - padB,
		XLabel: axisLabel(xc), YLabel: axisLabel(yc)}
	sx := niceScale(xlo, xhi, p.Left, p.Right)
	sy := niceScale(ylo, yhi, p.Bottom, p.Top)
	p.XTicks, p.YTicks = sx.ticks(), sy.ticks()
	if band != nil {
		sem := 0.0
		if band.SEM != nil {
			sem = *band.SEM
		}
		p.Bands = append(p.Bands, Band{Y0: sy.at(band.Value + sem), Y1: sy.at(band.Value - sem),
			Label: fmt.Sprintf("animal-to-animal ceiling %s", meanSEM(*band))})
		p.Lines = append(p.Lines, Line{Pos: sy.at(band.Value), Label: "", Class: "ceiling"})
	}
	if c, ok := raw.Cells[yKey]; hasRaw && ok {
		p.Lines = append(p.Lines, Line{Pos: sy.at(c.Value), Label: "raw input " + Num(c.Value), Class: "raw"})
	}
	if c, ok := raw.Cells[xKey]; hasRaw && ok {
		p.Lines = append(p.Lines, Line{Pos: sx.at(c.Value), Vertical: true, Label: "raw input " + Num(c.Value), Class: "raw"})
	}
	if c, ok := chance.Cells[xKey]; hasChance && ok {
		p.Lines = append(p.Lines, Line{Pos: sx.at(c.Value), Vertical: true, Label: "chance " + Num(c.Value), Class: "chance"})
	}
	for _, q := range pts {
		pt := Point{X: sx.at(q.x.Value), Y: sy.at(q.y.Value), Label: q.row.Name, Href: fmt.Sprintf("/models/%d", q.row.ModelID),
			Title: fmt.Sprintf("%s — %s %s, %s %s", q.row.Name, xc.Label, CellText(q.x), yc.Label, CellText(q.y)), Class: "model"}
		if q.row.Reference {
			pt.Class = "model reference"
		}
		if q.x.CI != nil {
			pt.XErr, pt.X0, pt.X1 = true, sx.at(q.x.CI.Low), sx.at(q.x.CI.High)
		}
		if q.y.CI != nil {
			pt.YErr, pt.Y0, pt.Y1 = true, sy.at(q.y.CI.High), sy.at(q.y.CI.Low)
		}
		p.Points = append(p.Points, pt)
	}
	return p, nil
}

func (b *Board) scoreKeys() []string {
	out := make([]string, len(b.Columns))
	for i, c := range b.Columns {
		out[i] = c.Key
	}
	return out
}

func axisLabel(c Column) string {
	return fmt.Sprintf("%s — %s @ %s, %s", c.Label, c.Benchmark, c.Version, c.Scorer)
}

// LayerValue is one layer's score under one metric.
type LayerValue struct {
	Value float64   `json:"value"`
	CI    *Interval `json:"ci"`
}

// LayerPlot draws per-layer values of two series over layer order: the
// first with interval whiskers, the second as a plain line.
func LayerPlot(layers []string, first, second map[string]*LayerValue, firstName, secondName, yLabel string) Plot {
	p := Plot{Width: plotW, Height: 360, Left: padL, Top: padT, Right: plotW - padR, Bottom: 360 - 72, XLabel: "layer (input → output)", YLabel: yLabel}
	var ey extent
	for _, m := range []map[string]*LayerValue{first, second} {
		for _, v := range m {
			ey.add(v.Value)
			if v.CI != nil {
				ey.add(v.CI.Low, v.CI.High)
			}
		}
	}
	ylo, yhi := ey.or(0, 1)
	sy := niceScale(ylo, yhi, p.Bottom, p.Top)
	p.YTicks = sy.ticks()
	n := len(layers)
	xAt := func(i int) float64 {
		if n <= 1 {
			return (p.Left + p.Right) / 2
		}
		return p.Left + 20 + float64(i)*(p.Right-p.Left-40)/float64(n-1)
	}
	p.XTicks, p.Height = layerTicks(layers, xAt, p.Bottom, p.Height)
	for k, m := range []map[string]*LayerValue{first, second} {
		name, class := firstName, "s1"
		if k == 1 {
			name, class = secondName, "s2"
		}
		var coords []string
		for i, l := range layers {
			v := m[l]
			if v == nil {
				continue
			}
			x, y := xAt(i), sy.at(v.Value)
			coords = append(coords, fmt.Sprintf("%.1f,%.1f", x, y))
			pt := Point{X: x, Y: y, Label: l, Title: fmt.Sprintf("%s, layer %s: %s", name, l, Num(v.Value)), Class: class}
			if v.CI != nil {
				pt.YErr, pt.Y0, pt.Y1 = true, sy.at(v.CI.High), sy.at(v.CI.Low)
				pt.Title += " " + CIText(v.CI)
			}
			p.Points = append(p.Points, pt)
		}
		if len(coords) > 0 {
			p.Series = append(p.Series, Series{Name: name, Class: class, Points: strings.Join(coords, " ")})
			x := p.Left + 12 + float64(k)*220
			p.Legend = append(p.Legend, LegendItem{X: x, X2: x + 24, TX: x + 30, Y: p.Top + 14, Class: class, Label: name})
		}
	}
	return p
}

// PlotWidth is the width of the plotting area.
func (p Plot) PlotWidth() float64 { return p.Right - p.Left }

// PlotHeight is the height of the plotting area.
func (p Plot) PlotHeight() float64 { return p.Bottom - p.Top }

// Height is the band's height in pixels.
func (b Band) Height() float64 { return b.Y1 - b.Y0 }

// Tick label geometry, in pixels at the tick font size (11 px): a
// character's mean width, the gap wanted between labels, a label's
// height, and the slant of labels that would overlap upright.
const (
	tickCharW   = 6.6
	tickGap     = 6.0
	tickHeight  = 13.0
	tickSlant   = 40.0 // degrees
	tickSpace   = 16.0 // from the axis to a label's baseline
	axisLabelUp = 30.0 // room under the labels for the axis label
)

// layerTicks places one x tick per layer at xAt(i). Labels that would
// overlap upright are slanted; when even slanted ones would (they need a
// label height apart), only every k-th layer is labelled, the first and
// the last always. It returns the ticks and the chart height that fits
// them, at least height.
func layerTicks(layers []string, xAt func(int) float64, bottom, height float64) ([]Tick, float64) {
	n := len(layers)
	widest := 0.0
	for _, l := range layers {
		widest = max(widest, float64(len([]rune(l)))*tickCharW)
	}
	spacing := math.Inf(1)
	if n > 1 {
		spacing = xAt(1) - xAt(0)
	}
	slanted := widest+tickGap > spacing
	every := 1
	// Slanted labels stand side by side a label height apart, measured
	// across the slant.
	need := tickHeight / math.Sin(tickSlant*math.Pi/180)
	if slanted {
		every = max(1, int(math.Ceil(need/spacing)))
	}
	// Every k-th layer, and the last; the multiple of k just before the
	// last is dropped when it would stand too close to it.
	var shown []int
	for i := 0; i < n; i += every {
		shown = append(shown, i)
	}
	if last := n - 1; n > 0 && shown[len(shown)-1] != last {
		if len(shown) > 1 && float64(last-shown[len(shown)-1])*spacing < need {
			shown = shown[:len(shown)-1]
		}
		shown = append(shown, last)
	}
	ticks := make([]Tick, 0, len(shown))
	for _, i := range shown {
		t := Tick{Pos: xAt(i), Label: layers[i], Slanted: slanted}
		if slanted {
			t.Y = bottom + tickSpace - 4
		}
		ticks = append(ticks, t)
	}
	if slanted {
		drop := widest * math.Sin(tickSlant*math.Pi/180)
		height = max(height, bottom+tickSpace+drop+axisLabelUp)
	}
	return ticks, math.Ceil(height)
}
