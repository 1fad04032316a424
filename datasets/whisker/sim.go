package whisker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
)

// Channels are the six readout channels in output order.
func Channels() []string { return []string{"Fx", "Fy", "Fz", "Mx", "My", "Mz"} }

// Pose is an object's placement at one instant: x_world = R·x_body + T, with
// the linear velocity V of its origin and its angular velocity W (world).
type Pose struct {
	R    geom.Mat3
	T    geom.Vec3
	V, W geom.Vec3
}

// Motion is an object's prescribed path. PoseAt must be deterministic and
// safe for concurrent use.
type Motion interface {
	PoseAt(t float64) Pose
}

// LinearMotion is a fixed orientation and a constant velocity from Start
// (the WHISKiT sweep; Velocity zero for a static object).
type LinearMotion struct {
	Rotation geom.Mat3
	Start    geom.Vec3
	Velocity geom.Vec3
}

// PoseAt implements Motion.
func (m LinearMotion) PoseAt(t float64) Pose {
	return Pose{R: m.Rotation, T: m.Start.Add(m.Velocity.Scale(t)), V: m.Velocity}
}

// Object is a rigid object and its path. The shape is queried in its body
// frame; its Distance must be a signed distance or a lower bound of it
// (1-Lipschitz), which lets the simulator skip points far from it.
type Object struct {
	Shape  shapes.Shape
	Motion Motion
}

// Config is one simulation: a whisker array in a head pose, its drive, the
// objects, and the sampling.
type Config struct {
	Array Array
	Head  HeadPose
	// FrameRate is the output rate (Hz); Frames the number of output rows.
	// Row k holds the readout at t = k/FrameRate (row 0 is the state at
	// t = 0, not WHISKiT's uninitialised row).
	FrameRate float64
	Frames    int
	// Substeps per frame; 0 selects AutoSubsteps(FrameRate).
	Substeps int
	Physics  Physics
	Objects  []Object
	// Whisking drives the bases; nil keeps them fixed at their rest angles.
	Whisking *Whisking
	// Workers is how many whiskers are simulated concurrently (≤ 1: one
	// goroutine). Results do not depend on it.
	Workers int
}

// Result is a simulation's readout.
type Result struct {
	// Raw is float32 (frames, whiskers, 6): Fx, Fy, Fz (mN) and Mx, My, Mz
	// (mN·mm), world axes, moments about each base point; the whisker exerts
	// this load on its follicle.
	Raw       ndarray.Array
	Whiskers  []string
	FrameRate float64
	Substeps  int
	Stats     Stats
}

// Stats counts a simulation's work: integrated steps of a whisker (refined
// and rejected steps included), the same weighted by the whisker's links,
// and rejected steps. Sleeping whiskers take no steps.
type Stats struct {
	WhiskerSteps, LinkSteps, Rejected int64
}

// MaxStep is the largest internal time step (s) of a frame with contact.
// The scheme is implicit in every stiff term, so the step is set by
// accuracy, not stability of the linear terms: the highest bending mode of
// a 1 mm link, ≈ 4/ℓ²·√(EI/ρA) ≈ 3·10⁵ rad/s at the base of the thickest
// whisker, and the torsion modes are damped out instead of limiting h to
// the few µs an explicit scheme would need (WHISKiT: 10 µs). 50 µs keeps
// ω·h ≤ 0.5 for the first bending modes (≤ ≈1.6 kHz for the shortest
// whiskers) and a contact sweep within 4 % of the converged readout
// (TestSubstepConvergence); at 100 µs contact onset and release are off by
// tens of percent, and without step rejection stiff tip contacts diverge.
// Frames without contact use steps up to maxFreeStride times longer.
const MaxStep = 50e-6

// AutoSubsteps returns the substeps per frame that keep the internal step
// at or below MaxStep, rounded up to a multiple of maxFreeStride (so frames
// without contact can take steps maxFreeStride times longer): 20 at
// 1000 Hz, 185 at 110 Hz.
func AutoSubsteps(frameRate float64) int {
	n := int(math.Ceil(1/(frameRate*MaxStep) - 1e-9))
	return (n + maxFreeStride - 1) / maxFreeStride * maxFreeStride
}

