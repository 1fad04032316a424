package whisker

import (
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Whisker is one whisker of an array, described in the array frame
// (millimetres, radians), before any head pose is applied.
type Whisker struct {
	Name string // e.g. "RC2"
	Row  int    // 1..5 = A..E
	Col  int    // 0..6 (arc)
	// ArcLength is the whisker length S along its curve (mm).
	ArcLength float64
	// CurvatureA is the coefficient A (1/mm) of the planar parabola y = A·x²
	// that describes the intrinsic curvature; 0 is a straight whisker.
	CurvatureA float64
	// BasePos is the base point relative to the array origin (mm).
	BasePos geom.Vec3
	// Theta, Phi, Zeta are the rest angles of emergence (rad): azimuth,
	// elevation and roll of the plane of curvature about the whisker axis.
	Theta, Phi, Zeta float64
	// BaseRadius and TipRadius give the linear taper (mm).
	BaseRadius, TipRadius float64
}

// Array is an ordered set of whiskers; the order is the order of the
// simulator's output columns.
type Array struct {
	Whiskers []Whisker
}

// Names returns the whisker names in array order.
func (a Array) Names() []string {
	out := make([]string, len(a.Whiskers))
	for i, w := range a.Whiskers {
		out[i] = w.Name
	}
	return out
}

// Validate reports the first whisker whose parameters cannot be simulated.
func (a Array) Validate() error {
	if len(a.Whiskers) == 0 {
		return fmt.Errorf("whisker array is empty")
	}
	for i, w := range a.Whiskers {
		finite := []float64{w.ArcLength, w.CurvatureA, w.BasePos[0], w.BasePos[1], w.BasePos[2], w.Theta, w.Phi, w.Zeta, w.BaseRadius, w.TipRadius}
		for _, v := range finite {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("whisker %d (%s): non-finite parameter", i, w.Name)
			}
		}
		switch {
		case w.ArcLength < 1 || w.ArcLength > 200:
			return fmt.Errorf("whisker %d (%s): arc length %g mm outside [1, 200]", i, w.Name, w.ArcLength)
		case w.BaseRadius <= 0 || w.TipRadius <= 0 || w.TipRadius > w.BaseRadius:
			return fmt.Errorf("whisker %d (%s): radii base %g, tip %g mm must satisfy 0 < tip <= base", i, w.Name, w.BaseRadius, w.TipRadius)
		case math.Abs(w.CurvatureA)*w.ArcLength > 10:
			return fmt.Errorf("whisker %d (%s): curvature A=%g /mm too strong for S=%g mm", i, w.Name, w.CurvatureA, w.ArcLength)
		}
	}
	return nil
}

// mouseRow is one right-side whisker of the average mouse.
type mouseRow struct {
	name             string
	row, col         int
	s, a             float64
	base             geom.Vec3
	theta, phi, zeta float64
}

