package arch

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestMambaParamCounts checks the Mamba totals of Chung et al. 2025,
// paper-spec §2.7 and §2.9. Per layer with d = 512, di = 1024, N = 16,
// R = 32, K = 4: norm 2d = 1,024; in_proj 2di·d = 1,048,576; conv1d
// di·K + di = 5,120; x_proj (R+2N)·di = 65,536; dt_proj di·R + di =
// 33,792; A_log di·N = 16,384; D di = 1,024; out_proj d·di = 524,288;
// sum 1,695,744. Four layers plus norm_f (1,024) = 6,784,000. With the
// base ConvRNN (23,460,072) and linear(512->117) (60,021): 30,304,093.
func TestMambaParamCounts(t *testing.T) {
	cfg := ZhuangConvRNN(CellTimeDecay, false, DecoderLinear).WithMamba()
	specs, err := cfg.Specs()
	if err != nil {
		t.Fatal(err)
	}
	sum := func(prefix string) int {
		n := 0
		for _, s := range specs {
			if strings.HasPrefix(s.Name, prefix) {
				n += s.Size()
			}
		}
		return n
	}
	cases := []struct {
		name   string
		prefix string
		want   int
	}{
		{"Mamba(4x512)", "attender.", 6784000},
		{"layer 0", "attender.layers.0.", 1695744},
		{"layer 3", "attender.layers.3.", 1695744},
		{"norm_f", "attender.norm_f.", 1024},
		{"in_proj", "attender.layers.1.mixer.in_proj.", 1048576},
		{"x_proj", "attender.layers.1.mixer.x_proj.", 65536},
		{"encoder", "encoder.", 23460072},
		{"decoder", "decoder.", 60021},
		{"total enc_Zhuang_att_Mamba", "", 30304093},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := sum(tc.prefix); got != tc.want {
				t.Errorf("%q: %d params, want %d (diff %d)", tc.prefix, got, tc.want, got-tc.want)
			}
		})
	}
	if n, err := cfg.Count(); err != nil || n != 30304093 {
		t.Errorf("Count() = %d, %v; want 30304093", n, err)
	}
	if got := cfg.EncoderOutDim(); got != 512 {
		t.Errorf("EncoderOutDim = %d, want repr_dim 512", got)
	}
	a := cfg.Attender
	// dt_rank = ceil(512/16) = 32; d_inner = 2·512.
	if a.NLayer != 4 || a.DState != 16 || a.DConv != 4 || a.Expand != 2 || a.DtRank != 32 || cfg.MambaDInner() != 1024 {
		t.Errorf("preset %+v, d_inner %d", a, cfg.MambaDInner())
	}
	// dt_rank rounds up: ceil(100/16) = 7.
	small := ZhuangConvRNN(CellTimeDecay, false, DecoderLinear)
	small.Encoder.ReprDim = 100
	if r := small.WithMamba().Attender.DtRank; r != 7 {
		t.Errorf("dt_rank for d_model 100 = %d, want 7", r)
	}
}

func TestMambaShapesAndNames(t *testing.T) {
	cfg := ZhuangConvRNN(CellTimeDecay, false, DecoderLinear).WithMamba()
	specs, err := cfg.Specs()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]int{}
	for _, s := range specs {
		got[s.Name] = s.Shape
	}
	want := map[string][]int{
		"attender.layers.2.norm.weight":           {512},
		"attender.layers.2.norm.bias":             {512},
		"attender.layers.2.mixer.in_proj.weight":  {2048, 512},
		"attender.layers.2.mixer.conv1d.weight":   {1024, 1, 4},
		"attender.layers.2.mixer.conv1d.bias":     {1024},
		"attender.layers.2.mixer.x_proj.weight":   {64, 1024},
		"attender.layers.2.mixer.dt_proj.weight":  {1024, 32},
		"attender.layers.2.mixer.dt_proj.bias":    {1024},
		"attender.layers.2.mixer.A_log":           {1024, 16},
		"attender.layers.2.mixer.D":               {1024},
		"attender.layers.2.mixer.out_proj.weight": {512, 1024},
		"attender.norm_f.weight":                  {512},
		"decoder.l0.weight":                       {117, 512},
	}
	for name, s := range want {
		if !reflect.DeepEqual(got[name], s) {
			t.Errorf("%s: shape %v, want %v", name, got[name], s)
		}
	}
	for _, absent := range []string{"attender.layers.0.mixer.in_proj.bias", "attender.layers.0.mixer.x_proj.bias",
		"attender.layers.0.mixer.out_proj.bias", "attender.layers.4.norm.weight"} {
		if _, ok := got[absent]; ok {
			t.Errorf("unexpected parameter %s", absent)
		}
	}
}

