package train

import (
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Metrics are the mean cross-entropy and micro top-1/top-5 accuracy over
// N samples (top-5 is top-k with k = min(5, classes)).
type Metrics struct {
	N    int     `json:"n"`
	Loss float64 `json:"loss"`
	Top1 float64 `json:"top1"`
	Top5 float64 `json:"top5"`
}

// tally accumulates Metrics over batches.
type tally struct {
	n                int
	loss, top1, top5 float64
}

// addLogits scores logits (B, K) against labels.
func (t *tally) addLogits(logits ndarray.Array, labels []int, withLoss bool) {
	K := logits.Shape[1]
	k5 := min(5, K)
	for b, y := range labels {
		row := logits.F32[b*K : (b+1)*K]
		above := 0
		mx := math.Inf(-1)
		for _, v := range row {
			if v > row[y] {
				above++
			}
			mx = math.Max(mx, float64(v))
		}
		if above == 0 {
			t.top1++
		}
		if above < k5 {
			t.top5++
		}
		if withLoss {
			s := 0.0
			for _, v := range row {
				s += math.Exp(float64(v) - mx)
			}
			t.loss += math.Log(s) + mx - float64(row[y])
		}
	}
	t.n += len(labels)
}

func (t *tally) metrics() Metrics {
	if t.n == 0 {
		return Metrics{}
	}
	n := float64(t.n)
	return Metrics{N: t.n, Loss: t.loss / n, Top1: t.top1 / n, Top5: t.top5 / n}
}
