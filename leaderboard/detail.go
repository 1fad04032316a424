package leaderboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/intake"
)

// ErrNotFound is returned for a model that is not on the public board and
// for an unknown benchmark.
var ErrNotFound = errors.New("not found")

// ModelPage is everything a model's page shows.
type ModelPage struct {
	Row        Row            `json:"model"`
	Columns    []Column       `json:"columns"`
	Benchmarks []BenchmarkRef `json:"benchmarks"`
	Submission SubmissionInfo `json:"submission"`
	// Neural holds the per-layer scores of the neural benchmark the
	// model's rsa-v2 cell came from: layer → target → metric → value.
	NeuralBenchmark string                                       `json:"neural_benchmark,omitempty"`
	NeuralVersion   string                                       `json:"neural_benchmark_version,omitempty"`
	Layers          []string                                     `json:"layers"`
	Neural          map[string]map[string]map[string]*LayerValue `json:"neural_layers"`
	Targets         []string                                     `json:"targets"`
	Classification  []ClassLayer                                 `json:"classification_layers"`
	BibTeX          string                                       `json:"bibtex"`
}

// SubmissionInfo is the provenance of the scores shown.
type SubmissionInfo struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Digest      string    `json:"sha256"`
	SizeBytes   int64     `json:"size_bytes"`
	SubmittedAt time.Time `json:"submitted_at"`
	ScoredAt    time.Time `json:"scored_at"`
}

// ClassLayer is one layer's held-out probe accuracy.
type ClassLayer struct {
	Layer string   `json:"layer"`
	Top1  *float64 `json:"top1"`
	Top5  *float64 `json:"top5"`
}

type layerScore struct {
	BenchmarkID int64    `gorm:"column:benchmark_id"`
	Scorer      string   `gorm:"column:scorer_version"`
	Layer       string   `gorm:"column:layer"`
	Target      string   `gorm:"column:target"`
	Value       *float64 `gorm:"column:value"`
	CILow       *float64 `gorm:"column:ci_low"`
	CIHigh      *float64 `gorm:"column:ci_high"`
}

