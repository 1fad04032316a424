// Package augment holds the data augmentations used for self-supervised
// pre-training of the reference models, as pure functions on a model input
// batch: an ndarray.Array of float32 with shape (B, 22, 30, 5, 7) =
// (batch, time step, channel, whisker row, whisker arc), where channel
// step·6+f packs 5 consecutive raw frames × 6 force/torque channels, i.e.
// x[b, t, step·6+f, r, c] = raw[b, t·5+step, f, r, c] over 110 raw frames
// (Chung et al. 2025, paper-spec §2.1).
//
// Every function returns a new array and never modifies its input; a wrong
// shape, dtype or data length is an error, never a panic.
//
//   - FlipH, FlipV, Rotate: the spatial maps of the 5×7 whisker grid, with
//     the exact index maps of paper-spec §2.11 (rotation about row 2, col 3,
//     nearest, no expand, zero fill, so 90° and 270° drop arcs 0 and 6).
//   - TemporalReverse: reverse the 110 raw frames and negate every value.
//   - Unpack, Pack: between the packed (B, 22, 30, 5, 7) layout and the raw
//     (B, 110, 6, 5, 7) frames.
//   - Tactile: the paper's SSLTransform, one random draw per call applied
//     to the whole batch (reflection, rotation, temporal reversal).
//   - ImageStyle: image-style negative controls (colour-jitter-like channel
//     scaling and contrast, greyscale-like channel averaging), standing in
//     for the paper's unused "img_trans"; its numbers are this package's
//     choice (see the Default* constants), not the paper's.
//   - Parse: a transform by its config name ("tactile",
//     "tactile-no-temporal", "image", "none").
package augment
