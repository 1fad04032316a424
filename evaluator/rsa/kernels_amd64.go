//go:build amd64

package rsa

// haveSIMDKernels reports that this architecture has the assembly kernels.
const haveSIMDKernels = true

// simdSelf3 runs the assembly self3 kernel over the whole groups of four
// columns and returns the first column it did not process.
func simdSelf3[T float](a, b, c []T, pivB []float64, acc *[9]float64) int {
	g := len(a) / 4
	switch av := any(a).(type) {
	case []float32:
		self3F32(&av[0], &any(b).([]float32)[0], &any(c).([]float32)[0], g, &pivB[0], acc)
	case []float64:
		self3F64(&av[0], &any(b).([]float64)[0], &any(c).([]float64)[0], g, &pivB[0], acc)
	default:
		return 0
	}
	return 4 * g
}

// simdCross33 runs the assembly cross33 kernel over the whole groups of four
// columns and returns the first column it did not process.
func simdCross33[T float](a0, a1, a2, b0, b1, b2 []T, pavB, pbvB []float64, acc *[9]float64) int {
	g := len(a0) / 4
	var pv [24]float64
	copy(pv[:12], pavB)
	copy(pv[12:], pbvB)
	switch av := any(a0).(type) {
	case []float32:
		cross33F32(&av[0], &any(a1).([]float32)[0], &any(a2).([]float32)[0],
			&any(b0).([]float32)[0], &any(b1).([]float32)[0], &any(b2).([]float32)[0], g, &pv[0], acc)
	case []float64:
		cross33F64(&av[0], &any(a1).([]float64)[0], &any(a2).([]float64)[0],
			&any(b0).([]float64)[0], &any(b1).([]float64)[0], &any(b2).([]float64)[0], g, &pv[0], acc)
	default:
		return 0
	}
	return 4 * g
}

// self3F32 accumulates 4·groups columns of three float32 rows; see self3.
//
//go:noescape
func self3F32(a, b, c *float32, groups int, piv *float64, acc *[9]float64)

// self3F64 is self3F32 for float64 rows.
//
//go:noescape
func self3F64(a, b, c *float64, groups int, piv *float64, acc *[9]float64)

// cross33F32 accumulates 4·groups columns of the 3×3 cross-products; see cross33.
//
//go:noescape
func cross33F32(a0, a1, a2, b0, b1, b2 *float32, groups int, piv *float64, acc *[9]float64)

// cross33F64 is cross33F32 for float64 rows.
//
//go:noescape
func cross33F64(a0, a1, a2, b0, b1, b2 *float64, groups int, piv *float64, acc *[9]float64)
