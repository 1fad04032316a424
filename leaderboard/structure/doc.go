// Package structure shows representational structure on the site: a
// model's RDM beside the neural RDM it is scored against, and a
// benchmark's stimuli as traces. Nothing here is stored: RDMs are computed
// on request with the evaluator's own RDM functions from the stored
// activations and benchmark files, and kept in memory by content digest.
// The package also lays out the hand-written SVG of heatmaps and traces,
// so templates only place precomputed shapes.
package structure
