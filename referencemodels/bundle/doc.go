// Package bundle reads and writes weight bundles: the no-code format in
// which a reference model, or a lab's submitted model, is stored and run.
//
// A bundle is a directory, or an uncompressed .tar of the same two files,
// holding exactly
//
//	manifest.json  format version, the full arch.Config, the input spec,
//	               the layer names of the activation rule and the training
//	               provenance (dataset digest, seed, commit, epochs, metrics)
//	weights.npz    one float32 array per parameter of the config, named as
//	               arch.Config.Specs names it (PyTorch-state_dict style)
//
// Loading is strict and bounded: the manifest is decoded with unknown
// fields refused, every tensor's name, shape, dtype and finiteness is
// checked against the config's parameter list before any weight data is
// kept, sizes are capped by Limits, and a tar may hold no other member
// (no directories, links or extra files). Nothing in a bundle is ever
// executed. docs/bundle.md documents the format for exporters.
package bundle
