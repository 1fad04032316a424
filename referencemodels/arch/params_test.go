package arch

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestParamCountsPaper asserts every total of Chung et al. 2025,
// paper-spec §2.9 that these configurations cover. Derivations (same
// section): ConvRNN core 23,460,064 + 8 τ = 23,460,072; addnet 1,110,133;
// linear(512->117) 60,021; cells add UGRNN 7,228,352, IntersectionRNN+LN
// 14,468,736, GRU 10,842,528, LSTM 14,456,704 (τ removed); GPT(512)
// 25,778,688.
func TestParamCountsPaper(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want int
	}{
		{"ConvRNN+addnet", ZhuangConvRNN(CellTimeDecay, false, DecoderAddnet), 24570205},
		{"ConvRNN+linear", ZhuangConvRNN(CellTimeDecay, false, DecoderLinear), 23520093},
		{"ugrnn+addnet", ZhuangConvRNN(CellUGRNN, false, DecoderAddnet), 31798549},
		{"inter_ln+addnet", ZhuangConvRNN(CellIntersection, true, DecoderAddnet), 39038933},
		{"gru+addnet", ZhuangConvRNN(CellGRU, false, DecoderAddnet), 35412725},
		{"lstm+addnet", ZhuangConvRNN(CellLSTM, false, DecoderAddnet), 39026901},
		{"Zhuang_ugrnn+linear", ZhuangConvRNN(CellUGRNN, false, DecoderLinear), 30748437},
		{"Zhuang_inter_ln+linear", ZhuangConvRNN(CellIntersection, true, DecoderLinear), 37988821},
		{"Zhuang_gru+linear", ZhuangConvRNN(CellGRU, false, DecoderLinear), 34362613},
		{"Zhuang_lstm+linear", ZhuangConvRNN(CellLSTM, false, DecoderLinear), 37976789},
		{"ConvRNN+GPT+linear", ZhuangConvRNN(CellTimeDecay, false, DecoderLinear).WithGPT(512), 49298781},
		{"ugrnn+GPT", ZhuangConvRNN(CellUGRNN, false, DecoderLinear).WithGPT(512), 56527125},
		{"inter_ln+GPT", ZhuangConvRNN(CellIntersection, true, DecoderLinear).WithGPT(512), 63767509},
		{"gru+GPT", ZhuangConvRNN(CellGRU, false, DecoderLinear).WithGPT(512), 60141301},
		{"lstm+GPT", ZhuangConvRNN(CellLSTM, false, DecoderLinear).WithGPT(512), 63755477},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.Count()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("count = %d, want %d (diff %d)", got, tc.want, got-tc.want)
			}
		})
	}
}

// TestParamCountsParts checks the component counts of paper-spec §2.9 by
// summing the parameters under a name prefix.
func TestParamCountsParts(t *testing.T) {
	sum := func(cfg Config, prefix string) int {
		specs, err := cfg.Specs()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range specs {
			if strings.HasPrefix(s.Name, prefix) {
				n += s.Size()
			}
		}
		return n
	}
	base := ZhuangConvRNN(CellTimeDecay, false, DecoderAddnet)
	cases := []struct {
		name   string
		cfg    Config
		prefix string
		want   int
	}{
		// 11,616 + 376,960 + 917,760 + 1,376,640 + 983,424 + 393,472 +
		// 18,875,392 + 524,800 + 8 τ.
		{"base encoder", base, "encoder.", 23460072},
		{"conv1", base, "encoder.conv1.pre", 11616},
		{"conv4", base, "encoder.conv4.pre", 1376640},
		{"fc7", base, "encoder.fc7.pre", 18875392},
		{"addnet", base, "decoder.", 1110133},
		{"GPT(512) incl. action token", base.WithGPT(512), "attender.", 25778688},
		{"GPT(256)", ZhuangConvRNN(CellTimeDecay, false, DecoderLinear).WithGPT(256), "attender.", 6532608}, // baku width: repr 512, n_embd 256
		{"linear 512->117", ZhuangConvRNN(CellGRU, false, DecoderLinear), "decoder.", 60021},
		// IntersectionRNN+LN cells: 32ΣC² + 4ΣC + 8ΣC with ΣC² = 451,584, ΣC = 1,504.
		{"inter_ln cells", ZhuangConvRNN(CellIntersection, true, DecoderLinear), "encoder.conv", 4059872 + 14468736},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := sum(tc.cfg, tc.prefix); got != tc.want {
				t.Errorf("%s: %d params, want %d", tc.prefix, got, tc.want)
			}
		})
	}
}

