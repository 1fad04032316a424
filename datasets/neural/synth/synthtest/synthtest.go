// Package synthtest provides test inputs for the synthetic cortex
// (package synth) and for the packages that measure it: readouts that are
// cheap to build, unlike the simulated Rodgers stimuli, yet make the six
// stimuli differ. It must not import synth, so that synth's own tests can
// use it.
package synthtest

import (
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Readouts builds six finite (frames, 30, 6) readouts in the layout
// synth.Synthesize reads (30 whiskers; channels Fx, Fy, Fz, Mx, My, Mz): a
// whisking-like oscillation on every whisker plus, for stimulus s, a load on
// whisker 3·s+2 during frames [200, 600), so the stimuli differ.
func Readouts(frames int) []ndarray.Array {
	const stimuli, whiskers, channels = 6, 30, 6
	out := make([]ndarray.Array, stimuli)
	for s := range out {
		d := make([]float32, frames*whiskers*channels)
		for k := range frames {
			for w := range whiskers {
				c := d[(k*whiskers+w)*channels:][:channels]
				osc := float32(1e-4 * (1 + math.Sin(2*math.Pi*8*float64(k)/1000+float64(w))))
				c[0], c[4] = osc, 10*osc
				if w == 3*s+2 && k >= 200 && k < 600 {
					c[1], c[5] = 2e-3, 2e-2
				}
			}
		}
		out[s] = ndarray.FromFloat32([]int{frames, whiskers, channels}, d)
	}
	return out
}
