package evaluator

// Metric versions. Every result carries the one it was computed with.
const (
	// MetricPaperV1 reproduces the paper's noise-corrected RSA and its
	// aggregation exactly (Chung et al. 2025, paper-spec §1.4–1.9).
	MetricPaperV1 = "rsa-paper-v1"
	// MetricV2 is whiskerbench's corrected metric; see the package doc.
	MetricV2 = "rsa-v2"
)

// Options are the knobs of an evaluation. DefaultOptions gives the paper's.
type Options struct {
	Iterations    int    // split-half iterations (paper: 1000)
	StartSeed     uint32 // numpy seed of the first iteration (paper: 1234)
	Workers       int    // goroutines; ≤ 0 means GOMAXPROCS. Results do not depend on it.
	Resamples     int    // rsa-v2 bootstrap resamples
	BootstrapSeed uint32 // rsa-v2 bootstrap seed (MT19937)
}

// DefaultOptions returns the paper's split halves (1000 iterations, seeds
// 1234…2233; paper-spec §1.4) and 1000 rsa-v2 bootstrap resamples.
func DefaultOptions() Options {
	return Options{Iterations: 1000, StartSeed: 1234, Resamples: 1000, BootstrapSeed: 20250524}
}

// TargetScore is one (layer, target) entry.
//
// rsa-paper-v1: Raw is r_xy, the RSA of the full trial means; Corrected is
// the mean of r_xy/sqrt(SB(r_yy)) over the iterations with raw r_yy ≥ 0.5;
// Kept counts them; CILow and CIHigh are null (the paper has none).
//
// rsa-v2: Raw is r_xy; Corrected is mean_i RSA(model, half-mean RDM_i)
// / sqrt(mean_i r_yy,i) over every valid iteration (no filter); Kept counts
// the valid iterations; CILow/CIHigh are the 95% percentile bootstrap
// interval over split-half iterations.
type TargetScore struct {
	Raw       Value `json:"raw"`
	Corrected Value `json:"corrected"`
	Kept      int   `json:"kept"`
	CILow     Value `json:"ci_low"`
	CIHigh    Value `json:"ci_high"`
}

// Best names the layer and target behind a model's score.
type Best struct {
	Layer  string `json:"layer"`
	Target string `json:"target"`
}

// Interval is a two-sided 95% confidence interval.
type Interval struct {
	Low  Value `json:"low"`
	High Value `json:"high"`
}

// ScoreIntervals are rsa-v2's bootstrap intervals of the model score.
type ScoreIntervals struct {
	Animals     Interval `json:"animals"`      // resampling animals
	SplitHalves Interval `json:"split_halves"` // resampling split-half iterations
}

// CeilingSummary is the animal-to-animal ceiling reported next to an
// rsa-v2 model score (many-to-one, the same estimator as the score).
type CeilingSummary struct {
	Mean    Value    `json:"mean"`
	SEM     Value    `json:"sem"`
	Min     Value    `json:"min"`
	Max     Value    `json:"max"`
	CI      Interval `json:"ci"`
	Animals int      `json:"animals"` // animals with a defined value
}

// NeuralResult is a model's score against the neural data. Layers maps
// layer → target → TargetScore; targets are the animal IDs and "pooled".
type NeuralResult struct {
	Metric string                            `json:"metric"`
	Score  Value                             `json:"score"`
	Best   Best                              `json:"best"`
	Layers map[string]map[string]TargetScore `json:"layers"`

	InputDigest string `json:"input_digest"`
	Iterations  int    `json:"iterations"`
	// ZeroFillRows counts, per animal, the trial rows with the paper's
	// zero-fill quirk (Animal.ZeroFillRows). rsa-v2 treats those zeros as
	// missing; rsa-paper-v1 uses them as the paper did.
	ZeroFillRows map[string]int `json:"zero_fill_rows"`

	// rsa-v2 only.
	ScoreCI        *ScoreIntervals `json:"score_ci,omitempty"`
	LayerSelection map[string]int  `json:"layer_selection,omitempty"` // times each layer was chosen on held-out halves
	Ceiling        *CeilingSummary `json:"ceiling,omitempty"`

	Warnings []string `json:"warnings,omitempty"`
}

// AnimalScore is one animal-to-animal entry: Raw is r_xy, Corrected the
// metric's corrected score, Kept the iterations it averages.
type AnimalScore struct {
	Raw       Value `json:"raw"`
	Corrected Value `json:"corrected"`
	Kept      int   `json:"kept"`
}

// Ceiling modes.
const (
	ManyToOne = "many-to-one" // source = all other animals concatenated
	Pairwise  = "pairwise"    // every ordered pair, keyed "A->B" (source A, target B)
)

// CeilingResult is the animal-to-animal consistency (paper-spec §1.9),
// summarised over animals (or ordered pairs). rsa-paper-v1 uses the
// population SEM (ddof 0) of the paper's plots; rsa-v2 the sample SEM
// (ddof 1) plus a bootstrap interval over animals.
type CeilingResult struct {
	Metric  string                 `json:"metric"`
	Mean    Value                  `json:"mean"`
	SEM     Value                  `json:"sem"`
	Max     Value                  `json:"max"`
	Animals map[string]AnimalScore `json:"animals"`

	Mode         string         `json:"mode"`
	InputDigest  string         `json:"input_digest"`
	Iterations   int            `json:"iterations"`
	ZeroFillRows map[string]int `json:"zero_fill_rows"`
	Min          *Value         `json:"min,omitempty"` // rsa-v2
	CI           *Interval      `json:"ci,omitempty"`  // rsa-v2, over animals (or pairs)
	Warnings     []string       `json:"warnings,omitempty"`
}

// Unfiltered is the paper's other aggregation of the same iterations: the
// NaN-median of r_xy/sqrt(SB(r_yy)) over all iterations, with no reliability
// filter, and the number of finite values (paper-spec §1.11 caveat).
type Unfiltered struct {
	Median Value `json:"median"`
	Finite int   `json:"finite"`
}

// InputResult is the raw-input baseline: the time-averaged, flattened
// stimulus tensor scored as if it were a layer named "input". Under
// rsa-paper-v1 the target is the pooled population only (paper-spec §1.11)
// and Unfiltered carries the aggregation the paper plotted for it.
type InputResult struct {
	NeuralResult
	Unfiltered map[string]Unfiltered `json:"unfiltered,omitempty"`
}
