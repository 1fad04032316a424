package tactile

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
	"github.com/whiskerbench/whiskerbench/datasets/whisker"
)

// Summary is what `dataset inspect` reports.
type Summary struct {
	Dir        string         `json:"dir"`
	Protocol   string         `json:"protocol"`
	Generator  string         `json:"generator"`
	Complete   bool           `json:"complete"`
	Classes    int            `json:"classes"`
	Objects    map[string]int `json:"objects"` // by split
	Sweeps     map[string]int `json:"sweeps"`  // by split
	Shards     int            `json:"shards"`
	BadShards  []string       `json:"bad_shards,omitempty"`
	MeanAbs    [6]float64     `json:"mean_abs_by_channel"` // over the first shard's inputs
	MaxAbs     float64        `json:"max_abs"`
	ZeroSweeps int            `json:"zero_sweeps"` // sweeps whose inputs are all zero (no contact)
}

// Inspect checks a dataset directory (every shard's checksum) and
// summarises it.
func Inspect(dir string) (*Summary, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	s := &Summary{Dir: dir, Protocol: m.Params.Protocol, Generator: m.GeneratorVersion, Complete: m.Complete,
		Classes: len(m.ClassNames), Objects: map[string]int{}, Sweeps: map[string]int{}, Shards: len(m.Shards)}
	for _, o := range m.Objects {
		s.Objects[o.Split]++
	}
	first := -1
	for i, sh := range m.Shards {
		s.Sweeps[sh.Split] += sh.Sweeps
		sum, err := FileSHA256(filepath.Join(dir, sh.File))
		if err != nil || (sh.SHA256 != "" && sum != sh.SHA256) {
			s.BadShards = append(s.BadShards, sh.File)
			continue
		}
		if first < 0 {
			first = i
		}
	}
	if first >= 0 {
		b, err := ReadShard(dir, m.Shards[first])
		if err != nil {
			return nil, err
		}
		const cell = 22 * 30 * 35
		var cnt [6]float64
		for i := 0; i < b.Len(); i++ {
			zero := true
			x := b.Inputs.F32[i*cell : (i+1)*cell]
			for j, v := range x {
				// channel index: inputs (22, 30, 5, 7); the 30 axis is step·6 + f.
				f := (j / 35) % 30 % 6
				a := math.Abs(float64(v))
				s.MeanAbs[f] += a
				cnt[f]++
				s.MaxAbs = math.Max(s.MaxAbs, a)
				if v != 0 {
					zero = false
				}
			}
			if zero {
				s.ZeroSweeps++
			}
		}
		for f := range s.MeanAbs {
			if cnt[f] > 0 {
				s.MeanAbs[f] /= cnt[f]
			}
		}
	}
	return s, nil
}

// Print writes the summary as text.
func (s *Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "dataset %s\n  protocol %s, generator %s, complete %v\n  %d classes, %d shards\n", s.Dir, s.Protocol, s.Generator, s.Complete, s.Classes, s.Shards)
	for _, sp := range []string{Train, Validation, Test} {
		fmt.Fprintf(w, "  %-10s %6d objects %8d sweeps\n", sp, s.Objects[sp], s.Sweeps[sp])
	}
	fmt.Fprintf(w, "  mean |x| by channel (first shard): Fx %.3g  Fy %.3g  Fz %.3g  Mx %.3g  My %.3g  Mz %.3g; max |x| %.3g; %d all-zero sweeps\n",
		s.MeanAbs[0], s.MeanAbs[1], s.MeanAbs[2], s.MeanAbs[3], s.MeanAbs[4], s.MeanAbs[5], s.MaxAbs, s.ZeroSweeps)
	if len(s.BadShards) > 0 {
		fmt.Fprintf(w, "  %d shard(s) missing or failing their checksum: %v (run the build again to redo them)\n", len(s.BadShards), s.BadShards)
	} else {
		fmt.Fprintln(w, "  every shard matches its sha256")
	}
}

// whiskerLine returns a whisker's rest axis in world coordinates, drawn
// straight from its base point along its emergence direction
// (θ, φ) for its arc length.
func whiskerLine(h whisker.HeadPose, w whisker.Whisker) (geom.Vec3, geom.Vec3) {
	base := h.BasePoint(w)
	cp := math.Cos(w.Phi)
	dir := geom.Vec3{cp * math.Sin(w.Theta), -cp * math.Cos(w.Theta), math.Sin(w.Phi)}
	return base, base.Add(h.Rotation().MulVec(dir).Scale(w.ArcLength))
}

// unpack returns frame-by-frame traces (110 frames) of one grid cell's six
// channels from one sweep's inputs (22, 30, 5, 7): frame t·5+step, channel
// f sits at [t, step·6+f, cell] (paper-spec §2.1).
func unpack(x []float32, cell int) [6][]float64 {
	var out [6][]float64
	for f := range out {
		out[f] = make([]float64, 110)
	}
	for t := 0; t < 22; t++ {
		for step := 0; step < 5; step++ {
			for f := 0; f < 6; f++ {
				out[f][t*5+step] = float64(x[(t*30+step*6+f)*35+cell])
			}
		}
	}
	return out
}