// mouseTable returns the 30 right-side whiskers of the average mouse in the
// order RA0–RA4, RB0–RB4, RC0–RC6, RD0–RD6, RE0–RE5.
//
// Figures: Bresee et al. 2023 average-mouse data via WHISKiT Physics /
// Zweifel et al. 2021; simulator-spec §7. Columns: name, row (1..5 = A..E),
// column, arc length S (mm), parabola coefficient A (1/mm), base point
// (x, y, z) relative to the array origin (mm), rest angles θ, φ, ζ (rad).
func mouseTable() []mouseRow {
	return []mouseRow{
		{"RA0", 1, 0, 19.003, 0.004939, geom.Vec3{3.705, -2.2772, 2.2565}, 0.79221, 0.71893, 0.84289},
		{"RA1", 1, 1, 18.326, 0.0070915, geom.Vec3{3.6938, -1.3758, 2.6031}, 0.64032, 0.87605, 1.4013},
		{"RA2", 1, 2, 12.287, 0.012816, geom.Vec3{3.4284, -0.19607, 2.4723}, 0.46893, 1.066, 0.41631},
		{"RA3", 1, 3, 8.4674, 0.017289, geom.Vec3{3.2979, 1.1074, 2.6644}, 2.1083, 1.1481, 0.67614},
		{"RA4", 1, 4, 5.5488, 0.015632, geom.Vec3{2.5848, 2.6333, 2.699}, 2.7281, 0.99518, 0.06657},
		{"RB0", 2, 0, 21.237, 0.0063015, geom.Vec3{4.0068, -2.2533, 1.2899}, 0.91711, 0.45227, 0.7423},
		{"RB1", 2, 1, 18.943, 0.0093332, geom.Vec3{3.9578, -1.2764, 1.4283}, 1.0222, 0.65491, 0.91458},
		{"RB2", 2, 2, 14.216, 0.014319, geom.Vec3{3.6652, -0.13894, 1.5369}, 1.2278, 0.64687, 1.2498},
		{"RB3", 2, 3, 10.29, 0.016425, geom.Vec3{3.4544, 1.0228, 1.7137}, 1.4802, 0.69391, 1.5548},
		{"RB4", 2, 4, 6.0884, 0.01517, geom.Vec3{2.9014, 2.3027, 1.4923}, 1.9073, 0.4333, 1.1033},
		{"RC0", 3, 0, 19.741, 0.005693, geom.Vec3{4.6384, -2.557, 0.015131}, 1.075, 0.16066, 0.29381},
		{"RC1", 3, 1, 19.313, 0.0074463, geom.Vec3{4.2083, -1.4389, 0.57689}, 1.235, 0.39477, 0.47181},
		{"RC2", 3, 2, 15.265, 0.0094072, geom.Vec3{4.3446, -0.48847, 0.33139}, 1.3697, 0.41071, 0.72882},
		{"RC3", 3, 3, 12.744, 0.011957, geom.Vec3{4.0814, 0.30474, 0.35592}, 1.5448, 0.22502, 1.2369},
		{"RC4", 3, 4, 9.4591, 0.021629, geom.Vec3{3.764, 1.2378, 0.085102}, 1.7666, 0.21482, 1.2073},
		{"RC5", 3, 5, 7.2799, 0.032846, geom.Vec3{3.3163, 1.9782, 0.071037}, 2.0067, 0.077453, 1.4139},
		{"RC6", 3, 6, 5.6128, 0.02892, geom.Vec3{2.7374, 2.758, -0.071923}, 2.395, 0.096606, 0.29565},
		{"RD0", 4, 0, 20.333, 0.011143, geom.Vec3{4.8918, -2.5131, -0.93144}, 1.132, 0.048012, 0.33412},
		{"RD1", 4, 1, 19.67, 0.0088222, geom.Vec3{4.7939, -1.729, -0.64169}, 1.2644, 0.057272, 0.31829},
		{"RD2", 4, 2, 14.695, 0.011794, geom.Vec3{4.8703, -0.49128, -0.76545}, 1.3653, 0.066489, 0.52991},
		{"RD3", 4, 3, 11.422, 0.014237, geom.Vec3{4.5949, 0.22307, -0.85975}, 1.5149, -0.063485, 0.66891},
		{"RD4", 4, 4, 8.8812, 0.015325, geom.Vec3{4.3445, 1.154, -1.0921}, 1.6723, -0.095755, 0.74215},
		{"RD5", 4, 5, 6.5404, 0.036589, geom.Vec3{3.7596, 1.8334, -1.0734}, 1.9465, -0.10832, 0.76074},
		{"RD6", 4, 6, 5.3616, 0.028904, geom.Vec3{3.1977, 2.4811, -1.0662}, 2.2547, -0.21776, 0.68827},
		{"RE0", 5, 0, 16.726, 0.01382, geom.Vec3{4.8226, -2.0471, -1.7089}, 1.2385, -0.143, 0.16341},
		{"RE1", 5, 1, 13.724, 0.01264, geom.Vec3{4.9999, -1.2246, -1.9399}, 1.2821, -0.17371, 0.15101},
		{"RE2", 5, 2, 11.483, 0.018153, geom.Vec3{4.8067, -0.3168, -2.0031}, 1.4581, -0.23853, 0.39144},
		{"RE3", 5, 3, 8.9356, 0.021109, geom.Vec3{4.6057, 0.69645, -2.1665}, 1.6177, -0.26123, 0.32184},
		{"RE4", 5, 4, 5.7632, 0.027347, geom.Vec3{4.2655, 1.5898, -2.248}, 1.8726, -0.29354, 0.46425},
		{"RE5", 5, 5, 5.1296, 0.064586, geom.Vec3{3.6103, 2.4164, -1.98}, 2.0631, -0.5034, 0.7155},
	}
}

