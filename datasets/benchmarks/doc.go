// Package benchmarks builds the data of whiskerbench's versioned benchmarks
// and names each version by its content.
//
// A benchmark version is a directory holding its data files and a
// benchmark.json Spec. The version string is derived from the kind, the
// scorer version and the sha256 of every data file, so it changes when and
// only when the data or the scorer changes; old versions stay on disk and
// readable. Two benchmarks are built by default:
//
//   - tactile-shapes-v1 (classification): objects of the procedural shape
//     library swept by the sweep16 protocol. Train and validation objects
//     come from a public seed; the held-out test objects from a separate
//     seed that a hosted instance keeps secret. Test labels never leave the
//     server: exports carry test inputs only.
//   - barrel-cortex-rsa-v1 (neural-rsa): the six Rodgers stimuli simulated
//     with active whisking, as the model input tensor (6, 22, 30, 5, 7), and
//     neural responses — by default the calibrated synthetic cortex, which
//     is labelled synthetic wherever it appears; a maintainer can import the
//     real Rodgers 2022 recordings as a new version.
//
// Scoring (ceilings, baselines) needs the evaluator and lives above this
// package; here are only files, digests and versions.
package benchmarks
