package whisker

import (
	"context"
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
	"github.com/whiskerbench/whiskerbench/datasets/shapes"
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

// benchLibraryConfigs are the real protocol objects: the Rodgers plate
// (concave-near) and the first sweep16 sweep of the library cube (class
// "cube", seed 1).
func benchLibraryConfigs(tb testing.TB) (rodgers, sweep Config) {
	plate, err := shapes.RodgersPlate(shapes.RodgersThickness)
	if err != nil {
		tb.Fatal(err)
	}
	rs, err := Rodgers(plate, DefaultWhisking())
	if err != nil {
		tb.Fatal(err)
	}
	inst, err := shapes.NewInstance("cube", 1, 0)
	if err != nil {
		tb.Fatal(err)
	}
	ss, err := Sweep16(inst.Shape)
	if err != nil {
		tb.Fatal(err)
	}
	return rs[0].Config, ss[0].Config
}

// BenchmarkSimulate measures one simulated second (1000 frames at 1000 Hz)
// of the 30-whisker array on one goroutine: active whisking against the
// concave-near Rodgers stimulus (the library plate, and the stand-in of
// the first measurements), and the first sweep16 sweep (h-5_d5_t0) of the
// library cube and of a sphere. It reports wall seconds per simulated
// second, ns per integrated link-step, and the link-steps per simulated
// second (sleeping whiskers take none).
func BenchmarkSimulate(b *testing.B) {
	rod, sw := benchConfigs(b)
	lrod, lsw := benchLibraryConfigs(b)
	for _, bc := range []struct {
		name string
		cfg  Config
	}{{"rodgers_concave_near", lrod}, {"rodgers_standin", rod}, {"sweep16_cube_h-5_d5_t0", lsw}, {"sweep16_sphere_h-5_d5_t0", sw}} {
		b.Run(bc.name, func(b *testing.B) {
			var links int64
			for i := 0; i < b.N; i++ {
				res, err := Simulate(context.Background(), bc.cfg)
				if err != nil {
					b.Fatal(err)
				}
				links += res.Stats.LinkSteps
				simulated := float64(res.Raw.Shape[0]-1) / res.FrameRate
				b.ReportMetric(b.Elapsed().Seconds()/float64(i+1)/simulated, "wall-s/sim-s")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(links), "ns/link-step")
				b.ReportMetric(float64(res.Stats.LinkSteps)/simulated, "link-steps/sim-s")
				var peak float64
				for _, v := range res.Raw.F32 {
					peak = math.Max(peak, math.Abs(float64(v)))
				}
				b.ReportMetric(peak, "peak|x|")
			}
		})
	}
}
