package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/evaluator/probe"
	"github.com/whiskerbench/whiskerbench/submissions"
)

// readNamed reads an .npz into the evaluator's named arrays, in file order.
func readNamed(path string) ([]evaluator.NamedArray, error) {
	arrays, err := npz.ReadFile(path, npz.DefaultLimits())
	if err != nil {
		return nil, err
	}
	out := make([]evaluator.NamedArray, len(arrays))
	for i, a := range arrays {
		out[i] = evaluator.NamedArray{Name: a.Name, Array: a.Array}
	}
	return out, nil
}

func readNeural(path string) (evaluator.NeuralData, error) {
	arrays, err := readNamed(path)
	if err != nil {
		return evaluator.NeuralData{}, err
	}
	nd, err := evaluator.NeuralFromArrays(arrays)
	if err != nil {
		return evaluator.NeuralData{}, fmt.Errorf("%s: %w", path, err)
	}
	return nd, nil
}

func checkMetric(m string) error {
	if m != evaluator.MetricPaperV1 && m != evaluator.MetricV2 {
		return usagef("--metric %q: use %s or %s", m, evaluator.MetricPaperV1, evaluator.MetricV2)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func fmtV(v evaluator.Value) string {
	if !v.Defined() {
		return "—"
	}
	return fmt.Sprintf("%.4f", float64(v))
}

func evalCommand() *command {
	neural := &command{
		name:  "neural",
		short: "score a model's activations against barrel-cortex data (noise-corrected RSA)",
		usage: "--activations ACTS.npz --neural NEURAL.npz [--metric rsa-paper-v1|rsa-v2] [--json]\n\nACTS.npz holds one array per layer shaped (stimuli, ...) — or a submission archive,\nwhose neural__<layer> arrays are used — with stimuli in the canonical\norder (concave near/medium/far, convex near/medium/far); trailing dimensions are\nflattened. NEURAL.npz holds one float64 array per animal shaped (trials, stimuli,\nunits), NaN-padded (the Rodgers layout).",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			acts := fs.String("activations", "", "activations .npz (required)")
			neuralPath := fs.String("neural", "", "neural data .npz in the Rodgers layout (required)")
			metric := fs.String("metric", evaluator.MetricPaperV1, "metric version: rsa-paper-v1 (the paper's, bit for bit) or rsa-v2 (held-out layer choice, confidence intervals)")
			asJSON := fs.Bool("json", false, "print JSON instead of a table")
			return func(ctx context.Context, args []string) error {
				if *acts == "" || *neuralPath == "" || len(args) > 0 {
					return usagef("eval neural needs --activations and --neural")
				}
				if err := checkMetric(*metric); err != nil {
					return err
				}
				arrays, err := readNamed(*acts)
				if err != nil {
					return err
				}
				// A submission archive (neural__<layer>, train__<layer>, …)
				// is scored on its neural arrays, exactly as the server does.
				layers := submissions.NeuralActivations(arrays)
				if len(layers) == 0 {
					layers, err = evaluator.ActivationsFromArrays(arrays)
					if err != nil {
						return fmt.Errorf("%s: %w", *acts, err)
					}
				}
				nd, err := readNeural(*neuralPath)
				if err != nil {
					return err
				}
				res, err := evaluator.EvaluateNeural(*metric, layers, nd, evaluator.DefaultOptions())
				if err != nil {
					return err
				}
				if *asJSON {
					return writeJSON(e.stdout, res)
				}
				return printNeural(e.stdout, res, layerNames(layers))
			}
		},
	}
	ceiling := &command{
		name:  "ceiling",
		short: "animal-to-animal consistency of barrel-cortex data",
		usage: "--neural NEURAL.npz [--pairwise] [--metric rsa-paper-v1|rsa-v2] [--json]",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			neuralPath := fs.String("neural", "", "neural data .npz in the Rodgers layout (required)")
			pairwise := fs.Bool("pairwise", false, "score every ordered pair of animals instead of each animal against all others")
			metric := fs.String("metric", evaluator.MetricPaperV1, "metric version: rsa-paper-v1 or rsa-v2")
			asJSON := fs.Bool("json", false, "print JSON instead of a table")
			return func(ctx context.Context, args []string) error {
				if *neuralPath == "" || len(args) > 0 {
					return usagef("eval ceiling needs --neural")
				}
				if err := checkMetric(*metric); err != nil {
					return err
				}
				nd, err := readNeural(*neuralPath)
				if err != nil {
					return err
				}
				mode := evaluator.ManyToOne
				if *pairwise {
					mode = evaluator.Pairwise
				}
				res, err := evaluator.EvaluateCeiling(*metric, mode, nd, evaluator.DefaultOptions())
				if err != nil {
					return err
				}
				if *asJSON {
					return writeJSON(e.stdout, res)
				}
				return printCeiling(e.stdout, res)
			}
		},
	}
	probeCmd := &command{
		name:  "probe",
		short: "held-out classification accuracy of a linear read-out",
		usage: "--train TRAIN.npz --test TEST.npz [--json]\n\nEach file holds 'features' shaped (n, ...) and integer 'labels' shaped (n,).\nMultinomial logistic regression with L2 on standardised features; the\nregularisation is chosen by cross-validation on the training split only.",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			train := fs.String("train", "", "training split .npz (required)")
			test := fs.String("test", "", "held-out split .npz (required)")
			asJSON := fs.Bool("json", false, "print JSON instead of a table")
			return func(ctx context.Context, args []string) error {
				if *train == "" || *test == "" || len(args) > 0 {
					return usagef("eval probe needs --train and --test")
				}
				tr, err := readProbeSplit(*train)
				if err != nil {
					return err
				}
				ts, err := readProbeSplit(*test)
				if err != nil {
					return err
				}
				res, err := probe.Evaluate(ctx, tr, ts, probe.Options{})
				if err != nil {
					return err
				}
				if *asJSON {
					return writeJSON(e.stdout, res)
				}
				fmt.Fprintf(e.stdout, "top-1 %.4f   top-%d %.4f   (%d classes, %d train, %d test, %d features)\n", res.Top1, res.K, res.Top5, res.Classes, res.NTrain, res.NTest, res.Features)
				fmt.Fprintf(e.stdout, "C = %g chosen by cross-validation on the training split:\n", res.C)
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "  C\tCV ACCURACY")
				for _, cv := range res.CV {
					fmt.Fprintf(tw, "  %g\t%.4f\n", cv.C, cv.Accuracy)
				}
				tw.Flush()
				for _, w := range res.Warnings {
					fmt.Fprintln(e.stdout, "warning:", w)
				}
				return nil
			}
		},
	}
	return &command{
		name:  "eval",
		short: "score offline, exactly as the server does",
		subs:  []*command{neural, ceiling, probeCmd},
	}
}

