package train

import (
	"bytes"
	"testing"
)

// FuzzParseConfig: a training config is a user file; any bytes either
// parse into a config that passed validation (required fields present,
// defaults filled) or give an error, never a panic.
func FuzzParseConfig(f *testing.F) {
	base := "dataset: d\nout: o\nepochs: 2\nbatch_size: 4\nseed: 1\noptimizer: {kind: sgd, lr: 0.1}\nschedule: {kind: constant_lr}\n"
	for _, s := range []string{
		base + "preset: {name: timedecay-linear}\n",
		base + "preset: {name: intersection-ln-gpt-linear, width: 0.1}\nobjective: simclr\naugment: image\nssl_head: {hidden: 8, out: 4}\n",
		base + "probe: {from: runs/ssl}\n",
		base + "arch: {encoder: {kind: s4, cell: '', layer_norm: false, width: 0, repr_dim: 8, d_model: 8, n_layer: 1, d_state: 4, dropout: 0}, attender: {kind: mamba, n_layer: 1, d_state: 4, d_conv: 4, expand: 2, dt_rank: 1}, decoder: {kind: linear}, classes: 3}\n",
		"{}", "dataset: [1, 2", "objective: ae\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(bytes.NewReader(data))
		if err != nil {
			return
		}
		if c.Dataset == "" || c.Out == "" || c.Epochs < 1 || c.BatchSize < 1 || c.EvalBatchSize < 1 {
			t.Fatalf("accepted an incomplete config: %+v", c)
		}
		_ = c.Digest()
		_ = c.ObjectiveKind()
	})
}
