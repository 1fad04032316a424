package structure

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// traceBins is the most points a trace keeps (frames are averaged in bins).
const traceBins = 200

// Trace is one stimulus's load on the whisker array over time: per frame
// (averaged into bins), the sum over whiskers of the magnitude of the
// force (mN) and of the moment (mN·mm) each whisker exerts on its
// follicle.
type Trace struct {
	Label  string    `json:"label"`
	Force  []float64 `json:"force_mN"`
	Torque []float64 `json:"torque_mN_mm"`
}

// Stimuli are a neural benchmark's stimuli as traces.
type Stimuli struct {
	Frames   int     `json:"frames"`   // frames of the simulation
	Whiskers int     `json:"whiskers"` // whiskers summed over
	Bin      int     `json:"bin"`      // frames averaged per point
	Traces   []Trace `json:"traces"`
	Digest   string  `json:"sha256"` // the benchmark's data digest
}

// StimulusTraces reads a neural benchmark version's simulated stimuli.
func (s *Service) StimulusTraces(ctx context.Context, b catalog.Benchmark) (Stimuli, error) {
	if b.Kind != benchmarks.NeuralRSA {
		return Stimuli{}, fmt.Errorf("benchmark %s %s has no stimulus traces: %w", b.Name, b.Version, ErrUnavailable)
	}
	return cached(s, "stimuli\x00"+b.DataDigest, func() (Stimuli, error) {
		spec, err := b.Spec()
		if err != nil {
			return Stimuli{}, fmt.Errorf("benchmark %s %s: %v: %w", b.Name, b.Version, err, ErrUnavailable)
		}
		f, ok := spec.FileByRole(benchmarks.RoleStimuli)
		if !ok {
			return Stimuli{}, fmt.Errorf("benchmark %s %s lists no stimuli file: %w", b.Name, b.Version, ErrUnavailable)
		}
		arrays, err := npz.ReadFile(filepath.Join(b.DataDir, f.Path), npz.DefaultLimits())
		if err != nil {
			return Stimuli{}, fmt.Errorf("benchmark %s %s stimuli: %v: %w", b.Name, b.Version, err, ErrUnavailable)
		}
		raw, ok := npz.Lookup(arrays, "raw")
		if !ok {
			return Stimuli{}, fmt.Errorf("benchmark %s %s: %s has no 'raw' readout: %w", b.Name, b.Version, f.Path, ErrUnavailable)
		}
		var names []string
		if n, ok := npz.Lookup(arrays, "names"); ok && n.DType == ndarray.String {
			names = n.Str
		}
		st, err := tracesOf(raw, names)
		if err != nil {
			return Stimuli{}, fmt.Errorf("benchmark %s %s: %w", b.Name, b.Version, err)
		}
		st.Digest = b.DataDigest
		return st, nil
	})
}

// tracesOf sums the per-whisker force and moment magnitudes of a raw
// readout shaped (stimuli, frames, whiskers, 6): Fx, Fy, Fz, Mx, My, Mz.
func tracesOf(raw ndarray.Array, names []string) (Stimuli, error) {
	if raw.Dims() != 4 || raw.Shape[3] != 6 || !raw.IsFloat() || ndarray.Size(raw.Shape) != raw.Len() {
		return Stimuli{}, fmt.Errorf("raw readout: shape %s %s, want float (stimuli, frames, whiskers, 6)", raw.ShapeString(), raw.DType)
	}
	n, frames, whiskers := raw.Shape[0], raw.Shape[1], raw.Shape[2]
	if frames < 1 {
		return Stimuli{}, fmt.Errorf("raw readout has no frames")
	}
	bin := max(1, (frames+traceBins-1)/traceBins)
	points := (frames + bin - 1) / bin
	labels := stimulusLabels(n)
	if len(names) == n {
		labels = names
	}
	out := Stimuli{Frames: frames, Whiskers: whiskers, Bin: bin}
	for s := range n {
		tr := Trace{Label: labels[s], Force: make([]float64, points), Torque: make([]float64, points)}
		counts := make([]int, points)
		for t := range frames {
			var force, torque float64
			for w := range whiskers {
				base := ((s*frames+t)*whiskers + w) * 6
				force += math.Sqrt(sq(raw.At64(base)) + sq(raw.At64(base+1)) + sq(raw.At64(base+2)))
				torque += math.Sqrt(sq(raw.At64(base+3)) + sq(raw.At64(base+4)) + sq(raw.At64(base+5)))
			}
			p := t / bin
			tr.Force[p] += force
			tr.Torque[p] += torque
			counts[p]++
		}
		for p, c := range counts {
			tr.Force[p] /= float64(c)
			tr.Torque[p] /= float64(c)
			if math.IsNaN(tr.Force[p]) || math.IsInf(tr.Force[p], 0) || math.IsNaN(tr.Torque[p]) || math.IsInf(tr.Torque[p], 0) {
				return Stimuli{}, fmt.Errorf("raw readout of stimulus %s is not finite near frame %d", labels[s], p*bin)
			}
		}
		out.Traces = append(out.Traces, tr)
	}
	return out, nil
}

func sq(v float64) float64 { return v * v }
