package probe

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/gonum"
)

func dot(x, y []float64) float64 { return gonum.Implementation{}.Ddot(len(x), x, 1, y, 1) }

// axpy sets y += a·x.
func axpy(a float64, x, y []float64) { gonum.Implementation{}.Daxpy(len(x), a, x, 1, y, 1) }

func maxAbs(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// solverSettings are the stopping rules, chosen to mean what scipy's
// L-BFGS-B (as called by scikit-learn) means by them.
type solverSettings struct {
	maxIter int     // iterations (not function evaluations)
	memory  int     // correction pairs kept
	gtol    float64 // stop when max_i |∂f/∂θ_i| ≤ gtol
	ftol    float64 // stop when (f_prev − f)/max(|f_prev|, |f|, 1) ≤ ftol
}

// fitResult is the outcome of one minimisation.
type fitResult struct {
	theta      []float64
	f          float64
	iterations int
	converged  bool
	stop       string // why the solver stopped
}

// Line-search constants: sufficient decrease and curvature (strong Wolfe).
const (
	wolfeC1    = 1e-4
	wolfeC2    = 0.9
	maxLineEvs = 40
)

// minimise runs L-BFGS on p with penalty 1/C = invC from theta0 (copied).
//
// Each iteration costs exactly two products with the design matrix, however
// many trial steps the line search takes: the margins along the search
// direction, X·P, are computed once, after which f(θ + αP) and its
// derivative in α are O(n·k) sums, and the gradient product Xᵀ·r is taken
// once, at the accepted step.
func (p *problem[T]) minimise(ctx context.Context, theta0 []float64, invC float64, set solverSettings) (fitResult, error) {
	np := p.nParams()
	th := append([]float64(nil), theta0...)
	g := make([]float64, np)
	f := p.value(th, invC, g)
	res := fitResult{theta: th}
	if maxAbs(g) <= set.gtol {
		res.f, res.converged, res.stop = f, true, "gradient below tol at the start"
		return res, nil
	}
	m := max(1, set.memory)
	sMem, yMem := make([][]float64, m), make([][]float64, m)
	for i := range sMem {
		sMem[i], yMem[i] = make([]float64, np), make([]float64, np)
	}
	rho, alphaBuf := make([]float64, m), make([]float64, m)
	stored, head := 0, 0 // pairs held; index of the next slot to write
	dir := make([]float64, np)
	gPrev := make([]float64, np)

	for res.iterations < set.maxIter {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("probe: L-BFGS stopped after %d iterations: %w", res.iterations, err)
		}
		// Two-loop recursion: dir = −H·g.
		for i := range dir {
			dir[i] = -g[i]
		}
		for j := 0; j < stored; j++ {
			i := (head - 1 - j + m) % m
			alphaBuf[i] = rho[i] * dot(sMem[i], dir)
			axpy(-alphaBuf[i], yMem[i], dir)
		}
		if stored > 0 {
			last := (head - 1 + m) % m
			gamma := dot(sMem[last], yMem[last]) / dot(yMem[last], yMem[last])
			for i := range dir {
				dir[i] *= gamma
			}
		}
		for j := stored - 1; j >= 0; j-- {
			i := (head - 1 - j + m) % m
			beta := rho[i] * dot(yMem[i], dir)
			axpy(alphaBuf[i]-beta, sMem[i], dir)
		}

		step, fNew, ok := p.lineSearch(th, dir, f, invC, stored == 0)
		if !ok && stored > 0 {
			// A poor quasi-Newton model: forget it and try steepest descent.
			stored, head = 0, 0
			for i := range dir {
				dir[i] = -g[i]
			}
			step, fNew, ok = p.lineSearch(th, dir, f, invC, true)
		}
		if !ok {
			res.stop = "line search found no decrease along the steepest-descent direction (working precision reached)"
			break
		}
		// Accept: θ += step·dir, z += step·zp, with the residuals at the
		// new point (usually left by the line search's last trial).
		if p.keptAlpha != step {
			p.dataLoss(step, true, true)
		}
		axpy(step, dir, th)
		axpy(step, p.zp, p.z)
		p.keptAlpha = 0
		copy(gPrev, g)
		p.gradient(th, invC, g)
		res.iterations++

		s, y := sMem[head], yMem[head]
		for i := range s {
			s[i] = step * dir[i]
			y[i] = g[i] - gPrev[i]
		}
		if sy := dot(s, y); sy > 1e-10*dot(y, y) {
			rho[head] = 1 / sy
			head = (head + 1) % m
			stored = min(stored+1, m)
		}
		fPrev := f
		f = fNew
		if maxAbs(g) <= set.gtol {
			res.converged, res.stop = true, "max |gradient| ≤ tol"
			break
		}
		if (fPrev-f)/max(math.Abs(fPrev), math.Abs(f), 1) <= set.ftol {
			res.converged, res.stop = true, "relative reduction of f ≤ ftol"
			break
		}
	}
	if res.stop == "" {
		res.stop = fmt.Sprintf("reached max_iter=%d", set.maxIter)
	}
	res.f = f
	return res, nil
}

