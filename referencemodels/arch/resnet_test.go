package arch

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestResNet18Counts checks the ResNet-18 totals of paper-spec §2.9.
// Derivation at width 1: conv1 64·30·49 = 94,080; bn1 128; layer1 two
// blocks of 2·64·64·9 + 256 = 147,968; layer2 (73,728 + 147,456 + 512 +
// 128·64 + 256) + (2·147,456 + 512) = 525,568; layer3 919,040 + 1,180,672 =
// 2,099,712; layer4 3,673,088 + 4,720,640 = 8,393,728; fc 512·512 + 512 =
// 262,656; total 11,523,840. baku = ResNet18 + GPT(256) 6,532,608 +
// linear(256->117) 30,069 = 18,086,517; with linear(512->117) 60,021:
// 11,583,861.
func TestResNet18Counts(t *testing.T) {
	prefixSum := func(cfg Config, prefix string) int {
		specs, err := cfg.Specs()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range specs {
			if strings.HasPrefix(s.Name, prefix) && !s.Buffer {
				n += s.Size()
			}
		}
		return n
	}
	total := func(cfg Config) int {
		n, err := cfg.Count()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	base := ResNet18(DecoderLinear)
	cases := []struct {
		name string
		got  int
		want int
	}{
		{"encoder", prefixSum(base, "encoder."), 11523840},
		{"conv1", prefixSum(base, ResNetPrefix+"conv1."), 94080},
		{"layer1", prefixSum(base, ResNetPrefix+"layer1."), 147968},
		{"layer2", prefixSum(base, ResNetPrefix+"layer2."), 525568},
		{"layer3", prefixSum(base, ResNetPrefix+"layer3."), 2099712},
		{"layer4", prefixSum(base, ResNetPrefix+"layer4."), 8393728},
		{"fc", prefixSum(base, ResNetPrefix+"fc."), 262656},
		{"ResNet18+linear", total(base), 11583861},
		{"baku: ResNet18+GPT(256)+linear", total(base.WithGPT(256)), 18086517},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: %d params, want %d (diff %d)", tc.name, tc.got, tc.want, tc.got-tc.want)
		}
	}
}

// TestResNet18Specs checks torchvision names, shapes, inits and buffers.
func TestResNet18Specs(t *testing.T) {
	c := ResNet18(DecoderLinear)
	specs, err := c.Specs()
	if err != nil {
		t.Fatal(err)
	}
	idx := map[string]Spec{}
	for _, s := range specs {
		idx[s.Name] = s
	}
	// kaiming_normal(fan_out, relu): std √(2/(Cout·k·k)).
	cases := []struct {
		name  string
		shape []int
		init  Init
		buf   bool
	}{
		{"conv1.weight", []int{64, 30, 7, 7}, Init{Kind: InitNormal, Arg: math.Sqrt(2.0 / (64 * 49))}, false},
		{"bn1.weight", []int{64}, Init{Kind: InitConstant, Arg: 1}, false},
		{"bn1.bias", []int{64}, Init{Kind: InitConstant, Arg: 0}, false},
		{"bn1.running_mean", []int{64}, Init{Kind: InitConstant, Arg: 0}, true},
		{"bn1.running_var", []int{64}, Init{Kind: InitConstant, Arg: 1}, true},
		{"layer1.0.conv1.weight", []int{64, 64, 3, 3}, Init{Kind: InitNormal, Arg: math.Sqrt(2.0 / (64 * 9))}, false},
		{"layer1.1.bn2.running_var", []int{64}, Init{Kind: InitConstant, Arg: 1}, true},
		{"layer2.0.conv1.weight", []int{128, 64, 3, 3}, Init{Kind: InitNormal, Arg: math.Sqrt(2.0 / (128 * 9))}, false},
		{"layer2.0.conv2.weight", []int{128, 128, 3, 3}, Init{Kind: InitNormal, Arg: math.Sqrt(2.0 / (128 * 9))}, false},
		{"layer2.0.downsample.0.weight", []int{128, 64, 1, 1}, Init{Kind: InitNormal, Arg: math.Sqrt(2.0 / 128)}, false},
		{"layer2.0.downsample.1.weight", []int{128}, Init{Kind: InitConstant, Arg: 1}, false},
		{"layer4.0.downsample.1.running_mean", []int{512}, Init{Kind: InitConstant, Arg: 0}, true},
		{"layer4.1.conv2.weight", []int{512, 512, 3, 3}, Init{Kind: InitNormal, Arg: math.Sqrt(2.0 / (512 * 9))}, false},
		// PyTorch default Linear init U(±1/√512).
		{"fc.weight", []int{512, 512}, Init{Kind: InitUniform, Arg: 1 / math.Sqrt(512)}, false},
		{"fc.bias", []int{512}, Init{Kind: InitUniform, Arg: 1 / math.Sqrt(512)}, false},
	}
	for _, tc := range cases {
		s, ok := idx[ResNetPrefix+tc.name]
		if !ok {
			t.Errorf("no parameter %s", ResNetPrefix+tc.name)
			continue
		}
		if fmt.Sprint(s.Shape) != fmt.Sprint(tc.shape) || s.Init.Kind != tc.init.Kind || math.Abs(s.Init.Arg-tc.init.Arg) > 1e-15 || s.Buffer != tc.buf {
			t.Errorf("%s: shape %v init %+v buffer %v, want %v %+v %v", s.Name, s.Shape, s.Init, s.Buffer, tc.shape, tc.init, tc.buf)
		}
	}
	for _, absent := range []string{"conv1.bias", "layer1.0.downsample.0.weight", "layer2.1.downsample.0.weight", "layer1.0.conv1.bias"} {
		if _, ok := idx[ResNetPrefix+absent]; ok {
			t.Errorf("unexpected parameter %s", ResNetPrefix+absent)
		}
	}
	// 20 BatchNorms (bn1, 8 blocks × 2, 3 downsamples), two buffers each.
	nbuf := 0
	for _, s := range specs {
		if s.Buffer {
			nbuf++
		}
	}
	if nbuf != 40 {
		t.Errorf("%d buffers, want 40", nbuf)
	}
	if specs[0].Name != ResNetPrefix+"conv1.weight" || specs[len(specs)-1].Name != "decoder.l0.bias" {
		t.Errorf("order: first %s, last %s", specs[0].Name, specs[len(specs)-1].Name)
	}
	p, err := c.Init(3)
	if err != nil {
		t.Fatal(err)
	}
	// conv1 weights N(0, 2/3136): the sample std of 94,080 draws is within
	// a few per cent of √(2/3136) = 0.02525.
	w := p[p.Index(ResNetPrefix+"conv1.weight")].Data
	var ss float64
	for _, v := range w {
		ss += float64(v) * float64(v)
	}
	if std := math.Sqrt(ss / float64(len(w))); math.Abs(std/math.Sqrt(2.0/3136)-1) > 0.02 {
		t.Errorf("conv1 weight std %g, want %g", std, math.Sqrt(2.0/3136))
	}
}

