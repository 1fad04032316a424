package rsa

// Upper returns the strict upper triangle of the row-major n×n matrix m,
// row by row: (0,1), (0,2), …, (0,n−1), (1,2), …, (n−2,n−1)
// (Chung et al. 2025, paper-spec §1.5). It has n(n−1)/2 entries.
func Upper(m []float64, n int) []float64 {
	out := make([]float64, 0, n*(n-1)/2)
	for i := range n {
		out = append(out, m[i*n+i+1:i*n+n]...)
	}
	return out
}
