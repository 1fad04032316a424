// Package referencemodels is the root of the bundled reference models: the
// Encoder–Attender–Decoder (EAD) ConvRNN family of Chung et al. 2025
// (paper-spec §2), built in gorgonia. The code lives in the sub-packages:
//
//   - arch:  the declarative architecture Config and the parameter list
//     (names, shapes, initialisers) derived from it without a graph;
//   - gops:  the custom gorgonia operations the models need;
//   - ead:   the gorgonia graph (encoder, cells, attender, decoders),
//     forward pass, activations, loss and gradients;
//   - optim: SGD-momentum, Adam and AdamW updates over the parameter
//     tensors, with exportable state;
//   - bundle: the weight-bundle format (manifest.json + weights.npz, a
//     directory or a .tar), strictly validated, never executed
//     (docs/bundle.md);
//   - augment: the tactile augmentations of self-supervised training
//     (flips, 90° rotations, temporal reversal) and the image-style
//     negative controls, as pure functions over input batches;
//   - train: supervised training from a YAML config, streamed from a
//     tactile dataset, resumable, writing a bundle and a training curve;
//   - zoo:   the bundled, trained reference models and their records.
package referencemodels
