package ead

import (
	"math/rand/v2"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// tiny returns a CPU-test-sized config: width 0.03 gives channels
// 3, 4, 8, 12, 12, 8 and fc7 31; repr 8; 4 classes.
func tiny(cell string, ln bool, decoder string) arch.Config {
	c := arch.ZhuangConvRNN(cell, ln, decoder)
	c.Encoder.Width = 0.03
	c.Encoder.ReprDim = 8
	c.Classes = 4
	if decoder == arch.DecoderAddnet {
		c.Decoder.Hidden = []int{6, 5}
	}
	return c
}

func tinyGPT(cell string) arch.Config {
	c := tiny(cell, false, arch.DecoderLinear).WithGPT(8)
	c.Attender.NLayer = 2
	c.Attender.NHead = 2
	return c
}

func randomInput(b int, seed uint64) ndarray.Array {
	rng := rand.New(rand.NewPCG(seed, 99))
	x := ndarray.Zeros32(b, arch.InputSteps, arch.InputChannels, arch.InputHeight, arch.InputWidth)
	for i := range x.F32 {
		x.F32[i] = float32(rng.NormFloat64())
	}
	return x
}
