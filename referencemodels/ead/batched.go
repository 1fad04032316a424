package ead

import (
	"context"
	"fmt"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// SeedDropout restarts the graph's dropout masks from seed, so that a
// training run resumed at an epoch boundary draws the masks an
// uninterrupted run draws (the trainer reseeds once per epoch).
func (gr *Graph) SeedDropout(seed uint64) { gr.rng = newDropRNG(seed) }

// Batch returns the graph's fixed batch size.
func (gr *Graph) Batch() int { return gr.opts.Batch }

// Slice returns samples [lo, hi) of x (n, 22, 30, 5, 7) as a view.
func Slice(x ndarray.Array, lo, hi int) ndarray.Array {
	const cell = arch.InputSteps * arch.InputChannels * arch.InputHeight * arch.InputWidth
	return ndarray.FromFloat32([]int{hi - lo, arch.InputSteps, arch.InputChannels, arch.InputHeight, arch.InputWidth},
		x.F32[lo*cell:hi*cell])
}

// BatchedActivations runs m in inference mode on x (n, 22, 30, 5, 7) in
// batches of at most batch samples and returns one (n, F) float32 array
// per layer of LayerNames, the same as Activations on the whole of x. At
// most two graphs are built: one for the batch size and one for the
// remainder. progress, when not nil, is called with the samples done.
func BatchedActivations(ctx context.Context, m *Model, x ndarray.Array, batch int, progress func(done int)) (map[string]ndarray.Array, error) {
	want := []int{arch.InputSteps, arch.InputChannels, arch.InputHeight, arch.InputWidth}
	if x.Dims() != 5 || fmt.Sprint(x.Shape[1:]) != fmt.Sprint(want) {
		return nil, fmt.Errorf("activations: input shape %s, want (n, 22, 30, 5, 7)", x.ShapeString())
	}
	if x.DType != ndarray.Float32 {
		return nil, fmt.Errorf("activations: input dtype %s, want float32", x.DType)
	}
	n := x.Shape[0]
	if n == 0 {
		return nil, fmt.Errorf("activations: the input holds no samples")
	}
	if batch <= 0 {
		return nil, fmt.Errorf("activations: batch %d must be positive", batch)
	}
	graphs := map[int]*Graph{}
	defer func() {
		for _, g := range graphs {
			g.Close()
		}
	}()
	out := map[string]ndarray.Array{}
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		gr, ok := graphs[hi-lo]
		if !ok {
			var err error
			if gr, err = m.Build(Options{Batch: hi - lo, Activations: true}); err != nil {
				return nil, fmt.Errorf("activations: %w", err)
			}
			graphs[hi-lo] = gr
		}
		res, err := gr.Forward(ctx, Slice(x, lo, hi))
		if err != nil {
			return nil, fmt.Errorf("activations of samples %d to %d: %w", lo, hi, err)
		}
		for name, a := range res.Activations {
			F := a.Shape[1]
			acc, ok := out[name]
			if !ok {
				acc = ndarray.Zeros32(n, F)
				out[name] = acc
			}
			copy(acc.F32[lo*F:hi*F], a.F32)
		}
		if progress != nil {
			progress(hi)
		}
	}
	return out, nil
}
