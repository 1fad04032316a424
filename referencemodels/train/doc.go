// Package train trains the reference EAD models with supervised
// cross-entropy on a tactile dataset (Chung et al. 2025, paper-spec
// §2.10): SGD with momentum, Adam or AdamW; the step, cosine-with-warm-up
// and constant learning-rate schedules, stepped once per epoch; weight
// decay; optional global-norm gradient clipping.
//
// A run is described by a Config (YAML or JSON) and writes into its output
// directory:
//
//	bundle.tar         the best-validation-accuracy weights as a weight
//	                   bundle (package bundle), with test metrics once done
//	curve.svg          loss and accuracy per epoch
//	checkpoint/        state.json and epoch-NNNN.npz: parameters, optimiser
//	                   state and history after the last completed epoch
//
// Data are streamed shard by shard (memory: one shard plus one batch) in
// an order drawn from the seed and the epoch index alone, dropout masks are
// reseeded the same way, and the checkpoint holds everything else, so a run
// interrupted at any point and restarted with the same config continues
// from its last completed epoch and ends with the parameters an
// uninterrupted run ends with, bit for bit.
package train
