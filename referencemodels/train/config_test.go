package train

import (
	"math"
	"strings"
	"testing"
)

// TestLRFactor checks the schedules against values computed by hand from
// the formulas of paper-spec §2.10 (Chung et al. 2025).
func TestLRFactor(t *testing.T) {
	w25, w0, w3 := 25, 0, 3
	step := ScheduleConfig{Kind: ScheduleStep, StepSize: 30, Gamma: 0.1}
	cos := ScheduleConfig{Kind: ScheduleCosine, WarmupEpochs: &w25}
	cos0 := ScheduleConfig{Kind: ScheduleCosine, WarmupEpochs: &w0}
	cos3 := ScheduleConfig{Kind: ScheduleCosine, WarmupEpochs: &w3}
	cases := []struct {
		name   string
		s      ScheduleConfig
		e, E   int
		factor float64
	}{
		{"step e0", step, 0, 100, 1},
		{"step e29", step, 29, 100, 1},
		{"step e30", step, 30, 100, 0.1},
		{"step e59", step, 59, 100, 0.1},
		{"step e60", step, 60, 100, 0.01},
		{"step e99", step, 99, 100, 0.001},
		{"cos warm-up e0 trains with lr 0", cos, 0, 100, 0},
		{"cos warm-up e10", cos, 10, 100, 0.4},
		{"cos warm-up e24", cos, 24, 100, 0.96},
		{"cos e25 peak", cos, 25, 100, 1},
		// 0.5·(1 + cos(π·25/75)) = 0.5·(1 + 0.5)
		{"cos e50", cos, 50, 100, 0.75},
		// 0.5·(1 + cos(π·50/75)) = 0.5·(1 − 0.5)
		{"cos e75", cos, 75, 100, 0.25},
		// 0.5·(1 + cos(π·74/75)) = 0.000438582…
		{"cos e99", cos, 99, 100, 0.5 * (1 + math.Cos(math.Pi*74/75))},
		{"cos no warm-up e0", cos0, 0, 10, 1},
		// 0.5·(1 + cos(π·5/10)) = 0.5
		{"cos no warm-up e5", cos0, 5, 10, 0.5},
		{"cos W3 e1", cos3, 1, 12, 1.0 / 3},
		// 0.5·(1 + cos(π·3/9)) = 0.75
		{"cos W3 e6", cos3, 6, 12, 0.75},
		{"constant", ScheduleConfig{Kind: ScheduleConstant}, 57, 100, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.LRFactor(tc.e, tc.E); math.Abs(got-tc.factor) > 1e-12 {
				t.Fatalf("factor %.15g, want %.15g", got, tc.factor)
			}
		})
	}
}

const head = "dataset: d\nout: o\nepochs: 100\nbatch_size: 256\n"

func TestParseConfigDefaults(t *testing.T) {
	c := parse(t, head+"preset: {name: timedecay-addnet}\noptimizer: {kind: adamw, lr: 0.001}\nschedule: {kind: cos_w_warmup}\n")
	if *c.Schedule.WarmupEpochs != 25 || c.EvalBatchSize != 1024 || *c.Optimizer.Beta1 != 0.9 || *c.Optimizer.Beta2 != 0.999 || *c.Optimizer.Eps != 1e-8 {
		t.Errorf("defaults: warmup %d, eval batch %d, betas %v %v eps %v", *c.Schedule.WarmupEpochs, c.EvalBatchSize, *c.Optimizer.Beta1, *c.Optimizer.Beta2, *c.Optimizer.Eps)
	}
	if c.Preset.Width != 1 || c.Preset.ReprDim != 512 {
		t.Errorf("preset defaults %+v", *c.Preset)
	}
	s := parse(t, head+"preset: {name: timedecay-addnet}\noptimizer: {kind: sgd, lr: 0.1, momentum: 0.9}\nschedule: {kind: step_lr}\n")
	if s.Schedule.StepSize != 30 || s.Schedule.Gamma != 0.1 {
		t.Errorf("step defaults %+v", s.Schedule)
	}
	// JSON is accepted too, and gives the same digest as the YAML.
	j := parse(t, `{"dataset": "d", "out": "o", "epochs": 100, "batch_size": 256, "preset": {"name": "timedecay-addnet"},
		"optimizer": {"kind": "sgd", "lr": 0.1, "momentum": 0.9}, "schedule": {"kind": "step_lr"}}`)
	if j.Digest() != s.Digest() {
		t.Error("the JSON and YAML forms of one config have different digests")
	}
	if c.Digest() == s.Digest() {
		t.Error("different configs share a digest")
	}
}

