package augment

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// grid is one 5×7 whisker grid written out by hand, rows A..E top to bottom.
type grid [Height][Width]float32

// baseGrid holds 10·(r+1) + (c+1): the tens digit is the row (1..5) and the
// units digit the arc (1..7), so every moved cell is recognisable by eye and
// no cell is 0 (zero fill is unambiguous).
var baseGrid = grid{
	{11, 12, 13, 14, 15, 16, 17},
	{21, 22, 23, 24, 25, 26, 27},
	{31, 32, 33, 34, 35, 36, 37},
	{41, 42, 43, 44, 45, 46, 47},
	{51, 52, 53, 54, 55, 56, 57},
}

// gridInput returns a (b, 22, 30, 5, 7) input whose map m = (n·22+t)·30+ch
// holds baseGrid + 100·m, so each map is distinct and a cell's value names
// both its map and its grid position.
func gridInput(b int) ndarray.Array {
	return fromGrid(b, baseGrid)
}

// fromGrid returns the input whose map m holds g + 100·m where g is
// non-zero and 0 where g is 0: the expected output of a spatial map when g
// is baseGrid moved by hand.
func fromGrid(b int, g grid) ndarray.Array {
	x := ndarray.Zeros32(b, Steps, Channels, Height, Width)
	for m := range b * Steps * Channels {
		for r := range Height {
			for c := range Width {
				if g[r][c] != 0 {
					x.F32[m*Cells+r*Width+c] = g[r][c] + 100*float32(m)
				}
			}
		}
	}
	return x
}

// randomInput returns a random input with the five padded cells of
// paper-spec §2.1 (flat 5, 6, 12, 13, 34) zero in every map.
func randomInput(b int, seed uint64) ndarray.Array {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := ndarray.Zeros32(b, Steps, Channels, Height, Width)
	for i := range x.F32 {
		switch i % Cells {
		case 5, 6, 12, 13, 34:
		default:
			x.F32[i] = float32(rng.NormFloat64())
		}
	}
	return x
}

func cloneArray(x ndarray.Array) ndarray.Array {
	return ndarray.FromFloat32(x.Shape, slices.Clone(x.F32))
}

// sameArray fails unless got and want have the same shape and values
// (±0 count as equal), naming the first differing element.
func sameArray(t *testing.T, what string, got, want ndarray.Array) {
	t.Helper()
	if !slices.Equal(got.Shape, want.Shape) || got.DType != want.DType {
		t.Fatalf("%s: got %s %s, want %s %s", what, got.DType, got.ShapeString(), want.DType, want.ShapeString())
	}
	for i := range want.F32 {
		if got.F32[i] != want.F32[i] {
			t.Fatalf("%s: element %v = %v, want %v", what, want.Index(i), got.F32[i], want.F32[i])
		}
	}
}

// must returns a function that passes an array through, failing the test
// on an error: must(t)(FlipH(x)).
func must(t *testing.T) func(ndarray.Array, error) ndarray.Array {
	return func(x ndarray.Array, err error) ndarray.Array {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
}

// badInputs are inputs every function must reject.
func badInputs() map[string]ndarray.Array {
	good := ndarray.Zeros32(2, Steps, Channels, Height, Width)
	short := good
	short.F32 = short.F32[:10]
	return map[string]ndarray.Array{
		"float64":      ndarray.Zeros64(1, Steps, Channels, Height, Width),
		"4-D":          ndarray.Zeros32(Steps, Channels, Height, Width),
		"6-D":          ndarray.Zeros32(1, 1, Steps, Channels, Height, Width),
		"width 5":      ndarray.Zeros32(1, Steps, Channels, Height, 5),
		"grid 7x5":     ndarray.Zeros32(1, Steps, Channels, Width, Height),
		"21 steps":     ndarray.Zeros32(1, 21, Channels, Height, Width),
		"raw layout":   ndarray.Zeros32(1, RawFrames, Forces, Height, Width),
		"short data":   short,
		"empty array":  {},
		"int64":        ndarray.FromInt64([]int{1, Steps, Channels, Height, Width}, make([]int64, Steps*Channels*Cells)),
		"negative dim": {Shape: []int{-1, Steps, Channels, Height, Width}, DType: ndarray.Float32},
	}
}
