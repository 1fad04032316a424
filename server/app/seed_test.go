package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
	"github.com/whiskerbench/whiskerbench/referencemodels/zoo"
	"github.com/whiskerbench/whiskerbench/server/app"
	"github.com/whiskerbench/whiskerbench/submissions"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// seedModel names the test's zoo model.
const seedModel = "tiny-timedecay"

// oneModelZoo is a zoo file system in zoo.FS()'s layout holding one
// test-sized model (tinyArch, which scores in seconds) trained and
// untrained: the real zoo's bundles take half a minute each to score.
func oneModelZoo(t *testing.T) (fstest.MapFS, int) {
	t.Helper()
	cfg := tinyArch(0.05)
	n, err := cfg.Count()
	if err != nil {
		t.Fatal(err)
	}
	p, err := cfg.Init(1)
	if err != nil {
		t.Fatal(err)
	}
	trained, err := bundle.New(cfg, p, bundle.Training{DatasetDigest: "sha256:" + strings.Repeat("ab", 32), Seed: 1, Commit: "unknown", Epochs: 2, BestEpoch: 2})
	if err != nil {
		t.Fatal(err)
	}
	untrained, err := bundle.New(cfg, p, bundle.Training{Seed: 1, Commit: "unknown"})
	if err != nil {
		t.Fatal(err)
	}
	rec := fmt.Sprintf(`{"name":%q,"parameters":%d,"benchmark":"tactile-shapes-v1 test","dataset_digest":"sha256:%s"}`, seedModel, n, strings.Repeat("ab", 32))
	return fstest.MapFS{
		seedModel + zoo.BundleSuffix:    {Data: bundleTar(t, trained)},
		seedModel + zoo.UntrainedSuffix: {Data: bundleTar(t, untrained)},
		seedModel + zoo.RecordSuffix:    {Data: []byte(rec)},
	}, n
}

func boardRows(t *testing.T, url string) map[string]map[string]any {
	t.Helper()
	_, board := do(t, "GET", url+"/api/v1/leaderboard", "", "")
	out := map[string]map[string]any{}
	rows, _ := board["rows"].([]any)
	for _, r := range rows {
		m := r.(map[string]any)
		out[m["name"].(string)] = m
	}
	return out
}