// MouseArray returns the 30 right-side whiskers of the average mouse
// (RA0…RE5), with radii from the taper regressions of simulator-spec §2.2.
func MouseArray() Array {
	rows := mouseTable()
	out := Array{Whiskers: make([]Whisker, len(rows))}
	for i, r := range rows {
		rb, rt := mouseRadii(r.s, r.row, r.col)
		out.Whiskers[i] = Whisker{
			Name: r.name, Row: r.row, Col: r.col,
			ArcLength: r.s, CurvatureA: r.a, BasePos: r.base,
			Theta: r.theta, Phi: r.phi, Zeta: r.zeta,
			BaseRadius: rb, TipRadius: rt,
		}
	}
	return out
}

// mouseRadii returns base and tip radius (mm) of a whisker of arc length s
// (mm) at row (1..5) and column (0..6). Regressions of Belli et al. for the
// rat, applied unchanged to mouse lengths by WHISKiT (simulator-spec §2.2):
// base diameter 0.041 + 0.002·S + 0.011·row − 0.0039·col, tip radius
// (r_base − g·S)/2 floored at 1.5 µm.
func mouseRadii(s float64, row, col int) (base, tip float64) {
	r, c := float64(row), float64(col)
	base = (0.041 + 0.002*s + 0.011*r - 0.0039*c) / 2
	g := 0.0012 + 0.00017*r - 0.000066*c + 0.00011*c*c
	tip = (base - g*s) / 2
	if tip <= 0.0015 {
		tip = 0.0015
	}
	return base, tip
}

// HeadPose places the array in the world: the head body origin (mm) and
// orientation (rx, ry, rz) in degrees applied as Rz(rz)·Ry(ry)·Rx(rx). The
// array origin sits at head · T(0, 13, 1.5) (simulator-spec §7).
type HeadPose struct {
	Position       geom.Vec3
	OrientationDeg geom.Vec3
}

// Rotation returns the head orientation matrix.
func (h HeadPose) Rotation() geom.Mat3 {
	o := h.OrientationDeg
	return geom.RotZ(geom.Deg(o[2])).Mul(geom.RotY(geom.Deg(o[1]))).Mul(geom.RotX(geom.Deg(o[0])))
}

// arrayOffset is the array origin in the head frame (mm), simulator-spec §7.
func arrayOffset() geom.Vec3 { return geom.Vec3{0, 13, 1.5} }

// BasePoint returns the world position of whisker w's base point.
func (h HeadPose) BasePoint(w Whisker) geom.Vec3 {
	return h.Position.Add(h.Rotation().MulVec(arrayOffset().Add(w.BasePos)))
}

// restFrame returns the whisker's base frame in the head frame for angles
// (θ, φ, ζ): Rz(θ−π/2)·Ry(−φ)·Rx(ζ+π/2). Its x column is the whisker
// direction (cos φ sin θ, −cos φ cos θ, sin φ); intrinsic bending is about
// its z axis towards −y (simulator-spec §2.4).
func restFrame(theta, phi, zeta float64) geom.Mat3 {
	return geom.RotZ(theta - math.Pi/2).Mul(geom.RotY(-phi)).Mul(geom.RotX(zeta + math.Pi/2))
}

// SweepHeadPose is the head pose of both paper sweep scripts
// (paper-spec §3.2, simulator-spec §8.1).
func SweepHeadPose() HeadPose {
	return HeadPose{Position: geom.Vec3{-6.934, -11.642, -2.598}, OrientationDeg: geom.Vec3{0, 15.366, -16.198}}
}

// RodgersHeadPose is the head pose of the Rodgers stimuli (paper-spec §3.7).
func RodgersHeadPose() HeadPose {
	return HeadPose{Position: geom.Vec3{-5, -10, 0}, OrientationDeg: geom.Vec3{0, 15, 0}}
}
