package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/structure"
)

// rdmView is the model page's pair of heatmaps, or why there is none.
type rdmView struct {
	Model, Neural structure.Heatmap
	Caption       string
	Unavailable   string
}

// stimuliView is the benchmark page's neural RDM and stimulus traces.
type stimuliView struct {
	RDM               *structure.Heatmap
	RDMSource         string
	RDMUnavailable    string
	Traces            *structure.TraceSet
	TracesUnavailable string
}

// unavailable turns an error into a sentence for the page; errors other
// than missing files are logged.
func (h *boardPages) unavailable(ctx context.Context, what string, err error) string {
	if !errors.Is(err, structure.ErrUnavailable) {
		h.s.logger.ErrorContext(ctx, "representational structure", "what", what, "err", err)
		return "Could not compute the " + what + " (logged for the maintainers)."
	}
	// The error may name server paths: it goes to the log, not the page.
	h.s.logger.DebugContext(ctx, "representational structure unavailable", "what", what, "err", err)
	return "The " + what + " is not available on this server (the files it is computed from are not here)."
}

// modelRDM computes the model page's RDM pair; the string says why not.
func (h *boardPages) modelRDM(ctx context.Context, mp leaderboard.ModelPage) (*structure.Pair, string) {
	if h.st == nil {
		return nil, "RDMs are not computed on this server."
	}
	if mp.NeuralBenchmark == "" {
		return nil, "This model has no neural score, so there is no RDM to compare."
	}
	b, err := h.st.Version(ctx, mp.NeuralBenchmark, mp.NeuralVersion)
	if err != nil {
		return nil, h.unavailable(ctx, "model RDM", err)
	}
	p, err := h.st.ModelRDM(ctx, mp.Submission.ID, b)
	if err != nil {
		return nil, h.unavailable(ctx, "model RDM", err)
	}
	return &p, ""
}

func rdmViewOf(p *structure.Pair, why string) rdmView {
	if p == nil {
		return rdmView{Unavailable: why}
	}
	return rdmView{
		Model:  structure.NewHeatmap("model", "Model: "+p.Model.Source, p.Model.Values, p.Model.Stimuli, p.Model.Labels),
		Neural: structure.NewHeatmap("neural", "Barrel cortex: "+p.Neural.Source, p.Neural.Values, p.Neural.Stimuli, p.Neural.Labels),
		Caption: fmt.Sprintf("Dissimilarity (1 − Pearson r) between the responses to each pair of stimuli: the model at the layer its %s score on %s @ %s came from, "+
			"and the pooled neural population of that benchmark version. Raw RSA between the two (Pearson r of the upper triangles, not noise-corrected): %s.",
			p.Metric, p.Benchmark, p.Version, leaderboard.Num(p.Similarity)),
	}
}

// benchmarkStructure computes the benchmark page's neural RDM and traces.
func (h *boardPages) benchmarkStructure(ctx context.Context, bp leaderboard.BenchmarkPage) (*structure.Labelled, *structure.Stimuli, stimuliView) {
	var v stimuliView
	if h.st == nil {
		return nil, nil, v
	}
	b, err := h.st.Version(ctx, bp.Name, bp.Current.Version)
	if err != nil {
		v.RDMUnavailable = h.unavailable(ctx, "neural RDM", err)
		return nil, nil, v
	}
	var rdm *structure.Labelled
	var st *structure.Stimuli
	if r, err := h.st.NeuralRDM(ctx, b); err != nil {
		v.RDMUnavailable = h.unavailable(ctx, "neural RDM", err)
	} else {
		rdm = &r
		hm := structure.NewHeatmap("neural", "Barrel cortex: "+r.Source, r.Values, r.Stimuli, r.Labels)
		v.RDM, v.RDMSource = &hm, r.Source
	}
	if s, err := h.st.StimulusTraces(ctx, b); err != nil {
		v.TracesUnavailable = h.unavailable(ctx, "stimulus traces", err)
	} else {
		st = &s
		ts := structure.NewTraceSet(s)
		v.Traces = &ts
	}
	return rdm, st, v
}
