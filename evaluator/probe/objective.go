package probe

import (
	"math"
	"sync"
)

// chunkRows is the number of samples per unit of parallel work in the
// per-sample loss loops. Partial sums are kept per chunk and added in chunk
// order, so results do not depend on the number of workers.
const chunkRows = 256

// problem is the penalised multinomial log-loss on one standardised design
// matrix:
//
//	f(W, b) = Σ_i [ log Σ_j exp(z_ij) − z_i,y_i ] + ‖W‖²/(2C),  z = X·W + b,
//
// scikit-learn's LogisticRegression objective (lbfgs, multinomial) with its
// C; the intercept b is not penalised. Parameters θ are laid out as W
// (d×k, row-major) followed by b (k).
//
// Products with X and Xᵀ are done in element type T (float32 on the fast
// path), everything else (margins z, losses, L-BFGS state) in float64.
type problem[T float] struct {
	n, d, k, kp int // samples, features, classes, classes padded to 16
	x, xt       []T // n×d design and its d×n transpose
	y           []int32
	workers     int
	kern        kernel // float32 product kernel

	wT  []T // d×kp packed weights (or direction) for the forward product
	zT  []T // n×kp forward product
	rT  []T // n×kp residuals softmax(z) − onehot(y), for the gradient product
	gwT []T // d×kp gradient product Xᵀ·r

	z, zp []float64 // n×k margins at θ and along the search direction

	chunkF, chunkDF []float64 // per-chunk loss and directional derivative
	chunkB          []float64 // per-chunk column sums of residuals (chunks×k)
	scratch         [][]float64

	// keptAlpha is the step along zp from z at which rT and chunkB hold
	// the residuals (0: at z itself, whatever zp holds).
	keptAlpha float64
}

func newProblem[T float](x, xt []T, n, d, k int, y []int32, workers int, kern kernel) *problem[T] {
	kp := (k + 15) / 16 * 16
	chunks := (n + chunkRows - 1) / chunkRows
	workers = max(1, workers)
	p := &problem[T]{
		n: n, d: d, k: k, kp: kp, x: x, xt: xt, y: y, workers: workers, kern: kern,
		wT: make([]T, d*kp), zT: make([]T, n*kp), rT: make([]T, n*kp), gwT: make([]T, d*kp),
		z: make([]float64, n*k), zp: make([]float64, n*k),
		chunkF: make([]float64, chunks), chunkDF: make([]float64, chunks), chunkB: make([]float64, chunks*k),
		scratch: make([][]float64, workers), keptAlpha: math.NaN(),
	}
	for w := range p.scratch {
		p.scratch[w] = make([]float64, k)
	}
	return p
}

// nParams is the length of θ.
func (p *problem[T]) nParams() int { return p.d*p.k + p.k }

// margins sets out (n×k) to X·W + b for the parameters th.
func (p *problem[T]) margins(th []float64, out []float64) {
	d, k, kp := p.d, p.k, p.kp
	for r := 0; r < d; r++ {
		row := p.wT[r*kp : (r+1)*kp]
		for j := 0; j < k; j++ {
			row[j] = T(th[r*k+j])
		}
	}
	mulWith(p.kern, p.n, d, kp, p.x, d, p.wT, kp, p.zT, kp, p.workers)
	b := th[d*k:]
	p.forChunks(func(_, c int) {
		for i := c * chunkRows; i < min((c+1)*chunkRows, p.n); i++ {
			zi, src := out[i*k:(i+1)*k], p.zT[i*kp:i*kp+k]
			for j := range zi {
				zi[j] = float64(src[j]) + b[j]
			}
		}
	})
}