// Model returns the page of a model on the public board.
func (s *Service) Model(ctx context.Context, id int64) (ModelPage, error) {
	b, err := s.Board(ctx)
	if err != nil {
		return ModelPage{}, err
	}
	var row *Row
	for i := range b.Rows {
		if b.Rows[i].ModelID == id {
			row = &b.Rows[i]
		}
	}
	if row == nil {
		return ModelPage{}, fmt.Errorf("model %d is not on the public board: %w", id, ErrNotFound)
	}
	page := ModelPage{Row: *row, Columns: b.Columns, Benchmarks: b.Benchmarks, Neural: map[string]map[string]map[string]*LayerValue{}}
	var sub struct {
		Kind      string    `gorm:"column:kind"`
		Digest    string    `gorm:"column:blob_digest"`
		Size      int64     `gorm:"column:size_bytes"`
		CreatedAt time.Time `gorm:"column:created_at"`
		Layers    string    `gorm:"column:layers"`
	}
	db := s.db.WithContext(ctx)
	if err := db.Raw(`SELECT kind, blob_digest, size_bytes, created_at, CAST(layers AS TEXT) AS layers FROM submissions WHERE id = ?`, row.SubmissionID).Scan(&sub).Error; err != nil {
		return ModelPage{}, fmt.Errorf("model %d submission %d: %w", id, row.SubmissionID, err)
	}
	page.Submission = SubmissionInfo{ID: row.SubmissionID, Kind: sub.Kind, Digest: sub.Digest, SizeBytes: sub.Size, SubmittedAt: sub.CreatedAt.UTC(), ScoredAt: row.ScoredAt}
	var layers intake.Layers
	if sub.Layers != "" {
		if err := json.Unmarshal([]byte(sub.Layers), &layers); err != nil {
			return ModelPage{}, fmt.Errorf("model %d submission %d layers: %w", id, row.SubmissionID, err)
		}
	}
	var rows []layerScore
	if err := db.Raw(`SELECT benchmark_id, scorer_version, layer, target, value, ci_low, ci_high FROM scores WHERE submission_id = ? AND layer <> ''`, row.SubmissionID).Scan(&rows).Error; err != nil {
		return ModelPage{}, fmt.Errorf("model %d per-layer scores: %w", id, err)
	}
	all, err := catalog.New(s.db).List(ctx)
	if err != nil {
		return ModelPage{}, err
	}
	// The benchmark versions the model's board cells came from.
	want := map[int64]string{}
	for _, c := range b.Columns {
		if cell := row.Cells.Get(c.Key); cell != nil {
			for _, bm := range all {
				if bm.Name == cell.Benchmark && bm.Version == cell.BenchmarkVersion {
					want[bm.ID] = bm.Kind
					if bm.Kind == benchmarks.NeuralRSA && page.NeuralBenchmark == "" {
						page.NeuralBenchmark, page.NeuralVersion = bm.Name, bm.Version
					}
				}
			}
		}
	}
	class := map[string]*ClassLayer{}
	targets := map[string]bool{}
	for _, r := range rows {
		kind, ok := want[r.BenchmarkID]
		if !ok || r.Value == nil {
			continue
		}
		switch kind {
		case benchmarks.NeuralRSA:
			if page.NeuralBenchmark == "" {
				continue
			}
			lv := &LayerValue{Value: *r.Value}
			if r.CILow != nil && r.CIHigh != nil {
				lv.CI = &Interval{Low: *r.CILow, High: *r.CIHigh}
			}
			if page.Neural[r.Layer] == nil {
				page.Neural[r.Layer] = map[string]map[string]*LayerValue{}
			}
			if page.Neural[r.Layer][r.Target] == nil {
				page.Neural[r.Layer][r.Target] = map[string]*LayerValue{}
			}
			page.Neural[r.Layer][r.Target][r.Scorer] = lv
			targets[r.Target] = true
		case benchmarks.Classification:
			cl := class[r.Layer]
			if cl == nil {
				cl = &ClassLayer{Layer: r.Layer}
				class[r.Layer] = cl
			}
			v := *r.Value
			if r.Target == "top1" {
				cl.Top1 = &v
			} else if r.Target == "top5" {
				cl.Top5 = &v
			}
		}
	}
	page.Layers = orderedLayers(layers[intake.InputNeural], page.Neural)
	for t := range targets {
		page.Targets = append(page.Targets, t)
	}
	sort.Slice(page.Targets, func(i, j int) bool {
		// The pooled population last, animals by name.
		if (page.Targets[i] == evaluator.PooledTarget) != (page.Targets[j] == evaluator.PooledTarget) {
			return page.Targets[j] == evaluator.PooledTarget
		}
		return page.Targets[i] < page.Targets[j]
	})
	for _, l := range orderedLayers(layers[intake.InputTest], class) {
		page.Classification = append(page.Classification, *class[l])
	}
	page.BibTeX = ModelBibTeX(*row, time.Now().UTC())
	return page, nil
}

