package ead

import (
	"fmt"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// LayerNames lists the layers whose activations a model of cfg exposes, in
// order: conv1..conv6, fc7, fc8 (ConvRNN), relu, maxpool, layer1.0 ..
// layer4.1, avgpool, fc (ResNet-18) or enc_s4_emb, enc_s4_l0.., enc_s4_dec
// (S4), the last two kinds averaged over the 22 steps; with GPT
// att_gpt_emb, att_gpt_b0.., att_gpt_ln, att_gpt_lm_head; with Mamba
// att_mamba_l0.. (mixer outputs before the residual add), att_mamba_norm;
// then dec_mlp_l0.. (Chung et al. 2025, paper-spec §1.8).
func LayerNames(cfg arch.Config) []string {
	var out []string
	for _, n := range cfg.Nodes() {
		out = append(out, n.Name)
	}
	switch cfg.Encoder.Kind {
	case arch.EncoderS4:
		out = append(out, s4LayerNames(cfg.Encoder)...)
	case arch.EncoderResNet18:
		out = append(out, resnetLayerNames(cfg)...)
	}
	if cfg.Attender.Kind == arch.AttenderGPT {
		out = append(out, "att_gpt_emb")
		for i := 0; i < cfg.Attender.NLayer; i++ {
			out = append(out, fmt.Sprintf("att_gpt_b%d", i))
		}
		out = append(out, "att_gpt_ln", "att_gpt_lm_head")
	}
	if cfg.Attender.Kind == arch.AttenderMamba {
		for i := 0; i < cfg.Attender.NLayer; i++ {
			out = append(out, fmt.Sprintf("att_mamba_l%d", i))
		}
		out = append(out, "att_mamba_norm")
	}
	for i := 0; i <= len(cfg.Decoder.Hidden); i++ {
		out = append(out, fmt.Sprintf("dec_mlp_l%d", i))
	}
	return out
}

// KeptSteps returns how many of the 22 steps the activation rule averages
// for encoder layer index l (conv_k -> k, fc7 -> 7, fc8 -> 8): steps
// t ≥ l−1, i.e. 23 − l (paper-spec §1.8).
func KeptSteps(l int) int { return arch.InputSteps - (l - 1) }

// activations applies the activation rule to the captured values: encoder
// layers are NaN-averaged over their kept steps with features in C,H,W
// order, attender outputs over all sequence positions, decoder outputs
// are used as is (paper-spec §1.8).
func (gr *Graph) activations() (map[string]ndarray.Array, error) {
	cfg := gr.m.Config
	B := gr.opts.Batch
	out := map[string]ndarray.Array{}
	idx := map[string]arch.Node{}
	for _, n := range cfg.Nodes() {
		idx[n.Name] = n
	}
	for _, name := range resnetLayerNames(cfg) {
		// Per-frame layers: all 22 steps kept, like a layer of index 1.
		idx[name] = arch.Node{Name: name, Index: 1}
	}
	for _, name := range LayerNames(cfg) {
		caps := gr.taps[name]
		if len(caps) == 0 {
			return nil, fmt.Errorf("activations: layer %s was not captured", name)
		}
		n, isEnc := idx[name]
		if isEnc && len(caps) != KeptSteps(n.Index) {
			return nil, fmt.Errorf("activations: layer %s has %d steps, want %d", name, len(caps), KeptSteps(n.Index))
		}
		shape, _ := caps[0].Values()
		if len(shape) != 2 || shape[1]%B != 0 {
			return nil, fmt.Errorf("activations: layer %s captured shape %v", name, shape)
		}
		rows, per := shape[0], shape[1]/B // per: positions per sample
		// Feature f = r·per + p for encoder conv layers (C,H,W order);
		// attender layers average over their per positions instead.
		avgPositions := !isEnc && per > 1
		F := rows * per
		if avgPositions {
			F = rows
		}
		sum := make([]float64, B*F)
		cnt := make([]int32, B*F)
		for _, c := range caps {
			_, d := c.Values()
			for r := 0; r < rows; r++ {
				for b := 0; b < B; b++ {
					for p := 0; p < per; p++ {
						v := d[r*B*per+b*per+p]
						f := r*per + p
						if avgPositions {
							f = r
						}
						if !math.IsNaN(v) {
							sum[b*F+f] += v
							cnt[b*F+f]++
						}
					}
				}
			}
		}
		a := make([]float32, B*F)
		for i := range a {
			if cnt[i] == 0 {
				a[i] = float32(math.NaN())
			} else {
				a[i] = float32(sum[i] / float64(cnt[i]))
			}
		}
		out[name] = ndarray.FromFloat32([]int{B, F}, a)
	}
	return out, nil
}
