package probe

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
)

// Options configure the probe. The zero value is the benchmark's default.
//
// Regularisation follows scikit-learn's convention: C is the inverse of the
// L2 penalty strength on the summed (not averaged) log-loss, so the
// objective is Σ_i log-loss_i + ‖W‖²/(2C) with an unpenalised intercept, and
// the same C means the same model as LogisticRegression(C=C).
type Options struct {
	// Cs is the grid of C values searched by cross-validation; nil means
	// DefaultCs. A single value skips cross-validation.
	Cs []float64
	// Folds is the number of cross-validation folds (default 5, at least 2).
	Folds int
	// Seed fixes the shuffled, stratified fold assignment.
	Seed uint64
	// MaxIter caps L-BFGS iterations per fit (default 100, scikit-learn's).
	MaxIter int
	// Tol stops a fit when every gradient component is at most Tol in
	// absolute value (default 1e-4, scikit-learn's tol, which it passes to
	// L-BFGS-B as gtol).
	Tol float64
	// Workers is the number of goroutines for the matrix products and the
	// per-sample loops (default GOMAXPROCS). Results do not depend on it.
	Workers int
	// Float64 does the products in float64 through gonum's BLAS instead of
	// the float32 kernels: slower, for checking the fast path.
	Float64 bool

	// kernelName forces a float32 kernel ("avx512", "avx2", "gonum") for
	// tests and benchmarks; "" picks the fastest this CPU runs.
	kernelName string
	kern       kernel // resolved by settings
}

// DefaultCs is the default grid of C: one value per decade, 1e-3 … 1e2.
func DefaultCs() []float64 { return []float64{1e-3, 1e-2, 1e-1, 1, 10, 100} }

// ftol is L-BFGS-B's default relative-reduction tolerance in scipy
// (factr 1e7 times machine epsilon), which scikit-learn keeps.
const ftol = 2.220446049250313e-09

