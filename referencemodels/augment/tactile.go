package augment

import (
	"fmt"
	"math/rand/v2"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Tactile is the tactile SSL augmentation of Chung et al. 2025
// (SSLTransform, paper-spec §2.11). Each Apply makes one random draw and
// applies it to the whole batch, so every sample of a batch gets the same
// transform; each SimCLR/SimSiam view is a separate call.
//
// The zero value has temporal reversal off; NewTactile gives the paper's
// default (on).
type Tactile struct {
	// TemporalReversal enables step 3, reversing and negating the frames
	// with probability 1/2 (the paper's ssl_temp_tran, default true; its
	// "ntf" runs disable it).
	TemporalReversal bool
}

// NewTactile returns the paper's default tactile augmentation, with
// temporal reversal on.
func NewTactile() Tactile { return Tactile{TemporalReversal: true} }

// Name returns "tactile", or "tactile-no-temporal" without temporal reversal.
func (tr Tactile) Name() string {
	if tr.TemporalReversal {
		return NameTactile
	}
	return NameTactileNoTemporal
}

// sample makes the random draw, consuming rng in this order:
//  1. reflection: a Float64 < 1/2 picks the horizontal branch, else the
//     vertical one; a second Float64 < 1/2 applies that branch's flip, so
//     P(horizontal) = P(vertical) = 1/4 and P(none) = 1/2;
//  2. rotation: k = 1 + IntN(4), uniform in {1, 2, 3, 4};
//  3. only when TemporalReversal is set: a Float64 < 1/2 reverses.
func (tr Tactile) sample(rng *rand.Rand) Draw {
	var d Draw
	horizontal := rng.Float64() < 0.5
	if rng.Float64() < 0.5 {
		d.Reflection = Vertical
		if horizontal {
			d.Reflection = Horizontal
		}
	}
	d.Rotation = 1 + rng.IntN(4)
	if tr.TemporalReversal {
		d.TemporalReversed = rng.Float64() < 0.5
	}
	return d
}

// applyDraw applies a tactile draw to x in one pass: reflection, then
// rotation, then temporal reversal.
func applyDraw(x ndarray.Array, d Draw) (ndarray.Array, error) {
	m := identityMap()
	switch d.Reflection {
	case NoReflection:
	case Horizontal:
		m = flipHMap()
	case Vertical:
		m = flipVMap()
	default:
		return ndarray.Array{}, fmt.Errorf("unknown reflection %d", int(d.Reflection))
	}
	m = m.then(rotationMap(d.Rotation))
	return remap(x, m, d.TemporalReversed)
}

// Apply returns a new array holding x (B, 22, 30, 5, 7) with one random
// tactile augmentation drawn from rng applied to every sample, and the draw.
// x is not modified.
func (tr Tactile) Apply(x ndarray.Array, rng *rand.Rand) (ndarray.Array, Draw, error) {
	if rng == nil {
		return ndarray.Array{}, Draw{}, fmt.Errorf("%s augmentation: nil random source", tr.Name())
	}
	if _, err := checkInput(x); err != nil {
		return ndarray.Array{}, Draw{}, fmt.Errorf("%s augmentation: %w", tr.Name(), err)
	}
	d := tr.sample(rng)
	out, err := applyDraw(x, d)
	if err != nil {
		return ndarray.Array{}, Draw{}, fmt.Errorf("%s augmentation: %w", tr.Name(), err)
	}
	return out, d, nil
}