func TestResNet18Width(t *testing.T) {
	cases := []struct {
		width float64
		want  [4]int
	}{
		{1, [4]int{64, 128, 256, 512}},
		// 64·0.0625 = 4, 128 → 8, 256 → 16, 512 → 32.
		{0.0625, [4]int{4, 8, 16, 32}},
		// round(64·0.001) = 0 → 1, round(0.128) = 0 → 1, round(0.256) = 0
		// → 1, round(0.512) = 1.
		{0.001, [4]int{1, 1, 1, 1}},
	}
	for _, tc := range cases {
		c := ResNet18(DecoderLinear)
		c.Encoder.Width = tc.width
		if got := c.ResNetWidths(); got != tc.want {
			t.Errorf("width %v: %v, want %v", tc.width, got, tc.want)
		}
		if _, err := c.Count(); err != nil {
			t.Errorf("width %v: %v", tc.width, err)
		}
	}
	c := ResNet18(DecoderLinear)
	c.Encoder.Width, c.Encoder.ReprDim = 0.0625, 10
	blocks := c.ResNetBlocks()
	if len(blocks) != 8 || blocks[2].Name != "layer2.0" || blocks[2].In != 4 || blocks[2].Out != 8 ||
		blocks[2].Stride != 2 || !blocks[2].Downsample || blocks[3].Downsample || blocks[0].Downsample {
		t.Fatalf("blocks %+v", blocks)
	}
	specs, _ := c.Specs()
	for _, s := range specs {
		if s.Name == ResNetPrefix+"fc.weight" && (s.Shape[0] != 10 || s.Shape[1] != 32) {
			t.Errorf("fc.weight %v, want [10 32]", s.Shape)
		}
	}
	if len(c.Nodes()) != 0 {
		t.Error("a resnet18 config has ConvRNN nodes")
	}
}

func TestResNet18Validate(t *testing.T) {
	ok := ResNet18(DecoderAddnet)
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	if err := ok.WithGPT(256).Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	mut := func(f func(*Config)) Config { c := ok; f(&c); return c }
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"cell set", mut(func(c *Config) { c.Encoder.Cell = CellTimeDecay }), "encoder.cell"},
		{"layer norm", mut(func(c *Config) { c.Encoder.LayerNorm = true }), "layer_norm"},
		{"zero width", mut(func(c *Config) { c.Encoder.Width = 0 }), "encoder.width"},
		{"huge width", mut(func(c *Config) { c.Encoder.Width = 17 }), "encoder.width"},
		{"repr", mut(func(c *Config) { c.Encoder.ReprDim = 0 }), "repr_dim"},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want error containing %q", tc.name, err, tc.want)
		}
	}
}
