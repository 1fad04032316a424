package train

import (
	"fmt"
	"math"
	"strings"
)

// series is one line of a panel.
type series struct {
	name  string
	color string
	y     []float64
}

// writeCurve writes the training curve: loss (train, validation) and
// accuracy (train top-1, validation top-1, top-5) per epoch, the best
// epoch marked, as a self-contained SVG.
func writeCurve(path string, h []EpochStats, best int) error {
	var loss, acc [3]series
	loss[0] = series{name: "train loss", color: "#1f77b4"}
	loss[1] = series{name: "val loss", color: "#d62728"}
	acc[0] = series{name: "train top-1", color: "#1f77b4"}
	acc[1] = series{name: "val top-1", color: "#d62728"}
	acc[2] = series{name: "val top-5", color: "#ff7f0e"}
	for _, e := range h {
		loss[0].y = append(loss[0].y, e.Train.Loss)
		loss[1].y = append(loss[1].y, e.Val.Loss)
		acc[0].y = append(acc[0].y, e.Train.Top1)
		acc[1].y = append(acc[1].y, e.Val.Top1)
		acc[2].y = append(acc[2].y, e.Val.Top5)
	}
	var sb strings.Builder
	const W, H = 960, 360
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(&sb, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	panel(&sb, 0, "cross-entropy", loss[:2], best, false)
	panel(&sb, W/2, "accuracy", acc[:], best, true)
	sb.WriteString("</svg>\n")
	return writeAtomic(path, []byte(sb.String()))
}

// panel draws one 480x360 plot at x offset ox.
func panel(sb *strings.Builder, ox int, title string, ss []series, best int, unit bool) {
	const left, right, top, bottom = 60, 20, 30, 60
	const pw, ph = 480 - left - right, 360 - top - bottom
	n := len(ss[0].y)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, v := range s.y {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if unit {
		lo, hi = 0, 1
	} else {
		lo = math.Min(lo, 0)
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	x := func(i int) float64 {
		if n == 1 {
			return float64(ox+left) + pw/2
		}
		return float64(ox+left) + float64(i)*pw/float64(n-1)
	}
	y := func(v float64) float64 { return float64(top) + (hi-v)/(hi-lo)*ph }
	fmt.Fprintf(sb, `<text x="%d" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n", ox+left+pw/2, top-10, title)
	fmt.Fprintf(sb, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>`+"\n", ox+left, top, pw, ph)
	for k := 0; k <= 4; k++ {
		v := lo + float64(k)*(hi-lo)/4
		yy := y(v)
		fmt.Fprintf(sb, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", ox+left, yy, ox+left+pw, yy)
		fmt.Fprintf(sb, `<text x="%d" y="%.1f" text-anchor="end">%.3g</text>`+"\n", ox+left-6, yy+4, v)
	}
	step := max(1, (n+9)/10)
	for i := 0; i < n; i += step {
		fmt.Fprintf(sb, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", x(i), top+ph+16, i+1)
	}
	fmt.Fprintf(sb, `<text x="%d" y="%d" text-anchor="middle">epoch</text>`+"\n", ox+left+pw/2, top+ph+32)
	if best >= 1 && best <= n {
		fmt.Fprintf(sb, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#2ca02c" stroke-dasharray="4 3"/>`+"\n", x(best-1), top, x(best-1), top+ph)
	}
	for k, s := range ss {
		var pts []string
		for i, v := range s.y {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		fmt.Fprintf(sb, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", s.color, strings.Join(pts, " "))
		for i, v := range s.y {
			fmt.Fprintf(sb, `<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>`+"\n", x(i), y(v), s.color)
		}
		lx := ox + left + k*130
		fmt.Fprintf(sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", lx, top+ph+48, lx+20, top+ph+48, s.color)
		fmt.Fprintf(sb, `<text x="%d" y="%d">%s</text>`+"\n", lx+24, top+ph+52, s.name)
	}
}

// writeLossCurve writes an SSL run's curve: the train and validation
// losses per epoch, the best (minimum validation loss) epoch marked.
func writeLossCurve(path, title string, h []EpochStats, best int) error {
	loss := []series{{name: "train loss", color: "#1f77b4"}, {name: "val loss", color: "#d62728"}}
	for _, e := range h {
		loss[0].y = append(loss[0].y, e.Train.Loss)
		loss[1].y = append(loss[1].y, e.Val.Loss)
	}
	var sb strings.Builder
	const W, H = 480, 360
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(&sb, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	panel(&sb, 0, title, loss, best, false)
	sb.WriteString("</svg>\n")
	return writeAtomic(path, []byte(sb.String()))
}
