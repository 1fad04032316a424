// Package tactile builds and reads whiskerbench's tactile classification
// datasets: objects drawn from the procedural shape library, swept past the
// simulated whisker array by a protocol, processed to the model input
// tensor, and written as .npz shards with a manifest.
//
// A build is deterministic for its parameters (seed, protocol, classes,
// objects per class): the plan — which object of which class goes to which
// split and shard — is fixed before any simulation, so an interrupted build
// resumes by skipping the shards already written, and two builds with the
// same parameters write byte-identical shards. Objects, not sweeps, are
// assigned to train, validation and test, so no object appears in two
// splits.
package tactile
