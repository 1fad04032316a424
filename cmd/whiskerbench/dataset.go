package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/whiskerbench/whiskerbench/datasets/tactile"
)

func datasetCommand() *command {
	build := &command{
		name:  "build",
		short: "build a tactile classification dataset with the simulator (parallel, resumable)",
		usage: "--protocol sweep16|sweep-hv --classes N --per-class K --seed S --out DIR\n\nObjects are drawn from the procedural shape library (the first N classes), swept\npast the whisker array, processed to (22, 30, 5, 7) inputs and written as .npz shards\nwith DIR/manifest.json. Objects, not sweeps, are split into train/validation/test.\nRun the same command again to resume an interrupted build.",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			proto := fs.String("protocol", "sweep16", "sweep16 or sweep-hv")
			classes := fs.Int("classes", 24, "number of shape classes")
			perClass := fs.Int("per-class", 10, "objects per class")
			seed := fs.Uint64("seed", 1, "seed of the object draws and the split")
			perShard := fs.Int("objects-per-shard", tactile.DefaultObjectsPerShard, "objects per .npz shard")
			out := fs.String("out", "", "output directory (required)")
			workers := fs.Int("workers", runtime.GOMAXPROCS(0), "sweeps simulated in parallel")
			return func(ctx context.Context, args []string) error {
				if *out == "" || len(args) > 0 {
					return usagef("dataset build needs --out DIR")
				}
				m, err := tactile.Build(ctx, *out, tactile.Params{Protocol: *proto, Classes: *classes, PerClass: *perClass, Seed: *seed, ObjectsPerShrd: *perShard},
					tactile.BuildOptions{Workers: *workers, Progress: e.stderr})
				if err != nil {
					return err
				}
				sweeps := 0
				for _, sh := range m.Shards {
					sweeps += sh.Sweeps
				}
				fmt.Fprintf(e.stdout, "dataset %s complete: %d objects, %d sweeps in %d shards\n", *out, len(m.Objects), sweeps, len(m.Shards))
				return nil
			}
		},
	}
	inspect := &command{
		name:  "inspect",
		short: "summarise a dataset, verify its checksums and draw a PNG of one sweep",
		usage: "DIR [--png FILE.png]",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			png := fs.String("png", "", "where to write the picture (default DIR/inspect.png)")
			return func(ctx context.Context, args []string) error {
				if len(args) != 1 {
					return usagef("dataset inspect takes one dataset directory")
				}
				dir := args[0]
				s, err := tactile.Inspect(dir)
				if err != nil {
					return err
				}
				s.Print(e.stdout)
				path := *png
				if path == "" {
					path = dir + "/inspect.png"
				}
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				if err := tactile.RenderInspection(dir, f); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "  picture: %s\n", path)
				if len(s.BadShards) > 0 {
					return fmt.Errorf("%d shard(s) failed verification", len(s.BadShards))
				}
				return nil
			}
		},
	}
	return &command{name: "dataset", short: "build and inspect tactile datasets", subs: []*command{build, inspect}}
}
