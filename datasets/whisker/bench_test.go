package whisker

import (
	"context"
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// rodgersStandIn stands in for the Rodgers stimulus surface until the
// object library's plate is used: a shell arc of radius 0.69, ±80°, 0.03
// thick and 0.508 tall, turned so that its chord lies along x — a raw box
// of ≈ 1.36 × 0.6 × 0.51 like the paper's plate (1.373 × 0.652 × 0.508,
// simulator-spec §8.3), i.e. ≈ 47 × 21 × 18 mm at the protocol's 55 mm.
func rodgersStandIn() turned {
	return turned{curvedPlate{rad: 0.69, th: 0.03, half: geom.Deg(80), hz: 0.254}}
}

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
