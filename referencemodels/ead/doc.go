// Package ead builds and runs the Encoder–Attender–Decoder reference
// models of Chung et al. 2025 (paper-spec §2) as gorgonia graphs: the
// ConvRNN encoder unrolled over 22 steps with its recurrent cells or the S4
// encoder (diagonal state-space blocks over the 22 steps), the optional
// GPT attender, the linear or addnet decoder, the cross-entropy
// loss with symbolic gradients, and the activation rule of paper-spec
// §1.8. Parameters come from package arch; one Graph serves one batch
// size and must not be shared between goroutines. SSLModel and SSLGraph
// compute the self-supervised losses (SimCLR and SimSiam on the last
// step's representation, the autoencoder on all steps; §2.11), and
// Options.FrozenBackbone builds a linear probe's graph.
package ead
