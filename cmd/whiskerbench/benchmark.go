package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/server/app"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/store"
)

// benchmarkLeaf builds a benchmark subcommand over the catalogue.
func benchmarkLeaf(name, short, usage string, nargs int, extra func(fs *flag.FlagSet) func(ctx context.Context, e *env, cfg app.Config, cat *catalog.Catalog, args []string) error) *command {
	flags := []string{"data-dir", "database", "benchmark-test-seed", "shape-classes", "shape-per-class", "shape-test-per-class", "workers"}
	return storeLeaf(name, short, usage, nargs, flags, func(fs *flag.FlagSet) func(context.Context, *env, app.Config, *store.Store, []string) error {
		run := extra(fs)
		return func(ctx context.Context, e *env, cfg app.Config, st *store.Store, args []string) error {
			return run(ctx, e, cfg, catalog.New(st.DB), args)
		}
	})
}

func benchmarkCommand() *command {
	build := benchmarkLeaf("build", "build and register the default benchmarks (resumable)", "[flags]", 0,
		func(fs *flag.FlagSet) func(context.Context, *env, app.Config, *catalog.Catalog, []string) error {
			return func(ctx context.Context, e *env, cfg app.Config, cat *catalog.Catalog, args []string) error {
				bs, err := cat.EnsureDefaults(ctx, app.DefaultsOptions(cfg, e.stderr, nil))
				if err != nil {
					return err
				}
				for _, b := range bs {
					fmt.Fprintf(e.stdout, "%s %s registered\n", b.Name, b.Version)
				}
				return nil
			}
		})
	list := benchmarkLeaf("list", "list benchmark versions with their ceilings and baselines", "[--json] [flags]", 0,
		func(fs *flag.FlagSet) func(context.Context, *env, app.Config, *catalog.Catalog, []string) error {
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, e *env, cfg app.Config, cat *catalog.Catalog, args []string) error {
				bs, err := cat.List(ctx)
				if err != nil {
					return err
				}
				if *asJSON {
					return writeJSON(e.stdout, catalog.Summaries(bs))
				}
				if len(bs) == 0 {
					fmt.Fprintln(e.stdout, "no benchmarks yet: run 'whiskerbench benchmark build' (or start 'whiskerbench serve', which builds them)")
					return nil
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tVERSION\tKIND\tSCORER\tCEILING / BASELINES")
				for _, s := range catalog.Summaries(bs) {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Version, s.Kind, s.ScorerVersion, s.Line)
				}
				return tw.Flush()
			}
		})
	export := benchmarkLeaf("export", "write what a lab runs through its model (no held-out labels)", "NAME --out DIR [--version V] [flags]", 1,
		func(fs *flag.FlagSet) func(context.Context, *env, app.Config, *catalog.Catalog, []string) error {
			out := fs.String("out", "", "output directory (required)")
			version := fs.String("version", "", "benchmark version (default: the latest)")
			return func(ctx context.Context, e *env, cfg app.Config, cat *catalog.Catalog, args []string) error {
				if len(args) != 1 || *out == "" {
					return usagef("benchmark export takes a benchmark NAME and --out DIR")
				}
				b, err := lookupBenchmark(ctx, cat, args[0], *version)
				if err != nil {
					return err
				}
				files, err := catalog.Export(ctx, b, *out)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "exported %s %s to %s: %s\n", b.Name, b.Version, *out, strings.Join(files, ", "))
				return nil
			}
		})
	importNeural := storeLeaf("import-neural", "register real neural data (Rodgers layout) as a new barrel-cortex version and queue re-scoring", "--file FILE.npz [--stimulus-order a,b,c,d,e,f] [flags]", 0,
		[]string{"data-dir", "database", "workers"},
		func(fs *flag.FlagSet) func(context.Context, *env, app.Config, *store.Store, []string) error {
			file := fs.String("file", "", "neural .npz: one float64 array per animal shaped (trials, 6, units), NaN-padded (required)")
			order := fs.String("stimulus-order", "", "the file's stimulus column order as 6 comma-separated names (default: the canonical concave near, medium, far, convex near, medium, far); e.g. 'convex close,convex medium,...'")
			return func(ctx context.Context, e *env, cfg app.Config, st *store.Store, args []string) error {
				cat := catalog.New(st.DB)
				if *file == "" || len(args) > 0 {
					return usagef("benchmark import-neural needs --file")
				}
				src, report, err := catalog.ImportSource(*file, *order)
				if err != nil {
					return err
				}
				fmt.Fprint(e.stdout, report)
				root := filepath.Join(cfg.DataDir, "benchmarks")
				b, err := cat.BuildAndRegister(ctx, func() (string, *benchmarks.Spec, error) {
					return benchmarks.BuildNeural(ctx, root, src, benchmarks.NeuralOptions{ScorerVersion: catalog.NeuralScorer, Workers: cfg.WorkerCount(), Progress: e.stderr})
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "registered %s version %s (real data, %s)\n", b.Name, b.Version, src.Name)
				reason, n, err := app.QueueRescoring(ctx, cfg, st, nil)
				if err != nil {
					return err
				}
				if reason != "" {
					fmt.Fprintf(e.stdout, "%s: queued %d re-scoring jobs (run by 'whiskerbench serve' or 'whiskerbench worker')\n", reason, n)
				}
				return nil
			}
		})
	return &command{name: "benchmark", short: "build, list, export and import benchmark versions", subs: []*command{build, list, export, importNeural}}
}

func lookupBenchmark(ctx context.Context, cat *catalog.Catalog, name, version string) (catalog.Benchmark, error) {
	if version != "" {
		return cat.Get(ctx, name, version)
	}
	return cat.Latest(ctx, name)
}
