package probe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// smallProblem standardises a blobs data set into a problem of element type T.
func smallProblem[T float](t *testing.T, n, d, k int) (*problem[T], []float64) {
	t.Helper()
	ds := blobs(11, n, d, d, k, 1.5)
	s, err := readSplit("train", ds)
	if err != nil {
		t.Fatal(err)
	}
	_, y := encodeLabels(s.labels)
	sc, err := fitScaler(&s, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, xt, err := standardise[T](&s, nil, sc, true)
	if err != nil {
		t.Fatal(err)
	}
	p := newProblem(x, xt, n, d, k, y, 2, kernels()[0])
	rng := rand.New(rand.NewPCG(2, 3))
	th := make([]float64, p.nParams())
	for i := range th {
		th[i] = 0.3 * rng.NormFloat64()
	}
	return p, th
}

// TestGradientFiniteDifferences checks ∇f against central differences of f,
// coordinate by coordinate, on the exact (float64) path.
func TestGradientFiniteDifferences(t *testing.T) {
	tests := []struct {
		name    string
		n, d, k int
		invC    float64
	}{
		{"binary", 40, 3, 2, 1},
		{"multiclass strong penalty", 50, 5, 4, 100},
		{"multiclass weak penalty, more than 256 rows", 300, 4, 7, 1e-3},
		{"classes needing padding past 16", 60, 2, 17, 0.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, th := smallProblem[float64](t, tc.n, tc.d, tc.k)
			g := make([]float64, p.nParams())
			p.value(th, tc.invC, g)
			scratch := make([]float64, p.nParams())
			const h = 1e-5
			for i := range th {
				th[i] += h
				fp := p.value(th, tc.invC, scratch)
				th[i] -= 2 * h
				fm := p.value(th, tc.invC, scratch)
				th[i] += h
				fd := (fp - fm) / (2 * h)
				if d := math.Abs(fd - g[i]); d > 1e-6*max(1, math.Abs(fd)) {
					t.Fatalf("θ[%d]: gradient %.10g, finite difference %.10g", i, g[i], fd)
				}
			}
		})
	}
}

// TestLineFunctionMatchesObjective checks the line-search shortcut: the
// value and slope of f(θ + αP) computed from the margins X·P must equal f
// and ∇f·P computed from scratch at θ + αP.
func TestLineFunctionMatchesObjective(t *testing.T) {
	const invC = 0.7
	p, th := smallProblem[float64](t, 90, 6, 5)
	rng := rand.New(rand.NewPCG(8, 9))
	dir := make([]float64, p.nParams())
	for i := range dir {
		dir[i] = rng.NormFloat64()
	}
	nw := p.d * p.k
	g := make([]float64, p.nParams())
	for _, alpha := range []float64{0, 0.01, 0.3, 2} {
		p.margins(th, p.z)
		p.margins(dir, p.zp)
		fd, dfd := p.dataLoss(alpha, true, false)
		w, pw := th[:nw], dir[:nw]
		phi := fd + 0.5*invC*(dot(w, w)+2*alpha*dot(w, pw)+alpha*alpha*dot(pw, pw))
		dphi := dfd + invC*(dot(w, pw)+alpha*dot(pw, pw))

		moved := append([]float64(nil), th...)
		axpy(alpha, dir, moved)
		f := p.value(moved, invC, g)
		if math.Abs(phi-f) > 1e-9*math.Abs(f) {
			t.Errorf("α=%g: line value %.12g, objective %.12g", alpha, phi, f)
		}
		if want := dot(g, dir); math.Abs(dphi-want) > 1e-9*max(1, math.Abs(want)) {
			t.Errorf("α=%g: line slope %.12g, ∇f·P %.12g", alpha, dphi, want)
		}
	}
}

// TestFloat32PathMatchesFloat64 checks the fast path's value and gradient
// against the exact one.
func TestFloat32PathMatchesFloat64(t *testing.T) {
	const invC = 0.2
	p64, th := smallProblem[float64](t, 700, 40, 9)
	p32, _ := smallProblem[float32](t, 700, 40, 9)
	g64, g32 := make([]float64, len(th)), make([]float64, len(th))
	f64 := p64.value(th, invC, g64)
	f32 := p32.value(th, invC, g32)
	if math.Abs(f64-f32) > 1e-5*math.Abs(f64) {
		t.Errorf("float32 objective %.9g, float64 %.9g", f32, f64)
	}
	scale := maxAbs(g64)
	for i := range g64 {
		if d := math.Abs(g64[i] - g32[i]); d > 1e-4*scale {
			t.Fatalf("gradient[%d]: float32 %.7g, float64 %.7g", i, g32[i], g64[i])
		}
	}
}

func TestCubicMin(t *testing.T) {
	tests := []struct {
		name                 string
		a, fa, da, b, fb, db float64
		want                 float64
	}{
		// f(x) = (x-1)², sampled at 0 and 3: the cubic is the parabola itself.
		{"parabola", 0, 1, -2, 3, 4, 4, 1},
		// f(x) = x³ - 3x has its local minimum at 1.
		{"cubic", 0, 0, -3, 2, 2, 9, 1},
		{"reversed bracket", 3, 4, 4, 0, 1, -2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cubicMin(tc.a, tc.fa, tc.da, tc.b, tc.fb, tc.db); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("cubicMin = %g, want %g", got, tc.want)
			}
		})
	}
}

// TestLineSearchAfterAbandonedSearch checks that a line search started
// after another one that was abandoned (as when L-BFGS drops its memory and
// retries along −∇f) sees the residuals of the current point, not those of
// the abandoned trial steps: it must give what a fresh problem gives.
func TestLineSearchAfterAbandonedSearch(t *testing.T) {
	const invC = 0.5
	for _, tc := range []struct {
		name  string
		fresh bool
	}{{"first-iteration step", true}, {"unit step", false}} {
		t.Run(tc.name, func(t *testing.T) {
			p, th := smallProblem[float64](t, 120, 5, 4)
			g := make([]float64, p.nParams())
			f := p.value(th, invC, g)
			rng := rand.New(rand.NewPCG(4, 4))
			other := make([]float64, len(g))
			for i := range other {
				other[i] = -3*g[i] + rng.NormFloat64()
			}
			if _, _, ok := p.lineSearch(th, other, f, invC, false); !ok {
				t.Fatal("first search failed")
			}
			if p.keptAlpha == 0 {
				t.Fatal("first search left no trial residuals: the test exercises nothing")
			}
			dir := make([]float64, len(g))
			for i := range dir {
				dir[i] = -g[i]
			}
			step, fs, ok := p.lineSearch(th, dir, f, invC, tc.fresh)

			q, _ := smallProblem[float64](t, 120, 5, 4)
			q.value(th, invC, make([]float64, len(g)))
			wantStep, wantF, wantOK := q.lineSearch(th, dir, f, invC, tc.fresh)
			if step != wantStep || fs != wantF || ok != wantOK {
				t.Errorf("after an abandoned search: step %v f %v ok %v; fresh: step %v f %v ok %v", step, fs, ok, wantStep, wantF, wantOK)
			}
			if !(fs < f) {
				t.Errorf("f went from %v to %v along −∇f", f, fs)
			}
		})
	}
}