func TestMambaValidate(t *testing.T) {
	ok := ZhuangConvRNN(CellTimeDecay, false, DecoderLinear).WithMamba()
	mut := func(f func(a *AttenderConfig)) Config { c := ok; f(&c.Attender); return c }
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no layers", mut(func(a *AttenderConfig) { a.NLayer = 0 }), "must all be positive"},
		{"d_state", mut(func(a *AttenderConfig) { a.DState = -1 }), "d_state -1"},
		{"d_conv", mut(func(a *AttenderConfig) { a.DConv = 0 }), "d_conv 0"},
		{"d_conv too long", mut(func(a *AttenderConfig) { a.DConv = 23 }), "exceeds"},
		{"expand", mut(func(a *AttenderConfig) { a.Expand = 0 }), "expand 0"},
		{"dt_rank", mut(func(a *AttenderConfig) { a.DtRank = 0 }), "dt_rank 0"},
		{"gpt field", mut(func(a *AttenderConfig) { a.NHead = 4 }), "GPT fields"},
		{"dropout", mut(func(a *AttenderConfig) { a.Dropout = 0.1 }), "GPT fields"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.want)
			}
		})
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("paper preset rejected: %v", err)
	}
	// JSON round trip keeps the Mamba fields; GPT fields stay absent.
	b, err := json.Marshal(ok)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"d_state":16`) || !strings.Contains(s, `"dt_rank":32`) || strings.Contains(s, "n_head") {
		t.Errorf("json %s", s)
	}
	var d Config
	if err := json.Unmarshal(b, &d); err != nil || !reflect.DeepEqual(d, ok) {
		t.Fatalf("round trip: %v\n%+v\n%+v", err, d, ok)
	}
}

// TestMambaInit checks the Mamba-1 default initialisation (paper-spec
// §2.7, mamba_ssm defaults).
func TestMambaInit(t *testing.T) {
	cfg := ZhuangConvRNN(CellTimeDecay, false, DecoderLinear)
	cfg.Encoder.Width = 0.05
	cfg.Encoder.ReprDim = 32
	cfg = cfg.WithMamba() // d 32, di 64, N 16, R 2, K 4, 4 layers
	p, err := cfg.Init(3)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := cfg.Init(3)
	if !reflect.DeepEqual(p, q) {
		t.Fatal("same seed gave different parameters")
	}
	get := func(name string) Param {
		i := p.Index(name)
		if i < 0 {
			t.Fatalf("no parameter %s", name)
		}
		return p[i]
	}
	// A_log[d, n] = log(n+1).
	al := get("attender.layers.1.mixer.A_log")
	for j, v := range al.Data {
		if w := float32(math.Log(float64(j%16 + 1))); v != w {
			t.Fatalf("A_log[%d] = %g, want %g", j, v, w)
		}
	}
	// D = 1.
	for _, v := range get("attender.layers.1.mixer.D").Data {
		if v != 1 {
			t.Fatalf("D = %g, want 1", v)
		}
	}
	// softplus(dt_proj.bias) in [1e-3, 0.1], spread (not constant).
	var lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range get("attender.layers.0.mixer.dt_proj.bias").Data {
		dt := math.Log1p(math.Exp(float64(v)))
		lo, hi = math.Min(lo, dt), math.Max(hi, dt)
	}
	if lo < MambaDtMin*(1-1e-5) || hi > MambaDtMax*(1+1e-5) || hi/lo < 5 {
		t.Errorf("softplus(dt bias) in [%g, %g], want a spread inside [1e-3, 0.1]", lo, hi)
	}
	if reflect.DeepEqual(get("attender.layers.0.mixer.dt_proj.bias").Data, get("attender.layers.1.mixer.dt_proj.bias").Data) {
		t.Error("dt biases of two layers are identical")
	}
	check := func(name string, kind InitKind, arg float64) {
		s := get(name)
		if s.Init.Kind != kind || math.Abs(s.Init.Arg-arg) > 1e-12 {
			t.Errorf("%s init %+v, want %s %g", name, s.Init, kind, arg)
		}
		if kind == InitUniform {
			var m float64
			for _, v := range s.Data {
				m = math.Max(m, math.Abs(float64(v)))
			}
			if m > arg || m < arg/2 {
				t.Errorf("%s: max |w| %g for bound %g", name, m, arg)
			}
		}
	}
	check("attender.layers.0.mixer.in_proj.weight", InitUniform, 1/math.Sqrt(32))
	check("attender.layers.0.mixer.conv1d.weight", InitUniform, 0.5) // 1/√d_conv
	check("attender.layers.0.mixer.conv1d.bias", InitUniform, 0.5)
	check("attender.layers.0.mixer.x_proj.weight", InitUniform, 1/math.Sqrt(64))
	check("attender.layers.0.mixer.dt_proj.weight", InitUniform, 1/math.Sqrt(2))
	check("attender.layers.0.mixer.out_proj.weight", InitUniform, 1/math.Sqrt(64)/2) // /√n_layer
	check("attender.layers.0.norm.weight", InitConstant, 1)
	check("attender.norm_f.bias", InitConstant, 0)
}
