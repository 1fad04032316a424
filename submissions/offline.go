package submissions

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
	"github.com/whiskerbench/whiskerbench/referencemodels/zoo"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// BundleNeuralResults runs a weight bundle on a neural benchmark's stimuli
// (n, 22, 30, 5, 7) exactly as a weights submission is run (inference
// mode, batches of bundleBatch, every layer of the activation rule) and
// scores the layers with NeuralResults. It touches no database: it is how
// the bundled zoo's neural fit is computed offline.
func BundleNeuralResults(ctx context.Context, b *bundle.Bundle, stimuli ndarray.Array, nd evaluator.NeuralData) ([]*evaluator.NeuralResult, error) {
	model, err := b.Model()
	if err != nil {
		return nil, fmt.Errorf("build the bundle's model: %w", err)
	}
	acts, err := ead.BatchedActivations(ctx, model, stimuli, bundleBatch, nil)
	if err != nil {
		return nil, fmt.Errorf("run the bundle on the stimuli: %w", err)
	}
	var layers []evaluator.Activation
	for _, l := range ead.LayerNames(b.Manifest.Arch) {
		a, ok := acts[l]
		if !ok {
			return nil, fmt.Errorf("layer %s has no activations", l)
		}
		layers = append(layers, evaluator.Activation{Layer: l, Array: a})
	}
	return NeuralResults(layers, nd)
}

// ScoreZoo scores each zoo entry's trained and untrained bundles on the
// default neural benchmark under root (DATA-DIR/benchmarks; built there
// when missing, sharing the server's stimuli cache) and records the
// figures in the entries' NAME.json in zooDir. Progress lines go to
// progress.
func ScoreZoo(ctx context.Context, entries []zoo.Entry, zooDir, root string, workers int, progress io.Writer, log *slog.Logger) error {
	log.Info("default neural benchmark", "root", root)
	dir, spec, err := benchmarks.BuildNeural(ctx, root, catalog.SyntheticSource(synth.DefaultConfig().Seed),
		benchmarks.NeuralOptions{ScorerVersion: catalog.NeuralScorer, Workers: workers, Progress: progress})
	if err != nil {
		return fmt.Errorf("zoo score: %w", err)
	}
	stim, nd, err := catalog.LoadNeural(dir, spec)
	if err != nil {
		return fmt.Errorf("zoo score: %w", err)
	}
	for i, en := range entries {
		n := zoo.Neural{Benchmark: spec.Name + " " + spec.Version, Synthetic: spec.Synthetic}
		for _, which := range []struct {
			suffix string
			into   *map[string]zoo.NeuralFit
		}{{zoo.BundleSuffix, &n.Trained}, {zoo.UntrainedSuffix, &n.Untrained}} {
			path := filepath.Join(zooDir, en.Name+which.suffix)
			b, err := bundle.Load(ctx, path, bundle.Limits{})
			if err != nil {
				return fmt.Errorf("zoo score %s: %w (run 'whiskerbench zoo retrain %s' first)", en.Name, err, en.Name)
			}
			res, err := BundleNeuralResults(ctx, b, stim, nd)
			if err != nil {
				return fmt.Errorf("zoo score %s: %w", path, err)
			}
			*which.into = neuralFits(res)
		}
		if err := zoo.SetNeural(zooDir, en.Name, n); err != nil {
			return err
		}
		fmt.Fprintf(progress, "scored %d/%d %s: rsa-paper-v1 %s, rsa-v2 %s\n", i+1, len(entries), en.Name,
			fitString(n.Trained["rsa-paper-v1"]), fitString(n.Trained["rsa-v2"]))
	}
	return nil
}

// neuralFits keeps the model-level figures of each metric's result.
func neuralFits(rs []*evaluator.NeuralResult) map[string]zoo.NeuralFit {
	out := map[string]zoo.NeuralFit{}
	for _, r := range rs {
		f := zoo.NeuralFit{Score: defined(r.Score), Layer: r.Best.Layer}
		if r.ScoreCI != nil {
			f.CILow, f.CIHigh = defined(r.ScoreCI.Animals.Low), defined(r.ScoreCI.Animals.High)
		}
		out[r.Metric] = f
	}
	return out
}

func defined(v evaluator.Value) *float64 {
	if !v.Defined() {
		return nil
	}
	f := float64(v)
	return &f
}

func fitString(f zoo.NeuralFit) string {
	if f.Score == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.3f (%s)", *f.Score, f.Layer)
}
