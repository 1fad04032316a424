package leaderboard

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// VersionRef is one benchmark version a ranking change went from or to.
type VersionRef struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Scorer    string `json:"scorer_version"`
	Synthetic bool   `json:"synthetic"`
}

// RankedModel is one public model's place in one column at one moment.
type RankedModel struct {
	ModelID int64    `json:"model_id"`
	Name    string   `json:"name"`
	Rank    int      `json:"rank"` // 0: unranked (missing, or on an older version)
	Tied    bool     `json:"tied"`
	Value   *float64 `json:"value"`
}

// Move is a model whose rank in a column changed.
type Move struct {
	Column  string `json:"column"`
	Label   string `json:"label"`
	ModelID int64  `json:"model_id"`
	Name    string `json:"name"`
	From    int    `json:"from"` // 0: was unranked
	To      int    `json:"to"`   // 0: now unranked
}

// Ranks are the places of every public model per column key (the score
// columns and KeyAggregate), in row order.
type Ranks map[string][]RankedModel

// ChangeRecord is a row of ranking_changes: the current benchmark versions
// changed From → To, every scored submission was re-scored, and the ranks
// went Before → After. A baseline record (the first versions seen) has no
// reason and is not shown.
type ChangeRecord struct {
	ID           int64 `gorm:"primaryKey"`
	VersionsKey  string
	Reason       string
	Baseline     bool
	FromVersions json.RawMessage `gorm:"type:text;serializer:json"`
	ToVersions   json.RawMessage `gorm:"type:text;serializer:json"`
	BeforeRanks  json.RawMessage `gorm:"type:text;serializer:json"`
	AfterRanks   json.RawMessage `gorm:"type:text;serializer:json"`
	Moves        json.RawMessage `gorm:"type:text;serializer:json"`
	CreatedAt    time.Time
	FinishedAt   *time.Time
}

// TableName implements gorm's tabler.
func (ChangeRecord) TableName() string { return "ranking_changes" }

// Change is a ranking change as the API and the page show it.
type Change struct {
	ID         int64                 `json:"id"`
	Reason     string                `json:"reason"`
	From       map[string]VersionRef `json:"from"`
	To         map[string]VersionRef `json:"to"`
	Before     Ranks                 `json:"before"`
	After      Ranks                 `json:"after"`
	Moves      []Move                `json:"moves"`
	Pending    int                   `json:"pending_rescores"`
	Failed     int                   `json:"failed_rescores"`
	CreatedAt  time.Time             `json:"created_at"`
	FinishedAt *time.Time            `json:"finished_at"`
}

// RanksOf lists every row's place in each ranked column and the aggregate.
func RanksOf(b *Board) Ranks {
	out := Ranks{}
	add := func(key string, get func(Row) *Cell) {
		list := make([]RankedModel, 0, len(b.Rows))
		for _, r := range b.Rows {
			m := RankedModel{ModelID: r.ModelID, Name: r.Name}
			if c := get(r); c != nil {
				if c.Current {
					m.Rank, m.Tied = c.Place.Rank, c.Place.Tied
				}
				v := c.Value
				m.Value = &v
			}
			list = append(list, m)
		}
		out[key] = list
	}
	for _, c := range b.Columns {
		if c.Ranked {
			add(c.Key, func(r Row) *Cell { return r.Cells.Get(c.Key) })
		}
	}
	add(KeyAggregate, func(r Row) *Cell { return r.Aggregate })
	return out
}

// MovesBetween lists the models whose rank changed in a column, columns in
// the board's order (the aggregate first), then by new rank.
func MovesBetween(before, after Ranks, labels map[string]string) []Move {
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	order := func(k string) string {
		if k == KeyAggregate {
			return ""
		}
		return k
	}
	sort.Slice(keys, func(i, j int) bool { return order(keys[i]) < order(keys[j]) })
	var out []Move
	for _, k := range keys {
		was := map[int64]RankedModel{}
		for _, m := range before[k] {
			was[m.ModelID] = m
		}
		var moves []Move
		seen := map[int64]bool{}
		for _, m := range after[k] {
			seen[m.ModelID] = true
			if old := was[m.ModelID]; old.Rank != m.Rank {
				moves = append(moves, Move{Column: k, Label: labels[k], ModelID: m.ModelID, Name: m.Name, From: old.Rank, To: m.Rank})
			}
		}
		for _, m := range before[k] {
			if !seen[m.ModelID] && m.Rank != 0 {
				moves = append(moves, Move{Column: k, Label: labels[k], ModelID: m.ModelID, Name: m.Name, From: m.Rank})
			}
		}
		sort.SliceStable(moves, func(i, j int) bool { return rankOrder(moves[i].To) < rankOrder(moves[j].To) })
		out = append(out, moves...)
	}
	return out
}

// rankOrder sorts unranked (0) after every rank.
func rankOrder(r int) int {
	if r == 0 {
		return int(^uint(0) >> 1)
	}
	return r
}

// columnLabels names the columns of a board, for moves.
func columnLabels(b *Board) map[string]string {
	out := map[string]string{KeyAggregate: "Aggregate"}
	for _, c := range b.Columns {
		out[c.Key] = c.Label + " (" + c.Benchmark + ")"
	}
	return out
}

// versionRefs names each current benchmark version by benchmark name.
func versionRefs(cur []catalog.Benchmark) map[string]VersionRef {
	out := map[string]VersionRef{}
	for _, b := range cur {
		out[b.Name] = VersionRef{ID: b.ID, Name: b.Name, Version: b.Version, Scorer: b.ScorerVersion, Synthetic: b.Synthetic}
	}
	return out
}

// versionsKey identifies a set of current versions: "name=id" sorted.
func versionsKey(refs map[string]VersionRef) string {
	parts := make([]string, 0, len(refs))
	for n, r := range refs {
		parts = append(parts, fmt.Sprintf("%s=%d", n, r.ID))
	}
	sort.Strings(parts)
	return strings.Join(parts, ";")
}

// ChangeReason says why the versions changed, e.g. "benchmark barrel-cortex
// 1a2b3c→4d5e6f; scorer rsa-paper-v1+rsa-v2/evaluator-1→…-2". Names in
// to but not from are "added"; it is "" when nothing changed.
func ChangeReason(from, to map[string]VersionRef) string {
	names := make([]string, 0, len(to))
	for n := range to {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		t := to[n]
		f, ok := from[n]
		switch {
		case !ok:
			parts = append(parts, fmt.Sprintf("benchmark %s added (version %s)", n, t.Version))
		case f.ID == t.ID:
		default:
			if f.Version != t.Version {
				parts = append(parts, fmt.Sprintf("benchmark %s %s→%s", n, f.Version, t.Version))
			}
			if f.Scorer != t.Scorer {
				parts = append(parts, fmt.Sprintf("scorer %s→%s", f.Scorer, t.Scorer))
			}
		}
	}
	return strings.Join(parts, "; ")
}
