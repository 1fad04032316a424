package augment

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Defaults of ImageStyle. The paper names image-style colour-jitter
// transforms ("img_trans") as unused alternatives without numbers
// (paper-spec §2.11); these follow the common SimCLR CIFAR recipe
// (ColorJitter 0.4 applied with probability 0.8, RandomGrayscale 0.2), with
// the 30 packed channels standing in for colour channels.
const (
	DefaultJitterProb    = 0.8 // probability of channel scaling + contrast
	DefaultChannelScale  = 0.4 // s: channel factors uniform in [1−s, 1+s]
	DefaultContrast      = 0.4 // c: contrast factor uniform in [1−c, 1+c]
	DefaultGreyscaleProb = 0.2 // probability of channel averaging
)

// ImageStyle is an image-style augmentation used as a negative control for
// the tactile one: it changes channel intensities but never moves values
// between grid cells or time steps. Like Tactile, each Apply makes one draw
// for the whole batch. With the draw it makes, in order:
//
//  1. with probability JitterProb ("colour jitter"): scale channel ch of
//     every sample by a_ch, drawn independently and uniformly in
//     [1−ChannelScale, 1+ChannelScale] (brightness-like; zero cells stay
//     zero), then apply contrast about the per-sample mean:
//     y ← m_b + κ·(y − m_b), m_b the mean of sample b's 22·30·35 scaled
//     values, κ uniform in [1−Contrast, 1+Contrast];
//  2. with probability GreyscaleProb ("greyscale"): replace each of the 30
//     channels at every (b, t, r, c) by the mean over the 30 channels.
//
// The zero value does nothing; NewImageStyle gives the defaults.
type ImageStyle struct {
	JitterProb    float64 // probability of step 1, in [0, 1]
	ChannelScale  float64 // half-width s of the channel factors, in [0, 1]
	Contrast      float64 // half-width c of the contrast factor, in [0, 1]
	GreyscaleProb float64 // probability of step 2, in [0, 1]
}

// NewImageStyle returns the image-style control with the Default* numbers.
func NewImageStyle() ImageStyle {
	return ImageStyle{
		JitterProb:    DefaultJitterProb,
		ChannelScale:  DefaultChannelScale,
		Contrast:      DefaultContrast,
		GreyscaleProb: DefaultGreyscaleProb,
	}
}

// Name returns "image".
func (im ImageStyle) Name() string { return NameImage }

// Validate reports an error unless every field lies in [0, 1].
func (im ImageStyle) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"JitterProb", im.JitterProb},
		{"ChannelScale", im.ChannelScale},
		{"Contrast", im.Contrast},
		{"GreyscaleProb", im.GreyscaleProb},
	} {
		if !(f.v >= 0 && f.v <= 1) {
			return fmt.Errorf("image augmentation: %s = %v, want a value in [0, 1]", f.name, f.v)
		}
	}
	return nil
}

// sample makes the random draw, consuming rng in this order: a Float64 <
// JitterProb; if jittering, 30 channel factors 1 + s·(2u−1) and then the
// contrast factor 1 + c·(2u−1), u = Float64(); finally a Float64 <
// GreyscaleProb.
func (im ImageStyle) sample(rng *rand.Rand) Draw {
	var d Draw
	if rng.Float64() < im.JitterProb {
		d.Jittered = true
		d.ChannelScale = make([]float64, Channels)
		for ch := range d.ChannelScale {
			d.ChannelScale[ch] = 1 + im.ChannelScale*(2*rng.Float64()-1)
		}
		d.Contrast = 1 + im.Contrast*(2*rng.Float64()-1)
	}
	d.Greyscale = rng.Float64() < im.GreyscaleProb
	return d
}

// applyImageDraw applies an image-style draw to a checked input, computing
// in float64.
func applyImageDraw(x ndarray.Array, d Draw) ndarray.Array {
	out := ndarray.FromFloat32(x.Shape, slices.Clone(x.F32))
	const perSample = Steps * Channels * Cells
	for n := range x.Shape[0] {
		s := out.F32[n*perSample:][:perSample]
		if d.Jittered {
			y := make([]float64, perSample)
			var sum float64
			for i := range y {
				ch := i / Cells % Channels
				y[i] = d.ChannelScale[ch] * float64(s[i])
				sum += y[i]
			}
			m := sum / perSample
			for i, v := range y {
				s[i] = float32(m + d.Contrast*(v-m))
			}
		}
		if d.Greyscale {
			for t := range Steps {
				g := s[t*Channels*Cells:][:Channels*Cells]
				for cell := range Cells {
					var sum float64
					for ch := range Channels {
						sum += float64(g[ch*Cells+cell])
					}
					mean := float32(sum / Channels)
					for ch := range Channels {
						g[ch*Cells+cell] = mean
					}
				}
			}
		}
	}
	return out
}

// Apply returns a new array holding x (B, 22, 30, 5, 7) with one random
// image-style augmentation drawn from rng applied to every sample, and the
// draw. x is not modified.
func (im ImageStyle) Apply(x ndarray.Array, rng *rand.Rand) (ndarray.Array, Draw, error) {
	if err := im.Validate(); err != nil {
		return ndarray.Array{}, Draw{}, err
	}
	if rng == nil {
		return ndarray.Array{}, Draw{}, fmt.Errorf("image augmentation: nil random source")
	}
	if _, err := checkInput(x); err != nil {
		return ndarray.Array{}, Draw{}, fmt.Errorf("image augmentation: %w", err)
	}
	d := im.sample(rng)
	return applyImageDraw(x, d), d, nil
}
