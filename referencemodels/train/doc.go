// Package train trains the reference EAD models on a tactile dataset:
// supervised cross-entropy (Chung et al. 2025, paper-spec §2.10),
// self-supervised pre-training (SimCLR, SimSiam, autoencoder; §2.11) and
// linear probes of pre-trained backbones. Optimisers: SGD with momentum,
// Adam, AdamW, LARS; the step, cosine-with-warm-up, SSL cosine-annealing
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
//
// # Self-supervised pre-training
//
// objective: simclr, simsiam or ae trains the encoder and attender with a
// self-supervised head instead of a decoder (paper-spec §2.11); arch or
// preset names the backbone as usual (the preset's decoder is unused).
// ssl_head sets the head widths (defaults: SimCLR hidden 2048, out 128;
// SimSiam hidden = out = 2048, pred_hidden 512) so CPU-sized runs can
// shrink them. The paper's optimisers are lars (η 0.001, optimizer.eta)
// for SimCLR and sgd for SimSiam and the autoencoder, with
// cos_annealing_w_warmup (warm-up 10 epochs by default; the paper uses 0
// for SimSiam batches below 1024) or step_lr.
//
// Which representation the heads read: the reference SSL scripts leave a
// (B, 22, d) tensor that the contrastive heads cannot take (paper-spec
// §2.11, CAVEAT). We use the reading the spec calls most consistent:
// SimCLR and SimSiam use the last step's d-vector (what every decoder and
// the probe read); the autoencoder reconstructs all 22 steps from the
// whole (B, 22, d) sequence.
//
// For SimCLR and SimSiam every batch is augmented twice by separate calls
// of the augment package's transform (one random draw per call, shared by
// the batch; augment: tactile by default, tactile-no-temporal, image or
// none); the two views are interleaved as samples 2i, 2i+1 and pass the
// backbone and head as one batch of 2N, so a head BatchNorm normalises
// over both views together. The autoencoder's input is not augmented
// (augment is ignored). Validation computes the same loss in inference
// mode (BatchNorm running statistics, no dropout) on views drawn from a
// fixed stream, identical every epoch. The output directory receives:
//
//	ssl.json, ssl.npz  the minimum-validation-loss parameters (backbone and
//	                   ssl.* head, by name) and their description
//	curve.svg          train and validation loss per epoch
//	checkpoint/        as for supervised runs (resumable)
//
// # Linear probe
//
// A config with probe: {from: PATH} (or `whiskerbench train --probe
// --from PATH`) is a supervised run of the backbone in PATH (an SSL output
// directory, its ssl.json, or a weight bundle) with a fresh linear decoder
// (last step → classes); it has neither arch nor preset. The paper's
// probe is sgd lr 0.1, momentum 0.9, weight_decay 1e-4, step_lr (step 30),
// batch 256, 100 epochs; the best epoch is chosen by validation top-1 and
// the held-out top-1/top-5 are reported as for any run. The output is a
// normal bundle.tar whose training record names the pre-training
// objective, its augmentation and the source (ssl_source).
//
// Freezing differs from the paper: the reference sets requires_grad False
// on the backbone but leaves it in train mode, so dropout stays active and
// BatchNorm statistics keep updating during the probe. Here the frozen
// backbone runs in inference mode (no dropout, running BatchNorm
// statistics, no buffer updates) and only the decoder's gradients are
// computed, so the probe trains on the features the scorer later reads and
// the bundle's encoder and attender are bit-identical to the source's.
package train
