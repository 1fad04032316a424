package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/progress"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/datasets/whisker"
	"github.com/whiskerbench/whiskerbench/datasets/whisker/modelinput"
)

// loadObject resolves --object: a procedural class name (drawn with seed)
// or the path of an .obj mesh.
func loadObject(spec string, seed uint64, thickness float64) (shapes.Shape, string, error) {
	if strings.HasSuffix(strings.ToLower(spec), ".obj") {
		data, err := shapes.LoadOBJ(spec, shapes.DefaultLimits())
		if err != nil {
			return nil, "", err
		}
		m, err := shapes.NewMesh(data, shapes.MeshOptions{Thickness: thickness})
		if err != nil {
			return nil, "", fmt.Errorf("mesh %s: %w", spec, err)
		}
		return m, spec, nil
	}
	inst, err := shapes.NewInstance(spec, seed, 0)
	if err != nil {
		return nil, "", usagef("--object %q is neither an .obj file nor a shape class (classes: %s)", spec, strings.Join(shapes.ClassNames(), ", "))
	}
	return inst.Shape, spec, nil
}

func simulateCommand() *command {
	return &command{
		name:  "simulate",
		short: "run the whisker-array simulator on one protocol and write raw forces and model inputs",
		usage: "--protocol sweep16|sweep-hv|rodgers [--object CLASS|MESH.obj] [--seed S] [--trajectory FILE] --out FILE.npz\n\nWrites raw float32 (sweeps, frames, 30, 6) with channels Fx, Fy, Fz (mN), Mx, My, Mz\n(mN·mm) for whiskers RA0…RE5, inputs float32 (sweeps, 22, 30, 5, 7) processed as the\npaper, the whisker names, and the protocol parameters (param_*).",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			proto := fs.String("protocol", "", "sweep16, sweep-hv or rodgers (required)")
			object := fs.String("object", "cube", "shape class name or .obj mesh (sweep protocols)")
			seed := fs.Uint64("seed", 1, "seed for the object instance and sweep-hv's random sets")
			sets := fs.Int("sets", 1, "sweep-hv: random sets of 12 sweeps")
			thickness := fs.Float64("thickness", 0, "treat an open .obj mesh as a shell of this thickness (mm)")
			trajectory := fs.String("trajectory", "", "rodgers: whisking trajectory in WHISKiT's layout (default: the documented 8 Hz generator)")
			out := fs.String("out", "", "output .npz (required)")
			workers := fs.Int("workers", runtime.GOMAXPROCS(0), "sweeps simulated in parallel")
			return func(ctx context.Context, args []string) error {
				if *proto == "" || *out == "" || len(args) > 0 {
					return usagef("simulate needs --protocol and --out")
				}
				var sweeps []whisker.Sweep
				var err error
				switch *proto {
				case "sweep16", "sweep-hv":
					if *trajectory != "" {
						return usagef("--trajectory applies to the rodgers protocol only")
					}
					obj, _, err := loadObject(*object, *seed, *thickness)
					if err != nil {
						return err
					}
					if *proto == "sweep16" {
						sweeps, err = whisker.Sweep16(obj)
					} else {
						sweeps, err = whisker.SweepHV(obj, *seed, *sets)
					}
					if err != nil {
						return err
					}
				case "rodgers":
					wk := whisker.DefaultWhisking()
					if *trajectory != "" {
						f, err := os.Open(*trajectory)
						if err != nil {
							return err
						}
						tr, err := whisker.ParseTrajectory(f)
						f.Close()
						if err != nil {
							return fmt.Errorf("%s: %w", *trajectory, err)
						}
						wk.Trajectory = &tr
					}
					plate, err := shapes.RodgersPlate(shapes.RodgersThickness)
					if err != nil {
						return err
					}
					sweeps, err = whisker.Rodgers(plate, wk)
					if err != nil {
						return err
					}
				default:
					return usagef("--protocol %q: use sweep16, sweep-hv or rodgers", *proto)
				}
				arrays, err := runSweeps(ctx, sweeps, *workers, e)
				if err != nil {
					return err
				}
				if err := npz.WriteFile(*out, arrays); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "wrote %s: %d sweeps of protocol %s\n", *out, len(sweeps), *proto)
				return nil
			}
		},
	}
}

// runSweeps simulates every sweep and returns the arrays of a simulate
// output file.
func runSweeps(ctx context.Context, sweeps []whisker.Sweep, workers int, e *env) ([]npz.Named, error) {
	n := len(sweeps)
	results := make([]whisker.Result, n)
	inputs := make([]ndarray.Array, n)
	errs := make([]error, n)
	bar := progress.New(e.stderr, "simulate", int64(n), progress.Options{Unit: "sweeps"})
	sem := make(chan struct{}, max(1, workers))
	var wg sync.WaitGroup
	for i := range sweeps {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, err := whisker.Simulate(ctx, sweeps[i].Config)
			if err == nil {
				inputs[i], err = modelinput.Process(r.Raw)
			}
			results[i], errs[i] = r, err
			bar.Add(1)
		}()
	}
	wg.Wait()
	bar.Finish()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("sweep %s: %w", sweeps[i].Name, err)
		}
	}
	frames := results[0].Raw.Shape[0]
	raw := make([]float32, 0, n*frames*30*6)
	in := make([]float32, 0, n*22*30*5*7)
	for i := range results {
		raw = append(raw, results[i].Raw.F32...)
		in = append(in, inputs[i].F32...)
	}
	arrays := []npz.Named{
		{Name: "raw", Array: ndarray.FromFloat32([]int{n, frames, results[0].Raw.Shape[1], 6}, raw)},
		{Name: "inputs", Array: ndarray.FromFloat32([]int{n, 22, 30, 5, 7}, in)},
		{Name: "whiskers", Array: ndarray.FromStrings(results[0].Whiskers)},
		{Name: "channels", Array: ndarray.FromStrings(whisker.Channels())},
	}
	arrays = append(arrays, tactile.ParamColumns(sweeps)...)
	return arrays, nil
}
