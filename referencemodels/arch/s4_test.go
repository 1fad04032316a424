package arch

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestS4ParamCount pins our full-size S4 counts; the paper gives none
// (paper-spec §2.9), so the figures are derived from the parameter list of
// s4Specs with H = d_model = 512, N2 = d_state/2 = 32, 4 blocks:
//
//	input Linear 1050·512 + 512                        =   538,112
//	per block: log_dt H                                 =       512
//	           A_re H·N2 + A_im H·N2                     =    32,768
//	           C H·N2·2                                  =    32,768
//	           D H                                       =       512
//	           out Linear 512·1024 + 1024                =   525,312
//	           norm 2·512                                =     1,024
//	           block total                               =   592,896
//	4 blocks                                             = 2,371,584
//	output Linear 512·512 + 512                          =   262,656
//	encoder total 538,112 + 2,371,584 + 262,656          = 3,172,352
//
// plus linear(512->117) 60,021 = 3,232,373; with GPT(512) 25,778,688
// (paper-spec §2.9) and the linear decoder, 29,011,061.
func TestS4ParamCount(t *testing.T) {
	cases := []struct {
		name   string
		cfg    Config
		prefix string
		want   int
	}{
		{"S4+linear", S4Encoder(DecoderLinear), "", 3232373},
		{"S4+GPT+linear", S4Encoder(DecoderLinear).WithGPT(512), "", 29011061},
		{"S4 encoder", S4Encoder(DecoderLinear), "encoder.", 3172352},
		{"S4 input linear", S4Encoder(DecoderLinear), "encoder.s4.in.", 538112},
		{"S4 block 0", S4Encoder(DecoderLinear), "encoder.s4.layers.0.", 592896},
		{"S4 block 3 kernel", S4Encoder(DecoderLinear), "encoder.s4.layers.3.kernel.", 512 + 32768 + 32768},
		{"S4 output linear", S4Encoder(DecoderLinear), "encoder.s4.dec.", 262656},
		{"S4+addnet decoder", S4Encoder(DecoderAddnet), "decoder.", 1110133},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			specs, err := tc.cfg.Specs()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range specs {
				if strings.HasPrefix(s.Name, tc.prefix) {
					n += s.Size()
				}
			}
			if n != tc.want {
				t.Errorf("%q: %d params, want %d (diff %d)", tc.prefix, n, tc.want, n-tc.want)
			}
		})
	}
}

func TestS4SpecNamesAndShapes(t *testing.T) {
	c := S4Encoder(DecoderLinear)
	c.Encoder.DModel, c.Encoder.NLayer, c.Encoder.DState, c.Encoder.ReprDim = 6, 2, 8, 5
	specs, err := c.Specs()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range specs {
		got = append(got, s.Name+fmtShape(s.Shape))
	}
	want := []string{
		"encoder.s4.in.weight[6 1050]", "encoder.s4.in.bias[6]",
	}
	for _, i := range []string{"0", "1"} {
		p := "encoder.s4.layers." + i
		want = append(want, p+".kernel.log_dt[6]", p+".kernel.A_re[6 4]", p+".kernel.A_im[6 4]",
			p+".kernel.C[6 4 2]", p+".D[6]", p+".out.weight[12 6]", p+".out.bias[12]",
			p+".norm.weight[6]", p+".norm.bias[6]")
	}
	want = append(want, "encoder.s4.dec.weight[5 6]", "encoder.s4.dec.bias[5]",
		"decoder.l0.weight[117 5]", "decoder.l0.bias[117]")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("specs\n got %v\nwant %v", got, want)
	}
	if len(c.Nodes()) != 0 {
		t.Errorf("an S4 config has %d ConvRNN nodes, want 0", len(c.Nodes()))
	}
}

func fmtShape(s []int) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(string(b), ",", " ")
}

