// Package evaluator scores models of touch against mouse barrel-cortex data
// with representational similarity analysis: pure functions from in-memory
// activations (datasets/ndarray arrays) and NeuralData to JSON-ready
// results. It does no I/O. Two metric versions exist, and every result is
// stamped with its version and a SHA-256 digest of its inputs.
//
// # rsa-paper-v1
//
// The metric of Chung et al. 2025 as its code computes it (paper-spec
// §1.3–1.9): noise-corrected RSA r_xy / sqrt(SB(r_xx)·SB(r_yy)) over 1000
// split halves (numpy seeds 1234…2233, reproduced bit for bit by package
// nprand), kept only for the split halves whose raw r_yy and r_xx reach 0.5,
// averaged; a model's score is the largest such mean over every (layer,
// target) pair, targets being each animal and the pooled population. The
// neural arrays are used as given, including their zero-filled columns.
// Numbers agree with a straightforward numpy implementation to ~1e-12.
//
// # rsa-v2, and what it changes
//
// v1 is kept for comparison with the paper; v2 is what whiskerbench ranks
// by. Its changes, and the problem each addresses:
//
//   - Selection inflation. v1 reports the maximum over all layers × targets
//     of noisy estimates, a winner's-curse statistic that grows with the
//     number of layers and animals whatever the model. v2 picks the layer on
//     one half of each split and scores it on the other (disjoint trials,
//     both ways round), and does not pick a target at all: the score is the
//     mean over animals of these held-out scores. Best.Layer is the layer
//     chosen most often; LayerSelection gives the counts.
//   - The reliability filter. v1 keeps only the split halves whose raw
//     split-half reliability reaches 0.5 — for the pooled population about
//     7.5% of them — and averages per-iteration ratios over that lucky tail.
//     Conditioning on high measured reliability overstates the reliability,
//     lets the score rest on a few dozen splits, and leaves unreliable
//     targets with no value; per-iteration ratios with small denominators
//     are heavy-tailed (values above 5 occur). v2 uses every valid split
//     half and a ratio of means: mean RSA between the model and a half-mean
//     RDM, over the square root of the mean half-to-half reliability. Under
//     classical test theory both numerator and denominator refer to
//     half-size data, so no Spearman–Brown step is needed; a target whose
//     mean reliability is not positive has no score, with a warning.
//   - Zero-fill bias. The paper's arrays hold exact zeros, not NaN, in the
//     five stimulus columns a trial did not present, so a trial mean is the
//     stimulus' rate times its frequency; the RDM then partly measures how
//     often each stimulus was shown. v2 detects those rows
//     (Animal.ZeroFillRows) and treats the filled zeros as missing; the
//     count per animal is reported by both versions.
//   - No uncertainty. v1 gives point values only. v2 adds 95% percentile
//     bootstrap intervals over split-half iterations (per entry and for the
//     score) and over animals (score and ceiling), from fixed MT19937 seeds,
//     so they are reproducible.
//   - No reference point. v2 reports the animal-to-animal ceiling (many-to-
//     one, with the same estimator as the score) beside the score: mean,
//     SEM, range and interval. Neither is clipped to 1.
//   - Inconsistent aggregation. The paper plots models with the filtered
//     mean but the raw-input baseline with the unfiltered median, and its
//     animal-to-animal reference comes from an unpublished script. v2
//     computes models, the input baseline and the ceiling with one
//     estimator. (For v1, EvaluateInput also returns the unfiltered median,
//     so the paper's plotted input value can be reproduced.)
//
// # Inputs
//
// Activations are an ordered list of (layer, array shaped (stimuli, ...));
// trailing dimensions are flattened. NeuralData holds animals of shape
// (trials, stimuli, units), NaN-padded, stimuli in StimulusOrder. Invalid
// input — NaN or Inf in activations, a constant stimulus row, fewer than
// three stimuli, mismatched stimulus counts, non-float dtypes, malformed
// neural arrays — is an error naming the array and the problem, never a
// NaN score.
package evaluator
