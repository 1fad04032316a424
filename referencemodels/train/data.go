package train

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

const sampleSize = arch.InputSteps * arch.InputChannels * arch.InputHeight * arch.InputWidth

// split is the shards of one split of a dataset.
type split struct {
	name    string
	dir     string
	shards  []tactile.Shard
	n       int
	classes int
}

func newSplit(dir string, m *tactile.Manifest, name string, classes int) split {
	s := split{name: name, dir: dir, classes: classes}
	for _, sh := range m.Shards {
		if sh.Split == name {
			s.shards = append(s.shards, sh)
			s.n += sh.Sweeps
		}
	}
	return s
}

// batches streams the split in batches of size batch (the last one may
// be smaller): the shards, and the sweeps within each shard, in the order
// rng draws, or in file order when rng is nil. Only one shard and one
// batch are in memory. x and labels are reused: fn must not keep them.
func (s split) batches(ctx context.Context, rng *rand.Rand, batch int, fn func(x ndarray.Array, labels []int) error) error {
	buf := make([]float32, batch*sampleSize)
	labels := make([]int, 0, batch)
	flush := func() error {
		n := len(labels)
		if n == 0 {
			return nil
		}
		x := ndarray.FromFloat32([]int{n, arch.InputSteps, arch.InputChannels, arch.InputHeight, arch.InputWidth}, buf[:n*sampleSize])
		err := fn(x, labels)
		labels = labels[:0]
		return err
	}
	order := make([]int, len(s.shards))
	for i := range order {
		order[i] = i
	}
	if rng != nil {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	for _, si := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		sh := s.shards[si]
		b, err := tactile.ReadShard(s.dir, sh)
		if err != nil {
			return fmt.Errorf("%s split: %w", s.name, err)
		}
		idx := make([]int, b.Len())
		for i := range idx {
			idx[i] = i
		}
		if rng != nil {
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		}
		for _, i := range idx {
			y := b.Labels[i]
			if y < 0 || y >= int64(s.classes) {
				return fmt.Errorf("%s: sweep %d has label %d outside the model's %d classes", sh.File, i, y, s.classes)
			}
			copy(buf[len(labels)*sampleSize:], b.Inputs.F32[i*sampleSize:(i+1)*sampleSize])
			labels = append(labels, int(y))
			if len(labels) == batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}
