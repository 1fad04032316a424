package shapes

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// project moves p onto the surface of s by closest-point steps p − d·n. It
// reports false when it does not settle within tol (for conservative
// distances each step undershoots, so a few steps are allowed).
func project(s Shape, p geom.Vec3, tol float64) (geom.Vec3, bool) {
	for i := 0; i < 8; i++ {
		d, n := s.Distance(p)
		if math.Abs(d) <= tol {
			return p, true
		}
		p = p.Sub(n.Scale(d))
	}
	d, _ := s.Distance(p)
	return p, math.Abs(d) <= tol
}

func finiteBox(b geom.AABB) bool {
	return finiteVec(b.Lo) && finiteVec(b.Hi) && b.Lo[0] <= b.Hi[0] && b.Lo[1] <= b.Hi[1] && b.Lo[2] <= b.Hi[2]
}

// SurfacePoints returns points on the surface of s, deterministically: the
// nodes of a res×res×res grid over s.Bounds() that lie within one cell of
// the surface, each projected onto it. Every part of the surface larger
// than a cell is represented; use it for bounding boxes (MeasureBounds),
// the placement rule (PlaceWhiskit) and plots.
func SurfacePoints(s Shape, res int) ([]geom.Vec3, error) {
	if res < 2 || res > 1024 {
		return nil, fmt.Errorf("surface points: resolution %d outside [2, 1024]", res)
	}
	b := s.Bounds()
	if !finiteBox(b) {
		return nil, fmt.Errorf("surface points: bounds %v are not finite", b)
	}
	size := b.Size()
	cell := math.Max(size[0], math.Max(size[1], size[2])) / float64(res-1)
	b = b.Expand(cell)
	size = b.Size()
	var n [3]int
	for i := range n {
		n[i] = int(math.Ceil(size[i]/cell)) + 1
	}
	tol := 1e-7 * Diagonal(b)
	var out []geom.Vec3
	for i := 0; i < n[0]; i++ {
		for j := 0; j < n[1]; j++ {
			for k := 0; k < n[2]; k++ {
				p := b.Lo.Add(geom.Vec3{float64(i) * cell, float64(j) * cell, float64(k) * cell})
				d, _ := s.Distance(p)
				if math.Abs(d) > cell {
					continue
				}
				if q, ok := project(s, p, tol); ok {
					out = append(out, q)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("surface points: no surface found inside the bounds")
	}
	return out, nil
}

// MeasureBounds returns the tight bounding box of the surface of s, from
// SurfacePoints at resolution res (64 is accurate to a small fraction of a
// cell for smooth and flat-faced shapes).
func MeasureBounds(s Shape, res int) (geom.AABB, error) {
	pts, err := SurfacePoints(s, res)
	if err != nil {
		return geom.AABB{}, fmt.Errorf("measure bounds: %w", err)
	}
	return PointsBounds(pts), nil
}

// SampleSurface returns n points on the surface of s drawn with rng: points
// uniform in the bounding box that fall near the surface, projected onto
// it. The density is roughly uniform over the area; it is meant for
// inspection plots, not for integration.
func SampleSurface(s Shape, n int, rng *rand.Rand) ([]geom.Vec3, error) {
	if n < 0 || n > 10_000_000 {
		return nil, fmt.Errorf("sample surface: count %d outside [0, 1e7]", n)
	}
	if rng == nil {
		return nil, errors.New("sample surface: nil rng")
	}
	b := s.Bounds()
	if !finiteBox(b) {
		return nil, fmt.Errorf("sample surface: bounds %v are not finite", b)
	}
	size := b.Size()
	band := 0.02 * math.Max(size[0], math.Max(size[1], size[2]))
	tol := 1e-7 * Diagonal(b)
	out := make([]geom.Vec3, 0, n)
	for tries := 0; len(out) < n; tries++ {
		if tries > 1000*n+100000 {
			return out, fmt.Errorf("sample surface: only %d of %d points found", len(out), n)
		}
		p := geom.Vec3{b.Lo[0] + rng.Float64()*size[0], b.Lo[1] + rng.Float64()*size[1], b.Lo[2] + rng.Float64()*size[2]}
		d, _ := s.Distance(p)
		if math.Abs(d) > band {
			continue
		}
		if q, ok := project(s, p, tol); ok {
			out = append(out, q)
		}
	}
	return out, nil
}
