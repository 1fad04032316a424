package train

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/datasets/tactile"
)

// writeDataset writes a complete tactile-format dataset of classes classes
// into dir without the simulator: per split, shards of perShard sweeps
// whose inputs are noise plus a class-dependent offset on a block of
// channels, so a model can learn the classes in a few epochs.
func writeDataset(t testing.TB, dir string, classes int, shards map[string][]int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 5))
	m := tactile.Manifest{FormatVersion: tactile.FormatVersion, GeneratorVersion: "test",
		Params:     tactile.Params{Protocol: "test", Classes: classes, Seed: seed},
		InputShape: []int{22, 30, 5, 7}, SweepsPerObject: 1, Complete: true}
	for k := 0; k < classes; k++ {
		m.ClassNames = append(m.ClassNames, fmt.Sprintf("class%d", k))
	}
	block := 30 / classes
	id := 0
	for _, sp := range []string{tactile.Train, tactile.Validation, tactile.Test} {
		for si, n := range shards[sp] {
			x := ndarray.Zeros32(n, 22, 30, 5, 7)
			labels, ids := make([]int64, n), make([]int64, n)
			for i := 0; i < n; i++ {
				y := rng.IntN(classes)
				labels[i], ids[i] = int64(y), int64(id)
				m.Objects = append(m.Objects, tactile.Object{ID: id, Class: m.ClassNames[y], Label: y, Split: sp, Shard: len(m.Shards)})
				id++
				cell := x.F32[i*sampleSize : (i+1)*sampleSize]
				for j := range cell {
					c := (j / 35) % 30
					cell[j] = float32(0.5 * rng.NormFloat64())
					if c/block == y {
						cell[j] += 1
					}
				}
			}
			file := fmt.Sprintf("%s-%03d.npz", sp, si)
			if err := npz.WriteFile(filepath.Join(dir, file), []npz.Named{
				{Name: "inputs", Array: x},
				{Name: "labels", Array: ndarray.FromInt64([]int{n}, labels)},
				{Name: "object_ids", Array: ndarray.FromInt64([]int{n}, ids)},
			}); err != nil {
				t.Fatal(err)
			}
			sh := tactile.Shard{File: file, Split: sp, Sweeps: n}
			for _, v := range ids {
				sh.Objects = append(sh.Objects, int(v))
			}
			m.Shards = append(m.Shards, sh)
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, tactile.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// smallDataset: 3 classes; train 3 shards (12, 12, 10 sweeps: batches of
// 8 leave a remainder of 2), validation and test one shard of 12.
func smallDataset(t testing.TB) string {
	dir := t.TempDir()
	writeDataset(t, dir, 3, map[string][]int{tactile.Train: {12, 12, 10}, tactile.Validation: {12}, tactile.Test: {12}}, 1)
	return dir
}

func randomInput(n int) ndarray.Array {
	rng := rand.New(rand.NewPCG(9, 9))
	x := ndarray.Zeros32(n, 22, 30, 5, 7)
	for i := range x.F32 {
		x.F32[i] = float32(rng.NormFloat64())
	}
	return x
}
