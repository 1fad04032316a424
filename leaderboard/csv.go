package leaderboard

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteCSV writes the view as CSV: one line per model in view order, then
// the reference rows and the paper's figures (row_type says which). Each
// score column has its value, interval, rank, tie flag, benchmark version
// and scorer version; an empty value is a missing score.
func (v View) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"row_type", "model_id", "name", "lab", "family", "encoder", "attender", "decoder", "objective", "training_data", "param_count", "reference", "submission_id"}
	keys := append(v.scoreKeys(), KeyAggregate)
	for _, k := range keys {
		head = append(head, k, k+"_ci_low", k+"_ci_high", k+"_rank", k+"_tied", k+"_benchmark_version", k+"_scorer_version")
	}
	head = append(head, "note", "source")
	if err := cw.Write(head); err != nil {
		return fmt.Errorf("write csv header: %w", err)
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, r := range v.Rows {
		pc := ""
		if r.ParamCount != nil {
			pc = strconv.FormatInt(*r.ParamCount, 10)
		}
		line := []string{"model", strconv.FormatInt(r.ModelID, 10), r.Name, r.Lab, r.Family, r.Encoder, r.Attender, r.Decoder, r.Objective, r.TrainingData, pc,
			strconv.FormatBool(r.Reference), strconv.FormatInt(r.SubmissionID, 10)}
		for _, k := range keys {
			c := r.Cells.Get(k)
			if k == KeyAggregate {
				c = r.Aggregate
			}
			if c == nil {
				line = append(line, "", "", "", "", "", "", "")
				continue
			}
			lo, hi, rank := "", "", ""
			if c.CI != nil {
				lo, hi = f(c.CI.Low), f(c.CI.High)
			}
			if c.Rank > 0 {
				rank = strconv.Itoa(c.Rank)
			}
			line = append(line, f(c.Value), lo, hi, rank, strconv.FormatBool(c.Tied), c.BenchmarkVersion, c.Scorer)
		}
		line = append(line, "", "")
		if err := cw.Write(line); err != nil {
			return fmt.Errorf("write csv row: %w", err)
		}
	}
	refs := append(append([]ReferenceRow{}, v.References...), v.Paper...)
	for _, r := range refs {
		line := []string{r.Kind, "", r.Label, "", "", "", "", "", "", "", "", "", ""}
		note := strings.TrimSpace(r.Note + " " + r.Caveat)
		for _, k := range keys {
			if c, ok := r.Cells[k]; ok && (c.SEM != nil || c.Max != nil) {
				note += " " + k + ": " + RefText(c) + "."
			}
		}
		for _, k := range keys {
			c, ok := r.Cells[k]
			if !ok {
				line = append(line, "", "", "", "", "", "", "")
				continue
			}
			lo, hi := "", ""
			if c.CI != nil {
				lo, hi = f(c.CI.Low), f(c.CI.High)
			}
			line = append(line, f(c.Value), lo, hi, "", "", c.BenchmarkVersion, c.Scorer)
		}
		line = append(line, note, r.Source)
		if err := cw.Write(line); err != nil {
			return fmt.Errorf("write csv row: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
