package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/goccy/go-yaml"

	"github.com/whiskerbench/whiskerbench/referencemodels/train"
)

func trainCommand() *command {
	return &command{
		name:  "train",
		short: "train a reference EAD model on a tactile dataset (resumable)",
		usage: `--config FILE.yaml [--objective simclr|simsiam|ae] [--probe --from DIR-or-BUNDLE]

FILE.yaml (or .json) names the dataset, the architecture (a preset such as
"timedecay-addnet" or "intersection-ln-linear" with a width, or a full arch
config), the optimiser (sgd, adam, adamw), the schedule (step_lr,
cos_w_warmup, constant_lr), epochs, batch size, seed and output directory.
The output directory receives bundle.tar (best validation accuracy, with
test metrics at the end), curve.svg and checkpoint/. Run the same command
again after an interruption to resume from the last completed epoch.

--objective simclr|simsiam|ae overrides the config's objective:
self-supervised pre-training of the encoder and attender, whose output
directory receives ssl.json + ssl.npz (minimum validation loss), curve.svg
and checkpoint/. --probe --from DIR-or-BUNDLE trains a linear probe of that
output (or of a weight bundle's encoder and attender): the config then has
no arch or preset, the backbone is frozen, and the output is a normal
bundle.tar; --from overrides the config's probe.from.
See docs/bundle.md and the train package documentation for every field.`,
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			path := fs.String("config", "", "training config, YAML or JSON (required)")
			objective := fs.String("objective", "", "override the config's objective: simclr, simsiam or ae (self-supervised pre-training)")
			probe := fs.Bool("probe", false, "train a linear probe of a pre-trained encoder+attender (frozen)")
			from := fs.String("from", "", "with --probe: the SSL output directory or weight bundle to probe")
			return func(ctx context.Context, args []string) error {
				if *path == "" || len(args) > 0 {
					return usagef("train needs --config FILE.yaml")
				}
				switch *objective {
				case "", "simclr", "simsiam", "ae":
				default:
					return usagef("--objective %q: want simclr, simsiam or ae", *objective)
				}
				if *probe && *objective != "" {
					return usagef("--probe trains a supervised linear decoder; drop --objective")
				}
				if *from != "" && !*probe {
					return usagef("--from names the backbone of a --probe run")
				}
				cfg, err := loadTrainConfig(*path, *objective, *probe, *from)
				if err != nil {
					return err
				}
				res, err := train.Run(ctx, cfg, train.Options{Progress: e.stderr})
				if errors.Is(err, context.Canceled) {
					return fmt.Errorf("interrupted; run the same command again to resume from the last completed epoch")
				}
				if err != nil {
					return err
				}
				best := res.History[res.BestEpoch-1]
				if res.SSLPath != "" {
					fmt.Fprintf(e.stdout, "pre-trained %d epochs (%s); best validation loss %.4f at epoch %d\nssl weights: %s\ncurve:       %s\n",
						len(res.History), cfg.ObjectiveKind(), best.Val.Loss, res.BestEpoch, res.SSLPath, res.CurvePath)
					return nil
				}
				fmt.Fprintf(e.stdout, "trained %d epochs; best validation top-1 %.4f top-5 %.4f at epoch %d\n",
					len(res.History), best.Val.Top1, best.Val.Top5, res.BestEpoch)
				if res.Test != nil {
					fmt.Fprintf(e.stdout, "test top-1 %.4f top-5 %.4f (%d sweeps)\n", res.Test.Top1, res.Test.Top5, res.Test.N)
				}
				fmt.Fprintf(e.stdout, "bundle: %s\ncurve:  %s\n", res.BundlePath, res.CurvePath)
				return nil
			}
		},
	}
}

// loadTrainConfig reads the config with the command line's overrides
// applied before validation: --objective sets objective, --probe (with
// --from, or the config's probe.from) makes it a probe.
func loadTrainConfig(path, objective string, probe bool, from string) (*train.Config, error) {
	if objective == "" && !probe {
		return train.LoadConfig(path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	js, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: parse config: %w", path, err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber() // keep 64-bit seeds exact
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("%s: the config must be a mapping", path)
	}
	if objective != "" {
		m["objective"] = objective
	}
	if probe {
		p, _ := m["probe"].(map[string]any)
		if p == nil {
			p = map[string]any{}
		}
		if from != "" {
			p["from"] = from
		}
		if p["from"] == nil || p["from"] == "" {
			return nil, usagef("--probe needs --from DIR-or-BUNDLE (or probe.from in the config)")
		}
		m["probe"] = p
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	cfg, err := train.ParseConfig(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}