// maxFreeStride bounds how much longer than h the steps of a frame without
// contact may be (see simulateWhisker): 5, i.e. 250 µs at 1000 Hz.
const maxFreeStride = 5

// freeStride returns the largest divisor of sub that is at most
// maxFreeStride.
func freeStride(sub int) int {
	for k := maxFreeStride; k > 1; k-- {
		if sub%k == 0 {
			return k
		}
	}
	return 1
}

// errDiverged reports a non-finite or exploding readout.
var errDiverged = errors.New("simulation diverged")

// Validate checks everything Simulate needs before it starts.
func (c Config) Validate() error {
	if err := c.Array.Validate(); err != nil {
		return err
	}
	if err := c.Physics.Validate(); err != nil {
		return err
	}
	if !(c.FrameRate > 0) || math.IsInf(c.FrameRate, 0) || c.FrameRate > 1e6 {
		return fmt.Errorf("frame rate %g Hz out of range (0, 1e6]", c.FrameRate)
	}
	if c.Frames < 1 || c.Frames > 10_000_000 {
		return fmt.Errorf("frames %d out of range [1, 1e7]", c.Frames)
	}
	if c.Substeps < 0 || c.Substeps > 100_000 {
		return fmt.Errorf("substeps %d out of range [0, 1e5]", c.Substeps)
	}
	for i, o := range c.Objects {
		if o.Shape == nil {
			return fmt.Errorf("object %d has no shape", i)
		}
		b := o.Shape.Bounds()
		for k := 0; k < 3; k++ {
			if math.IsNaN(b.Lo[k]) || math.IsNaN(b.Hi[k]) || b.Lo[k] > b.Hi[k] {
				return fmt.Errorf("object %d: bounds %v are empty or invalid", i, b)
			}
		}
	}
	if c.Whisking != nil {
		if err := c.Whisking.validate(len(c.Array.Whiskers), c.Frames); err != nil {
			return err
		}
	}
	return nil
}

// Simulate runs the configuration. It is deterministic: equal configs give
// bit-identical results whatever Workers is.
func Simulate(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, fmt.Errorf("simulate: %w", err)
	}
	sub := cfg.Substeps
	if sub == 0 {
		sub = AutoSubsteps(cfg.FrameRate)
	}
	nw := len(cfg.Array.Whiskers)
	raw := make([]float32, cfg.Frames*nw*6)
	workers := cfg.Workers
	if workers < 1 {
		workers = 1
	}
	if workers > nw {
		workers = nw
	}
	frames := newObjectFrames(cfg.Objects, 1/(cfg.FrameRate*float64(sub)), (cfg.Frames-1)*sub)
	errs := make([]error, nw)
	stats := make([]whiskerStats, nw)
	next := make(chan int)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range next {
				errs[w] = simulateWhisker(ctx, &cfg, w, sub, raw, frames, &stats[w])
			}
		}()
	}
	for w := 0; w < nw; w++ {
		if ctx.Err() != nil {
			break
		}
		next <- w
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("simulate: %w", err)
	}
	for w, err := range errs {
		if err != nil {
			return Result{}, fmt.Errorf("simulate whisker %s: %w", cfg.Array.Whiskers[w].Name, err)
		}
	}
	res := Result{
		Raw:       ndarray.FromFloat32([]int{cfg.Frames, nw, 6}, raw),
		Whiskers:  cfg.Array.Names(),
		FrameRate: cfg.FrameRate,
		Substeps:  sub,
	}
	for _, s := range stats {
		res.Stats.WhiskerSteps += s.steps
		res.Stats.LinkSteps += s.linkSteps
		res.Stats.Rejected += s.rejected
	}
	return res, nil
}

// maxJolt (rad) and maxRefine bound step rejection: a step may change a
// joint's rotation by at most maxJolt through its acceleration (h²·|ẇ|),
// else it is split, at most maxRefine times (h/32). Rejection is what keeps
// stiff contacts of light distal links stable (without it, 10 substeps per
// frame diverge on a library-cube sweep). Measured on the first sweep16
// sweep of the library cube against 80 substeps (per-whisker RMS error
// over peak, mean over the touched whiskers): 0.02 rad 1.9 % with 1.6× the
// steps of no rejection, 0.04 rad 2.4 % with 1.07×, 0.06 rad 2.8 %.
const (
	maxJolt   = 0.04
	maxRefine = 5
)