func TestValidateErrors(t *testing.T) {
	ok := ZhuangConvRNN(CellGRU, false, DecoderLinear)
	mut := func(f func(*Config)) Config { c := ok; c.Decoder.Hidden = nil; f(&c); return c }
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown cell", mut(func(c *Config) { c.Encoder.Cell = "rnn" }), "encoder.cell"},
		{"zero width", mut(func(c *Config) { c.Encoder.Width = 0 }), "encoder.width"},
		{"negative width", mut(func(c *Config) { c.Encoder.Width = -0.5 }), "encoder.width"},
		{"NaN width", mut(func(c *Config) { c.Encoder.Width = math.NaN() }), "encoder.width"},
		{"repr", mut(func(c *Config) { c.Encoder.ReprDim = 0 }), "repr_dim"},
		{"encoder kind", mut(func(c *Config) { c.Encoder.Kind = "resnet" }), "encoder.kind"},
		{"timedecay ln", mut(func(c *Config) { c.Encoder.Cell = CellTimeDecay; c.Encoder.LayerNorm = true }), "layer_norm"},
		{"attender", mut(func(c *Config) { c.Attender.Kind = "lstm" }), "attender.kind"},
		{"gpt heads", func() Config { c := ok.WithGPT(30); c.Attender.NHead = 4; return c }(), "divisible"},
		{"gpt block", func() Config { c := ok.WithGPT(32); c.Attender.BlockSize = 40; return c }(), "block_size"},
		{"gpt dropout", func() Config { c := ok.WithGPT(32); c.Attender.Dropout = 1; return c }(), "dropout"},
		{"decoder", mut(func(c *Config) { c.Decoder.Kind = "mlp" }), "decoder.kind"},
		{"addnet hidden", mut(func(c *Config) { c.Decoder.Kind = DecoderAddnet }), "hidden"},
		{"linear hidden", mut(func(c *Config) { c.Decoder.Hidden = []int{3} }), "must be empty"},
		{"classes", mut(func(c *Config) { c.Classes = 1 }), "classes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.want)
			}
			if _, err := tc.cfg.Init(1); err == nil {
				t.Fatal("Init accepted an invalid config")
			}
		})
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	c := ZhuangConvRNN(CellIntersection, true, DecoderAddnet).WithGPT(64)
	c.Encoder.Width = 0.125
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var d Config
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("round trip changed config:\n%+v\n%+v", c, d)
	}
}

func TestWidthScaling(t *testing.T) {
	c := ZhuangConvRNN(CellTimeDecay, false, DecoderLinear)
	c.Encoder.Width = 0.125
	// 96·0.125 = 12, 128→16, 256→32, 384→48; fc7 1024→128.
	if got, want := c.ConvChannels(), [6]int{12, 16, 32, 48, 48, 32}; got != want {
		t.Fatalf("channels %v, want %v", got, want)
	}
	nodes := c.Nodes()
	// conv2 harbor = conv1 + conv3 + conv4 = 12 + 32 + 48.
	if nodes[1].InFeatures != 92 {
		t.Errorf("conv2 in = %d, want 92", nodes[1].InFeatures)
	}
	// fc7 harbor = (conv2 + conv4 + conv6)·4·6 = (16+48+32)·24.
	if nodes[6].InFeatures != 2304 || nodes[6].Out != 128 {
		t.Errorf("fc7 = %d->%d, want 2304->128", nodes[6].InFeatures, nodes[6].Out)
	}
}

func TestInitDeterministic(t *testing.T) {
	c := ZhuangConvRNN(CellLSTM, true, DecoderLinear).WithGPT(16)
	c.Encoder.Width = 0.05
	c.Encoder.ReprDim = 16
	a, err := c.Init(7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.Init(7)
	d, _ := c.Init(8)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different parameters")
	}
	if reflect.DeepEqual(a[0].Data, d[0].Data) {
		t.Fatal("different seeds gave identical conv1 weights")
	}
	for _, p := range a {
		var maxAbs float64
		for _, v := range p.Data {
			maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
		}
		switch p.Init.Kind {
		case InitUniform:
			if maxAbs > p.Init.Arg || maxAbs == 0 {
				t.Errorf("%s: max |w| %g outside (0, %g]", p.Name, maxAbs, p.Init.Arg)
			}
		case InitConstant:
			if maxAbs != math.Abs(float64(float32(p.Init.Arg))) {
				t.Errorf("%s: max |w| %g, want constant %g", p.Name, maxAbs, p.Init.Arg)
			}
		}
	}
	// Spot checks of the stated inits.
	check := func(name string, kind InitKind, arg float64) {
		i := a.Index(name)
		if i < 0 {
			t.Fatalf("no parameter %s", name)
		}
		if a[i].Init.Kind != kind || math.Abs(a[i].Init.Arg-arg) > 1e-12 {
			t.Errorf("%s init %+v, want %s %g", name, a[i].Init, kind, arg)
		}
	}
	check("encoder.conv1.pre.bias", InitConstant, 0)
	check("encoder.fc7.pre.bias", InitConstant, 0.1)
	check("encoder.conv1.pre.weight", InitUniform, 1/math.Sqrt(30*4))
	check("attender.h.0.attn.c_proj.weight", InitNormal, 0.02/4) // 0.02/√(2·8)
	check("attender.action_token", InitNormal, 1)
}
