// Package optim updates parameter tensors in place from their gradients:
// SGD with momentum (L2 weight decay) and Adam / AdamW, with PyTorch's
// update rules, so that training code can drive the reference models, and
// export their internal state (State, SetState) so that an interrupted run
// continues bit for bit.
package optim