func count(t *testing.T, r *running, table string) int64 {
	t.Helper()
	var n int64
	if err := r.Store().DB.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Seeding submits a zoo model and its untrained twin as the reference lab,
// scores and publishes them as reference rows; a second run adds nothing.
// Then a new version of the neural benchmark (a new scorer version)
// queues the re-scoring of every scored submission, the scores are
// recomputed on the new version (reusing the weights' activations, whose
// inputs did not change), and the ranking change is recorded with its
// reason and shown.
func TestSeedZooAndRescore(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			bd := testBenchmarks(t)
			r := start(t, d, func(c *app.Config) { c.SeedZoo = false })
			registerBenchmarks(t, r)
			ctx := context.Background()
			cfg := app.Defaults()
			cfg.DataDir = r.DataDir()
			fsys, params := oneModelZoo(t)

			rep, err := app.SeedZoo(ctx, cfg, r.Store(), fsys, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep != (app.SeedReport{Seeded: 2}) {
				t.Fatalf("first seeding: %+v, want 2 seeded", rep)
			}
			trained, untrained := "zoo/"+seedModel, "zoo/"+seedModel+app.UntrainedSuffix
			rows := boardRows(t, r.URL())
			for _, tc := range []struct{ name, objective string }{{trained, "supervised"}, {untrained, "untrained"}} {
				row, ok := rows[tc.name]
				if !ok {
					t.Fatalf("%s is not on the board: %v", tc.name, rows)
				}
				if row["reference"] != true || row["lab"] != app.ReferenceLab || row["objective"] != tc.objective || row["family"] != "ConvRNN" ||
					row["encoder"] != "TimeDecay" || row["decoder"] != "linear" {
					t.Errorf("%s row: %v", tc.name, row)
				}
				if pc, _ := row["param_count"].(float64); int(pc) != params {
					t.Errorf("%s param_count %v, want %d", tc.name, row["param_count"], params)
				}
				scores, _ := row["scores"].(map[string]any)
				for _, k := range []string{"rsa-v2", "rsa-paper-v1", "top1"} {
					if scores[k] == nil {
						t.Errorf("%s has no %s score: %v", tc.name, k, scores)
					}
				}
			}
			subs, models := count(t, r, "submissions"), count(t, r, "models")
			if subs != 2 || models != 2 {
				t.Errorf("%d submissions, %d models after seeding, want 2 and 2", subs, models)
			}
			rep, err = app.SeedZoo(ctx, cfg, r.Store(), fsys, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep != (app.SeedReport{Present: 2}) || count(t, r, "submissions") != subs || count(t, r, "models") != models || count(t, r, "labs") != 3 {
				t.Errorf("second seeding: %+v, %d submissions, %d models, %d labs: it must add nothing", rep, count(t, r, "submissions"), count(t, r, "models"), count(t, r, "labs"))
			}

			// The first versions seen are the baseline: nothing to re-score.
			if reason, n, err := app.QueueRescoring(ctx, cfg, r.Store(), nil); err != nil || reason != "" || n != 0 {
				t.Fatalf("baseline: %q, %d jobs, %v", reason, n, err)
			}
			var before []submissions.Submission
			r.Store().DB.Order("id").Find(&before)

			// A new scorer version makes a new neural version on the same data.
			spec := *bd.neuralSpec
			spec.ScorerVersion = catalog.NeuralScorer + "-test2"
			spec.Seal()
			nb, err := catalog.New(r.Store().DB).Register(ctx, bd.neuralDir, &spec, bd.neuralFig)
			if err != nil {
				t.Fatal(err)
			}
			reason, n, err := app.QueueRescoring(ctx, cfg, r.Store(), nil)
			if err != nil {
				t.Fatal(err)
			}
			wantReason := fmt.Sprintf("benchmark %s %s→%s; scorer %s→%s", benchmarks.BarrelCortex, bd.neuralSpec.Version, spec.Version, catalog.NeuralScorer, spec.ScorerVersion)
			if reason != wantReason || n != 2 {
				t.Fatalf("change: %q with %d jobs, want %q with 2", reason, n, wantReason)
			}
			if _, n2, err := app.QueueRescoring(ctx, cfg, r.Store(), nil); err != nil || n2 > 2 {
				t.Fatalf("detecting again: %d jobs, %v", n2, err)
			}
			var jobs int64
			r.Store().DB.Table("river_job").Where("kind = ?", app.RescoreKind).Count(&jobs)
			if jobs != 2 {
				t.Errorf("%d re-scoring jobs queued, want 2 (one per scored submission, no duplicates)", jobs)
			}

			change := waitChange(t, r.URL())
			if change["reason"] != wantReason || change["pending_rescores"].(float64) != 0 || change["failed_rescores"].(float64) != 0 {
				t.Errorf("change %v", change)
			}
			for _, side := range []string{"before", "after"} {
				ranks, _ := change[side].(map[string]any)
				agg, _ := ranks["aggregate"].([]any)
				if len(agg) != 2 {
					t.Errorf("%s ranks of the aggregate: %v, want both models", side, ranks["aggregate"])
				}
				for _, e := range agg {
					if e.(map[string]any)["rank"].(float64) < 1 {
						t.Errorf("%s: %v unranked", side, e)
					}
				}
			}
			if _, ok := change["moves"].([]any); !ok {
				t.Errorf("change has no moves list: %v", change)
			}
			// Recomputed on the new version: model-level rows on it, ranked.
			var newRows int64
			r.Store().DB.Model(&submissions.Score{}).Where("benchmark_id = ? AND layer = ''", nb.ID).Count(&newRows)
			if newRows != 4 { // 2 submissions × (rsa-paper-v1, rsa-v2)
				t.Errorf("%d model-level rows on the new version, want 4", newRows)
			}
			for name, row := range boardRows(t, r.URL()) {
				c, _ := row["scores"].(map[string]any)["rsa-v2"].(map[string]any)
				if c == nil || c["benchmark_version"] != spec.Version || c["current"] != true || c["rank"].(float64) < 1 {
					t.Errorf("%s rsa-v2 after re-scoring: %v", name, c)
				}
			}
			// The inputs did not change: the activations were reused.
			var after []submissions.Submission
			r.Store().DB.Order("id").Find(&after)
			for i := range after {
				if after[i].Status != submissions.StatusScored || after[i].ActivationsDigest != before[i].ActivationsDigest || after[i].ActivationsDigest == "" {
					t.Errorf("submission %d: %s, activations %q then %q", after[i].ID, after[i].Status, before[i].ActivationsDigest, after[i].ActivationsDigest)
				}
			}
			if page := get(t, r.URL()+"/leaderboard", ""); !strings.Contains(page, "What changed") || !strings.Contains(page, bd.neuralSpec.Version+"→"+spec.Version) || !strings.Contains(page, "SYNTHETIC") {
				t.Errorf("the leaderboard page lacks the change box or the synthetic notice")
			}
			if home := get(t, r.URL()+"/", ""); !strings.Contains(home, "SYNTHETIC") {
				t.Errorf("the home page lacks the synthetic notice")
			}
		})
	}
}

// waitChange polls the changes API until the latest change is finished.
func waitChange(t *testing.T, url string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		code, body := do(t, "GET", url+"/api/v1/leaderboard/changes", "", "")
		if code != http.StatusOK {
			t.Fatalf("changes: %d %v", code, body)
		}
		if cs, _ := body["changes"].([]any); len(cs) > 0 {
			if c := cs[0].(map[string]any); c["finished_at"] != nil {
				return c
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the ranking change did not finish within 2 minutes")
	return nil
}

// serve queues seed_zoo at start (here without the build job, which
// otherwise queues it when done) unless --seed-zoo=false.
func TestSeedZooFlag(t *testing.T) {
	for _, tc := range []struct {
		seed bool
		want int64
	}{{true, 1}, {false, 0}} {
		t.Run(fmt.Sprint(tc.seed), func(t *testing.T) {
			r := start(t, "sqlite", func(c *app.Config) { c.SeedZoo = tc.seed; c.RunJobs = false })
			deadline := time.Now().Add(10 * time.Second)
			var n int64
			for {
				r.Store().DB.Table("river_job").Where("kind = ?", "seed_zoo").Count(&n)
				if n == tc.want && (tc.want > 0 || time.Now().After(deadline.Add(-9*time.Second))) || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if n != tc.want {
				t.Errorf("%d seed_zoo jobs, want %d", n, tc.want)
			}
		})
	}
}
