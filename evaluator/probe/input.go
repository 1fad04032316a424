package probe

import (
	"fmt"
	"math"
	"slices"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Dataset is one split handed to the probe: Features shaped (n, ...) of
// float32 or float64 (trailing dimensions are flattened into one feature
// vector per sample) and Labels shaped (n,) of int64. Float labels are
// accepted when every value is a whole number.
type Dataset struct {
	Features ndarray.Array
	Labels   ndarray.Array
}

// split is a validated Dataset: n samples of d features, exactly one of f32
// and f64 set (the caller's data, not copied), and the labels as int64.
type split struct {
	n, d   int
	f32    []float32
	f64    []float64
	labels []int64
}

// at returns feature j of sample i as float64.
func (s *split) at(i, j int) float64 {
	if s.f32 != nil {
		return float64(s.f32[i*s.d+j])
	}
	return s.f64[i*s.d+j]
}

// readSplit validates ds; name ("train", "test") prefixes every error.
func readSplit(name string, ds Dataset) (split, error) {
	f := ds.Features
	if !f.IsFloat() {
		return split{}, fmt.Errorf("%s features: dtype %q, want float32 or float64", name, f.DType)
	}
	if f.Dims() < 1 {
		return split{}, fmt.Errorf("%s features: a scalar, want shape (n, ...)", name)
	}
	if sz := ndarray.Size(f.Shape); sz != f.Len() {
		return split{}, fmt.Errorf("%s features: shape %s needs %d elements, data has %d", name, f.ShapeString(), sz, f.Len())
	}
	n, d := f.Rows()
	if n == 0 {
		return split{}, fmt.Errorf("%s features: no samples (shape %s)", name, f.ShapeString())
	}
	if d == 0 {
		return split{}, fmt.Errorf("%s features: no feature columns (shape %s)", name, f.ShapeString())
	}
	if bad := f.FirstNonFinite(); bad >= 0 {
		return split{}, fmt.Errorf("%s features: sample %d, feature %d is %v; features must be finite",
			name, bad/d, bad%d, f.At64(bad))
	}
	labels, err := readLabels(name, ds.Labels)
	if err != nil {
		return split{}, err
	}
	if len(labels) != n {
		return split{}, fmt.Errorf("%s: %d labels for %d feature rows (features %s, labels %s)",
			name, len(labels), n, f.ShapeString(), ds.Labels.ShapeString())
	}
	return split{n: n, d: d, f32: f.F32, f64: f.F64, labels: labels}, nil
}

// readLabels returns the labels as int64, rejecting non-integers.
func readLabels(name string, a ndarray.Array) ([]int64, error) {
	if a.Dims() != 1 {
		return nil, fmt.Errorf("%s labels: shape %s, want one dimension (n,)", name, a.ShapeString())
	}
	if a.Len() != a.Shape[0] {
		return nil, fmt.Errorf("%s labels: shape %s needs %d elements, data has %d", name, a.ShapeString(), a.Shape[0], a.Len())
	}
	switch a.DType {
	case ndarray.Int64:
		return a.I64, nil
	case ndarray.Float32, ndarray.Float64:
		out := make([]int64, a.Len())
		for i := range out {
			v := a.At64(i)
			if v != math.Trunc(v) || math.IsInf(v, 0) || math.Abs(v) > 1<<53 {
				return nil, fmt.Errorf("%s labels: label %d is %v, not an integer class label", name, i, v)
			}
			out[i] = int64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s labels: dtype %q, want int64 (or whole-number floats)", name, a.DType)
}

// encodeLabels maps training labels to class indices 0..K-1 in ascending
// label order and returns the sorted distinct labels.
func encodeLabels(labels []int64) (classes []int64, y []int32) {
	classes = slices.Clone(labels)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	y = make([]int32, len(labels))
	for i, l := range labels {
		idx, _ := slices.BinarySearch(classes, l)
		y[i] = int32(idx)
	}
	return classes, y
}

// scaler holds the standardisation fitted on training rows: x' = (x-mean)/scale.
type scaler struct {
	mean, scale []float64
	constant    int // features with zero variance in training (scale set to 1)
}

// fitScaler computes per-feature mean and population standard deviation
// (ddof 0, as scikit-learn's StandardScaler) over the given rows of s (all
// rows when rows is nil). A feature whose standard deviation is zero, or
// negligible next to its mean, gets scale 1, so it is centred to zero.
func fitScaler(s *split, rows []int) (scaler, error) {
	d := s.d
	mean := make([]float64, d)
	m2 := make([]float64, d)
	count := 0
	each := func(f func(i int)) {
		if rows == nil {
			for i := 0; i < s.n; i++ {
				f(i)
			}
			return
		}
		for _, i := range rows {
			f(i)
		}
	}
	each(func(i int) {
		count++
		for j := 0; j < d; j++ {
			mean[j] += s.at(i, j)
		}
	})
	for j := range mean {
		mean[j] /= float64(count)
	}
	each(func(i int) {
		for j := 0; j < d; j++ {
			v := s.at(i, j) - mean[j]
			m2[j] += v * v
		}
	})
	sc := scaler{mean: mean, scale: m2}
	for j := range m2 {
		sd := math.Sqrt(m2[j] / float64(count))
		switch {
		case math.IsInf(sd, 0) || math.IsInf(mean[j], 0):
			return scaler{}, fmt.Errorf("feature %d: values too large to standardise (variance overflows)", j)
		case sd <= 1e-12*max(1, math.Abs(mean[j])):
			sd = 1
			sc.constant++
		}
		sc.scale[j] = sd
	}
	return sc, nil
}

// maxStandardised bounds standardised values so the float32 path never
// overflows: a training row is at most sqrt(n) deviations out, so only test
// rows far outside the training distribution can reach it.
const maxStandardised = 1e30

// standardise writes the given rows of s (all rows when rows is nil),
// standardised by sc, into a row-major len(rows)×d matrix, and, when
// transposed is true, also its d×len(rows) transpose.
func standardise[T float](s *split, rows []int, sc scaler, transposed bool) (x, xt []T, err error) {
	n := s.n
	if rows != nil {
		n = len(rows)
	}
	d := s.d
	x = make([]T, n*d)
	inv := make([]float64, d)
	for j := range inv {
		inv[j] = 1 / sc.scale[j]
	}
	for r := 0; r < n; r++ {
		i := r
		if rows != nil {
			i = rows[r]
		}
		out := x[r*d : (r+1)*d]
		for j := range out {
			v := (s.at(i, j) - sc.mean[j]) * inv[j]
			if math.Abs(v) > maxStandardised {
				return nil, nil, fmt.Errorf("sample %d, feature %d: %g standard deviations from the training mean, too far to score", i, j, v)
			}
			out[j] = T(v)
		}
	}
	if transposed {
		xt = transpose(x, n, d)
	}
	return x, xt, nil
}

// transpose returns the cols×rows transpose of the row-major rows×cols x,
// walking 64×64 blocks to stay in cache.
func transpose[T float](x []T, rows, cols int) []T {
	const blk = 64
	out := make([]T, len(x))
	for i0 := 0; i0 < rows; i0 += blk {
		i1 := min(i0+blk, rows)
		for j0 := 0; j0 < cols; j0 += blk {
			j1 := min(j0+blk, cols)
			for i := i0; i < i1; i++ {
				for j := j0; j < j1; j++ {
					out[j*rows+i] = x[i*cols+j]
				}
			}
		}
	}
	return out
}
