package leaderboard

import (
	"reflect"
	"testing"
)

func TestChangeReason(t *testing.T) {
	v := func(id int64, version, scorer string) VersionRef {
		return VersionRef{ID: id, Name: "b", Version: version, Scorer: scorer}
	}
	tests := []struct {
		name     string
		from, to map[string]VersionRef
		want     string
	}{
		{"unchanged", map[string]VersionRef{"b": v(1, "aa", "s1")}, map[string]VersionRef{"b": v(1, "aa", "s1")}, ""},
		{"data", map[string]VersionRef{"b": v(1, "aa", "s1")}, map[string]VersionRef{"b": v(2, "bb", "s1")}, "benchmark b aa→bb"},
		{"scorer", map[string]VersionRef{"b": v(1, "aa", "s1")}, map[string]VersionRef{"b": v(2, "cc", "s2")}, "benchmark b aa→cc; scorer s1→s2"},
		{"added", nil, map[string]VersionRef{"b": v(3, "dd", "s1")}, "benchmark b added (version dd)"},
	}
	for _, tc := range tests {
		if got := ChangeReason(tc.from, tc.to); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Moves list every model whose rank changed, per column (the aggregate
// first), by new rank with the newly unranked last; a model that kept its
// rank is not listed.
func TestMovesBetween(t *testing.T) {
	r := func(id int64, name string, rank int) RankedModel {
		return RankedModel{ModelID: id, Name: name, Rank: rank}
	}
	before := Ranks{
		KeyAggregate: {r(1, "a", 1), r(2, "b", 2), r(3, "c", 3)},
		KeyV2:        {r(1, "a", 2), r(2, "b", 1), r(3, "c", 0)},
	}
	after := Ranks{
		KeyAggregate: {r(1, "a", 3), r(2, "b", 2), r(3, "c", 1)},
		KeyV2:        {r(1, "a", 0), r(2, "b", 1), r(3, "c", 2), r(4, "d", 3)},
	}
	labels := map[string]string{KeyAggregate: "Aggregate", KeyV2: "Neural rsa-v2"}
	want := []Move{
		{Column: KeyAggregate, Label: "Aggregate", ModelID: 3, Name: "c", From: 3, To: 1},
		{Column: KeyAggregate, Label: "Aggregate", ModelID: 1, Name: "a", From: 1, To: 3},
		{Column: KeyV2, Label: "Neural rsa-v2", ModelID: 3, Name: "c", From: 0, To: 2},
		{Column: KeyV2, Label: "Neural rsa-v2", ModelID: 4, Name: "d", From: 0, To: 3},
		{Column: KeyV2, Label: "Neural rsa-v2", ModelID: 1, Name: "a", From: 2, To: 0},
	}
	if got := MovesBetween(before, after, labels); !reflect.DeepEqual(got, want) {
		t.Errorf("moves\n got %+v\nwant %+v", got, want)
	}
}
