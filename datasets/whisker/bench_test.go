package whisker

import (
	"context"
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// rodgersStandIn is a curved plate standing in for the Rodgers stimulus
// surface (47 × 22 × 17 mm after the protocol's 55 mm scaling, like the
// paper's plate): a 30° shell of radius 2 (units), 0.05 thick, 0.6 tall.
func rodgersStandIn() curvedPlate { return curvedPlate{rad: 2, th: 0.05, half: geom.Deg(30), hz: 0.3} }

// sweepStandIn is a sphere standing in for a ShapeNet object.
func sweepStandIn() sphere { return sphere{r: 1} }

func benchConfigs(tb testing.TB) (rodgers, sweep Config) {
	rs, err := Rodgers(rodgersStandIn(), DefaultWhisking())
	if err != nil {
		tb.Fatal(err)
	}
	ss, err := Sweep16(sweepStandIn())
	if err != nil {
		tb.Fatal(err)
	}
	return rs[0].Config, ss[0].Config
}

// BenchmarkSimulate measures one simulated second (1000 frames at 1000 Hz)
// of the 30-whisker array on one goroutine: (a) active whisking against the
// concave-near Rodgers stand-in, (b) the first sweep16 sweep of a sphere.
func BenchmarkSimulate(b *testing.B) {
	rod, sw := benchConfigs(b)
	for _, bc := range []struct {
		name string
		cfg  Config
	}{{"rodgers_concave_near", rod}, {"sweep16_h-5_d5_t0", sw}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res, err := Simulate(context.Background(), bc.cfg)
				if err != nil {
					b.Fatal(err)
				}
				simulated := float64(res.Raw.Shape[0]-1) / res.FrameRate
				b.ReportMetric(b.Elapsed().Seconds()/float64(i+1)/simulated, "wall-s/sim-s")
				var peak float64
				for _, v := range res.Raw.F32 {
					peak = math.Max(peak, math.Abs(float64(v)))
				}
				b.ReportMetric(peak, "peak|x|")
			}
		})
	}
}
