// Package gops holds the custom gorgonia operations the reference models
// need and gorgonia lacks or handles slowly: 2x2 im2col with PyTorch
// padding and general im2col (any kernel, stride and symmetric padding),
// max and global average pooling, BatchNorm, column concatenation and
// slices, bias broadcast, row slices and concatenation, channel
// LayerNorm, TimeDecay's scalar product, softmax cross-entropy, the C,H,W
// flatten, GPT helpers (GELU, causal softmax, head split, token
// interleave), S4 helpers (step stacking, the S4D kernel, causal
// convolution, erf GELU, GLU), Mamba helpers (sequence stacking, SiLU,
// softplus, causal depthwise conv1d, selective scan) and taps that read
// values while a graph runs. Every differentiable op supplies its symbolic
// gradient, built from other ops of this package, and runs in float32 or
// float64.
package gops