// TestS4Init checks the S4D-Lin initialisation: log Δ in
// [log 1e-3, log 1e-1], log(−Re A) = log ½, Im A_n = πn, C with variance
// ½ per component, D ~ N(0, 1), PyTorch-default Linears.
func TestS4Init(t *testing.T) {
	c := S4Encoder(DecoderLinear)
	c.Encoder.DModel, c.Encoder.NLayer, c.Encoder.DState = 64, 1, 16
	p, err := c.Init(3)
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) []float32 {
		i := p.Index(name)
		if i < 0 {
			t.Fatalf("no parameter %s", name)
		}
		return p[i].Data
	}
	lo, hi := math.Log(1e-3), math.Log(1e-1)
	mn, mx := math.Inf(1), math.Inf(-1)
	for _, v := range get("encoder.s4.layers.0.kernel.log_dt") {
		mn, mx = math.Min(mn, float64(v)), math.Max(mx, float64(v))
	}
	// 64 draws from U(lo, hi) (width 4.6): the extremes lie within 0.5 of
	// the bounds unless with probability < 2·(1−0.5/4.6)^64 ≈ 1e-3.
	if mn < lo-1e-6 || mx > hi+1e-6 || mn > lo+0.5 || mx < hi-0.5 {
		t.Errorf("log_dt range [%g, %g], want within and spanning [%g, %g]", mn, mx, lo, hi)
	}
	for j, v := range get("encoder.s4.layers.0.kernel.A_re") {
		if math.Abs(float64(v)-math.Log(0.5)) > 1e-7 {
			t.Fatalf("A_re[%d] = %g, want log ½", j, v)
		}
	}
	for j, v := range get("encoder.s4.layers.0.kernel.A_im") {
		if n := j % 8; math.Abs(float64(v)-math.Pi*float64(n)) > 1e-5 {
			t.Fatalf("A_im[%d] = %g, want π·%d", j, v, n)
		}
	}
	variance := func(d []float32) float64 {
		var s float64
		for _, v := range d {
			s += float64(v) * float64(v)
		}
		return s / float64(len(d))
	}
	// 1024 draws: the sample variance has standard error √(2/1024)·σ² ≈ 4%.
	if v := variance(get("encoder.s4.layers.0.kernel.C")); math.Abs(v-0.5) > 0.1 {
		t.Errorf("C variance %g, want 0.5", v)
	}
	if v := variance(get("encoder.s4.layers.0.D")); math.Abs(v-1) > 0.5 {
		t.Errorf("D variance %g, want 1", v)
	}
	if i := p.Index("encoder.s4.in.weight"); p[i].Init != (Init{Kind: InitUniform, Arg: 1 / math.Sqrt(1050)}) {
		t.Errorf("input Linear init %+v", p[i].Init)
	}
	if i := p.Index("encoder.s4.layers.0.out.weight"); p[i].Init != (Init{Kind: InitUniform, Arg: 1 / 8.0}) {
		t.Errorf("output Linear init %+v, want U(±1/√64)", p[i].Init)
	}
}

func TestS4ValidateErrors(t *testing.T) {
	ok := S4Encoder(DecoderLinear)
	mut := func(f func(*EncoderConfig)) Config { c := ok; f(&c.Encoder); return c }
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"cell set", mut(func(e *EncoderConfig) { e.Cell = CellGRU }), "ConvRNN fields"},
		{"width set", mut(func(e *EncoderConfig) { e.Width = 1 }), "ConvRNN fields"},
		{"d_model", mut(func(e *EncoderConfig) { e.DModel = 0 }), "d_model 0"},
		{"n_layer", mut(func(e *EncoderConfig) { e.NLayer = -1 }), "n_layer -1"},
		{"odd d_state", mut(func(e *EncoderConfig) { e.DState = 7 }), "d_state 7"},
		{"dropout 1", mut(func(e *EncoderConfig) { e.Dropout = 1 }), "dropout"},
		{"dropout NaN", mut(func(e *EncoderConfig) { e.Dropout = math.NaN() }), "dropout"},
		{"repr", mut(func(e *EncoderConfig) { e.ReprDim = 0 }), "repr_dim"},
		{"S4 fields on convrnn", func() Config {
			c := ZhuangConvRNN(CellGRU, false, DecoderLinear)
			c.Encoder.DState = 64
			return c
		}(), "S4 fields"},
		{"decoder still checked", func() Config { c := ok; c.Decoder.Kind = "mlp"; return c }(), "decoder.kind"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.want)
			}
		})
	}
	for _, c := range []Config{ok, S4Encoder(DecoderAddnet), ok.WithGPT(512)} {
		if err := c.Validate(); err != nil {
			t.Errorf("valid config rejected: %v", err)
		}
	}
}

func TestS4ConfigJSON(t *testing.T) {
	c := S4Encoder(DecoderLinear).WithGPT(512)
	b, err := json.Marshal(c.Encoder)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"s4","cell":"","layer_norm":false,"width":0,"repr_dim":512,"d_model":512,"n_layer":4,"d_state":64,"dropout":0.2}`
	if string(b) != want {
		t.Errorf("encoder JSON\n got %s\nwant %s", b, want)
	}
	var d Config
	full, _ := json.Marshal(c)
	if err := json.Unmarshal(full, &d); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("round trip changed config:\n%+v\n%+v", c, d)
	}
	// The ConvRNN encoder's JSON has no S4 fields (omitempty).
	cb, _ := json.Marshal(ZhuangConvRNN(CellTimeDecay, false, DecoderLinear).Encoder)
	if strings.Contains(string(cb), "d_model") || strings.Contains(string(cb), "dropout") {
		t.Errorf("ConvRNN encoder JSON carries S4 fields: %s", cb)
	}
}
