package arch

import (
	"errors"
	"fmt"
	"math"
)

// EncoderResNet18 is torchvision's ResNet-18 applied to every frame
// independently, with a 30-channel conv1 and an fc to repr_dim
// (Chung et al. 2025, paper-spec §2.4).
const EncoderResNet18 = "resnet18"

// ResNetPrefix prefixes every parameter of the ResNet-18 encoder; the rest
// of each name is torchvision's state_dict name.
const ResNetPrefix = "encoder.resnet."

// Base (width 1) channel widths of ResNet-18's conv1/layer1 and layer2..4.
func baseResNetWidths() [4]int { return [4]int{64, 128, 256, 512} }

// ResNet18 returns the paper's ResNet-18 encoder at width 1 with
// repr_dim 512, no attender and the given decoder ("linear", or "addnet"
// with hidden 1024, 512), 117 classes (paper-spec §2.4, §2.8).
func ResNet18(decoder string) Config {
	c := Config{
		Encoder:  EncoderConfig{Kind: EncoderResNet18, Width: 1, ReprDim: 512},
		Attender: AttenderConfig{Kind: AttenderNone},
		Decoder:  DecoderConfig{Kind: decoder},
		Classes:  117,
	}
	if decoder == DecoderAddnet {
		c.Decoder.Hidden = []int{1024, 512}
	}
	return c
}

// validateResNet18 checks the fields that only the ConvRNN uses are unset.
func validateResNet18(e EncoderConfig) error {
	if e.Cell != "" {
		return fmt.Errorf("encoder.cell %q: the resnet18 encoder has no recurrent cell; leave it empty", e.Cell)
	}
	if e.LayerNorm {
		return errors.New("encoder.layer_norm: the resnet18 encoder has no cell gates to normalise")
	}
	return nil
}

// ResNetWidths returns the channel widths of conv1/layer1, layer2, layer3
// and layer4 at c's width (64, 128, 256, 512 at width 1, never below 1).
func (c Config) ResNetWidths() [4]int {
	var out [4]int
	for i, b := range baseResNetWidths() {
		out[i] = scale(b, c.Encoder.Width)
	}
	return out
}

// ResNetBlock is one BasicBlock of the ResNet-18 encoder: conv3x3(stride)
// -> BN -> ReLU -> conv3x3 -> BN, plus the identity or, when Downsample,
// a 1x1 conv(stride) -> BN shortcut, then ReLU.
type ResNetBlock struct {
	// Name is torchvision's module name, e.g. "layer2.0".
	Name    string
	In, Out int
	Stride  int
	// Downsample is set for the first block of layer2..layer4.
	Downsample bool
}

// ResNetBlocks returns the eight BasicBlocks layer1.0 .. layer4.1 in
// evaluation order at c's width (paper-spec §2.4).
func (c Config) ResNetBlocks() []ResNetBlock {
	w := c.ResNetWidths()
	var out []ResNetBlock
	in := w[0]
	for l := 0; l < 4; l++ {
		for i := 0; i < 2; i++ {
			blk := ResNetBlock{Name: fmt.Sprintf("layer%d.%d", l+1, i), In: in, Out: w[l], Stride: 1}
			if l > 0 && i == 0 {
				blk.Stride, blk.Downsample = 2, true
			}
			out = append(out, blk)
			in = w[l]
		}
	}
	return out
}

// kaimingConv adds a bias-free conv weight (out, in, k, k) with
// torchvision's ResNet init, kaiming_normal(mode=fan_out, relu):
// N(0, 2/(out·k·k)).
func (l *specList) kaimingConv(name string, in, out, k int) {
	std := math.Sqrt(2 / float64(out*k*k))
	l.add(name, Init{Kind: InitNormal, Arg: std}, out, in, k, k)
}

// resnet18 adds the ResNet-18 encoder's parameters in torchvision's
// state_dict order (without num_batches_tracked): conv1, bn1, the blocks,
// fc. BN weight 1, bias 0; fc PyTorch's default init.
func (l *specList) resnet18(c Config) {
	p := ResNetPrefix
	w := c.ResNetWidths()
	l.kaimingConv(p+"conv1.weight", InputChannels, w[0], 7)
	l.batchNorm(p+"bn1", w[0])
	for _, b := range c.ResNetBlocks() {
		q := p + b.Name
		l.kaimingConv(q+".conv1.weight", b.In, b.Out, 3)
		l.batchNorm(q+".bn1", b.Out)
		l.kaimingConv(q+".conv2.weight", b.Out, b.Out, 3)
		l.batchNorm(q+".bn2", b.Out)
		if b.Downsample {
			l.kaimingConv(q+".downsample.0.weight", b.In, b.Out, 1)
			l.batchNorm(q+".downsample.1", b.Out)
		}
	}
	l.linear(p+"fc", w[3], c.Encoder.ReprDim, nil)
}
