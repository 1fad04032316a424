package train

import "math"

// LRFactor is the learning-rate multiplier of epoch e (0-based) of a
// run of epochs epochs, stepped once per epoch
// (Chung et al. 2025, paper-spec §2.10):
//
//	step_lr:       gamma^floor(e / step_size)
//	cos_w_warmup:  e / W for e < W (so epoch 0 trains with lr 0), else
//	               0.5·(1 + cos(π·(e − W)/(E − W))), W = warmup_epochs
//	constant_lr:   1
//	cos_annealing_w_warmup (SSL, ratio 1e-4, minimum 0):
//	               1 − (1 − (e+1)/W)(1 − 1e-4) for e < W, else
//	               0.5·(1 + cos(π·((e+1) − W)/(E − W)))
func (s ScheduleConfig) LRFactor(e, epochs int) float64 {
	switch s.Kind {
	case ScheduleStep:
		return math.Pow(s.Gamma, float64(e/s.StepSize))
	case ScheduleCosine:
		W := *s.WarmupEpochs
		if e < W {
			return float64(e) / float64(W)
		}
		return 0.5 * (1 + math.Cos(math.Pi*float64(e-W)/float64(epochs-W)))
	case ScheduleCosAnneal:
		W := *s.WarmupEpochs
		if e < W {
			return 1 - (1-float64(e+1)/float64(W))*(1-1e-4)
		}
		return 0.5 * (1 + math.Cos(math.Pi*float64(e+1-W)/float64(epochs-W)))
	}
	return 1
}
