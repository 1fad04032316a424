package tactile

import (
	"reflect"
	"strings"
	"testing"
)

func TestPlanSplitsByObject(t *testing.T) {
	p := Params{Protocol: "sweep16", Classes: 5, PerClass: 10, Seed: 3, ObjectsPerShrd: 4}
	m, err := Plan(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Objects) != 50 || m.SweepsPerObject != 16 {
		t.Fatalf("%d objects, %d sweeps per object", len(m.Objects), m.SweepsPerObject)
	}
	perSplit := map[string]map[int]int{}
	inShard := map[int]int{}
	for si, sh := range m.Shards {
		for _, id := range sh.Objects {
			o := m.Objects[id]
			if o.Split != sh.Split || o.Shard != si {
				t.Fatalf("object %d is in shard %d (%s) but says shard %d (%s)", id, si, sh.Split, o.Shard, o.Split)
			}
			inShard[id]++
		}
		if sh.Sweeps != len(sh.Objects)*16 || len(sh.Objects) > 4 {
			t.Fatalf("shard %s: %d objects, %d sweeps", sh.File, len(sh.Objects), sh.Sweeps)
		}
	}
	for id, o := range m.Objects {
		if o.ID != id || inShard[id] != 1 {
			t.Fatalf("object %d listed as id %d, in %d shards (want exactly 1)", id, o.ID, inShard[id])
		}
		if perSplit[o.Split] == nil {
			perSplit[o.Split] = map[int]int{}
		}
		perSplit[o.Split][o.Label]++
	}
	// 15% of 10 rounds to 2 for validation and for test; every class in every split.
	for label := 0; label < 5; label++ {
		if perSplit[Test][label] != 2 || perSplit[Validation][label] != 2 || perSplit[Train][label] != 6 {
			t.Errorf("class %d: train %d, validation %d, test %d; want 6, 2, 2", label,
				perSplit[Train][label], perSplit[Validation][label], perSplit[Test][label])
		}
	}
	// A shard mixes classes.
	labels := map[int]bool{}
	for _, id := range m.Shards[0].Objects {
		labels[m.Objects[id].Label] = true
	}
	if len(labels) < 2 {
		t.Errorf("first shard holds a single class: %v", m.Shards[0].Objects)
	}
}

func TestPlanDeterministic(t *testing.T) {
	p := Params{Protocol: "sweep16", Classes: 4, PerClass: 7, Seed: 11, ObjectsPerShrd: 3}
	a, _ := Plan(p)
	b, _ := Plan(p)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same parameters gave different plans")
	}
	p.Seed = 12
	c, _ := Plan(p)
	if reflect.DeepEqual(a.Objects, c.Objects) {
		t.Fatal("a different seed gave the same split")
	}
}

func TestPlanErrors(t *testing.T) {
	tests := []struct {
		p    Params
		want string
	}{
		{Params{Protocol: "zigzag", Classes: 4, PerClass: 3}, "unknown protocol"},
		{Params{Protocol: "sweep16", Classes: 1, PerClass: 3}, "--classes 1"},
		{Params{Protocol: "sweep16", Classes: 1000, PerClass: 3}, "--classes 1000"},
		{Params{Protocol: "sweep16", Classes: 4, PerClass: 0}, "--per-class 0"},
	}
	for _, tc := range tests {
		if _, err := Plan(tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want %q", tc.p, err, tc.want)
		}
	}
}

func TestPlanAssign(t *testing.T) {
	count := func(m *Manifest) map[string]int {
		c := map[string]int{}
		for _, o := range m.Objects {
			c[o.Split]++
		}
		return c
	}
	tv, err := Plan(Params{Protocol: "sweep16", Classes: 3, PerClass: 7, Seed: 1, ObjectsPerShrd: 4, Assign: AssignTrainVal})
	if err != nil {
		t.Fatal(err)
	}
	// 15% of 7 rounds to 1 validation object per class; no test objects.
	if c := count(tv); c[Train] != 18 || c[Validation] != 3 || c[Test] != 0 {
		t.Errorf("train-validation: %v", c)
	}
	te, err := Plan(Params{Protocol: "sweep16", Classes: 3, PerClass: 5, Seed: 9, ObjectsPerShrd: 4, Assign: AssignTest})
	if err != nil {
		t.Fatal(err)
	}
	if c := count(te); c[Test] != 15 || len(c) != 1 {
		t.Errorf("test: %v", c)
	}
	if _, err := Plan(Params{Protocol: "sweep16", Classes: 3, PerClass: 5, Assign: "half"}); err == nil {
		t.Error("unknown assignment accepted")
	}
}