// RenderInspection draws one sweep of the dataset as a PNG: a top view of
// the whisker array with the object at mid-sweep, and the force/moment
// traces of the most-loaded whisker.
func RenderInspection(dir string, w io.Writer) error {
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	if len(m.Shards) == 0 {
		return fmt.Errorf("dataset %s has no shards", dir)
	}
	b, err := ReadShard(dir, m.Shards[0])
	if err != nil {
		return err
	}
	// The sweep with the most signal.
	const cell = 22 * 30 * 35
	best, bestE := 0, -1.0
	for i := 0; i < b.Len(); i++ {
		var e float64
		for _, v := range b.Inputs.F32[i*cell : (i+1)*cell] {
			e += float64(v) * float64(v)
		}
		if e > bestE {
			best, bestE = i, e
		}
	}
	obj := m.Objects[b.ObjectIDs[best]]
	inst, err := instance(m.Params, obj)
	if err != nil {
		return err
	}
	sweeps, err := sweepsFor(m.Params, obj.ID, inst.Shape)
	if err != nil {
		return err
	}
	sweepIdx := best % m.SweepsPerObject
	sw := sweeps[sweepIdx]

	top := plot.New()
	top.Title.Text = fmt.Sprintf("%s #%d, sweep %s (top view, t = 0.5 s)", obj.Class, obj.ID, sw.Name)
	top.X.Label.Text = "x (mm)"
	top.Y.Label.Text = "y (mm)"
	if len(sw.Config.Objects) > 0 {
		o := sw.Config.Objects[0]
		pts, err := shapes.SampleSurface(o.Shape, 1500, rand.New(rand.NewPCG(1, 2)))
		if err == nil {
			pose := o.Motion.PoseAt(0.5)
			xy := make(plotter.XYs, len(pts))
			for i, p := range pts {
				q := pose.R.MulVec(p).Add(pose.T)
				xy[i] = plotter.XY{X: q[0], Y: q[1]}
			}
			sc, err := plotter.NewScatter(xy)
			if err == nil {
				sc.GlyphStyle.Radius = vg.Points(1)
				sc.GlyphStyle.Color = color.RGBA{R: 122, G: 62, B: 157, A: 255}
				top.Add(sc)
			}
		}
	}
	for _, wk := range sw.Config.Array.Whiskers {
		a, z := whiskerLine(sw.Config.Head, wk)
		l, err := plotter.NewLine(plotter.XYs{{X: a[0], Y: a[1]}, {X: z[0], Y: z[1]}})
		if err == nil {
			l.LineStyle.Width = vg.Points(1)
			l.LineStyle.Color = color.RGBA{R: 40, G: 40, B: 40, A: 255}
			top.Add(l)
		}
	}
	top.X.Min, top.X.Max = -40, 60
	top.Y.Min, top.Y.Max = -50, 50

	x := b.Inputs.F32[best*cell : (best+1)*cell]
	// The grid cell with the most load.
	energy := make([]float64, 35)
	for j, v := range x {
		energy[j%35] += float64(v) * float64(v)
	}
	idx := make([]int, 35)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return energy[idx[i]] > energy[idx[j]] })
	c := idx[0]
	tr := unpack(x, c)
	names := whisker.Channels()
	rowNames := "ABCDE"
	force := plot.New()
	force.Title.Text = fmt.Sprintf("whisker %c%d: base forces", rowNames[c/7], c%7)
	force.X.Label.Text = "frame (9 ms)"
	force.Y.Label.Text = "mN"
	moment := plot.New()
	moment.Title.Text = fmt.Sprintf("whisker %c%d: base moments", rowNames[c/7], c%7)
	moment.X.Label.Text = "frame (9 ms)"
	moment.Y.Label.Text = "mN·mm"
	palette := []color.Color{color.RGBA{R: 200, G: 50, B: 50, A: 255}, color.RGBA{R: 40, G: 140, B: 60, A: 255}, color.RGBA{R: 40, G: 80, B: 200, A: 255}}
	for f := 0; f < 6; f++ {
		xy := make(plotter.XYs, 110)
		for t := range xy {
			xy[t] = plotter.XY{X: float64(t), Y: tr[f][t]}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			continue
		}
		l.LineStyle.Color = palette[f%3]
		l.LineStyle.Width = vg.Points(1.2)
		p := force
		if f >= 3 {
			p = moment
		}
		p.Add(l)
		p.Legend.Add(names[f], l)
	}
	force.Legend.Top = true
	moment.Legend.Top = true

	const width, height = 30 * vg.Centimeter, 14 * vg.Centimeter
	img := vgimg.New(width, height)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	left := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{Min: dc.Min, Max: vg.Point{X: dc.Min.X + (dc.Max.X-dc.Min.X)/2, Y: dc.Max.Y}}}
	top.Draw(left)
	right := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: dc.Min.X + (dc.Max.X-dc.Min.X)/2, Y: dc.Min.Y}, Max: dc.Max}}
	canvases := plot.Align([][]*plot.Plot{{force}, {moment}}, draw.Tiles{Rows: 2, Cols: 1, PadY: tiles.PadY, PadX: tiles.PadX}, right)
	force.Draw(canvases[0][0])
	moment.Draw(canvases[1][0])
	png := vgimg.PngCanvas{Canvas: img}
	if _, err := png.WriteTo(w); err != nil {
		return fmt.Errorf("write inspection PNG: %w", err)
	}
	return nil
}
