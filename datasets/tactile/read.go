package tactile

import (
	"fmt"
	"path/filepath"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

// Batch is a set of sweeps: inputs (n, 22, 30, 5, 7) float32 with their
// labels and object ids.
type Batch struct {
	Inputs    ndarray.Array
	Labels    []int64
	ObjectIDs []int64
}

// Len is the number of sweeps.
func (b Batch) Len() int { return len(b.Labels) }

// ReadShard reads one shard of a dataset directory and checks its layout.
func ReadShard(dir string, sh Shard) (Batch, error) {
	path := filepath.Join(dir, sh.File)
	arrays, err := npz.ReadFile(path, npz.DefaultLimits())
	if err != nil {
		return Batch{}, err
	}
	in, ok1 := npz.Lookup(arrays, "inputs")
	lb, ok2 := npz.Lookup(arrays, "labels")
	ob, ok3 := npz.Lookup(arrays, "object_ids")
	if !ok1 || !ok2 || !ok3 {
		return Batch{}, fmt.Errorf("%s: shard lacks inputs, labels or object_ids (rebuild the dataset)", path)
	}
	if in.DType != ndarray.Float32 || in.Dims() != 5 || in.Shape[1] != 22 || in.Shape[2] != 30 || in.Shape[3] != 5 || in.Shape[4] != 7 {
		return Batch{}, fmt.Errorf("%s: inputs %s %s, want float32 (n, 22, 30, 5, 7)", path, in.DType, in.ShapeString())
	}
	n := in.Shape[0]
	if lb.DType != ndarray.Int64 || lb.Len() != n || ob.DType != ndarray.Int64 || ob.Len() != n {
		return Batch{}, fmt.Errorf("%s: labels/object_ids do not match %d inputs", path, n)
	}
	if n != sh.Sweeps {
		return Batch{}, fmt.Errorf("%s: %d sweeps, the manifest says %d", path, n, sh.Sweeps)
	}
	return Batch{Inputs: in, Labels: lb.I64, ObjectIDs: ob.I64}, nil
}

// LoadSplit reads every shard of one split into memory, in manifest order.
// It is meant for evaluation-sized splits; training streams shards.
func LoadSplit(dir string, m *Manifest, split string) (Batch, error) {
	var parts []Batch
	n := 0
	for _, sh := range m.Shards {
		if sh.Split != split {
			continue
		}
		b, err := ReadShard(dir, sh)
		if err != nil {
			return Batch{}, err
		}
		parts = append(parts, b)
		n += b.Len()
	}
	const cell = 22 * 30 * 5 * 7
	out := Batch{Inputs: ndarray.FromFloat32([]int{n, 22, 30, 5, 7}, make([]float32, 0, n*cell)[:n*cell])}
	off := 0
	for _, b := range parts {
		copy(out.Inputs.F32[off*cell:], b.Inputs.F32)
		out.Labels = append(out.Labels, b.Labels...)
		out.ObjectIDs = append(out.ObjectIDs, b.ObjectIDs...)
		off += b.Len()
	}
	return out, nil
}
