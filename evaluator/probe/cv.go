package probe

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// stratifiedFolds assigns each sample a fold in 0..folds-1: each class's
// samples are shuffled with a PCG stream seeded by seed, the classes are
// laid end to end in class order and dealt to folds round-robin, so every
// fold gets an even share of every class and the assignment depends only on
// (labels, folds, seed).
func stratifiedFolds(y []int32, k, folds int, seed uint64) []int {
	byClass := make([][]int, k)
	for i, c := range y {
		byClass[c] = append(byClass[c], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x70726f6265)) // "probe"
	out := make([]int, len(y))
	next := 0
	for _, idx := range byClass {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for _, i := range idx {
			out[i] = next % folds
			next++
		}
	}
	return out
}

// crossValidate scores every C of o.Cs by o.Folds-fold cross-validation on
// tr. Each fold standardises with its own training part only. Within a
// fold the Cs are fitted in ascending order, each starting from the
// previous solution (a warm start along the regularisation path).
func crossValidate[T float](ctx context.Context, tr *split, y []int32, k int, o Options) ([]CVScore, error) {
	if tr.n < o.Folds {
		return nil, fmt.Errorf("probe: %d training samples cannot make %d cross-validation folds", tr.n, o.Folds)
	}
	fold := stratifiedFolds(y, k, o.Folds, o.Seed)
	scores := make([]CVScore, len(o.Cs))
	for i, c := range o.Cs {
		scores[i] = CVScore{C: c, Folds: make([]float64, o.Folds)}
	}
	for f := 0; f < o.Folds; f++ {
		var fitRows, valRows []int
		for i, fi := range fold {
			if fi == f {
				valRows = append(valRows, i)
			} else {
				fitRows = append(fitRows, i)
			}
		}
		if err := cvFold[T](ctx, tr, y, k, fitRows, valRows, o, f, scores); err != nil {
			return nil, err
		}
	}
	for i := range scores {
		var sum float64
		for _, a := range scores[i].Folds {
			sum += a
		}
		scores[i].Accuracy = sum / float64(o.Folds)
	}
	return scores, nil
}

// cvFold fits every C on fitRows and records top-1 accuracy on valRows in
// scores[*].Folds[f].
func cvFold[T float](ctx context.Context, tr *split, y []int32, k int, fitRows, valRows []int, o Options, f int, scores []CVScore) error {
	sc, err := fitScaler(tr, fitRows)
	if err != nil {
		return fmt.Errorf("probe: fold %d: standardising: %w", f, err)
	}
	x, xt, err := standardise[T](tr, fitRows, sc, true)
	if err != nil {
		return fmt.Errorf("probe: fold %d: standardising: %w", f, err)
	}
	xv, _, err := standardise[T](tr, valRows, sc, false)
	if err != nil {
		return fmt.Errorf("probe: fold %d: standardising validation rows: %w", f, err)
	}
	yFit := make([]int32, len(fitRows))
	for r, i := range fitRows {
		yFit[r] = y[i]
	}
	p := newProblem(x, xt, len(fitRows), tr.d, k, yFit, o.Workers, o.kern)
	pv := newProblem[T](xv, nil, len(valRows), tr.d, k, nil, o.Workers, o.kern)
	zv := make([]float64, len(valRows)*k)
	theta := make([]float64, p.nParams())
	for ci, c := range o.Cs {
		res, err := p.minimise(ctx, theta, 1/c, o.solver())
		if err != nil {
			return fmt.Errorf("probe: fold %d, C=%g: %w", f, c, err)
		}
		theta = res.theta
		pv.margins(theta, zv)
		hits := 0
		for r, i := range valRows {
			zi := zv[r*k : (r+1)*k]
			if int32(argmax(zi)) == y[i] {
				hits++
			}
		}
		scores[ci].Folds[f] = float64(hits) / float64(len(valRows))
		scores[ci].Iterations += res.iterations
	}
	return nil
}

// argmax returns the index of the largest element, the lowest on a tie.
func argmax(v []float64) int {
	best := 0
	for j, x := range v[1:] {
		if x > v[best] {
			best = j + 1
		}
	}
	return best
}
