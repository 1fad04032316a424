package probe

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// readF32 reads a little-endian float32 file.
func readF32(t testing.TB, path string) []float32 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// readI64 reads a little-endian int64 file.
func readI64(t testing.TB, path string) []int64 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(raw)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return out
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// skFixture is testdata/sklearn_fixture.json, written by make_fixture.py.
type skFixture struct {
	N, D, Classes int
	NTrain        int     `json:"n_train"`
	C             float64 `json:"c"`
	Converged     skRun   `json:"converged"`
	Default       skRun   `json:"default"`
}

type skRun struct {
	MaxIter   int     `json:"max_iter"`
	Tol       float64 `json:"tol"`
	NIter     int     `json:"n_iter"`
	Top1      float64 `json:"top1"`
	Top5      float64 `json:"top5"`
	Objective float64 `json:"objective"`
}

// loadFixture returns the fixture's train and test splits.
func loadFixture(t testing.TB) (skFixture, Dataset, Dataset) {
	t.Helper()
	var fx skFixture
	readJSON(t, filepath.Join("testdata", "sklearn_fixture.json"), &fx)
	x := readF32(t, filepath.Join("testdata", "sklearn_fixture.f32"))
	y := readI64(t, filepath.Join("testdata", "sklearn_fixture.i64"))
	if len(x) != fx.N*fx.D || len(y) != fx.N {
		t.Fatalf("fixture holds %d features and %d labels, json says %d×%d", len(x), len(y), fx.N, fx.D)
	}
	cut := fx.NTrain
	train := Dataset{ndarray.FromFloat32([]int{cut, fx.D}, x[:cut*fx.D]), ndarray.FromInt64([]int{cut}, y[:cut])}
	test := Dataset{ndarray.FromFloat32([]int{fx.N - cut, fx.D}, x[cut*fx.D:]), ndarray.FromInt64([]int{fx.N - cut}, y[cut:])}
	return fx, train, test
}

// blobs draws n samples of k Gaussian clusters in d dimensions: class
// centres N(0, sep²), unit noise; the first informative dimensions carry
// the signal and the rest are pure noise.
func blobs(seed uint64, n, d, informative, k int, sep float64) Dataset {
	rng := rand.New(rand.NewPCG(seed, 17))
	centres := make([]float64, k*informative)
	for i := range centres {
		centres[i] = sep * rng.NormFloat64()
	}
	x := make([]float64, n*d)
	y := make([]int64, n)
	for i := 0; i < n; i++ {
		c := rng.IntN(k)
		y[i] = int64(c)
		for j := 0; j < d; j++ {
			v := rng.NormFloat64()
			if j < informative {
				v += centres[c*informative+j]
			}
			x[i*d+j] = v
		}
	}
	return Dataset{ndarray.FromFloat64([]int{n, d}, x), ndarray.FromInt64([]int{n}, y)}
}

// rows returns samples lo..hi of ds.
func rows(ds Dataset, lo, hi int) Dataset {
	_, d := ds.Features.Rows()
	var f ndarray.Array
	if ds.Features.DType == ndarray.Float32 {
		f = ndarray.FromFloat32([]int{hi - lo, d}, ds.Features.F32[lo*d:hi*d])
	} else {
		f = ndarray.FromFloat64([]int{hi - lo, d}, ds.Features.F64[lo*d:hi*d])
	}
	return Dataset{f, ndarray.FromInt64([]int{hi - lo}, ds.Labels.I64[lo:hi])}
}
