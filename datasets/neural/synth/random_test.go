package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPoissonMoments(t *testing.T) {
	// Poisson(λ) has mean λ and variance λ. With n draws the sample mean has
	// SE sqrt(λ/n) and the sample variance SE ≈ sqrt((2λ²+λ)/n)
	// (fourth central moment 3λ²+λ). Both branches (λ < 10 and ≥ 10) are
	// covered.
	for _, lam := range []float64{0, 0.05, 0.7, 3, 9.99, 10, 37.5, 400} {
		r := rand.New(rand.NewPCG(11, uint64(lam*1000)))
		const n = 40000
		var s, ss float64
		for range n {
			k := float64(poisson(r, lam))
			if k < 0 {
				t.Fatalf("λ=%g: negative count %v", lam, k)
			}
			s += k
			ss += k * k
		}
		mean := s / n
		v := ss/n - mean*mean
		if lam == 0 {
			if s != 0 {
				t.Errorf("λ=0: sum %v, want 0", s)
			}
			continue
		}
		if se := math.Sqrt(lam / n); math.Abs(mean-lam) > 5*se {
			t.Errorf("λ=%g: mean %.4f, want %g ± %.4f", lam, mean, lam, 5*se)
		}
		if se := math.Sqrt((2*lam*lam + lam) / n); math.Abs(v-lam) > 5*se {
			t.Errorf("λ=%g: variance %.4f, want %g ± %.4f", lam, v, lam, 5*se)
		}
	}
}

func TestPoissonPMF(t *testing.T) {
	// Frequencies of small counts against the exact pmf e^−λ λ^k / k!, for
	// λ on both sides of the algorithm switch.
	for _, lam := range []float64{4, 12} {
		r := rand.New(rand.NewPCG(3, 4))
		const n = 100000
		cnt := map[int]int{}
		for range n {
			cnt[poisson(r, lam)]++
		}
		for k := int(lam) - 3; k <= int(lam)+3; k++ {
			lg, _ := math.Lgamma(float64(k) + 1)
			p := math.Exp(-lam + float64(k)*math.Log(lam) - lg)
			se := math.Sqrt(p * (1 - p) / n)
			if got := float64(cnt[k]) / n; math.Abs(got-p) > 5*se {
				t.Errorf("λ=%g: P(%d) = %.4f, want %.4f ± %.4f", lam, k, got, p, 5*se)
			}
		}
	}
}

func TestGammaDirichlet(t *testing.T) {
	// Gamma(a, 1) has mean a and variance a.
	for _, a := range []float64{0.3, 1, 2.5} {
		r := rand.New(rand.NewPCG(5, uint64(a*10)))
		const n = 40000
		var s, ss float64
		for range n {
			x := gamma(r, a)
			s += x
			ss += x * x
		}
		mean := s / n
		v := ss/n - mean*mean
		if math.Abs(mean-a) > 5*math.Sqrt(a/n) {
			t.Errorf("Gamma(%g): mean %.4f", a, mean)
		}
		if math.Abs(v-a)/a > 0.08 {
			t.Errorf("Gamma(%g): variance %.4f, want %g", a, v, a)
		}
	}
	r := rand.New(rand.NewPCG(6, 7))
	w := make([]float64, 4)
	for range 100 {
		dirichlet(r, 0.5, w)
		var s float64
		for _, v := range w {
			if v < 0 {
				t.Fatalf("negative Dirichlet weight %v", w)
			}
			s += v
		}
		if math.Abs(s-1) > 1e-12 {
			t.Fatalf("Dirichlet weights %v sum to %v", w, s)
		}
	}
}

func TestApportion(t *testing.T) {
	for _, tc := range []struct {
		total int
		w     []float64
		floor int
		want  []int
	}{
		// 10·(1,1,2)/4 = 2.5, 2.5, 5: the remainders tie, the first wins.
		{10, []float64{1, 1, 2}, 0, []int{3, 2, 5}},
		// 999 − 11·30 = 669 over equal weights: 60.8 each, 9 get 61, 2 get 60.
		{669, slices.Repeat([]float64{1}, 11), 30, []int{91, 91, 91, 91, 91, 91, 91, 91, 91, 90, 90}},
		{0, []float64{3, 1}, 1, []int{1, 1}},
	} {
		got := apportion(tc.total, tc.w, tc.floor)
		if !slices.Equal(got, tc.want) {
			t.Errorf("apportion(%d, %v, %d) = %v, want %v", tc.total, tc.w, tc.floor, got, tc.want)
		}
	}
}

func TestWhiskerGrid(t *testing.T) {
	g := newWhiskerGrid()
	if len(g.names) != 30 || g.names[0] != "RA0" || g.names[29] != "RE5" {
		t.Fatalf("grid names %v", g.names)
	}
	for _, tc := range []struct {
		w    string
		want []string
	}{
		{"RA0", []string{"RA1", "RB0"}},
		{"RC3", []string{"RC2", "RC4", "RB3", "RD3"}},
		{"RC6", []string{"RC5", "RD6"}}, // no RB6 (rows A, B have arcs 0–4)
		{"RE5", []string{"RE4", "RD5"}},
		{"RB4", []string{"RB3", "RA4", "RC4"}},
	} {
		var got []string
		for _, n := range g.neighbour[g.index(tc.w)] {
			got = append(got, g.names[n])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("neighbours of %s: %v, want %v", tc.w, got, tc.want)
		}
	}
	if g.index("RZ1") != -1 {
		t.Error("index of an unknown whisker is not -1")
	}
	if d := g.dist2(g.index("RA0"), g.index("RC2")); d != 8 {
		t.Errorf("squared grid distance RA0–RC2 = %v, want 8 (2 rows, 2 arcs)", d)
	}
}