// orderedLayers lists the keys of m in upload order, then any others by
// name.
func orderedLayers[V any](order []string, m map[string]V) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range order {
		if _, ok := m[l]; ok && !seen[l] {
			out = append(out, l)
			seen[l] = true
		}
	}
	var rest []string
	for l := range m {
		if !seen[l] {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Series returns, for one target, the per-layer values of a metric.
func (p ModelPage) Series(target, metric string) map[string]*LayerValue {
	out := map[string]*LayerValue{}
	for l, ts := range p.Neural {
		if v := ts[target][metric]; v != nil {
			out[l] = v
		}
	}
	return out
}

var bibKeyUnsafe = regexp.MustCompile(`[^A-Za-z0-9]+`)

// bibEscape protects BibTeX's special characters in a field value.
func bibEscape(s string) string {
	r := strings.NewReplacer(`\`, `\textbackslash{}`, "{", `\{`, "}", `\}`, "&", `\&`, "%", `\%`, "$", `\$`, "#", `\#`, "_", `\_`, "~", `\textasciitilde{}`, "^", `\textasciicircum{}`)
	return r.Replace(s)
}

// ModelBibTeX is a citation of a model's board entry.
func ModelBibTeX(r Row, now time.Time) string {
	key := "whiskerbench-model-" + strings.ToLower(strings.Trim(bibKeyUnsafe.ReplaceAllString(r.Name, "-"), "-")) + fmt.Sprintf("-%d", r.ModelID)
	var b strings.Builder
	fmt.Fprintf(&b, "@misc{%s,\n", key)
	fmt.Fprintf(&b, "  title        = {{%s}: whiskerbench leaderboard entry},\n", bibEscape(r.Name))
	fmt.Fprintf(&b, "  author       = {{%s}},\n", bibEscape(r.Lab))
	fmt.Fprintf(&b, "  year         = {%d},\n", r.ScoredAt.Year())
	fmt.Fprintf(&b, "  howpublished = {whiskerbench, submission %d, scored %s},\n", r.SubmissionID, r.ScoredAt.Format("2006-01-02"))
	if r.PaperURL != "" {
		fmt.Fprintf(&b, "  url          = {%s},\n", bibEscape(r.PaperURL))
	}
	fmt.Fprintf(&b, "  note         = {Accessed %s}\n}\n", now.Format("2006-01-02"))
	return b.String()
}

// BenchmarkPage is everything a benchmark's page shows.
type BenchmarkPage struct {
	Name      string           `json:"name"`
	Kind      string           `json:"kind"`
	Measures  string           `json:"measures"`
	Current   VersionInfo      `json:"current"`
	Versions  []VersionInfo    `json:"versions"` // newest first
	Ceilings  []CeilingFigure  `json:"ceilings"`
	Baselines []BaselineFigure `json:"baselines"`
	BibTeX    string           `json:"bibtex"`
}

// VersionInfo is one registered version of a benchmark.
type VersionInfo struct {
	Version     string    `json:"version"`
	Scorer      string    `json:"scorer_version"`
	DataDigest  string    `json:"data_digest"`
	Synthetic   bool      `json:"synthetic"`
	Description string    `json:"description"`
	Registered  time.Time `json:"registered"`
	Models      int       `json:"public_models_scored"` // board rows whose score comes from this version
}

// CeilingFigure is one animal-to-animal ceiling of a version.
type CeilingFigure struct {
	Metric  string    `json:"metric"`
	Mode    string    `json:"mode"`
	Mean    float64   `json:"mean"`
	SEM     *float64  `json:"sem"`
	Min     *float64  `json:"min,omitempty"`
	Max     *float64  `json:"max"`
	CI      *Interval `json:"ci,omitempty"`
	Animals int       `json:"entries"`
}

// BaselineFigure is one baseline of a version.
type BaselineFigure struct {
	Label  string    `json:"label"`
	Scorer string    `json:"scorer_version"`
	Value  float64   `json:"value"`
	CI     *Interval `json:"ci,omitempty"`
}

// measures explains a benchmark kind to a reader.
func measures(kind string) string {
	switch kind {
	case benchmarks.NeuralRSA:
		return "Likeness to barrel cortex. A model sees the stimuli a mouse touched; the dissimilarities between its responses " +
			"(its RDM) are correlated with those of neurons recorded in barrel cortex, corrected for the noise of the neural data, " +
			"and read against the animal-to-animal ceiling: how well the other animals predict one animal's RDM. rsa-paper-v1 " +
			"reproduces the paper's metric; rsa-v2 is whiskerbench's (held-out layer choice, no reliability filter, bootstrap intervals)."
	case benchmarks.Classification:
		return "Touch recognition. Objects are swept past a simulated array of mouse whiskers; a linear probe fitted on a model's " +
			"features for the public training sweeps must name the object of held-out test sweeps that labs never see labelled. " +
			"Top-1 and top-5 accuracy; the layer is chosen by cross-validation on the training split, never on the test set."
	}
	return ""
}

// Benchmark returns a benchmark's page.
func (s *Service) Benchmark(ctx context.Context, name string) (BenchmarkPage, error) {
	b, err := s.Board(ctx)
	if err != nil {
		return BenchmarkPage{}, err
	}
	all, err := catalog.New(s.db).List(ctx)
	if err != nil {
		return BenchmarkPage{}, err
	}
	var vs []catalog.Benchmark
	for _, x := range all {
		if x.Name == name {
			vs = append(vs, x)
		}
	}
	if len(vs) == 0 {
		return BenchmarkPage{}, fmt.Errorf("benchmark %q: %w", name, ErrNotFound)
	}
	cur := currentVersions(vs)[0]
	counts := map[string]int{}
	for _, r := range b.Rows {
		seen := map[string]bool{}
		for _, c := range r.Cells {
			if c.Benchmark == name && !seen[c.BenchmarkVersion] {
				seen[c.BenchmarkVersion] = true
				counts[c.BenchmarkVersion]++
			}
		}
	}
	page := BenchmarkPage{Name: name, Kind: cur.Kind, Measures: measures(cur.Kind)}
	for _, v := range vs {
		info := VersionInfo{Version: v.Version, Scorer: v.ScorerVersion, DataDigest: v.DataDigest, Synthetic: v.Synthetic,
			Description: v.Description, Registered: v.CreatedAt.UTC(), Models: counts[v.Version]}
		page.Versions = append(page.Versions, info)
		if v.ID == cur.ID {
			page.Current = info
		}
	}
	sort.SliceStable(page.Versions, func(i, j int) bool { return page.Versions[i].Registered.After(page.Versions[j].Registered) })
	f := parseFigures(cur)
	keys := make([]string, 0, len(f.ceiling))
	for k := range f.ceiling {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := f.ceiling[k]
		if !c.Mean.Defined() {
			continue
		}
		cf := CeilingFigure{Metric: c.Metric, Mode: c.Mode, Mean: float64(c.Mean), Animals: len(c.Animals)}
		if c.SEM.Defined() {
			cf.SEM = fp(float64(c.SEM))
		}
		if c.Max.Defined() {
			cf.Max = fp(float64(c.Max))
		}
		if c.Min != nil && c.Min.Defined() {
			cf.Min = fp(float64(*c.Min))
		}
		if c.CI != nil {
			cf.CI = interval(c.CI.Low, c.CI.High)
		}
		page.Ceilings = append(page.Ceilings, cf)
	}
	for _, m := range []string{ScorerV1, ScorerV2} {
		if in, ok := f.input[m]; ok && in.Score.Defined() {
			bf := BaselineFigure{Label: "raw input", Scorer: m, Value: float64(in.Score)}
			if in.ScoreCI != nil {
				bf.CI = interval(in.ScoreCI.Animals.Low, in.ScoreCI.Animals.High)
			}
			page.Baselines = append(page.Baselines, bf)
		}
	}
	if f.chance1 != nil {
		page.Baselines = append(page.Baselines, BaselineFigure{Label: "chance, top-1", Scorer: "k/classes", Value: *f.chance1})
	}
	if f.chance5 != nil {
		page.Baselines = append(page.Baselines, BaselineFigure{Label: "chance, top-5", Scorer: "k/classes", Value: *f.chance5})
	}
	if p := f.rawProbe; p != nil {
		page.Baselines = append(page.Baselines,
			BaselineFigure{Label: "raw-input probe, top-1", Scorer: ScorerProbe, Value: p.Top1, CI: Wilson(p.Top1, p.NTest)},
			BaselineFigure{Label: "raw-input probe, top-5", Scorer: ScorerProbe, Value: p.Top5, CI: Wilson(p.Top5, p.NTest)})
	}
	page.BibTeX = BenchmarkBibTeX(cur)
	return page, nil
}

// BenchmarkBibTeX cites a benchmark version and the paper it follows.
func BenchmarkBibTeX(b catalog.Benchmark) string {
	key := "whiskerbench-" + strings.Trim(bibKeyUnsafe.ReplaceAllString(b.Name+"-"+b.Version, "-"), "-")
	return fmt.Sprintf(`@misc{%s,
  title        = {{%s}, version {%s}: a whiskerbench benchmark},
  author       = {{whiskerbench contributors}},
  year         = {%d},
  howpublished = {whiskerbench, data digest %s, scorer %s},
  note         = {Follows Chung, Shen, Kong and Nayebi (2025)}
}

@inproceedings{chung2025tactile,
  title     = {Task-Optimized Convolutional Recurrent Networks Align with Tactile Processing in the Rodent Brain},
  author    = {Chung and Shen and Kong and Nayebi},
  booktitle = {Advances in Neural Information Processing Systems},
  year      = {2025},
  eprint    = {2505.18361},
  archivePrefix = {arXiv}
}
`, key, bibEscape(b.Name), bibEscape(b.Version), b.CreatedAt.Year(), bibEscape(b.DataDigest), bibEscape(b.ScorerVersion))
}
