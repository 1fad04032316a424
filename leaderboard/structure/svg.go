package structure

import (
	"fmt"
	"math"
	"strings"
)

// viridis are the colour scale's stops, low to high (matplotlib's viridis
// sampled at 0, ¼, ½, ¾, 1): perceptually even and readable in greyscale.
var viridis = [5][3]float64{{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}

// Colour maps t ∈ [0, 1] (clamped) onto the scale as #rrggbb.
func Colour(t float64) string {
	if math.IsNaN(t) {
		return "#cccccc"
	}
	t = math.Max(0, math.Min(1, t))
	x := t * float64(len(viridis)-1)
	i := min(int(x), len(viridis)-2)
	f := x - float64(i)
	var c [3]int
	for k := range c {
		c[k] = int(math.Round(viridis[i][k] + f*(viridis[i+1][k]-viridis[i][k])))
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2])
}

// HeatCell is one square of a heatmap.
type HeatCell struct {
	X, Y, Size float64
	Fill       string
	Title      string // the tooltip, e.g. "concave near × convex far: 0.412"
}

// Label is a positioned piece of text.
type Label struct {
	X, Y float64
	Text string
}

// Stop is one colour stop of the legend's gradient.
type Stop struct {
	Offset string // percent
	Colour string
}

// Heatmap is an RDM laid out as SVG: cells, stimulus labels on both axes,
// and a colour-scale legend with its values.
type Heatmap struct {
	ID, Title        string
	Width, Height    float64
	Cells            []HeatCell
	RowLabels        []Label // right-aligned at X
	ColLabels        []Label // rotated −40° about (X, Y)
	LegendX, LegendY float64
	LegendW, LegendH float64
	Stops            []Stop
	Ticks            []Label
	Scale            string // what the colours mean
}

const (
	heatLeft   = 118.0
	heatTop    = 10.0
	heatGrid   = 228.0
	heatBottom = 84.0
)

// NewHeatmap lays out a full n×n RDM with labels. Colours run from 0 to
// the largest dissimilarity (at least a small positive span), so the
// legend's numbers, not the colours, are what two maps share.
func NewHeatmap(id, title string, values []float64, n int, labels []string) Heatmap {
	h := Heatmap{ID: id, Title: title}
	if n < 1 || len(values) != n*n {
		return h
	}
	hi := 0.0
	for _, v := range values {
		if !math.IsNaN(v) {
			hi = math.Max(hi, v)
		}
	}
	hi = math.Max(hi, 1e-6)
	cell := math.Min(38, heatGrid/float64(n))
	grid := cell * float64(n)
	for i := range n {
		for j := range n {
			v := values[i*n+j]
			h.Cells = append(h.Cells, HeatCell{X: heatLeft + float64(j)*cell, Y: heatTop + float64(i)*cell, Size: cell,
				Fill: Colour(v / hi), Title: fmt.Sprintf("%s × %s: %.3f", label(labels, i), label(labels, j), v)})
		}
	}
	// At most 24 labels per axis; beyond that every k-th.
	step := max(1, (n+23)/24)
	for i := 0; i < n; i += step {
		mid := float64(i)*cell + cell/2
		h.RowLabels = append(h.RowLabels, Label{X: heatLeft - 6, Y: heatTop + mid + 4, Text: label(labels, i)})
		h.ColLabels = append(h.ColLabels, Label{X: heatLeft + mid + 4, Y: heatTop + grid + 10, Text: label(labels, i)})
	}
	h.LegendX, h.LegendY, h.LegendW, h.LegendH = heatLeft+grid+18, heatTop, 12, grid
	for k := range 5 {
		t := float64(k) / 4
		// The gradient runs top (high) to bottom (low).
		h.Stops = append(h.Stops, Stop{Offset: fmt.Sprintf("%.0f%%", 100*t), Colour: Colour(1 - t)})
	}
	for k := range 3 {
		t := float64(k) / 2
		h.Ticks = append(h.Ticks, Label{X: h.LegendX + h.LegendW + 5, Y: heatTop + (1-t)*grid + 4, Text: fmt.Sprintf("%.3g", t*hi)})
	}
	h.Scale = fmt.Sprintf("colour: dissimilarity 1 − Pearson r, from 0 (dark) to %.3g (bright)", hi)
	h.Width = h.LegendX + h.LegendW + 48
	h.Height = heatTop + grid + heatBottom
	return h
}

func label(labels []string, i int) string {
	if i < len(labels) {
		return labels[i]
	}
	return fmt.Sprint(i)
}

// TracePlot is one stimulus's traces as polylines in a small SVG.
type TracePlot struct {
	Label         string
	Width, Height float64
	Force, Torque string // SVG polyline points
}

// TraceSet is every stimulus's traces on shared scales.
type TraceSet struct {
	Plots                 []TracePlot
	ForceMax, TorqueMax   string
	Frames, Whiskers, Bin int
}

const (
	traceW   = 240.0
	traceH   = 64.0
	tracePad = 3.0
)

// NewTraceSet lays out the traces; force and moment each share one scale
// across stimuli, so stimuli can be compared by eye.
func NewTraceSet(st Stimuli) TraceSet {
	fmax, tmax := 0.0, 0.0
	for _, tr := range st.Traces {
		for i := range tr.Force {
			fmax, tmax = math.Max(fmax, tr.Force[i]), math.Max(tmax, tr.Torque[i])
		}
	}
	out := TraceSet{ForceMax: fmt.Sprintf("%.3g mN", fmax), TorqueMax: fmt.Sprintf("%.3g mN·mm", tmax), Frames: st.Frames, Whiskers: st.Whiskers, Bin: st.Bin}
	for _, tr := range st.Traces {
		out.Plots = append(out.Plots, TracePlot{Label: tr.Label, Width: traceW, Height: traceH, Force: points(tr.Force, fmax), Torque: points(tr.Torque, tmax)})
	}
	return out
}

// points scales a series into the trace box (x over its length, y from
// 0 at the bottom to top at the top).
func points(v []float64, top float64) string {
	var b strings.Builder
	span := math.Max(1, float64(len(v)-1))
	top = math.Max(top, 1e-12)
	for i, x := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", tracePad+float64(i)/span*(traceW-2*tracePad), traceH-tracePad-x/top*(traceH-2*tracePad))
	}
	return b.String()
}