// settings validates o and fills in defaults.
func (o Options) settings() (Options, error) {
	if o.Cs == nil {
		o.Cs = DefaultCs()
	}
	if len(o.Cs) == 0 {
		return o, fmt.Errorf("probe options: empty grid of C")
	}
	cs := slices.Clone(o.Cs)
	for _, c := range cs {
		if !(c > 0) || math.IsInf(c, 0) {
			return o, fmt.Errorf("probe options: C=%v, want a finite positive number", c)
		}
	}
	slices.Sort(cs)
	o.Cs = slices.Compact(cs)
	if o.Folds == 0 {
		o.Folds = 5
	}
	if o.Folds < 2 {
		return o, fmt.Errorf("probe options: %d folds, want at least 2", o.Folds)
	}
	if o.MaxIter == 0 {
		o.MaxIter = 100
	}
	if o.MaxIter < 0 {
		return o, fmt.Errorf("probe options: max_iter %d, want positive", o.MaxIter)
	}
	if o.Tol == 0 {
		o.Tol = 1e-4
	}
	if !(o.Tol > 0) || math.IsInf(o.Tol, 0) {
		return o, fmt.Errorf("probe options: tol %v, want a finite positive number", o.Tol)
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Workers < 0 {
		return o, fmt.Errorf("probe options: %d workers, want positive", o.Workers)
	}
	avail := kernels()
	o.kern = avail[0]
	if o.kernelName != "" {
		i := slices.IndexFunc(avail, func(k kernel) bool { return k.String() == o.kernelName })
		if i < 0 {
			return o, fmt.Errorf("probe options: kernel %q not available on this CPU (have %v)", o.kernelName, avail)
		}
		o.kern = avail[i]
	}
	return o, nil
}

func (o Options) solver() solverSettings {
	return solverSettings{maxIter: o.MaxIter, memory: 10, gtol: o.Tol, ftol: ftol}
}

// CVScore is the cross-validated top-1 accuracy of one C.
type CVScore struct {
	C          float64   `json:"c"`
	Accuracy   float64   `json:"accuracy"`   // mean over folds
	Folds      []float64 `json:"folds"`      // per-fold validation accuracy
	Iterations int       `json:"iterations"` // L-BFGS iterations, summed over folds
}

// Model is a fitted probe: weights on standardised features.
type Model struct {
	Classes    []int64   // label of each class index, ascending
	Mean       []float64 // per-feature training mean
	Scale      []float64 // per-feature training standard deviation (1 where constant)
	W          []float64 // features×classes, row-major, on standardised features
	B          []float64 // per-class intercept
	C          float64   // the C fitted (chosen by cross-validation when a grid was given)
	CV         []CVScore // cross-validation scores, ascending C; nil when one C was given
	Iterations int       // L-BFGS iterations of the final fit
	Converged  bool      // whether the final fit met Tol (or ftol) before MaxIter
	Stop       string    // why the final fit stopped
	Objective  float64   // final value of Σ log-loss + ‖W‖²/(2C)
	Constant   int       // features with zero variance in training
	Kernel     string    // matrix-product implementation: "avx512", "avx2", "gonum" (float32) or "gonum-float64"
	float64    bool      // products in float64 (Options.Float64)
	workers    int
	kern       kernel
}

// Fit fits the probe on train: it standardises with statistics of train,
// picks C by stratified k-fold cross-validation on train when opts gives
// more than one C, and refits on all of train at that C. It honours ctx
// between L-BFGS iterations.
func Fit(ctx context.Context, train Dataset, opts Options) (*Model, error) {
	o, err := opts.settings()
	if err != nil {
		return nil, err
	}
	tr, err := readSplit("train", train)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	classes, y := encodeLabels(tr.labels)
	if len(classes) < 2 {
		return nil, fmt.Errorf("probe: train labels hold %d distinct class(es), need at least 2", len(classes))
	}
	if o.Float64 {
		return fitModel[float64](ctx, &tr, classes, y, o)
	}
	return fitModel[float32](ctx, &tr, classes, y, o)
}

func fitModel[T float](ctx context.Context, tr *split, classes []int64, y []int32, o Options) (*Model, error) {
	k := len(classes)
	var cv []CVScore
	c := o.Cs[0]
	if len(o.Cs) > 1 {
		var err error
		cv, err = crossValidate[T](ctx, tr, y, k, o)
		if err != nil {
			return nil, err
		}
		c = bestC(cv)
	}
	sc, err := fitScaler(tr, nil)
	if err != nil {
		return nil, fmt.Errorf("probe: standardising train: %w", err)
	}
	x, xt, err := standardise[T](tr, nil, sc, true)
	if err != nil {
		return nil, fmt.Errorf("probe: standardising train: %w", err)
	}
	p := newProblem(x, xt, tr.n, tr.d, k, y, o.Workers, o.kern)
	res, err := p.minimise(ctx, make([]float64, p.nParams()), 1/c, o.solver())
	if err != nil {
		return nil, fmt.Errorf("probe: final fit at C=%g: %w", c, err)
	}
	nw := tr.d * k
	return &Model{
		Classes: classes, Mean: sc.mean, Scale: sc.scale,
		W: res.theta[:nw:nw], B: res.theta[nw:],
		C: c, CV: cv, Iterations: res.iterations, Converged: res.converged, Stop: res.stop,
		Objective: res.f, Constant: sc.constant, Kernel: kernelLabel(o),
		float64: o.Float64, workers: o.Workers, kern: o.kern,
	}, nil
}

func kernelLabel(o Options) string {
	if o.Float64 {
		return "gonum-float64"
	}
	return o.kern.String()
}

// bestC returns the C of highest mean cross-validated accuracy, the
// smallest such C (the strongest penalty) on a tie.
func bestC(cv []CVScore) float64 {
	best := cv[0]
	for _, s := range cv[1:] {
		if s.Accuracy > best.Accuracy {
			best = s
		}
	}
	return best.C
}

// Accuracy is a model's score on one labelled split.
type Accuracy struct {
	Top1 float64 // fraction whose highest-scoring class is the label
	TopK float64 // fraction whose label is among the K highest-scoring classes
	K    int     // min(5, classes)
	// Unseen counts samples whose label is not a training class; they can
	// never be predicted and count as wrong in both accuracies.
	Unseen       int
	UnseenLabels []int64 // those labels, ascending
}

// Score returns top-1 and top-k accuracy (k = min(5, classes)) on ds.
func (m *Model) Score(ds Dataset) (Accuracy, error) {
	s, err := readSplit("test", ds)
	if err != nil {
		return Accuracy{}, fmt.Errorf("probe: %w", err)
	}
	if err := m.check(); err != nil {
		return Accuracy{}, err
	}
	if s.d != len(m.Mean) {
		return Accuracy{}, fmt.Errorf("probe: test samples have %d features, the model was fitted on %d", s.d, len(m.Mean))
	}
	var scores []float64
	if m.float64 {
		scores, err = decision[float64](m, &s)
	} else {
		scores, err = decision[float32](m, &s)
	}
	if err != nil {
		return Accuracy{}, fmt.Errorf("probe: scoring test: %w", err)
	}
	kc := len(m.Classes)
	topK := min(5, kc)
	acc := Accuracy{K: topK}
	var hit1, hitK int
	unseen := map[int64]bool{}
	top := make([]int, topK)
	for i, l := range s.labels {
		cls, ok := slices.BinarySearch(m.Classes, l)
		if !ok {
			acc.Unseen++
			unseen[l] = true
			continue
		}
		topIndices(scores[i*kc:(i+1)*kc], top)
		if top[0] == cls {
			hit1++
		}
		if slices.Contains(top, cls) {
			hitK++
		}
	}
	for l := range unseen {
		acc.UnseenLabels = append(acc.UnseenLabels, l)
	}
	slices.Sort(acc.UnseenLabels)
	acc.Top1 = float64(hit1) / float64(s.n)
	acc.TopK = float64(hitK) / float64(s.n)
	return acc, nil
}

// check reports a Model whose parts disagree in size (one built by hand).
func (m *Model) check() error {
	d, k := len(m.Mean), len(m.Classes)
	if k == 0 || d == 0 || len(m.Scale) != d || len(m.W) != d*k || len(m.B) != k {
		return fmt.Errorf("probe: malformed model: %d classes, %d means, %d scales, %d weights, %d intercepts",
			k, d, len(m.Scale), len(m.W), len(m.B))
	}
	for j, v := range m.Scale {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("probe: malformed model: scale of feature %d is %v", j, v)
		}
	}
	return nil
}

