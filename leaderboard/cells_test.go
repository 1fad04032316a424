package leaderboard

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Cells are written as the object by column key that a map of cells was
// written as before (keys sorted, each cell as encoding/json writes it),
// and read back to the same cells in key order.
func TestCellsJSON(t *testing.T) {
	ci := &Interval{Low: 0.4, High: 0.6}
	cells := Cells{
		{Key: KeyV2, Value: 0.5, CI: ci, Benchmark: "b", BenchmarkVersion: "v1", Scorer: "rsa-v2", Current: true, Place: Place{Rank: 2, Tied: true}},
		{Key: KeyV1, Value: 0.7, Benchmark: "b", BenchmarkVersion: "v1", Scorer: "rsa-paper-v1", Current: true, Place: Place{Rank: 1}},
		{Key: "other:" + KeyTop1, Value: 0.9, Benchmark: "c", BenchmarkVersion: "v0", Scorer: "probe", Current: false},
	}
	asMap := map[string]*Cell{}
	for i := range cells {
		asMap[cells[i].Key] = &cells[i]
	}
	want, err := json.Marshal(asMap)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(cells)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("Cells JSON\n got %s\nwant %s", got, want)
	}
	if b, _ := json.Marshal(Cells(nil)); string(b) != "{}" {
		t.Errorf("no cells: %s, want {}", b)
	}
	var back Cells
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	wantBack := Cells{cells[2], cells[1], cells[0]} // "other:top1" < "rsa-paper-v1" < "rsa-v2"
	if !reflect.DeepEqual(back, wantBack) {
		t.Errorf("read back %+v, want %+v", back, wantBack)
	}
	if c := back.Get(KeyV2); c == nil || c.Value != 0.5 || back.Get("missing") != nil {
		t.Errorf("Get after reading back: %+v", c)
	}
}
