package whisker

import (
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Whisking drives the whisker bases (the follicles) kinematically.
//
// Without a Trajectory it is the documented generator of WHISKiT
// (simulator-spec §4): a protraction angle
// p(t) = cos(2πft + π)·(P + Rt)/2 + (P − Rt)/2, swinging from −Rt
// (retraction) at t = 0 to +P (protraction), added to each whisker's rest
// azimuth, with elevation and roll coupled row-wise:
// θ = θ_rest + p, φ = φ_rest + p·dφ_row, ζ = ζ_rest + p·dζ_row. The base
// orientation is the rest-frame construction at those angles, in the head
// frame, so p = 0 is exactly the rest pose.
type Whisking struct {
	FrequencyHz    float64
	ProtractionDeg float64 // P
	RetractionDeg  float64 // Rt
	// ElevationCoupling dφ and RollCoupling dζ per row A..E.
	ElevationCoupling, RollCoupling [5]float64
	// Trajectory, when set, replaces the generator by per-frame base angular
	// velocities (WHISKiT's whisking_trajectory.csv layout).
	Trajectory *Trajectory
}

// DefaultWhisking returns the generator of simulator-spec §4: 8 Hz,
// +35° / −10°, dφ = 0.398, 0.591, 0.578, 0.393, 0.217 and
// dζ = −0.900, −0.284, 0.243, 0.449, 0.744 for rows A..E (Knutsen-style
// coupling of WHISKiT's generate_whisk scripts).
func DefaultWhisking() Whisking {
	return Whisking{
		FrequencyHz:       8,
		ProtractionDeg:    35,
		RetractionDeg:     10,
		ElevationCoupling: [5]float64{0.398, 0.591, 0.578, 0.393, 0.217},
		RollCoupling:      [5]float64{-0.900, -0.284, 0.243, 0.449, 0.744},
	}
}

// Protraction returns p(t) and dp/dt in radians (and rad/s).
func (wk Whisking) Protraction(t float64) (p, dp float64) {
	pr, rt := geom.Deg(wk.ProtractionDeg), geom.Deg(wk.RetractionDeg)
	om := 2 * math.Pi * wk.FrequencyHz
	s, c := math.Sincos(om*t + math.Pi)
	return c*(pr+rt)/2 + (pr-rt)/2, -s * om * (pr + rt) / 2
}

func (wk *Whisking) validate(nwhiskers, frames int) error {
	if wk.Trajectory != nil {
		tr := wk.Trajectory
		if len(tr.Omega) < nwhiskers {
			return fmt.Errorf("whisking trajectory has %d rows, the array has %d whiskers", len(tr.Omega), nwhiskers)
		}
		for i := 0; i < nwhiskers; i++ {
			if len(tr.Omega[i]) < frames-1 {
				return fmt.Errorf("whisking trajectory row %d has %d frames, the run needs %d", i, len(tr.Omega[i]), frames-1)
			}
		}
		return nil
	}
	vals := []float64{wk.FrequencyHz, wk.ProtractionDeg, wk.RetractionDeg}
	vals = append(vals, wk.ElevationCoupling[:]...)
	vals = append(vals, wk.RollCoupling[:]...)
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("whisking generator has a non-finite parameter")
		}
	}
	if wk.FrequencyHz < 0 || wk.FrequencyHz > 100 {
		return fmt.Errorf("whisking frequency %g Hz out of range [0, 100]", wk.FrequencyHz)
	}
	if math.Abs(wk.ProtractionDeg) > 90 || math.Abs(wk.RetractionDeg) > 90 {
		return fmt.Errorf("whisking amplitudes +%g°/−%g° exceed 90°", wk.ProtractionDeg, wk.RetractionDeg)
	}
	return nil
}

// baseDrive gives the base orientation and angular velocity (world) of one
// whisker at time t.
type baseDrive struct {
	head  geom.Mat3
	rest  geom.Mat3 // world rest frame
	w     Whisker
	gen   *Whisking
	fps   float64
	omega []geom.Vec3 // trajectory, per frame
	rk    []geom.Mat3 // trajectory: orientation at each frame start
}

func newBaseDrive(cfg *Config, wi int) *baseDrive {
	w := cfg.Array.Whiskers[wi]
	head := cfg.Head.Rotation()
	d := &baseDrive{head: head, rest: head.Mul(restFrame(w.Theta, w.Phi, w.Zeta)), w: w, fps: cfg.FrameRate}
	if cfg.Whisking == nil {
		return d
	}
	if tr := cfg.Whisking.Trajectory; tr != nil {
		// WHISKiT sets the base angular velocity of frame k to sample k, in
		// world axes, and keeps it through the frame's substeps.
		d.omega = tr.Omega[wi]
		dt := 1 / cfg.FrameRate
		d.rk = make([]geom.Mat3, cfg.Frames+1)
		d.rk[0] = d.rest
		for k := 1; k <= cfg.Frames; k++ {
			d.rk[k] = orthonormalize(expRot(d.omegaOf(k - 1).Scale(dt)).Mul(d.rk[k-1]))
		}
		return d
	}
	d.gen = cfg.Whisking
	return d
}

func (d *baseDrive) omegaOf(k int) geom.Vec3 {
	if k >= len(d.omega) {
		k = len(d.omega) - 1
	}
	if k < 0 {
		return geom.Vec3{}
	}
	return d.omega[k]
}

func (d *baseDrive) at(t float64) (geom.Mat3, geom.Vec3) {
	switch {
	case d.omega != nil:
		k := int(math.Floor(t*d.fps + 1e-6))
		if k >= len(d.rk) {
			k = len(d.rk) - 1
		}
		if k < 0 {
			k = 0
		}
		om := d.omegaOf(k)
		return expRot(om.Scale(t - float64(k)/d.fps)).Mul(d.rk[k]), om
	case d.gen != nil:
		p, dp := d.gen.Protraction(t)
		row := d.w.Row - 1
		var dphi, dzeta float64
		if row >= 0 && row < 5 {
			dphi, dzeta = d.gen.ElevationCoupling[row], d.gen.RollCoupling[row]
		}
		th, ph, ze := d.w.Theta+p, d.w.Phi+p*dphi, d.w.Zeta+p*dzeta
		// R = Rz(θ−π/2)·Ry(−φ)·Rx(ζ+π/2): ω = θ̇ z + Rz·(−φ̇ y) + Rz·Ry·(ζ̇ x).
		rz := geom.RotZ(th - math.Pi/2)
		rzy := rz.Mul(geom.RotY(-ph))
		om := geom.Vec3{0, 0, dp}.Add(col(rz, 1).Scale(-dp * dphi)).Add(col(rzy, 0).Scale(dp * dzeta))
		return d.head.Mul(rzy.Mul(geom.RotX(ze + math.Pi/2))), d.head.MulVec(om)
	}
	return d.rest, geom.Vec3{}
}
