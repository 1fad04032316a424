// Package nprand reproduces, bit for bit, the one piece of numpy randomness
// the paper's metric depends on: numpy's legacy RandomState(seed).shuffle of
// a sequence, i.e. MT19937 seeded with init_genrand and a Fisher–Yates pass
// from the end with masked rejection sampling. It exists so that the
// split-half iterations of the evaluator select exactly the trials the paper's
// code selected for the same seed.
package nprand
