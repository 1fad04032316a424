package arch

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// AttenderMamba is the Mamba-1 attender (Chung et al. 2025, paper-spec §2.7).
const AttenderMamba = "mamba"

// Mamba-1 initialisers (mamba_ssm defaults, paper-spec §2.7).
const (
	// InitMambaALog sets row d of A_log (d_inner, d_state) to
	// log(1), log(2), …, log(d_state): the S4D-real initialisation.
	InitMambaALog InitKind = "mamba_a_log"
	// InitMambaDtBias sets each element to softplus⁻¹(dt) with dt drawn
	// log-uniformly in [MambaDtMin, MambaDtMax] and floored at
	// MambaDtFloor, so that softplus(bias) starts at dt.
	InitMambaDtBias InitKind = "mamba_dt_bias"
)

// Mamba-1's dt initialisation range and floor (mamba_ssm defaults dt_min,
// dt_max, dt_init_floor; paper-spec §2.7: ssm_cfg null).
const (
	MambaDtMin   = 1e-3
	MambaDtMax   = 0.1
	MambaDtFloor = 1e-4
)

// WithMamba returns c with the paper's Mamba attender: 4 blocks of Mamba-1
// with d_model = repr_dim, d_state 16, d_conv 4, expand 2, dt_rank
// ceil(d_model/16) (Chung et al. 2025, paper-spec §2.7).
func (c Config) WithMamba() Config {
	d := c.Encoder.ReprDim
	c.Attender = AttenderConfig{Kind: AttenderMamba, NLayer: 4, DState: 16, DConv: 4, Expand: 2,
		DtRank: (d + 15) / 16}
	return c
}

// MambaDInner is the mixer's inner width expand·d_model (d_model =
// repr_dim).
func (c Config) MambaDInner() int { return c.Attender.Expand * c.Encoder.ReprDim }

// validateMamba checks the Mamba fields of c.Attender; the GPT fields must
// be unset because d_model is repr_dim and Mamba has no dropout.
func (c Config) validateMamba() error {
	a := c.Attender
	if a.NLayer <= 0 || a.DState <= 0 || a.DConv <= 0 || a.Expand <= 0 || a.DtRank <= 0 {
		return fmt.Errorf("attender mamba: n_layer %d, d_state %d, d_conv %d, expand %d, dt_rank %d must all be positive",
			a.NLayer, a.DState, a.DConv, a.Expand, a.DtRank)
	}
	if a.NEmbd != 0 || a.NHead != 0 || a.HiddenDim != 0 || a.BlockSize != 0 || a.Dropout != 0 {
		return errors.New("attender mamba: n_embd, n_head, hidden_dim, block_size and dropout are GPT fields and must be unset (d_model is encoder.repr_dim)")
	}
	if a.DConv > InputSteps {
		return fmt.Errorf("attender mamba: d_conv %d exceeds the %d sequence positions", a.DConv, InputSteps)
	}
	return nil
}

// mambaSpecs appends the Mamba attender's parameters in mamba_ssm
// state_dict order: per layer the mixer (in_proj, conv1d, x_proj,
// dt_proj, A_log, D, out_proj) then the block's norm; then norm_f.
// Linear layers have no bias, conv1d has one (paper-spec §2.7).
func (c Config) mambaSpecs(l *specList) {
	a := c.Attender
	d, di, n, r, k := c.Encoder.ReprDim, c.MambaDInner(), a.DState, a.DtRank, a.DConv
	// out_proj: PyTorch default U(±1/√d_inner), then divided by
	// √(n_residuals_per_layer·n_layer) = √n_layer (d_intermediate 0), as
	// mamba_ssm's rescale_prenorm_residual does.
	out := torchDefault(di)
	out.Arg /= math.Sqrt(float64(a.NLayer))
	for i := 0; i < a.NLayer; i++ {
		p := fmt.Sprintf("attender.layers.%d", i)
		m := p + ".mixer"
		l.add(m+".in_proj.weight", torchDefault(d), 2*di, d)
		// Depthwise Conv1d(di, di, k, groups=di): fan_in = 1·k.
		l.add(m+".conv1d.weight", torchDefault(k), di, 1, k)
		l.add(m+".conv1d.bias", torchDefault(k), di)
		l.add(m+".x_proj.weight", torchDefault(di), r+2*n, di)
		// dt_proj: weight U(±dt_rank^−½) (dt_init "random", dt_scale 1),
		// bias softplus⁻¹ of a log-uniform dt.
		l.add(m+".dt_proj.weight", Init{Kind: InitUniform, Arg: 1 / math.Sqrt(float64(r))}, di, r)
		l.add(m+".dt_proj.bias", Init{Kind: InitMambaDtBias}, di)
		l.add(m+".A_log", Init{Kind: InitMambaALog}, di, n)
		l.add(m+".D", Init{Kind: InitConstant, Arg: 1}, di)
		l.add(m+".out_proj.weight", out, d, di)
		l.layerNorm(p+".norm", d)
	}
	l.layerNorm("attender.norm_f", d)
}

// initMambaALog fills A_log (rows, n) with log(1..n) per row.
func initMambaALog(d []float32, shape []int) error {
	if len(shape) != 2 || shape[1] <= 0 {
		return fmt.Errorf("mamba A_log: shape %v, want (d_inner, d_state)", shape)
	}
	n := shape[1]
	for j := range d {
		d[j] = float32(math.Log(float64(j%n + 1)))
	}
	return nil
}

// initMambaDtBias fills d with softplus⁻¹(dt), dt = exp(U·(ln dt_max −
// ln dt_min) + ln dt_min) floored at dt_floor; softplus⁻¹(y) =
// y + log(−expm1(−y)).
func initMambaDtBias(d []float32, rng *rand.Rand) {
	lo, hi := math.Log(MambaDtMin), math.Log(MambaDtMax)
	for j := range d {
		dt := math.Max(math.Exp(rng.Float64()*(hi-lo)+lo), MambaDtFloor)
		d[j] = float32(dt + math.Log(-math.Expm1(-dt)))
	}
}