// forChunks runs f(worker, chunk) over every chunk of rows, chunk c going
// to worker c mod workers.
func (p *problem[T]) forChunks(f func(w, c int)) {
	chunks := len(p.chunkF)
	if p.workers == 1 || chunks == 1 {
		for c := 0; c < chunks; c++ {
			f(0, c)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range min(p.workers, chunks) {
		wg.Go(func() {
			for c := w; c < chunks; c += p.workers {
				f(w, c)
			}
		})
	}
	wg.Wait()
}

// dataLoss returns the data term of f at margins z + α·zp and its derivative
// in α (zp is ignored when withDir is false). When keep is true it also
// stores the residuals in rT and their per-chunk column sums in chunkB, for
// the gradient at that point.
func (p *problem[T]) dataLoss(alpha float64, withDir, keep bool) (f, df float64) {
	k, kp := p.k, p.kp
	if keep {
		p.keptAlpha = alpha
		if !withDir {
			p.keptAlpha = 0
		}
	}
	p.forChunks(func(w, c int) {
		v := p.scratch[w]
		var cf, cdf float64
		var bsum []float64
		if keep {
			bsum = p.chunkB[c*k : (c+1)*k]
			clear(bsum)
		}
		for i := c * chunkRows; i < min((c+1)*chunkRows, p.n); i++ {
			zi := p.z[i*k : (i+1)*k]
			var zpi []float64
			if withDir {
				zpi = p.zp[i*k : (i+1)*k]
				for j := range v {
					v[j] = zi[j] + alpha*zpi[j]
				}
			} else {
				copy(v, zi)
			}
			mx := v[0]
			for _, x := range v[1:] {
				mx = max(mx, x)
			}
			var s float64
			for j, x := range v {
				e := math.Exp(x - mx)
				v[j] = e
				s += e
			}
			yi := p.y[i]
			cf += mx + math.Log(s) - (zi[yi] + alpha*dirAt(zpi, yi))
			inv := 1 / s
			if withDir {
				var dd float64
				for j, e := range v {
					dd += e * zpi[j]
				}
				cdf += dd*inv - zpi[yi]
			}
			if keep {
				ri := p.rT[i*kp : i*kp+k]
				for j, e := range v {
					r := e * inv
					if int32(j) == yi {
						r--
					}
					ri[j] = T(r)
					bsum[j] += r
				}
			}
		}
		p.chunkF[c], p.chunkDF[c] = cf, cdf
	})
	for c := range p.chunkF {
		f += p.chunkF[c]
		df += p.chunkDF[c]
	}
	return f, df
}

// slope returns Σ_ij r_ij·zp_ij for the residuals r in rT: the derivative
// of the data term along the direction whose margins are zp, at the point
// whose residuals are stored.
func (p *problem[T]) slope() float64 {
	k, kp := p.k, p.kp
	p.forChunks(func(_, c int) {
		var s float64
		for i := c * chunkRows; i < min((c+1)*chunkRows, p.n); i++ {
			ri, zpi := p.rT[i*kp:i*kp+k], p.zp[i*k:(i+1)*k]
			for j, r := range ri {
				s += float64(r) * zpi[j]
			}
		}
		p.chunkDF[c] = s
	})
	var s float64
	for _, v := range p.chunkDF {
		s += v
	}
	return s
}

func dirAt(zp []float64, j int32) float64 {
	if zp == nil {
		return 0
	}
	return zp[j]
}

// gradient writes ∇f into g for the parameters th, using the residuals that
// the last dataLoss call with keep=true stored. invC is 1/C.
func (p *problem[T]) gradient(th []float64, invC float64, g []float64) {
	d, k, kp := p.d, p.k, p.kp
	mulWith(p.kern, d, p.n, kp, p.xt, p.n, p.rT, kp, p.gwT, kp, p.workers)
	for r := 0; r < d; r++ {
		src := p.gwT[r*kp : r*kp+k]
		for j := range src {
			g[r*k+j] = float64(src[j]) + invC*th[r*k+j]
		}
	}
	gb := g[d*k:]
	clear(gb)
	for c := range p.chunkF {
		for j, v := range p.chunkB[c*k : (c+1)*k] {
			gb[j] += v
		}
	}
}

// value returns f and writes ∇f into g at th, from scratch: one forward
// product, one pass over the samples and one gradient product. It leaves
// the margins of th in z.
func (p *problem[T]) value(th []float64, invC float64, g []float64) float64 {
	p.margins(th, p.z)
	f, _ := p.dataLoss(0, false, true)
	p.gradient(th, invC, g)
	w := th[:p.d*p.k]
	return f + 0.5*invC*dot(w, w)
}
