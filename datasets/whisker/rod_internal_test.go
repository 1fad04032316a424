package whisker

import (
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// straightWhisker is a uniform, straight test rod along the base x axis.
func straightWhisker(length, radius float64) Whisker {
	return Whisker{Name: "T", Row: 3, Col: 0, ArcLength: length, BaseRadius: radius, TipRadius: radius, Theta: math.Pi / 2}
}

// TestCantileverTipLoad: a straight, uniform rod clamped at the base with a
// static tip load P must deflect by Euler–Bernoulli's P·L³/(3EI), and the
// base must read F = P and M = r_tip × P.
//
// Golden: E = 5e6 kg/(mm·s²), r = 0.05 mm → I = π r⁴/4 = 4.9087e-6 mm⁴,
// EI = 24.544 kg·mm³/s²; L = 20 mm → L³/(3EI) = 108.65 mm/mN. P = 1e-3 mN
// gives 0.10865 mm (0.5 % of L, the linear regime).
func TestCantileverTipLoad(t *testing.T) {
	cases := []struct {
		name           string
		length, radius float64
		linksPerMM     float64
		load           float64
	}{
		{"20mm_20links", 20, 0.05, 1, 1e-3},
		{"10mm_10links", 10, 0.03, 1, 1e-4},
		{"20mm_40links", 20, 0.05, 2, 1e-3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultPhysics()
			p.LinksPerMM = tc.linksPerMM
			g, err := buildRod(straightWhisker(tc.length, tc.radius), p)
			if err != nil {
				t.Fatal(err)
			}
			st := newRodState(g, p, 0)
			st.loads = []pointLoad{{link: g.n - 1, frac: 1, force: geom.Vec3{0, -tc.load, 0}}}
			var out [6]float64
			h := 1e-4
			for k := 0; k < 3000; k++ {
				out, err = st.step(h, geom.Identity(), geom.Vec3{}, nil, geom.Vec3{}, 1)
				if err != nil {
					t.Fatal(err)
				}
			}
			tip := tipPosition(st, geom.Identity())
			ei := p.YoungModulus * math.Pi * math.Pow(tc.radius, 4) / 4
			want := tc.load * math.Pow(tc.length, 3) / (3 * ei)
			got := -tip[1]
			if rel := math.Abs(got-want) / want; rel > 0.05 {
				t.Errorf("tip deflection %.5g mm, Euler–Bernoulli %.5g mm (rel err %.3f > 0.05)", got, want, rel)
			} else {
				t.Logf("tip deflection %.5g mm vs %.5g mm (rel err %.4f)", got, want, rel)
			}
			if math.Abs(out[1]+tc.load) > 1e-3*tc.load || math.Abs(out[0]) > 1e-3*tc.load {
				t.Errorf("base force %v, want (0, %g, 0)", out[:3], -tc.load)
			}
			wantMz := tip[0] * -tc.load
			if math.Abs(out[5]-wantMz) > 1e-3*math.Abs(wantMz) {
				t.Errorf("base Mz %g, want %g", out[5], wantMz)
			}
		})
	}
}

// tipPosition is the whisker tip relative to the base point for base
// orientation rb, from the joint rotations.
func tipPosition(st *rodState, rb geom.Mat3) geom.Vec3 {
	r := rb
	var p geom.Vec3
	for j := 0; j < st.g.n; j++ {
		if j > 0 {
			p = p.Add(col(r, 0).Scale(st.g.ell))
		}
		r = r.Mul(st.q[j].mat())
	}
	return p.Add(col(r, 0).Scale(st.g.ell))
}
