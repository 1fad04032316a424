package synth

import (
	"fmt"
	"math"
	"slices"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Drive features per whisker and frame, in this order.
const (
	featForce      = iota // |F|, the magnitude of (Fx, Fy, Fz)
	featMoment            // |M|, the magnitude of (Mx, My, Mz)
	featForceRate         // |d|F|/dt|
	featMomentRate        // |d|M|/dt|
	features
)

// softplusSharpness k of the smooth rectifier softplus_k(x) = log(1+e^(kx))/k
// (in units of the normalised drive).
const softplusSharpness = 4

// stimulusFeatures holds the normalised drive features of the six stimuli:
// value [s][w][f][frame], each feature divided by the median over whiskers of
// its root-mean-square over all stimuli and frames, so that a whisker's
// typical load during free whisking is of order 1 and contacts stand out.
type stimulusFeatures struct {
	frames, whiskers int
	v                [][][][]float64
	scale            [features]float64 // the divisors, in the readout's units
}

func newStimulusFeatures(stimuli []ndarray.Array, frameRate float64) (*stimulusFeatures, error) {
	if len(stimuli) != StimulusCount {
		return nil, fmt.Errorf("stimuli: %d readouts, want %d (concave near, medium, far, convex near, medium, far)", len(stimuli), StimulusCount)
	}
	sf := &stimulusFeatures{}
	for s, a := range stimuli {
		if a.Dims() != 3 || a.Shape[2] != channels {
			return nil, fmt.Errorf("stimulus %d: shape %s, want (frames, whiskers, 6) raw readout", s, a.ShapeString())
		}
		if s == 0 {
			sf.frames, sf.whiskers = a.Shape[0], a.Shape[1]
		} else if a.Shape[0] != sf.frames || a.Shape[1] != sf.whiskers {
			return nil, fmt.Errorf("stimulus %d: shape %s differs from stimulus 0's %s", s, a.ShapeString(), stimuli[0].ShapeString())
		}
		if i := a.FirstNonFinite(); i >= 0 {
			return nil, fmt.Errorf("stimulus %d: element %v is not finite", s, a.Index(i))
		}
	}
	if sf.frames < 2 {
		return nil, fmt.Errorf("stimuli: %d frames, need at least 2", sf.frames)
	}
	sf.v = make([][][][]float64, StimulusCount)
	for s, a := range stimuli {
		raw, err := a.AsFloat64()
		if err != nil {
			return nil, fmt.Errorf("stimulus %d: %w", s, err)
		}
		sf.v[s] = make([][][]float64, sf.whiskers)
		for w := range sf.whiskers {
			fv := make([][]float64, features)
			for f := range fv {
				fv[f] = make([]float64, sf.frames)
			}
			for k := range sf.frames {
				c := raw[(k*sf.whiskers+w)*channels:][:channels]
				fv[featForce][k] = math.Sqrt(c[0]*c[0] + c[1]*c[1] + c[2]*c[2])
				fv[featMoment][k] = math.Sqrt(c[3]*c[3] + c[4]*c[4] + c[5]*c[5])
				if k > 0 {
					fv[featForceRate][k] = math.Abs(fv[featForce][k]-fv[featForce][k-1]) * frameRate
					fv[featMomentRate][k] = math.Abs(fv[featMoment][k]-fv[featMoment][k-1]) * frameRate
				}
			}
			sf.v[s][w] = fv
		}
	}
	for f := range features {
		rms := make([]float64, sf.whiskers)
		for w := range sf.whiskers {
			var ss float64
			for s := range StimulusCount {
				for _, x := range sf.v[s][w][f] {
					ss += x * x
				}
			}
			rms[w] = math.Sqrt(ss / float64(StimulusCount*sf.frames))
		}
		scale := median(rms)
		if !(scale > 0) {
			scale = slices.Max(rms)
		}
		if !(scale > 0) {
			scale = 1 // the feature is zero everywhere: it drives nothing
		}
		sf.scale[f] = scale
		for s := range StimulusCount {
			for w := range sf.whiskers {
				for k := range sf.v[s][w][f] {
					sf.v[s][w][f][k] /= scale
				}
			}
		}
	}
	return sf, nil
}

// tuning is one unit's receptive field and response function.
type tuning struct {
	whiskers  []int     // principal whisker first, then the neighbours in its field
	weights   []float64 // 1 for the principal whisker
	mix       [features]float64
	tau       float64 // s
	threshold float64
	baseline  float64 // spikes/s
	scale     float64 // driven rate at saturation above baseline, spikes/s (0: not responsive)
}

// rate writes the unit's rate (spikes/s) at each frame of stimulus s into out.
// Drive x = Σ_w weight_w Σ_f mix_f·feature_f,w is filtered causally,
// y_k = a·y_{k−1} + (1−a)·x_k with a = exp(−1/(FrameRate·τ)), rectified,
// z = softplus_k(y − threshold), and saturated: rate = baseline +
// scale·z/(z+1).
func (sf *stimulusFeatures) rate(t *tuning, s int, frameRate float64, x, out []float64) {
	if t.scale == 0 {
		for k := range out {
			out[k] = t.baseline
		}
		return
	}
	clear(x)
	for i, w := range t.whiskers {
		for f := range features {
			c := t.weights[i] * t.mix[f]
			if c == 0 {
				continue
			}
			for k, v := range sf.v[s][w][f] {
				x[k] += c * v
			}
		}
	}
	a := math.Exp(-1 / (frameRate * t.tau))
	var y float64
	for k := range out {
		y = a*y + (1-a)*x[k]
		z := softplus(softplusSharpness*(y-t.threshold)) / softplusSharpness
		out[k] = t.baseline + t.scale*z/(z+1)
	}
}

// softplus is log(1 + e^x), computed without overflow.
func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
