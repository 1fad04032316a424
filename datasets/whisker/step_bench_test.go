package whisker

import (
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// BenchmarkRodStep measures one integration step of a free 20-link whisker
// (no contact): the articulated-body pass and the update, per link.
func BenchmarkRodStep(b *testing.B) {
	p := DefaultPhysics()
	g, err := buildRod(straightWhisker(20, 0.05), p)
	if err != nil {
		b.Fatal(err)
	}
	st := newRodState(g, p, 0)
	for j := range st.w {
		st.w[j] = geom.Vec3{1, 2, 3}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.step(MaxStep, geom.Identity(), geom.Vec3{}, nil, geom.Vec3{}, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*g.n), "ns/link")
}
