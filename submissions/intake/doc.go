// Package intake checks an uploaded submission before anything is queued:
// an activations archive against the inputs of the benchmarks it answers
// (array names, shapes, stimulus and sweep counts, dtypes, finiteness), in
// bounded memory, listing every problem found so that one answer tells the
// lab all it must fix.
package intake