// lineSearch finds a step along dir from th (where f is f0 and rT holds
// the residuals) satisfying the strong Wolfe conditions, trying step 1 first (1/‖dir‖ when fresh, as L-BFGS-B does on
// its first iteration). It leaves the direction's margins in zp and returns
// the step, f at that step and whether the search succeeded.
func (p *problem[T]) lineSearch(th, dir []float64, f0, invC float64, fresh bool) (float64, float64, bool) {
	nw := p.d * p.k
	if p.keptAlpha != 0 {
		// An earlier search along another direction left its trial
		// residuals: restore those at the current point.
		p.dataLoss(0, false, true)
	}
	p.margins(dir, p.zp)
	w, pw := th[:nw], dir[:nw]
	ww, wp, pp := dot(w, w), dot(w, pw), dot(pw, pw)
	phi := func(a float64) (float64, float64) {
		fd, dfd := p.dataLoss(a, true, true)
		return fd + 0.5*invC*(ww+2*a*wp+a*a*pp), dfd + invC*(wp+a*pp)
	}
	// The slope at step 0 comes from the stored residuals and the
	// direction's margins, as phi's slopes do, rather than from the
	// gradient, so the search stays self-consistent on the float32 path.
	d0 := p.slope() + invC*wp
	if !(d0 < 0) {
		return 0, f0, false
	}
	a := 1.0
	if fresh {
		a = min(1, 1/math.Sqrt(dot(dir, dir)))
	}
	aPrev, fPrev, dPrev := 0.0, f0, d0
	for ev := 0; ev < maxLineEvs; ev++ {
		fa, da := phi(a)
		if math.IsNaN(fa) || fa > f0+wolfeC1*a*d0 || (ev > 0 && fa >= fPrev) {
			return p.zoom(phi, f0, d0, aPrev, fPrev, dPrev, a, fa, da, maxLineEvs-ev-1)
		}
		if math.Abs(da) <= -wolfeC2*d0 {
			return a, fa, true
		}
		if da >= 0 {
			return p.zoom(phi, f0, d0, a, fa, da, aPrev, fPrev, dPrev, maxLineEvs-ev-1)
		}
		aPrev, fPrev, dPrev = a, fa, da
		a *= 4
	}
	return aPrev, fPrev, aPrev > 0
}

// zoom narrows a bracket [lo, hi] known to hold a strong-Wolfe step (lo
// satisfies sufficient decrease and has the lower value), by safeguarded
// cubic interpolation.
func (p *problem[T]) zoom(phi func(float64) (float64, float64), f0, d0, lo, flo, dlo, hi, fhi, dhi float64, evals int) (float64, float64, bool) {
	for ; evals > 0; evals-- {
		a := cubicMin(lo, flo, dlo, hi, fhi, dhi)
		lohi, hihi := min(lo, hi), max(lo, hi)
		width := hihi - lohi
		if math.IsNaN(a) || a < lohi+0.1*width || a > hihi-0.1*width {
			a = 0.5 * (lo + hi)
		}
		if width <= 1e-16*max(1, hihi) {
			break
		}
		fa, da := phi(a)
		if math.IsNaN(fa) || fa > f0+wolfeC1*a*d0 || fa >= flo {
			hi, fhi, dhi = a, fa, da
			continue
		}
		if math.Abs(da) <= -wolfeC2*d0 {
			return a, fa, true
		}
		if da*(hi-lo) >= 0 {
			hi, fhi, dhi = lo, flo, dlo
		}
		lo, flo, dlo = a, fa, da
	}
	// Out of evaluations: lo still gives sufficient decrease, if it moved.
	return lo, flo, lo > 0 && flo < f0
}

// cubicMin returns the minimiser of the cubic through (a, fa, da) and
// (b, fb, db), or NaN when it has none.
func cubicMin(a, fa, da, b, fb, db float64) float64 {
	d1 := da + db - 3*(fa-fb)/(a-b)
	disc := d1*d1 - da*db
	if disc < 0 || math.IsNaN(disc) || math.IsInf(fb, 0) {
		return math.NaN()
	}
	d2 := math.Copysign(math.Sqrt(disc), b-a)
	return b - (b-a)*(db+d2-d1)/(db-da+2*d2)
}
