package leaderboard_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/leaderboardtest"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

func byName(b *leaderboard.Board) map[string]leaderboard.Row {
	out := map[string]leaderboard.Row{}
	for _, r := range b.Rows {
		out[r.Name] = r
	}
	return out
}

// The board read from a real database: only public models, ranks with
// ties, the aggregate's missing rule, reference rows from the ceiling and
// baseline JSON, and a stamp that moves with every new score.
func TestBoardFromDatabase(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Migrated(t, d)
			bench := leaderboardtest.Register(t, st.DB, "v1")
			ids := map[string]int64{}
			for _, m := range leaderboardtest.Zoo() {
				ids[m.Name], _ = leaderboardtest.Add(t, st.DB, bench, m)
			}
			svc := leaderboard.New(st.DB)
			b, err := svc.Board(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rows := byName(b)
			if _, ok := rows["Secret"]; ok || len(rows) != 6 {
				t.Fatalf("board rows %v: want the 6 public models and never the private one", len(rows))
			}
			type want struct {
				model, key string
				rank       int
				tied       bool
			}
			for _, w := range []want{
				{"ConvRNN-IntersectionLN", leaderboard.KeyV2, 1, true}, // [0.51, 0.59] overlaps [0.48, 0.56]
				{"ConvRNN-GPT", leaderboard.KeyV2, 1, true},
				{"S4-neural-only", leaderboard.KeyV2, 3, false},
				{"ResNet18", leaderboard.KeyV2, 4, false},
				{"ConvRNN-untrained", leaderboard.KeyV2, 5, false},
				{"Mystery", leaderboard.KeyV2, 6, false},
				{"ConvRNN-IntersectionLN", leaderboard.KeyV1, 1, false}, // no intervals: distinct values never tie
				{"ConvRNN-GPT", leaderboard.KeyV1, 2, false},
				{"ConvRNN-GPT", leaderboard.KeyTop1, 1, false}, // Wilson over 480 sweeps: [0.426, 0.515] vs [0.367, 0.455] overlap
			} {
				c := rows[w.model].Cells.Get(w.key)
				if c == nil {
					t.Errorf("%s has no %s cell", w.model, w.key)
					continue
				}
				if w.model == "ConvRNN-GPT" && w.key == leaderboard.KeyTop1 {
					if c.Rank != 1 || !c.Tied || rows["ConvRNN-IntersectionLN"].Cells.Get(w.key).Rank != 1 {
						t.Errorf("top-1: GPT %+v, IntersectionLN %+v; want a shared first place", c.Place, rows["ConvRNN-IntersectionLN"].Cells.Get(w.key).Place)
					}
					continue
				}
				if c.Rank != w.rank || c.Tied != w.tied {
					t.Errorf("%s %s: rank %d tied %v, want %d %v", w.model, w.key, c.Rank, c.Tied, w.rank, w.tied)
				}
				if c.BenchmarkVersion != "v1" || c.Scorer == "" || !c.Current {
					t.Errorf("%s %s: cell %+v lacks its versions", w.model, w.key, c)
				}
			}
			if c := rows["ConvRNN-GPT"].Cells.Get(leaderboard.KeyTop1); c.CI == nil || math.Abs(c.CI.Low-0.4257) > 1e-3 {
				t.Errorf("top-1 Wilson interval %v, want low ≈ 0.4257", c.CI)
			}
			// The aggregate is missing for the model without a classification
			// score, and the chance-corrected mean otherwise.
			if a := rows["S4-neural-only"].Aggregate; a != nil {
				t.Errorf("S4 aggregate %+v, want missing", a)
			}
			if a := rows["ConvRNN-GPT"].Aggregate; a == nil || math.Abs(a.Value-(0.52+(0.47-0.1)/0.9)/2) > 1e-12 || a.Rank == 0 {
				t.Errorf("ConvRNN-GPT aggregate %+v", a)
			}
			if r := rows["ConvRNN-untrained"]; !r.Reference || r.Objective != "untrained" {
				t.Errorf("reference model %+v", r)
			}
			// Reference rows from the benchmark figures.
			refs := map[string]leaderboard.ReferenceRow{}
			for _, r := range b.References {
				refs[r.Label] = r
			}
			ceil := refs["Animal-to-animal ceiling"].Cells[leaderboard.KeyV2]
			if ceil.Value != leaderboardtest.CeilingV2Mean || ceil.SEM == nil || *ceil.SEM != leaderboardtest.CeilingV2SEM || ceil.Max == nil || *ceil.Max != leaderboardtest.CeilingV2Max {
				t.Errorf("ceiling cell %+v", ceil)
			}
			if raw := refs["Raw input"]; raw.Cells[leaderboard.KeyV1].Value != leaderboardtest.RawV1 || raw.Cells[leaderboard.KeyTop1].Value != leaderboardtest.RawTop1 {
				t.Errorf("raw-input row %+v", raw)
			}
			if ch := refs["Chance"].Cells[leaderboard.KeyTop5]; ch.Value != 0.5 {
				t.Errorf("chance top-5 %+v", ch)
			}
			if len(b.Paper) == 0 || b.Paper[0].Source != leaderboard.PaperSource {
				t.Errorf("paper rows %+v", b.Paper)
			}

			// Unchanged data: the cached board. A new score: a new board.
			again, err := svc.Board(ctx)
			if err != nil || again != b {
				t.Fatalf("unchanged database rebuilt the board (err %v)", err)
			}
			late := leaderboardtest.Model{Name: "Late", Lab: "Late Lab", Family: "ConvRNN", Published: true, V2: 0.8, V1: 0.9, Top1: 0.6, Top5: 0.9}
			leaderboardtest.Add(t, st.DB, bench, late)
			fresh, err := svc.Board(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if fresh.Stamp == b.Stamp || byName(fresh)["Late"].Cells.Get(leaderboard.KeyV2).Rank != 1 {
				t.Fatalf("a new score did not reach the board (stamps %s → %s)", b.Stamp, fresh.Stamp)
			}

			// A new benchmark version: old scores stay visible but unranked.
			bench2 := leaderboardtest.Register(t, st.DB, "v2")
			newer := leaderboardtest.Model{Name: "Rescored", Lab: "Late Lab", Published: true, V2: 0.3, V1: 0.3, Top1: 0.3, Top5: 0.6, Bench: &bench2}
			leaderboardtest.Add(t, st.DB, bench, newer)
			v2board, err := svc.Board(ctx)
			if err != nil {
				t.Fatal(err)
			}
			r2 := byName(v2board)
			if c := r2["Late"].Cells.Get(leaderboard.KeyV2); c == nil || c.Current || c.Rank != 0 || c.BenchmarkVersion != "v1" {
				t.Errorf("score on the old version: %+v, want shown, not current, unranked", c)
			}
			if r2["Late"].Aggregate != nil {
				t.Errorf("aggregate over an old version: %+v", r2["Late"].Aggregate)
			}
			if c := r2["Rescored"].Cells.Get(leaderboard.KeyV2); c == nil || !c.Current || c.Rank != 1 || c.Tied {
				t.Errorf("only current-version score: %+v, want rank 1", c)
			}
			if v2board.Columns[0].Version != "v2" {
				t.Errorf("column version %q, want the current v2", v2board.Columns[0].Version)
			}
		})
	}
}

