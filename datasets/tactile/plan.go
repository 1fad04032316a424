package tactile

import (
	"fmt"
	"math/rand/v2"

	"github.com/whiskerbench/whiskerbench/datasets/shapes"
)

// Protocols a dataset can be built with.
var protocolSweeps = map[string]int{
	"sweep16":  16,
	"sweep-hv": 12, // one random set of 12 sweeps per object per build
}

// splitFractions are the validation and test shares of each class's
// objects; the rest is train.
const (
	valFraction  = 0.15
	testFraction = 0.15
)

// DefaultObjectsPerShard keeps a sweep16 shard near 128 sweeps (27 MB).
const DefaultObjectsPerShard = 8

func (p Params) validate() error {
	if _, ok := protocolSweeps[p.Protocol]; !ok {
		return fmt.Errorf("unknown protocol %q (use sweep16 or sweep-hv)", p.Protocol)
	}
	n := len(shapes.ClassNames())
	if p.Classes < 2 || p.Classes > n {
		return fmt.Errorf("--classes %d: the shape library has %d classes; choose 2 to %d", p.Classes, n, n)
	}
	if p.PerClass < 1 || p.PerClass > 100000 {
		return fmt.Errorf("--per-class %d: choose 1 to 100000 objects per class", p.PerClass)
	}
	switch p.Assign {
	case "", AssignTrainVal, AssignTest:
	default:
		return fmt.Errorf("unknown split assignment %q", p.Assign)
	}
	if p.ObjectsPerShrd < 1 {
		return fmt.Errorf("objects per shard %d must be positive", p.ObjectsPerShrd)
	}
	return nil
}

// splitCounts returns how many of k objects go to validation and test:
// 15% each, rounded, but at least one each once a class has three objects
// (so every split sees every class).
func splitCounts(k int) (val, test int) {
	if k < 3 {
		return 0, 0
	}
	val = max(1, int(float64(k)*valFraction+0.5))
	test = max(1, int(float64(k)*testFraction+0.5))
	return val, test
}

// Plan lays out a build: every object with its class, label, split and
// shard, and the shards in write order. It simulates nothing.
func Plan(p Params) (*Manifest, error) {
	if p.ObjectsPerShrd == 0 {
		p.ObjectsPerShrd = DefaultObjectsPerShard
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	classes := shapes.ClassNames()[:p.Classes]
	m := &Manifest{
		FormatVersion:    FormatVersion,
		GeneratorVersion: GeneratorVersion,
		Params:           p,
		ClassNames:       classes,
		SweepsPerObject:  protocolSweeps[p.Protocol],
		InputShape:       []int{22, 30, 5, 7},
	}
	bySplit := map[string][]int{}
	for label, name := range classes {
		order := rand.New(rand.NewPCG(p.Seed, uint64(label)+1)).Perm(p.PerClass)
		val, test := splitCounts(p.PerClass)
		switch p.Assign {
		case AssignTrainVal:
			val, test = max(1, int(float64(p.PerClass)*valFraction+0.5)), 0
			if p.PerClass < 2 {
				val = 0
			}
		case AssignTest:
			val, test = 0, p.PerClass
		}
		for rank, k := range order {
			split := Train
			switch {
			case rank < test:
				split = Test
			case rank < test+val:
				split = Validation
			}
			id := label*p.PerClass + k
			m.Objects = append(m.Objects, Object{ID: id, Class: name, Label: label, Split: split})
			bySplit[split] = append(bySplit[split], id)
		}
	}
	// Objects are listed by id; shards mix classes (a seeded shuffle of
	// each split) so that a streaming reader sees every class early.
	sorted := make([]Object, len(m.Objects))
	for _, o := range m.Objects {
		sorted[o.ID] = o
	}
	m.Objects = sorted
	for si, split := range []string{Train, Validation, Test} {
		ids := bySplit[split]
		rng := rand.New(rand.NewPCG(p.Seed, 1000+uint64(si)))
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		for start, n := 0, 0; start < len(ids); start, n = start+p.ObjectsPerShrd, n+1 {
			chunk := ids[start:min(start+p.ObjectsPerShrd, len(ids))]
			sh := Shard{File: fmt.Sprintf("%s-%05d.npz", split, n), Split: split, Objects: append([]int(nil), chunk...), Sweeps: len(chunk) * m.SweepsPerObject}
			for _, id := range chunk {
				m.Objects[id].Shard = len(m.Shards)
			}
			m.Shards = append(m.Shards, sh)
		}
	}
	return m, nil
}
