package leaderboard

import (
	"encoding/json"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/evaluator"
	"github.com/whiskerbench/whiskerbench/evaluator/probe"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// Scorer versions of the model-level rows the board reads.
const (
	ScorerV2    = evaluator.MetricV2
	ScorerV1    = evaluator.MetricPaperV1
	ScorerProbe = catalog.ClassificationScorer
)

// Column keys of the first benchmark of each kind; a second benchmark of
// the same kind gets "<name>:" in front of its keys.
const (
	KeyV2        = "rsa-v2"
	KeyV1        = "rsa-paper-v1"
	KeyTop1      = "top1"
	KeyTop5      = "top5"
	KeyAggregate = "aggregate"
)

// AggregateDefinition is shown wherever the aggregate is.
const AggregateDefinition = "Aggregate = the mean over the current benchmarks of one normalised score each: " +
	"the rsa-v2 score of a neural benchmark (noise-corrected, not divided by the ceiling) and the chance-corrected " +
	"top-1 accuracy (top1 − chance)/(1 − chance) of a classification benchmark. It is missing unless the model has a " +
	"score on the current version of every current benchmark; a missing score is never counted as zero. Its interval " +
	"is the mean of the lower and of the upper bounds (conservative)."

// TieRule is shown beside the ranks.
const TieRule = "Ranks: a model shares the rank of the model above it when their 95% intervals overlap (ties chain); " +
	"the tie group takes the rank of its first member, so ranks read 1, 1, 3. Columns without intervals tie only on " +
	"equal values. Scores on an older benchmark version are shown but not ranked."

// ModelRecord is a public model with its latest scored, published
// submission.
type ModelRecord struct {
	ModelID      int64      `gorm:"column:model_id"`
	Name         string     `gorm:"column:name"`
	Lab          string     `gorm:"column:lab"`
	Family       string     `gorm:"column:family"`
	Encoder      string     `gorm:"column:encoder"`
	Attender     string     `gorm:"column:attender"`
	Decoder      string     `gorm:"column:decoder"`
	ParamCount   *int64     `gorm:"column:param_count"`
	TrainingData string     `gorm:"column:training_data"`
	Objective    string     `gorm:"column:objective"`
	PaperURL     string     `gorm:"column:paper_url"`
	Reference    bool       `gorm:"column:reference"`
	SubmissionID int64      `gorm:"column:submission_id"`
	Kind         string     `gorm:"column:kind"`
	Reproduced   bool       `gorm:"column:reproduced"`
	SubmittedAt  time.Time  `gorm:"column:submitted_at"`
	FinishedAt   *time.Time `gorm:"column:finished_at"`
	UpdatedAt    time.Time  `gorm:"column:updated_at"`
}

// ScoredAt is when the submission's scoring finished.
func (m ModelRecord) ScoredAt() time.Time {
	if m.FinishedAt != nil {
		return m.FinishedAt.UTC()
	}
	return m.UpdatedAt.UTC()
}

// ScoreRecord is one model-level score row (layer "").
type ScoreRecord struct {
	SubmissionID int64    `gorm:"column:submission_id"`
	BenchmarkID  int64    `gorm:"column:benchmark_id"`
	Scorer       string   `gorm:"column:scorer_version"`
	Target       string   `gorm:"column:target"`
	Value        *float64 `gorm:"column:value"`
	CILow        *float64 `gorm:"column:ci_low"`
	CIHigh       *float64 `gorm:"column:ci_high"`
}

// Snapshot is what Build reads: every benchmark version, the public
// models, and the model-level scores of their latest published submissions.
type Snapshot struct {
	Stamp      string
	Benchmarks []catalog.Benchmark
	Models     []ModelRecord
	Scores     []ScoreRecord
}

// Column is one score column of the board.
type Column struct {
	Key       string `json:"key"`
	Label     string `json:"label"`
	Benchmark string `json:"benchmark"`
	Version   string `json:"benchmark_version"` // the current version; cells say their own
	Kind      string `json:"kind"`
	Scorer    string `json:"scorer_version"`
	Target    string `json:"target"`
	Interval  string `json:"interval"` // what the interval is, or "" for none
	Ranked    bool   `json:"ranked"`
}

// BenchmarkRef is a current benchmark version.
type BenchmarkRef struct {
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	Kind      string   `json:"kind"`
	Scorer    string   `json:"scorer_version"`
	Synthetic bool     `json:"synthetic"`
	Chance    *float64 `json:"chance_top1,omitempty"`
	NTest     int      `json:"n_test,omitempty"`
}

// Cell is one model's score in one column.
type Cell struct {
	Key              string    `json:"-"` // the column's
	Value            float64   `json:"value"`
	CI               *Interval `json:"ci"`
	Benchmark        string    `json:"benchmark"`
	BenchmarkVersion string    `json:"benchmark_version"`
	Scorer           string    `json:"scorer_version"`
	Current          bool      `json:"current"` // scored on the column's current version
	Place
}

// Row is one model on the board.
type Row struct {
	ModelID      int64     `json:"model_id"`
	Name         string    `json:"name"`
	Lab          string    `json:"lab"`
	Family       string    `json:"family,omitempty"`
	Encoder      string    `json:"encoder,omitempty"`
	Attender     string    `json:"attender,omitempty"`
	Decoder      string    `json:"decoder,omitempty"`
	ParamCount   *int64    `json:"param_count"`
	TrainingData string    `json:"training_data,omitempty"`
	Objective    string    `json:"objective,omitempty"`
	PaperURL     string    `json:"paper_url,omitempty"`
	Reference    bool      `json:"reference"`
	SubmissionID int64     `json:"submission_id"`
	Reproduced   bool      `json:"reproduced"` // scored from its activations and from its weights, agreeing
	ScoredAt     time.Time `json:"scored_at"`
	Cells        Cells     `json:"scores"` // by column key; absent = missing
	Aggregate    *Cell     `json:"aggregate"`
}

// RefCell is a reference row's figure in one column.
type RefCell struct {
	Value            float64   `json:"value"`
	SEM              *float64  `json:"sem,omitempty"`
	Max              *float64  `json:"max,omitempty"`
	CI               *Interval `json:"ci,omitempty"`
	BenchmarkVersion string    `json:"benchmark_version"`
	Scorer           string    `json:"scorer_version"`
}

// Reference row kinds.
const (
	RefCeiling  = "ceiling"
	RefBaseline = "baseline"
	RefPaper    = "paper"
)

// ReferenceRow is a row that is read against, never ranked.
type ReferenceRow struct {
	Kind   string             `json:"kind"`
	Label  string             `json:"label"`
	Note   string             `json:"note"`
	Caveat string             `json:"caveat,omitempty"`
	Source string             `json:"source"`
	Cells  map[string]RefCell `json:"figures"`
}

// Options are the values the filters can take on this board.
type Options struct {
	Families   []string `json:"families"`
	Encoders   []string `json:"encoders"`
	Attenders  []string `json:"attenders"`
	Objectives []string `json:"objectives"`
	Labs       []string `json:"labs"`
}

// Board is every public model, ranked, with the reference rows.
type Board struct {
	Stamp      string         `json:"stamp"`
	Benchmarks []BenchmarkRef `json:"benchmarks"`
	Columns    []Column       `json:"columns"`
	Rows       []Row          `json:"-"`
	References []ReferenceRow `json:"references"`
	Paper      []ReferenceRow `json:"paper"`
	Options    Options        `json:"options"`

	// What a Rebuild from this board starts from: each column's ranked
	// order (row indices; the aggregate's last) and the filters' counts.
	orders [][]int32
	counts optionCounts
}

// currentVersions returns the latest version of each benchmark name, the
// neural ones first, then by name.
func currentVersions(all []catalog.Benchmark) []catalog.Benchmark {
	latest := map[string]catalog.Benchmark{}
	for _, b := range all {
		cur, ok := latest[b.Name]
		if !ok || b.CreatedAt.After(cur.CreatedAt) || (b.CreatedAt.Equal(cur.CreatedAt) && b.ID > cur.ID) {
			latest[b.Name] = b
		}
	}
	out := make([]catalog.Benchmark, 0, len(latest))
	for _, b := range latest {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Kind == benchmarks.NeuralRSA) != (out[j].Kind == benchmarks.NeuralRSA) {
			return out[i].Kind == benchmarks.NeuralRSA
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// figures are the parsed ceiling and baseline JSON of a benchmark version.
type figures struct {
	ceiling  map[string]evaluator.CeilingResult
	input    map[string]evaluator.InputResult
	chance1  *float64
	chance5  *float64
	rawProbe *probe.Result
}

func parseFigures(b catalog.Benchmark) figures {
	var f figures
	var ceil map[string]json.RawMessage
	if json.Unmarshal(b.Ceiling, &ceil) == nil {
		f.ceiling = map[string]evaluator.CeilingResult{}
		for k, raw := range ceil {
			var c evaluator.CeilingResult
			if json.Unmarshal(raw, &c) == nil && c.Metric != "" {
				f.ceiling[k] = c
			}
		}
	}
	var base map[string]json.RawMessage
	if json.Unmarshal(b.Baselines, &base) == nil {
		f.input = map[string]evaluator.InputResult{}
		for k, raw := range base {
			switch {
			case strings.HasPrefix(k, "raw-input/"):
				var r evaluator.InputResult
				if json.Unmarshal(raw, &r) == nil {
					f.input[strings.TrimPrefix(k, "raw-input/")] = r
				}
			case k == "chance_top1" || k == "chance_top5":
				var v float64
				if json.Unmarshal(raw, &v) == nil {
					if k == "chance_top1" {
						f.chance1 = &v
					} else {
						f.chance5 = &v
					}
				}
			case k == "raw-input-probe":
				var r probe.Result
				if json.Unmarshal(raw, &r) == nil {
					f.rawProbe = &r
				}
			}
		}
	}
	return f
}

func defined(v evaluator.Value) bool { return v.Defined() }

func fp(v float64) *float64 { return &v }

func interval(lo, hi evaluator.Value) *Interval {
	if !lo.Defined() || !hi.Defined() {
		return nil
	}
	return &Interval{Low: float64(lo), High: float64(hi)}
}

// Build turns a snapshot into a ranked board.
func Build(s Snapshot) *Board { return assemble(nil, s, nil) }

// Rebuild returns the board of snapshot s, equal to Build(s), given prev,
// the board of an earlier snapshot with the same benchmarks whose models
// and scores differ from s only for the model ids in changed. The rows of
// the other models are copied from prev (cells and all, so prev is never
// written: requests may still be reading it) instead of being computed
// again. The ranks, which any new score can move, are placed again over
// every row, but only the changed rows are sorted: they are merged into
// each column's ranked order from prev (rankColumn); the filters' options
// are prev's counts with the changed rows taken out and put back. A nil
// prev, or one with other columns, builds from scratch.
func Rebuild(prev *Board, s Snapshot, changed map[int64]bool) *Board {
	return assemble(prev, s, changed)
}

func assemble(prev *Board, s Snapshot, changed map[int64]bool) *Board {
	cur := currentVersions(s.Benchmarks)
	figs := map[int64]figures{}
	byID := map[int64]catalog.Benchmark{}
	for _, b := range s.Benchmarks {
		byID[b.ID] = b
		figs[b.ID] = parseFigures(b)
	}
	board := &Board{Stamp: s.Stamp}
	seenKind := map[string]bool{}
	type colSource struct {
		col   Column
		bench catalog.Benchmark
	}
	var cols []colSource
	for _, b := range cur {
		prefix := ""
		if seenKind[b.Kind] {
			prefix = b.Name + ":"
		}
		seenKind[b.Kind] = true
		ref := BenchmarkRef{Name: b.Name, Version: b.Version, Kind: b.Kind, Scorer: b.ScorerVersion, Synthetic: b.Synthetic}
		f := figs[b.ID]
		switch b.Kind {
		case benchmarks.NeuralRSA:
			cols = append(cols,
				colSource{Column{Key: prefix + KeyV2, Label: "Neural rsa-v2", Benchmark: b.Name, Version: b.Version, Kind: b.Kind, Scorer: ScorerV2,
					Interval: "95% bootstrap interval over animals (evaluator)", Ranked: true}, b},
				colSource{Column{Key: prefix + KeyV1, Label: "Neural rsa-paper-v1", Benchmark: b.Name, Version: b.Version, Kind: b.Kind, Scorer: ScorerV1,
					Ranked: true}, b})
		case benchmarks.Classification:
			ref.Chance = f.chance1
			if f.rawProbe != nil {
				ref.NTest = f.rawProbe.NTest
			}
			wil := "Wilson 95% interval over held-out sweeps (leaderboard; sweeps of one object are correlated, so it is narrow)"
			cols = append(cols,
				colSource{Column{Key: prefix + KeyTop1, Label: "Top-1 (held-out)", Benchmark: b.Name, Version: b.Version, Kind: b.Kind, Scorer: ScorerProbe,
					Target: "top1", Interval: wil, Ranked: true}, b},
				colSource{Column{Key: prefix + KeyTop5, Label: "Top-5 (held-out)", Benchmark: b.Name, Version: b.Version, Kind: b.Kind, Scorer: ScorerProbe,
					Target: "top5", Interval: wil, Ranked: true}, b})
		}
		board.Benchmarks = append(board.Benchmarks, ref)
	}
	for _, c := range cols {
		board.Columns = append(board.Columns, c.col)
	}

	// Scores of each submission, by column (benchmark name, scorer and
	// target); the current version wins, else the newest version present.
	// best[row*len(cols)+col] is the index of the score in s.Scores, plus one.
	curID := map[string]int64{}
	for _, b := range cur {
		curID[b.Name] = b.ID
	}
	// reuse[i] is the index in prev.Rows of model i's row, plus one, when
	// that row can be copied; only the other rows read the scores.
	reuse := reusableRows(prev, board.Columns, s.Models, changed)
	rowOf := make(map[int64]int)
	for i, m := range s.Models {
		if reuse == nil || reuse[i] == 0 {
			rowOf[m.SubmissionID] = i
		}
	}
	best := make([]int32, len(s.Models)*len(cols))
	for i, r := range s.Scores {
		b, ok := byID[r.BenchmarkID]
		if !ok || r.Value == nil || math.IsNaN(*r.Value) {
			continue
		}
		row, ok := rowOf[r.SubmissionID]
		if !ok {
			continue
		}
		for ci, c := range cols {
			if c.col.Benchmark != b.Name || c.col.Scorer != r.Scorer || c.col.Target != r.Target {
				continue
			}
			slot := &best[row*len(cols)+ci]
			if *slot != 0 {
				old := s.Scores[*slot-1]
				ob := byID[old.BenchmarkID]
				if old.BenchmarkID == curID[b.Name] || (r.BenchmarkID != curID[b.Name] && ob.CreatedAt.After(b.CreatedAt)) {
					break
				}
			}
			*slot = int32(i + 1)
			break
		}
	}

	// Rows are independent of each other, and so are the columns' ranks:
	// both are computed in parallel (after a new score every request waits
	// for this build). Every row's cells live in one slab, k+1 slots a row
	// (its columns' cells, then its aggregate), so that a copied row costs
	// a struct copy and a slot copy, not a map and an allocation.
	k := len(cols)
	slab := make([]Cell, len(s.Models)*(k+1))
	board.Rows = make([]Row, len(s.Models))
	inParallel(len(s.Models), func(lo, hi int) {
		for mi := lo; mi < hi; mi++ {
			slots := slab[mi*(k+1) : (mi+1)*(k+1)]
			if reuse != nil && reuse[mi] != 0 {
				old := &prev.Rows[reuse[mi]-1]
				row := *old
				n := copy(slots, old.Cells)
				row.Cells = Cells(slots[:n:n])
				if old.Aggregate != nil {
					slots[n] = *old.Aggregate
					row.Aggregate = &slots[n]
				}
				board.Rows[mi] = row
				continue
			}
			m := s.Models[mi]
			row := Row{ModelID: m.ModelID, Name: m.Name, Lab: m.Lab, Family: m.Family, Encoder: m.Encoder, Attender: m.Attender, Decoder: m.Decoder,
				ParamCount: m.ParamCount, TrainingData: m.TrainingData, Objective: m.Objective, PaperURL: m.PaperURL, Reference: m.Reference,
				SubmissionID: m.SubmissionID, Reproduced: m.Reproduced, ScoredAt: m.ScoredAt()}
			n := 0
			for ci, c := range cols {
				slot := best[mi*len(cols)+ci]
				if slot == 0 {
					continue
				}
				r := s.Scores[slot-1]
				b := byID[r.BenchmarkID]
				cell := Cell{Key: c.col.Key, Value: *r.Value, Benchmark: b.Name, BenchmarkVersion: b.Version, Scorer: r.Scorer, Current: b.ID == c.bench.ID}
				switch {
				case r.CILow != nil && r.CIHigh != nil && *r.CILow <= *r.CIHigh:
					cell.CI = &Interval{Low: *r.CILow, High: *r.CIHigh}
				case c.col.Kind == benchmarks.Classification:
					if p := figs[b.ID].rawProbe; p != nil {
						cell.CI = Wilson(cell.Value, p.NTest)
					}
				}
				slots[n] = cell
				n++
			}
			row.Cells = Cells(slots[:n:n])
			if agg := aggregateCell(&row, board.Columns, cur, figs); agg != nil {
				slots[n] = *agg
				row.Aggregate = &slots[n]
			}
			board.Rows[mi] = row
		}
	})

	// The rows computed afresh, and each old row's new index (-1 when it
	// was not copied): only those rows change the ranks' order and the
	// filters' options.
	var fresh, to []int32
	var prevOrders [][]int32
	if reuse != nil && len(prev.orders) == k+1 {
		prevOrders = prev.orders
		to = make([]int32, len(prev.Rows))
		for i := range to {
			to[i] = -1
		}
	}
	for mi := range board.Rows {
		if to != nil && reuse[mi] != 0 {
			to[reuse[mi]-1] = int32(mi)
			continue
		}
		fresh = append(fresh, int32(mi))
	}

	// Ranks per column and for the aggregate, over current-version cells;
	// each column's cells are its own, so the columns rank in parallel.
	board.orders = make([][]int32, k+1)
	var wg sync.WaitGroup
	for ri := range k + 1 {
		wg.Go(func() {
			cells := make([]*Cell, len(board.Rows))
			for i := range board.Rows {
				if ri == k {
					cells[i] = board.Rows[i].Aggregate
				} else {
					cells[i] = board.Rows[i].Cells.Get(board.Columns[ri].Key)
				}
			}
			var prevOrder []int32
			if prevOrders != nil {
				prevOrder = prevOrders[ri]
			}
			board.orders[ri] = rankColumn(cells, fresh, prevOrder, to)
		})
	}
	if to != nil {
		board.counts = prev.counts.clone()
		for o, i := range to {
			if i < 0 {
				board.counts.add(&prev.Rows[o], -1)
			}
		}
	} else {
		board.counts = newOptionCounts()
	}
	for _, i := range fresh {
		board.counts.add(&board.Rows[i], 1)
	}
	board.Options = board.counts.options()
	wg.Wait()

	board.References = referenceRows(cur, figs, board.Columns)
	board.Paper = PaperRows()
	return board
}

// aggregateCell computes the aggregate of a row's current-version cells.
func aggregateCell(row *Row, cols []Column, cur []catalog.Benchmark, figs map[int64]figures) *Cell {
	var parts []Part
	var versions []string
	for _, b := range cur {
		var part Part
		for _, c := range cols {
			if c.Benchmark != b.Name {
				continue
			}
			cell := row.Cells.Get(c.Key)
			switch {
			case c.Kind == benchmarks.NeuralRSA && c.Scorer == ScorerV2:
				if cell != nil && cell.Current {
					part = Part{Value: cell.Value, CI: cell.CI, OK: true}
				}
			case c.Kind == benchmarks.Classification && c.Target == "top1":
				ch := figs[b.ID].chance1
				if cell != nil && cell.Current && ch != nil {
					v, ok := ChanceCorrected(cell.Value, *ch)
					part = Part{Value: v, OK: ok}
					if ok && cell.CI != nil {
						lo, _ := ChanceCorrected(cell.CI.Low, *ch)
						hi, _ := ChanceCorrected(cell.CI.High, *ch)
						part.CI = &Interval{Low: lo, High: hi}
					}
				}
			default:
				continue
			}
		}
		parts = append(parts, part)
		versions = append(versions, b.Name+"@"+b.Version)
	}
	v, ci, ok := Aggregate(parts)
	if !ok {
		return nil
	}
	return &Cell{Value: v, CI: ci, Benchmark: "aggregate", BenchmarkVersion: strings.Join(versions, " + "), Scorer: "mean of normalised scores", Current: true}
}

func referenceRows(cur []catalog.Benchmark, figs map[int64]figures, cols []Column) []ReferenceRow {
	ceiling := ReferenceRow{Kind: RefCeiling, Label: "Animal-to-animal ceiling",
		Note:   "Many-to-one consistency: each animal predicted from the others, mean ± SEM over animals; max is the best single animal.",
		Source: "this benchmark version's ceiling", Cells: map[string]RefCell{}}
	raw := ReferenceRow{Kind: RefBaseline, Label: "Raw input",
		Note:   "The time-averaged whisker input itself, scored as a layer (neural) or with the same linear probe (classification).",
		Source: "this benchmark version's baselines", Cells: map[string]RefCell{}}
	chance := ReferenceRow{Kind: RefBaseline, Label: "Chance", Note: "Guessing: k over the number of classes.",
		Source: "this benchmark version's baselines", Cells: map[string]RefCell{}}
	for _, c := range cols {
		var b catalog.Benchmark
		for _, x := range cur {
			if x.Name == c.Benchmark {
				b = x
			}
		}
		f := figs[b.ID]
		switch c.Kind {
		case benchmarks.NeuralRSA:
			if ce, ok := f.ceiling[c.Scorer]; ok && defined(ce.Mean) {
				rc := RefCell{Value: float64(ce.Mean), BenchmarkVersion: b.Version, Scorer: c.Scorer}
				if defined(ce.SEM) {
					rc.SEM = fp(float64(ce.SEM))
				}
				if defined(ce.Max) {
					rc.Max = fp(float64(ce.Max))
				}
				if ce.CI != nil {
					rc.CI = interval(ce.CI.Low, ce.CI.High)
				}
				ceiling.Cells[c.Key] = rc
			}
			if in, ok := f.input[c.Scorer]; ok {
				// The same estimator as the models' scores; rsa-paper-v1's
				// filtered mean may be undefined for the input, and then the
				// cell is missing rather than filled with another estimator.
				if v := in.Score; defined(v) {
					rc := RefCell{Value: float64(v), BenchmarkVersion: b.Version, Scorer: c.Scorer}
					if in.ScoreCI != nil {
						rc.CI = interval(in.ScoreCI.Animals.Low, in.ScoreCI.Animals.High)
					}
					raw.Cells[c.Key] = rc
				}
			}
		case benchmarks.Classification:
			if p := f.rawProbe; p != nil {
				v := p.Top1
				var ch *float64 = f.chance1
				if c.Target == "top5" {
					v, ch = p.Top5, f.chance5
				}
				raw.Cells[c.Key] = RefCell{Value: v, CI: Wilson(v, p.NTest), BenchmarkVersion: b.Version, Scorer: c.Scorer}
				if ch != nil {
					chance.Cells[c.Key] = RefCell{Value: *ch, BenchmarkVersion: b.Version, Scorer: "k/classes"}
				}
			}
		}
	}
	var out []ReferenceRow
	for _, r := range []ReferenceRow{ceiling, raw, chance} {
		if len(r.Cells) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// inParallel runs work over [0, n) in one contiguous chunk per CPU and
// waits for all of them.
func inParallel(n int, work func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), max(n/1000, 1))
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := n*p/parts, n*(p+1)/parts
		wg.Go(func() { work(lo, hi) })
	}
	wg.Wait()
}
