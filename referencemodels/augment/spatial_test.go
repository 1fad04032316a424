package augment

import (
	"fmt"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// TestSpatialHandWorked checks every flip and rotation against the moved
// baseGrid written out by hand from the index maps of paper-spec §2.11, on
// every one of the 2·22·30 maps of a batch.
func TestSpatialHandWorked(t *testing.T) {
	rot := func(k int) func(ndarray.Array) (ndarray.Array, error) {
		return func(x ndarray.Array) (ndarray.Array, error) { return Rotate(x, k) }
	}
	cases := []struct {
		name string
		op   func(ndarray.Array) (ndarray.Array, error)
		want grid
	}{
		// out[r][c] = in[r][6−c]: each row read right to left.
		{"FlipH", FlipH, grid{
			{17, 16, 15, 14, 13, 12, 11},
			{27, 26, 25, 24, 23, 22, 21},
			{37, 36, 35, 34, 33, 32, 31},
			{47, 46, 45, 44, 43, 42, 41},
			{57, 56, 55, 54, 53, 52, 51},
		}},
		// out[r][c] = in[4−r][c]: rows E..A.
		{"FlipV", FlipV, grid{
			{51, 52, 53, 54, 55, 56, 57},
			{41, 42, 43, 44, 45, 46, 47},
			{31, 32, 33, 34, 35, 36, 37},
			{21, 22, 23, 24, 25, 26, 27},
			{11, 12, 13, 14, 15, 16, 17},
		}},
		// 90°, out[r][c] = in[c−1][5−r], c in 1..5: row 0 = input column 5
		// (units 6) read top to bottom, row 4 = input column 1 (units 2);
		// columns 0 and 6 zero.
		{"Rotate1", rot(1), grid{
			{0, 16, 26, 36, 46, 56, 0},
			{0, 15, 25, 35, 45, 55, 0},
			{0, 14, 24, 34, 44, 54, 0},
			{0, 13, 23, 33, 43, 53, 0},
			{0, 12, 22, 32, 42, 52, 0},
		}},
		// 180°, out[r][c] = in[4−r][6−c].
		{"Rotate2", rot(2), grid{
			{57, 56, 55, 54, 53, 52, 51},
			{47, 46, 45, 44, 43, 42, 41},
			{37, 36, 35, 34, 33, 32, 31},
			{27, 26, 25, 24, 23, 22, 21},
			{17, 16, 15, 14, 13, 12, 11},
		}},
		// 270°, out[r][c] = in[5−c][r+1], c in 1..5: row 0 = input column 1
		// read bottom to top, row 4 = input column 5 bottom to top.
		{"Rotate3", rot(3), grid{
			{0, 52, 42, 32, 22, 12, 0},
			{0, 53, 43, 33, 23, 13, 0},
			{0, 54, 44, 34, 24, 14, 0},
			{0, 55, 45, 35, 25, 15, 0},
			{0, 56, 46, 36, 26, 16, 0},
		}},
		{"Rotate0", rot(0), baseGrid},
		{"Rotate4", rot(4), baseGrid},
		{"Rotate5 = Rotate1", rot(5), grid{
			{0, 16, 26, 36, 46, 56, 0},
			{0, 15, 25, 35, 45, 55, 0},
			{0, 14, 24, 34, 44, 54, 0},
			{0, 13, 23, 33, 43, 53, 0},
			{0, 12, 22, 32, 42, 52, 0},
		}},
		{"Rotate-1 = Rotate3", rot(-1), grid{
			{0, 52, 42, 32, 22, 12, 0},
			{0, 53, 43, 33, 23, 13, 0},
			{0, 54, 44, 34, 24, 14, 0},
			{0, 55, 45, 35, 25, 15, 0},
			{0, 56, 46, 36, 26, 16, 0},
		}},
		{"Rotate-2 = Rotate2", rot(-2), grid{
			{57, 56, 55, 54, 53, 52, 51},
			{47, 46, 45, 44, 43, 42, 41},
			{37, 36, 35, 34, 33, 32, 31},
			{27, 26, 25, 24, 23, 22, 21},
			{17, 16, 15, 14, 13, 12, 11},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := gridInput(2)
			before := cloneArray(x)
			got := must(t)(tc.op(x))
			sameArray(t, "output", got, fromGrid(2, tc.want))
			sameArray(t, "input after the call", x, before)
			if &got.F32[0] == &x.F32[0] {
				t.Fatal("output shares the input's data")
			}
		})
	}
}

// TestSpatialIdentities checks the algebra of the maps on a random input.
// Rotate(1)∘Rotate(3) and Rotate(3)∘Rotate(1): the first rotation zeroes
// output columns 0 and 6, and reads only input columns 1..5; working the
// maps through, R1(R3(x))[r][c] = R3(x)[c−1][5−r] = x[r][c] for c in 1..5
// (5−r always lies in 1..5), so exactly the 25 cells of columns 1..5
// survive and the 10 cells of columns 0 and 6 are zero; the same holds for
// R3∘R1. R1∘R1[r][c] = x[4−r][6−c] for c in 1..5: the 180° rotation with
// columns 0 and 6 zeroed.
func TestSpatialIdentities(t *testing.T) {
	x := randomInput(2, 1)
	before := cloneArray(x)
	keep15 := func(a ndarray.Array) ndarray.Array {
		out := cloneArray(a)
		for i := range out.F32 {
			if c := i % Width; c == 0 || c == Width-1 {
				out.F32[i] = 0
			}
		}
		return out
	}
	rot := func(k int) func(ndarray.Array) (ndarray.Array, error) {
		return func(a ndarray.Array) (ndarray.Array, error) { return Rotate(a, k) }
	}
	chain := func(ops ...func(ndarray.Array) (ndarray.Array, error)) ndarray.Array {
		a := x
		for _, op := range ops {
			a = must(t)(op(a))
		}
		return a
	}
	cases := []struct {
		name      string
		got, want ndarray.Array
	}{
		{"FlipH∘FlipH = id", chain(FlipH, FlipH), x},
		{"FlipV∘FlipV = id", chain(FlipV, FlipV), x},
		{"Rotate2 = FlipH∘FlipV", chain(rot(2)), chain(FlipV, FlipH)},
		{"Rotate2 = FlipV∘FlipH", chain(rot(2)), chain(FlipH, FlipV)},
		{"Rotate2∘Rotate2 = id", chain(rot(2), rot(2)), x},
		{"Rotate4 = id", chain(rot(4)), x},
		{"Rotate0 = id", chain(rot(0)), x},
		{"Rotate1∘Rotate3 = id on columns 1..5", chain(rot(3), rot(1)), keep15(x)},
		{"Rotate3∘Rotate1 = id on columns 1..5", chain(rot(1), rot(3)), keep15(x)},
		{"Rotate1∘Rotate1 = Rotate2 on columns 1..5", chain(rot(1), rot(1)), keep15(chain(rot(2)))},
		{"Rotate3∘Rotate3 = Rotate2 on columns 1..5", chain(rot(3), rot(3)), keep15(chain(rot(2)))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sameArray(t, tc.name, tc.got, tc.want)
		})
	}
	// keep15 must really drop something: column 0 of x is random non-zero.
	if x.F32[0] == 0 {
		t.Fatal("test input has a zero at cell (0, 0); the survival check would be vacuous")
	}
	sameArray(t, "input after the calls", x, before)
}

// TestSpatialErrors checks that every function rejects malformed input.
func TestSpatialErrors(t *testing.T) {
	ops := map[string]func(ndarray.Array) (ndarray.Array, error){
		"FlipH":           FlipH,
		"FlipV":           FlipV,
		"Rotate1":         func(x ndarray.Array) (ndarray.Array, error) { return Rotate(x, 1) },
		"TemporalReverse": TemporalReverse,
		"Unpack":          Unpack,
	}
	for opName, op := range ops {
		for inName, x := range badInputs() {
			t.Run(fmt.Sprintf("%s/%s", opName, inName), func(t *testing.T) {
				if _, err := op(x); err == nil {
					t.Fatalf("%s accepted %s input %s", opName, inName, x.ShapeString())
				}
			})
		}
	}
}

// TestEmptyBatch checks that a batch of zero samples is valid and stays empty.
func TestEmptyBatch(t *testing.T) {
	x := ndarray.Zeros32(0, Steps, Channels, Height, Width)
	got := must(t)(Rotate(x, 1))
	if got.Shape[0] != 0 || len(got.F32) != 0 {
		t.Fatalf("empty batch gave %s with %d values", got.ShapeString(), len(got.F32))
	}
}