func TestParseConfigErrors(t *testing.T) {
	opt := "optimizer: {kind: sgd, lr: 0.1}\nschedule: {kind: constant_lr}\n"
	pre := "preset: {name: timedecay-linear}\n"
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown field", head + pre + opt + "learning_rate: 3\n", `unknown field "learning_rate"`},
		{"unknown nested field", head + pre + "optimizer: {kind: sgd, lr: 0.1, nesterov: true}\nschedule: {kind: constant_lr}\n", `unknown field "nesterov"`},
		{"no dataset", "out: o\nepochs: 1\nbatch_size: 1\n" + pre + opt, "dataset: required"},
		{"both arch and preset", head + pre + opt + "arch: {classes: 3}\n", "exactly one of arch"},
		{"neither", head + opt, "exactly one of arch"},
		{"bad preset", head + "preset: {name: resnet18-linear}\n" + opt, `encoder.cell "resnet18"`},
		{"bad preset grammar", head + "preset: {name: gru}\n" + opt, "CELL[-ln][-gpt]-DECODER"},
		{"ln on timedecay", head + "preset: {name: timedecay-ln-linear}\n" + opt, "no gates"},
		{"bad optimizer", head + pre + "optimizer: {kind: rmsprop, lr: 0.1}\nschedule: {kind: constant_lr}\n", `optimizer.kind "rmsprop"`},
		{"momentum on adam", head + pre + "optimizer: {kind: adam, lr: 0.1, momentum: 0.9}\nschedule: {kind: constant_lr}\n", "momentum is an sgd setting"},
		{"betas on sgd", head + pre + "optimizer: {kind: sgd, lr: 0.1, beta1: 0.5}\nschedule: {kind: constant_lr}\n", "Adam settings"},
		{"zero lr", head + pre + "optimizer: {kind: sgd, lr: 0}\nschedule: {kind: constant_lr}\n", "optimizer.lr 0"},
		{"bad schedule", head + pre + "optimizer: {kind: sgd, lr: 0.1}\nschedule: {kind: onecycle}\n", `schedule.kind "onecycle"`},
		{"warmup too long", head + pre + "optimizer: {kind: sgd, lr: 0.1}\nschedule: {kind: cos_w_warmup, warmup_epochs: 100}\n", "warmup_epochs 100"},
		{"warmup on step", head + pre + "optimizer: {kind: sgd, lr: 0.1}\nschedule: {kind: step_lr, warmup_epochs: 3}\n", "belongs to cos_w_warmup"},
		{"negative clip", head + pre + opt + "grad_clip: -1\n", "grad_clip -1"},
		{"zero epochs", "dataset: d\nout: o\nepochs: 0\nbatch_size: 1\n" + pre + opt, "epochs 0"},
		{"duplicate key", head + pre + opt + "epochs: 3\n", `mapping key "epochs" already defined`},
		{"not yaml", "{[", "parse config"},
		{"bad arch", head + opt + "arch: {encoder: {kind: convrnn, cell: gru, width: 1, repr_dim: 8}, attender: {kind: none}, decoder: {kind: linear}, classes: 1}\n", "classes 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestPresetCounts: at width 1 the presets are the paper's models, with
// the parameter counts of paper-spec §2.9 (Chung et al. 2025).
func TestPresetCounts(t *testing.T) {
	cases := []struct {
		name string
		n    int
	}{
		{"timedecay-addnet", 24570205},
		{"intersection-ln-linear", 37988821},
		{"ugrnn-linear", 30748437},
		{"gru-addnet", 35412725},
		{"timedecay-gpt-linear", 49298781},
		{"intersection-ln-gpt-linear", 63767509},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := (Preset{Name: tc.name, Width: 1, ReprDim: 512, NEmbd: 512}).Config(117)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := a.Count(); err != nil || n != tc.n {
				t.Fatalf("%d parameters (%v), want %d", n, err, tc.n)
			}
		})
	}
}
