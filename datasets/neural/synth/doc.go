// Package synth generates a calibrated synthetic barrel cortex: SYNTHETIC
// neural responses to the six Rodgers stimuli, in the Rodgers npz layout,
// for the default neural benchmark. They are not recordings. Every array
// is named synthNN, every Report carries Synthetic: true, and ModelName
// says "synthetic".
//
// The real data (Rodgers 2022, DANDI 000231, as preprocessed for Chung et
// al. 2025) cannot be shipped, so the benchmark's default neural target is
// this surrogate. It is driven only by the project's own whisker simulator
// (the raw follicle forces and moments of whisker.Simulate) through a
// generative model written for this package; no reference network's
// activations enter it, so it favours no model.
//
// # Generative model
//
// Recording. Config.Animals animals (11) share Config.Units units (999):
// each gets MinUnits, the rest is split in proportion to log-normal
// weights. An animal has 1..MaxSessions sessions; its units are split among
// them. A session presents each stimulus MinTrials..MaxTrials times (25–60,
// drawn per session and stimulus) in random order; each trial has a
// response window of MinWindow..MaxWindow seconds from the stimulus onset
// and a gain shared by all of the session's units.
//
// Receptive fields. An animal's recording site is centred on one barrel
// drawn from Config.Sites (default C0–C3, the whiskers the dataset tracks,
// paper-spec §1.1). Each unit draws a principal whisker with probability
// ∝ exp(−d²/(2·SiteSpread²)), d the distance to the site on the 5×7 whisker
// grid (rows A–E, arcs 0–6; whisker order RA0–RA4, RB0–RB4, RC0–RC6,
// RD0–RD6, RE0–RE5 as whisker.MouseArray), and includes each grid neighbour
// (same row, adjacent arc; same arc, adjacent row) with probability
// NeighbourProb at a weight drawn from NeighbourWeight (principal = 1).
//
// Drive. Per whisker and frame four features are computed from the readout:
// |F| = |(Fx, Fy, Fz)|, |M| = |(Mx, My, Mz)|, and the magnitudes of their
// time derivatives. Each feature is divided by the median over whiskers of
// its RMS over all stimuli and frames, so a whisker's load during free
// whisking is of order 1 and contacts stand out. A unit mixes the four
// features with Dirichlet(FeatureConcentration) weights and sums them over
// its receptive field: x(t) = Σ_w weight_w Σ_f mix_f·feature_f,w(t).
//
// Response. The drive is filtered causally, y_k = a·y_{k−1} + (1−a)·x_k with
// a = exp(−1/(FrameRate·τ)), τ log-uniform in [MinTau, MaxTau]; rectified
// smoothly, z = softplus(4(y − θ))/4 with θ uniform in [0, MaxThreshold];
// and saturated: rate(t) = b + A·z/(z+1), b log-normal around BaselineRate,
// A log-normal around RateScale times the animal's gain (log-SD
// AnimalGainSpread). A fraction 1 − ResponsiveFraction of units is not
// driven (A = 0) and fires at b.
//
// Spikes. On a trial with window D, shared gain G (log-normal, mean 1,
// log-SD SharedGain) and the unit's private gain P (log-normal, mean 1,
// log-SD PrivateGain), the unit fires Poisson spikes at G·P·rate(t),
// counted in 45 ms bins from the window's start while t < D
// (paper-spec §1.2); the trial's value is the mean count per bin over 45 ms,
// count/(⌈D/0.045⌉·0.045) spikes/s, the paper's binning with its overrunning
// last bin.
//
// Randomness comes from math/rand/v2 PCG streams keyed by the seed and by
// what is drawn (layout, animal, unit), so the output is a pure function of
// the stimuli and the Config.
//
// # Layout
//
// Each animal is a float64 array (rows, 6, units) in the canonical stimulus
// order concave near, medium, far, convex near, medium, far (paper-spec
// §1.3, §3.7; evaluator.StimulusOrder). Row r of a session is its r-th
// trial: the trial's own stimulus column holds the value and the other five
// are NaN. Sessions are stacked along units, each occupying rows
// [0, its trials), NaN below (paper-spec §1.3). Unlike the paper's arrays
// the other-stimulus columns are NaN, not zero: the zero-fill quirk is not
// reproduced, and calibration.NeuralData (package
// submissions/catalog/calibration) checks that evaluator.Animal.ZeroFillRows
// flags nothing. Arrays returns the animals as .npz members for
// npz.WriteFile.
//
// # Calibration
//
// DefaultConfig's RateScale, SharedGain and Seed are calibrated so that the
// reliability statistics of the output, measured with the evaluator as
// rsa-paper-v1 measures them (pooled split-half RDM reliability, the
// animal-to-animal ceiling), land near the published figures. Measuring
// needs the evaluator, which this package, being under datasets/, may not
// import, so the measurement and the calibration live in package
// github.com/whiskerbench/whiskerbench/submissions/catalog/calibration; its
// documentation has the procedure, the calibration table, the caveats and
// the command that reruns it. When the simulator changes, rerun the
// calibration there and update DefaultConfig.
package synth