func readProbeSplit(path string) (probe.Dataset, error) {
	arrays, err := npz.ReadFile(path, npz.DefaultLimits())
	if err != nil {
		return probe.Dataset{}, err
	}
	f, ok := npz.Lookup(arrays, "features")
	if !ok {
		return probe.Dataset{}, fmt.Errorf("%s: no 'features' array (found %s)", path, strings.Join(npz.Names(arrays), ", "))
	}
	l, ok := npz.Lookup(arrays, "labels")
	if !ok {
		return probe.Dataset{}, fmt.Errorf("%s: no 'labels' array (found %s)", path, strings.Join(npz.Names(arrays), ", "))
	}
	return probe.Dataset{Features: f, Labels: l}, nil
}

func printNeural(w io.Writer, r *evaluator.NeuralResult, layerOrder []string) error {
	fmt.Fprintf(w, "%s   score %s   best layer %s, target %s   (%d split-halves)\n", r.Metric, fmtV(r.Score), r.Best.Layer, r.Best.Target, r.Iterations)
	if r.ScoreCI != nil {
		fmt.Fprintf(w, "95%% CI over split-halves [%s, %s], over animals [%s, %s]\n",
			fmtV(r.ScoreCI.SplitHalves.Low), fmtV(r.ScoreCI.SplitHalves.High), fmtV(r.ScoreCI.Animals.Low), fmtV(r.ScoreCI.Animals.High))
	}
	if r.Ceiling != nil {
		fmt.Fprintf(w, "animal-to-animal ceiling %s ± %s (SEM), range [%s, %s]\n", fmtV(r.Ceiling.Mean), fmtV(r.Ceiling.SEM), fmtV(r.Ceiling.Min), fmtV(r.Ceiling.Max))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tTARGET\tRAW\tCORRECTED\tKEPT\tCI")
	for _, layer := range layerOrder {
		targets := r.Layers[layer]
		names := make([]string, 0, len(targets))
		for t := range targets {
			names = append(names, t)
		}
		sort.Slice(names, func(i, j int) bool {
			// animals first, pooled last
			if (names[i] == evaluator.PooledTarget) != (names[j] == evaluator.PooledTarget) {
				return names[j] == evaluator.PooledTarget
			}
			return names[i] < names[j]
		})
		for _, t := range names {
			s := targets[t]
			ci := ""
			if s.CILow.Defined() || s.CIHigh.Defined() {
				ci = "[" + fmtV(s.CILow) + ", " + fmtV(s.CIHigh) + "]"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", layer, t, fmtV(s.Raw), fmtV(s.Corrected), s.Kept, ci)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, wn := range r.Warnings {
		fmt.Fprintln(w, "warning:", wn)
	}
	return nil
}

func printCeiling(w io.Writer, r *evaluator.CeilingResult) error {
	fmt.Fprintf(w, "%s %s   mean %s   SEM %s   max %s   (%d split-halves)\n", r.Metric, r.Mode, fmtV(r.Mean), fmtV(r.SEM), fmtV(r.Max), r.Iterations)
	names := make([]string, 0, len(r.Animals))
	for a := range r.Animals {
		names = append(names, a)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tRAW\tCORRECTED\tKEPT")
	for _, a := range names {
		s := r.Animals[a]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", a, fmtV(s.Raw), fmtV(s.Corrected), s.Kept)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, wn := range r.Warnings {
		fmt.Fprintln(w, "warning:", wn)
	}
	return nil
}

func layerNames(acts []evaluator.Activation) []string {
	out := make([]string, len(acts))
	for i, a := range acts {
		out[i] = a.Layer
	}
	return out
}
