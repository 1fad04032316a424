package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Summary is a benchmark version as listed for people.
type Summary struct {
	Name          string          `json:"name"`
	Version       string          `json:"version"`
	Kind          string          `json:"kind"`
	ScorerVersion string          `json:"scorer_version"`
	Synthetic     bool            `json:"synthetic"`
	DataDigest    string          `json:"data_digest"`
	Description   string          `json:"description"`
	Ceiling       json.RawMessage `json:"ceiling"`
	Baselines     json.RawMessage `json:"baselines"`
	Line          string          `json:"-"`
}

// Summaries turns registered versions into listings with a one-line
// digest of their figures.
func Summaries(bs []Benchmark) []Summary {
	out := make([]Summary, len(bs))
	for i, b := range bs {
		out[i] = Summary{Name: b.Name, Version: b.Version, Kind: b.Kind, ScorerVersion: b.ScorerVersion, Synthetic: b.Synthetic,
			DataDigest: b.DataDigest, Description: b.Description, Ceiling: b.Ceiling, Baselines: b.Baselines, Line: figureLine(b)}
	}
	return out
}

func num(v any) string {
	f, ok := v.(float64)
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.3f", f)
}

func figureLine(b Benchmark) string {
	var ceil, base map[string]any
	json.Unmarshal(b.Ceiling, &ceil)
	json.Unmarshal(b.Baselines, &base)
	var parts []string
	if b.Synthetic {
		parts = append(parts, "SYNTHETIC neural data;")
	}
	get := func(m map[string]any, keys ...string) any {
		var cur any = m
		for _, k := range keys {
			mm, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = mm[k]
		}
		return cur
	}
	switch b.Kind {
	case "neural-rsa":
		parts = append(parts,
			"a2a (v1) mean "+num(get(ceil, "rsa-paper-v1", "mean"))+" ± "+num(get(ceil, "rsa-paper-v1", "sem"))+" max "+num(get(ceil, "rsa-paper-v1", "max"))+";",
			"a2a (v2) mean "+num(get(ceil, "rsa-v2", "mean"))+";",
			"raw input (v1) "+num(get(base, "raw-input/rsa-paper-v1", "score"))+", (v2) "+num(get(base, "raw-input/rsa-v2", "score")))
	case "classification":
		parts = append(parts,
			"chance top-1 "+num(get(base, "chance_top1"))+" top-5 "+num(get(base, "chance_top5"))+";",
			"raw-input probe top-1 "+num(get(base, "raw-input-probe", "top1"))+" top-5 "+num(get(base, "raw-input-probe", "top5")))
	}
	return strings.Join(parts, " ")
}
