package whisker

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
)

// SweepParams are the protocol parameters of one run, in WHISKiT's terms
// (paper-spec §3.2, §3.3, §3.7).
type SweepParams struct {
	Protocol string
	// Stimulus names a Rodgers stimulus ("concave-near", …); empty otherwise.
	Stimulus string
	// HeightMM is OBJ_Z, DistanceMM OBJ_X, YMM OBJ_Y (mm).
	HeightMM, DistanceMM, YMM float64
	// ThetaDeg = OrientationDeg + RotationDeg is OBJ_THETA.
	ThetaDeg, OrientationDeg, RotationDeg float64
	// SpeedMMs is OBJ_SPEED (along −y), ScaleMM OBJ_SCALE (bbox diagonal).
	SpeedMMs, ScaleMM float64
	// Set is the random set of sweep-hv (0 elsewhere).
	Set int
}

// Sweep is one run of a protocol: a name in WHISKiT's output-directory
// style, its parameters and the simulation configuration.
type Sweep struct {
	Name   string
	Params SweepParams
	Config Config
}

// placementResolution is the grid resolution of shapes.SurfacePoints used
// for the placement rule of analytic shapes (64: the bounding box of the
// points is within ≈ 0.1 % of the surface's, e.g. 54.94 of 55 mm for the
// Rodgers plate).
const placementResolution = 64

// PlacementPoints returns the points of s that WHISKiT's placement rule
// measures: a mesh's vertices (exactly as WHISKiT, simulator-spec §5), also
// through a *shapes.Transformed wrapping a mesh, and otherwise the surface
// points shapes.SurfacePoints(s, 64) of an analytic shape. Computing them
// costs up to ~10⁶ distance queries, so protocols compute them once per
// object and pass them to PlaceObjectAt.
func PlacementPoints(s shapes.Shape) ([]geom.Vec3, error) {
	switch m := s.(type) {
	case nil:
		return nil, fmt.Errorf("placement points: no shape")
	case *shapes.Mesh:
		return m.Vertices(), nil
	case *shapes.Transformed:
		if in, ok := m.Inner().(*shapes.Mesh); ok {
			v := in.Vertices()
			for i := range v {
				v[i] = m.Apply(v[i])
			}
			return v, nil
		}
	}
	pts, err := shapes.SurfacePoints(s, placementResolution)
	if err != nil {
		return nil, fmt.Errorf("placement points: %w", err)
	}
	return pts, nil
}

// PlaceObject applies WHISKiT's object rules (simulator-spec §5,
// paper-spec §3.1) to s with the points of PlacementPoints; see
// PlaceObjectAt. Callers placing one shape many times should compute the
// points once and call PlaceObjectAt.
func PlaceObject(s shapes.Shape, scaleMM, thetaDeg float64, pos geom.Vec3, velocity geom.Vec3) (Object, error) {
	if s == nil {
		return Object{}, fmt.Errorf("place object: no shape")
	}
	pts, err := PlacementPoints(s)
	if err != nil {
		return Object{}, fmt.Errorf("place object: %w", err)
	}
	return PlaceObjectAt(s, pts, scaleMM, thetaDeg, pos, velocity)
}

// PlaceObjectAt applies WHISKiT's object rules (simulator-spec §5,
// paper-spec §3.1) with pts, points of the surface of s in its own frame
// (mesh vertices or surface samples, see PlacementPoints): scale s
// uniformly about its origin so that the bounding-box diagonal of pts is
// scaleMM, rotate by thetaDeg about +z, and put the origin at
// (pos.x − xmin, pos.y + ymin, pos.z), where xmin, ymin are the minimum
// corner of the rotated, scaled pts (shapes.PlaceWhiskit). The object then
// moves with constant velocity (mm/s) from there. The shape is queried in
// its scaled but unrotated frame; the rotation and translation are the
// object's motion.
func PlaceObjectAt(s shapes.Shape, pts []geom.Vec3, scaleMM, thetaDeg float64, pos geom.Vec3, velocity geom.Vec3) (Object, error) {
	if s == nil {
		return Object{}, fmt.Errorf("place object: no shape")
	}
	if !(scaleMM > 0) || math.IsInf(scaleMM, 0) {
		return Object{}, fmt.Errorf("place object: scale %g mm must be positive", scaleMM)
	}
	for k := 0; k < 3; k++ {
		if math.IsNaN(velocity[k]) || math.IsInf(velocity[k], 0) {
			return Object{}, fmt.Errorf("place object: velocity %v is not finite", velocity)
		}
	}
	t, err := shapes.PlaceWhiskit(s, pts, scaleMM, thetaDeg, pos)
	if err != nil {
		return Object{}, fmt.Errorf("place object: %w", err)
	}
	return Object{Shape: Scale(s, t.Scale()), Motion: LinearMotion{Rotation: t.Rotation(), Start: t.Translation(), Velocity: velocity}}, nil
}

