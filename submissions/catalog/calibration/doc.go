// Package calibration has one job: measuring the synthetic barrel cortex
// (package datasets/neural/synth) with the evaluator — the pooled
// population's split-half RDM reliability and the animal-to-animal ceiling,
// as rsa-paper-v1 measures them (Measure, Figures) — and calibrating the
// cortex's noise against the published figures (Targets, PaperTargets,
// Calibrate). NeuralData validates synthetic animals as the evaluator reads
// them. It lives outside datasets/ because packages there may not import
// the evaluator; synth's DefaultConfig records the outcome.
//
// # Calibration
//
// The noise of synth.DefaultConfig is calibrated so that the reliability
// statistics, measured as rsa-paper-v1 measures them (Measure: 1000 split
// halves with numpy seeds 1234…2233), land near the published ones.
// Calibrate searches a grid of RateScale (the signal) × SharedGain (the
// trial-to-trial noise), the two knobs these figures respond to most, and
// keeps the point whose figures, averaged over seeds 1–6, have the least
// Targets.Loss; averaging calibrates the generative model rather than one
// draw of it. Because one draw's figures scatter widely around that mean
// (the ± column below), the default seed is then selected: the first seed
// of 1..40 whose own figures at the chosen point are within the tolerances.
// It is a typical draw of the calibrated model, not its only one; other
// seeds give other cohorts. Reproduce with
//
//	WHISKERBENCH_CALIBRATE=1 go test ./submissions/catalog/calibration -run TestCalibrate -v -timeout 60m
//
// and TestCalibrationFigures checks the default seed's row of the table.
//
// Outcome (grid RateScale 1, 1.15, 1.3, 1.45, 1.6 × SharedGain 0.2, 0.3,
// 0.4; other fields at synth.DefaultConfig): RateScale 1.3 spikes/s,
// SharedGain 0.4, default seed 9. Achieved is seed 9, the shipped default;
// mean ± SD is over seeds 1–6 at the same point.
//
//	figure                              target   tolerance  achieved  mean ± SD (seeds 1–6)
//	pooled median split-half r_yy       0.141    ± 0.06     0.153     0.176 ± 0.249
//	fraction of split halves r_yy < 0   0.286    ± 0.10     0.283     0.304 ± 0.276
//	animal-to-animal mean (many-to-one) 0.175    ± 0.10     0.078     0.127 ± 0.276
//	animal-to-animal SEM (reported)     0.161    —          0.082
//	animal-to-animal max (reported)     1.337    —          0.563
//
// Targets: the pooled population's r_yy in model_input_rsa.npz, median
// 0.14113 with 286 of 1000 split halves negative (paper-spec §1.11), and
// the hard-coded animal-to-animal reference MEAN_ANIMAL_SCORE 0.17541514,
// SEM_ANIMAL_SCORE 0.16078578, MAX_ANIMAL_SCORE 1.33668412 (paper-spec §1.9),
// taken as the rsa-paper-v1 many-to-one ceiling (the script behind them is
// unpublished). The tolerances are this package's choice.
//
// Two caveats. First, the figures vary a lot from seed to seed, more than
// the tolerances: the pooled RDM has only 15 entries, which units carry the
// stimulus differences depends on the drawn sites and receptive fields, and
// with weak signal the split itself pulls r_yy below zero (a half that
// draws fewer trials of a stimulus has a noisier, more distant row for it,
// the other half a less noisy one; with RateScale 0, all units at baseline,
// seeds 1–4 give median r_yy −0.15 to +0.10). Second, the calibration holds
// for the readouts it was run on, which depend on the simulator: an earlier
// simulator in which only RD1 touched the plate, and the medium and far
// readouts were identical, needed RateScale 8; the one calibrated here, with
// many contacts, needs 1.3. When the simulator changes, rerun the
// calibration and update synth.DefaultConfig, this table and
// documentedFigures in the tests; TestCalibrationFigures fails until then.
package calibration
