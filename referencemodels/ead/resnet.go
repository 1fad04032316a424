package ead

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
)

// resnetLayerNames returns the activation layers of the resnet18 encoder,
// torchvision's hook names (Chung et al. 2025, paper-spec §1.8), or nil
// for the other encoders.
func resnetLayerNames(cfg arch.Config) []string {
	if cfg.Encoder.Kind != arch.EncoderResNet18 {
		return nil
	}
	out := []string{"relu", "maxpool"}
	for _, blk := range cfg.ResNetBlocks() {
		out = append(out, blk.Name)
	}
	return append(out, "avgpool", "fc")
}

// resnet18 applies the ResNet-18 encoder to the 22 steps xs (each
// (30, B·35)) as one batch of 22·B frames, frame t·B + b holding sample b's
// step t, so BatchNorm statistics run over all B·22 frames as in PyTorch's
// (B·T) batch: conv1 7x7/2 pad 3 (5x7 -> 3x4), BN, ReLU, maxpool 3x3/2
// pad 1 (-> 2x2), layer1..layer4 (two BasicBlocks each; layer2..4 start
// with stride 2 and a 1x1-conv+BN shortcut), global average pool, fc. It
// returns the per-step tokens (repr, B) (paper-spec §2.4).
//
// BatchNorm uses batch statistics (and updates the running buffers) in a
// training graph and the running statistics in every other graph, as
// PyTorch's train()/eval(). This deviates from the paper's activation
// extraction, which never called eval() and so normalised the 6
// stimuli's 132 frames with their own batch statistics (paper-spec §1.8):
// here Forward, Activations and validation all use the running statistics.
//
// With activation taps, every layer output (C, 22·B·P) is tapped as 22
// per-step slices (C, B·P), which the activation rule flattens C,H,W per
// frame and averages over the 22 frames of each sample (paper-spec §1.8).
func (b *builder) resnet18(xs []*G.Node) ([]*G.Node, error) {
	T, B := len(xs), b.batch
	F := T * B
	p := arch.ResNetPrefix
	x, err := gops.ColConcat(xs...)
	if err != nil {
		return nil, fmt.Errorf("resnet frames: %w", err)
	}
	g := gops.ConvGeom{B: F, H: arch.InputHeight, W: arch.InputWidth, KH: 7, KW: 7, Stride: 2, Pad: 3}
	y, err := b.convGeom(p+"conv1", x, g, false)
	if err != nil {
		return nil, err
	}
	if y, err = b.batchNorm(p+"bn1", y); err != nil {
		return nil, err
	}
	if y, err = G.Rectify(y); err != nil {
		return nil, fmt.Errorf("resnet relu: %w", err)
	}
	h, w := g.Out()
	if err := b.tapFrames("relu", y, T); err != nil {
		return nil, err
	}
	mp := gops.ConvGeom{B: F, H: h, W: w, KH: 3, KW: 3, Stride: 2, Pad: 1}
	if y, err = gops.MaxPool(y, mp); err != nil {
		return nil, err
	}
	h, w = mp.Out()
	if err := b.tapFrames("maxpool", y, T); err != nil {
		return nil, err
	}
	for _, blk := range b.cfg.ResNetBlocks() {
		if y, h, w, err = b.basicBlock(blk, y, F, h, w); err != nil {
			return nil, fmt.Errorf("resnet %s: %w", blk.Name, err)
		}
		if err := b.tapFrames(blk.Name, y, T); err != nil {
			return nil, err
		}
	}
	if y, err = gops.AvgPositions(y, h*w); err != nil {
		return nil, err
	}
	if err := b.tapFrames("avgpool", y, T); err != nil {
		return nil, err
	}
	if y, err = b.linear(p+"fc", y, true); err != nil {
		return nil, err
	}
	if err := b.tapFrames("fc", y, T); err != nil {
		return nil, err
	}
	steps := make([]*G.Node, T)
	for t := range steps {
		if steps[t], err = gops.ColSlice(y, t*B, (t+1)*B); err != nil {
			return nil, fmt.Errorf("resnet step %d: %w", t, err)
		}
	}
	return steps, nil
}

// basicBlock is torchvision's BasicBlock on x (In, F·h·w): relu(bn2(conv2(
// relu(bn1(conv1(x))))) + shortcut(x)), conv1 3x3 with the block's stride,
// conv2 3x3, both pad 1 without bias; the shortcut is x or
// BN(conv1x1(stride)(x)). It returns the output and its grid size.
func (b *builder) basicBlock(blk arch.ResNetBlock, x *G.Node, F, h, w int) (*G.Node, int, int, error) {
	q := arch.ResNetPrefix + blk.Name
	g1 := gops.ConvGeom{B: F, H: h, W: w, KH: 3, KW: 3, Stride: blk.Stride, Pad: 1}
	ho, wo := g1.Out()
	g2 := gops.ConvGeom{B: F, H: ho, W: wo, KH: 3, KW: 3, Stride: 1, Pad: 1}
	y, err := b.convGeom(q+".conv1", x, g1, false)
	if err != nil {
		return nil, 0, 0, err
	}
	if y, err = b.batchNorm(q+".bn1", y); err != nil {
		return nil, 0, 0, err
	}
	if y, err = G.Rectify(y); err != nil {
		return nil, 0, 0, err
	}
	if y, err = b.convGeom(q+".conv2", y, g2, false); err != nil {
		return nil, 0, 0, err
	}
	if y, err = b.batchNorm(q+".bn2", y); err != nil {
		return nil, 0, 0, err
	}
	short := x
	if blk.Downsample {
		gd := gops.ConvGeom{B: F, H: h, W: w, KH: 1, KW: 1, Stride: blk.Stride}
		if short, err = b.convGeom(q+".downsample.0", x, gd, false); err != nil {
			return nil, 0, 0, err
		}
		if short, err = b.batchNorm(q+".downsample.1", short); err != nil {
			return nil, 0, 0, err
		}
	}
	if y, err = G.Add(y, short); err != nil {
		return nil, 0, 0, err
	}
	if y, err = G.Rectify(y); err != nil {
		return nil, 0, 0, err
	}
	return y, ho, wo, nil
}

// tapFrames taps y (C, T·B·P), frames t·B + b, as T per-step slices
// (C, B·P) when the graph keeps activations.
func (b *builder) tapFrames(layer string, y *G.Node, T int) error {
	if b.taps == nil {
		return nil
	}
	n := y.Shape()[1] / T
	for t := 0; t < T; t++ {
		s, err := gops.ColSlice(y, t*n, (t+1)*n)
		if err != nil {
			return fmt.Errorf("tap %s: %w", layer, err)
		}
		if err := b.tap(layer, s); err != nil {
			return err
		}
	}
	return nil
}
