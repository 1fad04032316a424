// Package rsa holds the numerical primitives of representational similarity
// analysis as the paper's metric uses them (Chung et al. 2025, paper-spec
// §1.5–1.9): representational dissimilarity matrices, their upper-triangle
// vectors, Pearson and Spearman RSA, the Spearman–Brown correction, the
// noise-corrected score, and the 1000-iteration split-half engine over
// NaN-padded neural populations. Everything here is a pure function over
// in-memory slices: no I/O, no logging, no global state. Accumulation is in
// float64 whatever the input element type.
package rsa
