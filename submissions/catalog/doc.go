// Package catalog registers benchmark versions in the database with the
// figures every score is read against — animal-to-animal ceilings and the
// raw-input baseline for the neural benchmark, chance and a linear probe on
// the raw input for classification — computed with the evaluator when a
// version is registered. It also makes sure a fresh data directory has the
// default benchmarks, building them when missing.
package catalog