func TestModelAndBenchmarkPages(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Migrated(t, d)
			bench := leaderboardtest.Register(t, st.DB, "v1")
			ids := map[string]int64{}
			for _, m := range leaderboardtest.Zoo() {
				ids[m.Name], _ = leaderboardtest.Add(t, st.DB, bench, m)
			}
			svc := leaderboard.New(st.DB)
			p, err := svc.Model(ctx, ids["ConvRNN-GPT"])
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(p.Layers, ",") != "conv1,conv2,conv3,readout" {
				t.Errorf("layers %v, want upload order", p.Layers)
			}
			if strings.Join(p.Targets, ",") != "A1,A2,pooled" {
				t.Errorf("targets %v", p.Targets)
			}
			s := p.Series("pooled", leaderboard.ScorerV2)
			if v := s["readout"]; v == nil || math.Abs(v.Value-0.52) > 1e-12 || v.CI == nil {
				t.Errorf("readout pooled rsa-v2 %+v", v)
			}
			if len(p.Classification) != 4 || p.Classification[3].Top1 == nil || *p.Classification[3].Top1 != 0.47 {
				t.Errorf("classification layers %+v", p.Classification)
			}
			if p.Submission.Digest == "" || p.Submission.Kind != "activations" {
				t.Errorf("provenance %+v", p.Submission)
			}
			if !strings.Contains(p.BibTeX, "@misc{whiskerbench-model-convrnn-gpt-") || !strings.Contains(p.BibTeX, "{Barrel Lab}") {
				t.Errorf("bibtex:\n%s", p.BibTeX)
			}
			for name, id := range map[string]int64{"private": ids["Secret"], "unknown": 999999} {
				if _, err := svc.Model(ctx, id); err == nil || !strings.Contains(err.Error(), "not on the public board") {
					t.Errorf("%s model: err %v, want not found", name, err)
				}
			}

			bp, err := svc.Benchmark(ctx, bench.Neural.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !bp.Current.Synthetic || bp.Current.Version != "v1" || bp.Current.Models != 6 || len(bp.Versions) != 1 {
				t.Errorf("benchmark page %+v", bp.Current)
			}
			if len(bp.Ceilings) != 4 || len(bp.Baselines) != 2 {
				t.Errorf("ceilings %d baselines %d, want 4 and 2", len(bp.Ceilings), len(bp.Baselines))
			}
			if _, err := svc.Benchmark(ctx, "no-such-benchmark"); err == nil {
				t.Error("unknown benchmark found")
			}
		})
	}
}

func TestCSVExport(t *testing.T) {
	ctx := context.Background()
	st := storetest.Migrated(t, "sqlite")
	bench := leaderboardtest.Register(t, st.DB, "v1")
	for _, m := range leaderboardtest.Zoo() {
		leaderboardtest.Add(t, st.DB, bench, m)
	}
	b, err := leaderboard.New(st.DB).Board(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q, err := b.ParseQuery(map[string][]string{"family": {"ConvRNN"}, "sort": {"name"}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.View(q).WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := map[string]int{}
	for i, h := range recs[0] {
		head[h] = i
	}
	var models []string
	kinds := map[string]int{}
	for _, r := range recs[1:] {
		kinds[r[0]]++
		if r[0] == "model" {
			models = append(models, r[head["name"]])
		}
	}
	if strings.Join(models, ",") != "ConvRNN-GPT,ConvRNN-IntersectionLN,ConvRNN-untrained" {
		t.Errorf("CSV models %v: want the filtered view in its order", models)
	}
	if kinds["ceiling"] != 1 || kinds["baseline"] != 2 || kinds["paper"] != len(leaderboard.PaperRows()) {
		t.Errorf("CSV reference rows %v", kinds)
	}
	gpt := recs[1]
	if gpt[head["rsa-v2"]] != "0.52" || gpt[head["rsa-v2_rank"]] != "1" || gpt[head["rsa-v2_tied"]] != "true" ||
		gpt[head["rsa-v2_benchmark_version"]] != "v1" || gpt[head["rsa-v2_scorer_version"]] != "rsa-v2" {
		t.Errorf("CSV row %v", gpt)
	}
}
