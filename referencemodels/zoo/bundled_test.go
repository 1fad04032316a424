package zoo

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// The embedded zoo lists every record of this directory, each with both
// bundles, as supervised or (with an SSL objective recorded)
// self-supervised models.
func TestBundledListsEveryRecord(t *testing.T) {
	got, err := Bundled()
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := filepath.Glob("*" + RecordSuffix)
	if len(got) != len(recs) || len(got) == 0 {
		t.Fatalf("Bundled lists %d models, the directory has %d records", len(got), len(recs))
	}
	for i, m := range got {
		if want := strings.TrimSuffix(recs[i], RecordSuffix); m.Name != want || m.Record.Name != want {
			t.Errorf("model %d: %q (record %q), want %q", i, m.Name, m.Record.Name, want)
		}
		if m.TrainedPath != m.Name+BundleSuffix || m.UntrainedPath != m.Name+UntrainedSuffix {
			t.Errorf("%s: bundles %q, %q", m.Name, m.TrainedPath, m.UntrainedPath)
		}
		want := ObjectiveSupervised
		if rec, err := ReadRecord(".", m.Name); err != nil {
			t.Fatal(err)
		} else if rec.Objective != "" && rec.Objective != ObjectiveSupervised {
			want = ObjectiveSelfSupervised
		}
		if m.Objective != want || m.Record.Parameters <= 0 || m.Record.DatasetDigest == "" {
			t.Errorf("%s: objective %q, parameters %d, digest %q", m.Name, m.Objective, m.Record.Parameters, m.Record.DatasetDigest)
		}
	}
}

func TestListBundled(t *testing.T) {
	fsys := fstest.MapFS{
		"a.json":           {Data: []byte(`{"name":"a","parameters":3,"objective":"SSL"}`)},
		"a.untrained.tar":  {Data: []byte("x")},
		"b.json":           {Data: []byte(`{"name":"b"}`)}, // no bundle: skipped
		"c.json":           {Data: []byte(`{"name":"c","objective":"supervised"}`)},
		"c.tar":            {Data: []byte("x")},
		"notes.txt":        {Data: []byte("ignored")},
		"d.untrained.json": {Data: []byte(`{}`)}, // no d.untrained.tar: skipped
	}
	got, err := ListBundled(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []BundledModel{
		{Name: "a", Objective: ObjectiveSelfSupervised, UntrainedPath: "a.untrained.tar"},
		{Name: "c", Objective: ObjectiveSupervised, TrainedPath: "c.tar"},
	}
	if len(got) != len(tests) {
		t.Fatalf("got %d models %+v, want %d", len(got), got, len(tests))
	}
	for i, want := range tests {
		g := got[i]
		if g.Name != want.Name || g.Objective != want.Objective || g.TrainedPath != want.TrainedPath || g.UntrainedPath != want.UntrainedPath {
			t.Errorf("model %d: %+v, want %+v", i, g, want)
		}
	}
	if _, err := ListBundled(fstest.MapFS{"x.json": {Data: []byte("{")}, "x.tar": {Data: nil}}); err == nil {
		t.Error("a broken record was accepted")
	}
}