// sleepLoad (mN, mN·mm) is the settling tolerance of a passive whisker: once
// it touches nothing and the load its remaining motion can put on the
// follicle is below this, it is set exactly at rest and no longer
// simulated until an object can reach it (see rodState.settled).
const sleepLoad = 1e-5

func finite6(v [6]float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// outputLimit is the magnitude beyond which a readout is treated as a
// divergence (the paper's outlier threshold, paper-spec §3.5).
const outputLimit = 1000

// whiskerStats counts the work of one whisker's simulation.
type whiskerStats struct {
	steps, linkSteps, rejected int64
}

func simulateWhisker(ctx context.Context, cfg *Config, w, sub int, raw []float32, frames *objectFrames, stats *whiskerStats) error {
	wh := cfg.Array.Whiskers[w]
	g, err := buildRod(wh, cfg.Physics)
	if err != nil {
		return err
	}
	st := newRodState(g, cfg.Physics, len(cfg.Objects))
	drive := newBaseDrive(cfg, w)
	base := cfg.Head.BasePoint(wh)
	h := 1 / (cfg.FrameRate * float64(sub))
	objs := make([]objFrame, len(cfg.Objects))
	nw := len(cfg.Array.Whiskers)
	put := func(frame int, out [6]float64) error {
		for c := 0; c < 6; c++ {
			v := out[c]
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > outputLimit {
				return fmt.Errorf("%w: frame %d channel %s = %g", errDiverged, frame, Channels()[c], v)
			}
			raw[(frame*nw+w)*6+c] = float32(v)
		}
		return nil
	}
	ramp := func(t float64) float64 {
		if cfg.Physics.ContactRamp > 0 && t < cfg.Physics.ContactRamp {
			return t / cfg.Physics.ContactRamp
		}
		return 1
	}
	// advance steps from t by hh, which ends at substep index n1 when depth
	// is 0. A step whose joint rotation change exceeds maxJolt (an impact of
	// a light distal link, which the linearised implicit step handles
	// poorly) is rejected and redone as two half steps, recursively down to
	// h/2^maxRefine.
	var advance func(t, hh float64, n1, depth int) ([6]float64, error)
	advance = func(t, hh float64, n1, depth int) ([6]float64, error) {
		t1 := t + hh
		if depth == 0 {
			frames.at(n1, objs)
		} else {
			for i, o := range cfg.Objects {
				objs[i] = frameOf(o, t1)
			}
		}
		rb, w1 := drive.at(t1)
		if depth < maxRefine {
			st.saveState()
		}
		out, err := st.step(hh, rb, w1, objs, base, ramp(t1))
		stats.steps++
		stats.linkSteps += int64(g.n)
		if depth >= maxRefine || (err == nil && st.jolt <= maxJolt && finite6(out)) {
			return out, err
		}
		stats.rejected++
		st.restoreState()
		if _, err := advance(t, hh/2, 0, depth+1); err != nil {
			return out, err
		}
		return advance(t+hh/2, hh/2, 0, depth+1)
	}
	// Row 0: the readout of the initial state.
	rb0, wb0 := drive.at(0)
	_, wb1 := drive.at(h)
	st.setBaseVelocity(wb0)
	frames.at(0, objs)
	out, err := st.measure(h, rb0, wb0, wb1.Sub(wb0).Scale(1/h), objs, base, ramp(0))
	if err != nil {
		return err
	}
	if err := put(0, out); err != nil {
		return err
	}
	// A passive whisker exactly at rest is not simulated while no object can
	// reach it (rodState.mayTouch); one that has settled after a contact is
	// set exactly at rest and sleeps too.
	passive := cfg.Whisking == nil
	asleep := false
	if passive && st.atRest() {
		st.fallAsleep(rb0, len(objs))
		asleep = true
	}
	// Free frames: a frame in which the whisker touches nothing is first
	// tried in stride× longer steps (the stiff contact terms, which set the
	// step, are absent; joint springs and dampers are implicit). If any of
	// those steps touches an object, rejects, or reads non-finite, the frame
	// is restored and redone in normal steps, so every contact is integrated
	// with steps ≤ h. A frame follows a frame without contact.
	stride := freeStride(sub)
	var frameSave snapshot
	touchedLast := true
	n := 0
	for frame := 1; frame < cfg.Frames; frame++ {
		if frame%50 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !asleep && stride > 1 && !touchedLast {
			st.copyState(&frameSave)
			hh := h * float64(stride)
			ok := true
			for s := stride; s <= sub; s += stride {
				t1 := float64(n+s) * h
				frames.at(n+s, objs)
				rb, w1 := drive.at(t1)
				o, err := st.step(hh, rb, w1, objs, base, ramp(t1))
				stats.steps++
				stats.linkSteps += int64(g.n)
				if err != nil || st.contact || st.jolt > maxJolt || !finite6(o) {
					ok = false
					break
				}
				out = o
			}
			if ok {
				n += sub
				if err := put(frame, out); err != nil {
					return err
				}
				if passive && st.settled(out) {
					st.fallAsleep(rb0, len(objs))
					asleep = true
				}
				continue
			}
			stats.rejected++
			st.pasteState(&frameSave)
		}
		touchedLast = false
		for s := 0; s < sub; s++ {
			n++
			if asleep {
				frames.at(n, objs)
				if !st.mayTouch(objs, base) {
					continue
				}
				asleep = false
				touchedLast = true
			}
			out, err = advance(float64(n-1)*h, h, n, 0)
			if err != nil {
				return fmt.Errorf("frame %d: %w", frame, err)
			}
			touchedLast = touchedLast || st.contact
		}
		if asleep {
			out = [6]float64{}
		}
		if err := put(frame, out); err != nil {
			return err
		}
		if passive && !asleep && st.settled(out) {
			st.fallAsleep(rb0, len(objs))
			asleep = true
		}
	}
	return nil
}

// objectFrames gives every object's placement at substep n, precomputed
// once per simulation (shared read-only by the whiskers) when that is small
// enough, otherwise computed on demand.
type objectFrames struct {
	objs []Object
	h    float64
	pre  [][]objFrame // [n][object]
}

// maxPrecomputedFrames bounds the precomputed object placements.
const maxPrecomputedFrames = 4_000_000

func newObjectFrames(objs []Object, h float64, steps int) *objectFrames {
	f := &objectFrames{objs: objs, h: h}
	if len(objs) == 0 || (steps+1)*len(objs) > maxPrecomputedFrames {
		return f
	}
	f.pre = make([][]objFrame, steps+1)
	flat := make([]objFrame, (steps+1)*len(objs))
	for n := 0; n <= steps; n++ {
		f.pre[n] = flat[n*len(objs) : (n+1)*len(objs)]
		for i, o := range objs {
			f.pre[n][i] = frameOf(o, float64(n)*h)
		}
	}
	return f
}

func (f *objectFrames) at(n int, dst []objFrame) {
	if f.pre != nil && n < len(f.pre) {
		copy(dst, f.pre[n])
		return
	}
	for i, o := range f.objs {
		dst[i] = frameOf(o, float64(n)*f.h)
	}
}

// frameOf places object o at time t.
func frameOf(o Object, t float64) objFrame {
	pose := Pose{R: geom.Identity()}
	if o.Motion != nil {
		pose = o.Motion.PoseAt(t)
	}
	b := o.Shape.Bounds()
	f := objFrame{shape: o.Shape, bounds: b, r: pose.R, rt: pose.R.Transpose(), t: pose.T, v: pose.V, w: pose.W}
	lo, hi := geom.EmptyAABB().Lo, geom.EmptyAABB().Hi
	for k := 0; k < 8; k++ {
		c := geom.Vec3{b.Lo[0], b.Lo[1], b.Lo[2]}
		if k&1 != 0 {
			c[0] = b.Hi[0]
		}
		if k&2 != 0 {
			c[1] = b.Hi[1]
		}
		if k&4 != 0 {
			c[2] = b.Hi[2]
		}
		p := pose.R.MulVec(c).Add(f.t)
		lo, hi = geom.Min(lo, p), geom.Max(hi, p)
	}
	f.wlo, f.wh = lo, hi
	return f
}
