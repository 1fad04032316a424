package ead

import (
	"context"
	"testing"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// benchConfig is the closest supported config to the ~3 M-parameter
// IntersectionRNN ConvRNN of the speed anchor: width 0.28 (channels 27–108,
// fc7 287), repr 128, linear decoder, 117 classes.
func benchConfig() arch.Config {
	c := arch.ZhuangConvRNN(arch.CellIntersection, false, arch.DecoderLinear)
	c.Encoder.Width = 0.28
	c.Encoder.ReprDim = 128
	return c
}

func TestBenchConfigSize(t *testing.T) {
	n, err := benchConfig().Count()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bench config: %d parameters, channels %v", n, benchConfig().ConvChannels())
}

func benchGraph(b *testing.B, train bool) {
	m, err := NewRandom(benchConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	const B = 64
	gr, err := m.Build(Options{Batch: B, Train: train})
	if err != nil {
		b.Fatal(err)
	}
	defer gr.Close()
	x := randomInput(B, 1)
	labels := make([]int, B)
	for i := range labels {
		labels[i] = i % 117
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if train {
			if _, _, _, err := gr.Step(ctx, x, labels); err != nil {
				b.Fatal(err)
			}
		} else if _, err := gr.Forward(ctx, x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(B*b.N)/b.Elapsed().Seconds(), "samples/s")
}

func BenchmarkInferBatch64(b *testing.B) { benchGraph(b, false) }
func BenchmarkTrainBatch64(b *testing.B) { benchGraph(b, true) }