// decision returns the n×classes decision values of s under m.
func decision[T float](m *Model, s *split) ([]float64, error) {
	x, _, err := standardise[T](s, nil, scaler{mean: m.Mean, scale: m.Scale}, false)
	if err != nil {
		return nil, err
	}
	k := len(m.Classes)
	p := newProblem[T](x, nil, s.n, s.d, k, nil, m.workers, m.kern)
	th := append(slices.Clone(m.W), m.B...)
	out := make([]float64, s.n*k)
	p.margins(th, out)
	return out, nil
}

// topIndices fills top with the indices of the len(top) largest scores,
// best first; ties go to the lower index.
func topIndices(scores []float64, top []int) {
	n := 0
	for j, v := range scores {
		if n < len(top) {
			n++
		} else if v <= scores[top[n-1]] {
			continue
		}
		// Insert j, shifting worse entries down.
		pos := n - 1
		for pos > 0 && scores[top[pos-1]] < v {
			top[pos] = top[pos-1]
			pos--
		}
		top[pos] = j
	}
}

// Result is the probe's report on one train/test pair.
type Result struct {
	Top1             float64   `json:"top1"`
	Top5             float64   `json:"top5"` // top-k accuracy, k = min(5, classes)
	K                int       `json:"k"`
	C                float64   `json:"c"`
	CV               []CVScore `json:"cv"`
	Classes          int       `json:"classes"`
	NTrain           int       `json:"n_train"`
	NTest            int       `json:"n_test"`
	Features         int       `json:"features"`
	ConstantFeatures int       `json:"constant_features"`
	Iterations       int       `json:"iterations"`
	Converged        bool      `json:"converged"`
	UnseenTest       int       `json:"unseen_test_labels"`
	Kernel           string    `json:"kernel"`
	Warnings         []string  `json:"warnings,omitempty"`
}

// Evaluate fits the probe on train (see Fit) and scores it on test.
func Evaluate(ctx context.Context, train, test Dataset, opts Options) (Result, error) {
	// Validate both splits before the expensive fit.
	tr, err := readSplit("train", train)
	if err != nil {
		return Result{}, fmt.Errorf("probe: %w", err)
	}
	ts, err := readSplit("test", test)
	if err != nil {
		return Result{}, fmt.Errorf("probe: %w", err)
	}
	if ts.d != tr.d {
		return Result{}, fmt.Errorf("probe: test samples have %d features, train samples %d", ts.d, tr.d)
	}
	m, err := Fit(ctx, train, opts)
	if err != nil {
		return Result{}, err
	}
	acc, err := m.Score(test)
	if err != nil {
		return Result{}, err
	}
	r := Result{
		Top1: acc.Top1, Top5: acc.TopK, K: acc.K, C: m.C, CV: m.CV,
		Classes: len(m.Classes), NTrain: tr.n, NTest: ts.n,
		Features: len(m.Mean), ConstantFeatures: m.Constant,
		Iterations: m.Iterations, Converged: m.Converged, UnseenTest: acc.Unseen, Kernel: m.Kernel,
	}
	if acc.Unseen > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"%d of %d test samples have labels absent from training (%v); they count as wrong", acc.Unseen, ts.n, acc.UnseenLabels))
	}
	if n := len(m.CV); n > 1 && (m.C == m.CV[0].C || m.C == m.CV[n-1].C) {
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"cross-validation chose C=%g, an end of the grid [%g, %g]; the best C may lie outside it", m.C, m.CV[0].C, m.CV[n-1].C))
	}
	if !m.Converged {
		r.Warnings = append(r.Warnings, fmt.Sprintf("final fit did not converge: %s", m.Stop))
	}
	if r.CV == nil {
		r.CV = []CVScore{}
	}
	return r, nil
}
