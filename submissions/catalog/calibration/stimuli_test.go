package calibration

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
	"github.com/whiskerbench/whiskerbench/datasets/whisker"
)

// cacheEnv names an optional .npz file holding the six simulated Rodgers
// readouts: read when it exists, written after simulating when it does not.
// Unset, the stimuli are simulated afresh (once per test binary), so a
// change to the simulator can never be masked by a stale cache.
const cacheEnv = "WHISKERBENCH_RODGERS_CACHE"

// rodgersStimuli simulates the six Rodgers stimuli (paper-spec §3.7) once
// per test binary.
var rodgersStimuli = sync.OnceValues(func() ([]ndarray.Array, error) {
	path := os.Getenv(cacheEnv)
	if path != "" {
		arrs, err := npz.ReadFile(path, npz.DefaultLimits())
		switch {
		case err == nil:
			out := make([]ndarray.Array, len(arrs))
			for i, a := range arrs {
				out[i] = a.Array
			}
			return out, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("read %s=%s: %w", cacheEnv, path, err)
		}
	}
	plate, err := shapes.RodgersPlate(shapes.RodgersThickness)
	if err != nil {
		return nil, err
	}
	sweeps, err := whisker.Rodgers(plate, whisker.DefaultWhisking())
	if err != nil {
		return nil, err
	}
	out := make([]ndarray.Array, len(sweeps))
	errs := make([]error, len(sweeps))
	var wg sync.WaitGroup
	for i, sw := range sweeps {
		wg.Go(func() {
			res, err := whisker.Simulate(context.Background(), sw.Config)
			if err != nil {
				errs[i] = fmt.Errorf("simulate %s: %w", sw.Name, err)
				return
			}
			out[i] = res.Raw
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if path != "" {
		named := make([]npz.Named, len(sweeps))
		for i, sw := range sweeps {
			named[i] = npz.Named{Name: sw.Name, Array: out[i]}
		}
		if err := npz.WriteFile(path, named); err != nil {
			return nil, fmt.Errorf("write %s=%s: %w", cacheEnv, path, err)
		}
	}
	return out, nil
})

func simulatedStimuli(t *testing.T) []ndarray.Array {
	t.Helper()
	if testing.Short() {
		t.Skip("simulating the six Rodgers stimuli takes tens of seconds; skipped in -short mode")
	}
	st, err := rodgersStimuli()
	if err != nil {
		t.Fatalf("Rodgers stimuli: %v", err)
	}
	return st
}
