// Package probe is whiskerbench's linear-probe task metric: it fits an
// L2-penalised multinomial logistic regression on standardised features
// with L-BFGS, chooses the penalty by stratified k-fold cross-validation on
// the training split alone, and reports top-1 and top-k accuracy on the
// held-out split. It works on in-memory arrays only and does no I/O.
package probe