// Scale returns s uniformly scaled by k > 0 about its body origin.
func Scale(s shapes.Shape, k float64) shapes.Shape { return scaledShape{s: s, k: k} }

type scaledShape struct {
	s shapes.Shape
	k float64
}

func (s scaledShape) Distance(p geom.Vec3) (float64, geom.Vec3) {
	d, n := s.s.Distance(p.Scale(1 / s.k))
	return d * s.k, n
}

func (s scaledShape) Bounds() geom.AABB {
	b := s.s.Bounds()
	return geom.AABB{Lo: b.Lo.Scale(s.k), Hi: b.Hi.Scale(s.k)}
}

// baseConfig is a passive, 1 s run of the mouse array at rate hz.
func baseConfig(head HeadPose, hz float64, frames int) Config {
	return Config{Array: MouseArray(), Head: head, FrameRate: hz, Frames: frames, Physics: DefaultPhysics()}
}

// Sweep16 returns the paper's 1000 Hz protocol for one object
// (paper-spec §3.2): sweep orientation {0, 90} × object rotation {0, 30} ×
// height {−5, 0} × distance {5, 8} mm, in that nesting order, speed 30 mm/s
// along −y, scale 40 mm, OBJ_Y 16 mm, passive array in the sweep head pose,
// 1000 frames at 1000 Hz.
func Sweep16(obj shapes.Shape) ([]Sweep, error) {
	pts, err := PlacementPoints(obj)
	if err != nil {
		return nil, fmt.Errorf("sweep16: %w", err)
	}
	var out []Sweep
	for _, ori := range []float64{0, 90} {
		for _, rot := range []float64{0, 30} {
			for _, z := range []float64{-5, 0} {
				for _, x := range []float64{5, 8} {
					p := SweepParams{Protocol: "sweep16", HeightMM: z, DistanceMM: x, YMM: 16,
						ThetaDeg: ori + rot, OrientationDeg: ori, RotationDeg: rot, SpeedMMs: 30, ScaleMM: 40}
					s, err := passiveSweep(obj, pts, p, 1000, 1000)
					if err != nil {
						return nil, fmt.Errorf("sweep16: %w", err)
					}
					s.Name = fmt.Sprintf("h%s_d%s_t%s", num(z), num(x), num(p.ThetaDeg))
					out = append(out, s)
				}
			}
		}
	}
	return out, nil
}

