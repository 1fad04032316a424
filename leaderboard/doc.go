// Package leaderboard builds the public board from the database: one row
// per public model (its latest scored, published submission), a column per
// benchmark score, an aggregate, ranks that share a place when confidence
// intervals overlap, and the reference rows a score is read against — the
// animal-to-animal ceiling, the raw-input and chance baselines, and the
// figures published by Chung et al. 2025 (paper-spec §4), which are
// reported, never reproduced, and never ranked.
//
// # Definitions
//
// Ranks. Within one column, models with a score on the column's current
// benchmark version are ordered by value, highest first. Walking down that
// order, a model shares the rank of the model above it when their 95%
// intervals overlap (or, for a column without intervals, when the values
// are equal); ties therefore chain. A tie group takes the competition rank
// of its first member (1, 1, 3). Scores on an older benchmark version, and
// missing scores, are shown but never ranked. Ranks are computed over the
// whole board, before filters, so a model keeps its rank in every view.
//
// Classification intervals. The probe scorer reports no interval, so the
// board computes a Wilson 95% interval for the top-1 and top-5 accuracies
// over the benchmark's N held-out sweeps (N from the raw-input probe
// baseline of the same version). Sweeps of one object are not independent,
// so this interval is narrower than an object-level one: it resolves ties
// less often than it should, never more.
//
// Aggregate. The mean, over the current benchmarks, of one normalised
// score per benchmark: the rsa-v2 score for a neural benchmark (already
// noise-corrected, not divided by the ceiling) and the chance-corrected
// top-1 accuracy (top1 − chance)/(1 − chance) for a classification
// benchmark. It is defined only when the model has a current-version score
// on every current benchmark; otherwise it is missing, never zero. Its
// interval is the mean of the normalised lower bounds and the mean of the
// upper bounds, which assumes the benchmarks' errors are perfectly
// correlated and so is wider than an interval for independent errors.
//
// # Layers
//
// Load reads the database (query.go) into a snapshot; Build turns a
// snapshot into a Board with pure functions (Rank, aggregation, Wilson);
// Board.View filters and sorts it for one query string. Service caches the
// Board under a stamp of the tables it reads, recomputed on every request,
// so a new score is visible on the next request and an unchanged board is
// served from memory.
package leaderboard