// SweepHV returns the high-variability protocol of paper-spec §3.3 for one
// object: sets random sets, each drawing speed ∈ U{30..60} mm/s, scale ∈
// U{20..60} mm and initial rotation ∈ U{0..89}° from a PCG stream seeded by
// seed, then 12 sweeps = height {−3, 0, 3} × sweep orientation {0, 90, 180,
// 270} with OBJ_THETA = rotation + orientation, OBJ_X 5, OBJ_Y 20. Output
// is 110 frames at 110 Hz as in the paper; internal steps stay ≤ MaxStep, so
// the run is as stable as the 1000 Hz one (WHISKiT's is not, §2.5).
func SweepHV(obj shapes.Shape, seed uint64, sets int) ([]Sweep, error) {
	if sets < 1 || sets > 100000 {
		return nil, fmt.Errorf("sweep-hv: sets %d out of range [1, 100000]", sets)
	}
	pts, err := PlacementPoints(obj)
	if err != nil {
		return nil, fmt.Errorf("sweep-hv: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_4b1d))
	var out []Sweep
	for set := 0; set < sets; set++ {
		speed := float64(30 + rng.IntN(31))
		scale := float64(20 + rng.IntN(41))
		rot := float64(rng.IntN(90))
		for _, z := range []float64{-3, 0, 3} {
			for _, ori := range []float64{0, 90, 180, 270} {
				p := SweepParams{Protocol: "sweep-hv", HeightMM: z, DistanceMM: 5, YMM: 20,
					ThetaDeg: rot + ori, OrientationDeg: ori, RotationDeg: rot, SpeedMMs: speed, ScaleMM: scale, Set: set}
				s, err := passiveSweep(obj, pts, p, 110, 110)
				if err != nil {
					return nil, fmt.Errorf("sweep-hv: %w", err)
				}
				s.Name = strings.ReplaceAll(fmt.Sprintf("h%s-to%s-t%s-v%s-s%s", num(z), num(rot), num(p.ThetaDeg), num(speed), num(scale)), ".", "_")
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func passiveSweep(obj shapes.Shape, pts []geom.Vec3, p SweepParams, hz float64, frames int) (Sweep, error) {
	o, err := PlaceObjectAt(obj, pts, p.ScaleMM, p.ThetaDeg, geom.Vec3{p.DistanceMM, p.YMM, p.HeightMM}, geom.Vec3{0, -p.SpeedMMs, 0})
	if err != nil {
		return Sweep{}, err
	}
	cfg := baseConfig(SweepHeadPose(), hz, frames)
	cfg.Objects = []Object{o}
	return Sweep{Params: p, Config: cfg}, nil
}

// Rodgers returns the six Rodgers stimuli of paper-spec §3.7 in the order
// concave near, medium, far, convex near, medium, far: the stimulus surface
// plate scaled to a 55 mm diagonal, static, OBJ_Z 3 mm; concave OBJ_THETA
// −25° at (OBJ_X, OBJ_Y) = (−1, 21), (0, 22), (1, 23); convex OBJ_THETA 155°
// at (0, 21), (1, 22), (2, 23); the Rodgers head pose; active whisking wk;
// 1000 frames at 1000 Hz.
func Rodgers(plate shapes.Shape, wk Whisking) ([]Sweep, error) {
	type stim struct {
		name  string
		theta float64
		x, y  float64
	}
	stims := []stim{
		{"concave-near", -25, -1, 21}, {"concave-medium", -25, 0, 22}, {"concave-far", -25, 1, 23},
		{"convex-near", 155, 0, 21}, {"convex-medium", 155, 1, 22}, {"convex-far", 155, 2, 23},
	}
	pts, err := PlacementPoints(plate)
	if err != nil {
		return nil, fmt.Errorf("rodgers: %w", err)
	}
	var out []Sweep
	for _, s := range stims {
		o, err := PlaceObjectAt(plate, pts, 55, s.theta, geom.Vec3{s.x, s.y, 3}, geom.Vec3{})
		if err != nil {
			return nil, fmt.Errorf("rodgers %s: %w", s.name, err)
		}
		cfg := baseConfig(RodgersHeadPose(), 1000, 1000)
		cfg.Objects = []Object{o}
		w := wk
		cfg.Whisking = &w
		out = append(out, Sweep{Name: s.name, Config: cfg, Params: SweepParams{Protocol: "rodgers", Stimulus: s.name,
			HeightMM: 3, DistanceMM: s.x, YMM: s.y, ThetaDeg: s.theta, RotationDeg: s.theta, ScaleMM: 55}})
	}
	return out, nil
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// ParamArrays returns the protocol parameters of a list of sweeps as
// columns for an .npz file: float64 arrays "height", "distance", "y",
// "theta", "orientation", "rotation", "speed", "scale", int64 "set", and
// string arrays "protocol", "stimulus", "name".
func ParamArrays(sweeps []Sweep) map[string]ndarray.Array {
	n := len(sweeps)
	cols := map[string][]float64{}
	names := []string{"height", "distance", "y", "theta", "orientation", "rotation", "speed", "scale"}
	for _, k := range names {
		cols[k] = make([]float64, n)
	}
	set := make([]int64, n)
	proto, stim, name := make([]string, n), make([]string, n), make([]string, n)
	for i, s := range sweeps {
		p := s.Params
		vals := []float64{p.HeightMM, p.DistanceMM, p.YMM, p.ThetaDeg, p.OrientationDeg, p.RotationDeg, p.SpeedMMs, p.ScaleMM}
		for j, k := range names {
			cols[k][i] = vals[j]
		}
		set[i] = int64(p.Set)
		proto[i], stim[i], name[i] = p.Protocol, p.Stimulus, s.Name
	}
	out := map[string]ndarray.Array{}
	for k, v := range cols {
		out[k] = ndarray.FromFloat64([]int{n}, v)
	}
	out["set"] = ndarray.FromInt64([]int{n}, set)
	out["protocol"] = ndarray.FromStrings(proto)
	out["stimulus"] = ndarray.FromStrings(stim)
	out["name"] = ndarray.FromStrings(name)
	return out
}
