package shapes

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// MeshOptions configures NewMesh.
//
// With Thickness == 0 the mesh must be closed (every edge shared by exactly
// two consistently oriented triangles, after welding vertices at identical
// positions); it is then a solid and the sign of the distance comes from
// angle-weighted pseudo-normals (Bærentzen & Aanæs 2005), which is exact for
// closed meshes and costs nothing beyond the closest-point search. Inward
// oriented meshes (negative volume) are flipped.
//
// With Thickness > 0 the mesh is treated as a shell of that total thickness
// around its triangles: distance = unsigned distance − Thickness/2. This is
// the robust choice for open or badly oriented meshes (many ShapeNet models,
// a single-sided plate), where "inside" is not defined. We chose this over
// generalized winding numbers, which are robust for almost-closed meshes but
// cost O(n) per query without a hierarchical approximation, far too slow for
// the physics.
type MeshOptions struct {
	Thickness float64
}

// Mesh is a triangle mesh Shape backed by a bounding-volume hierarchy
// (median split on the longest axis of the triangle centroids). It is
// immutable after construction and safe for concurrent use.
type Mesh struct {
	tris      []triangle
	tv        [][9]float64 // vertex coordinates of tris, compact for the search
	nodes     []bvhNode
	vertices  []geom.Vec3
	bounds    geom.AABB
	thickness float64
}

// region of a triangle in which the closest point lies.
const (
	regFace = iota
	regV0
	regV1
	regV2
	regE01
	regE12
	regE20
)

type triangle struct {
	a, b, c geom.Vec3
	// pseudo-normals indexed by region (face, 3 vertices, 3 edges); zero in shell mode.
	pn [7]geom.Vec3
}

type bvhNode struct {
	box   [6]float64 // lo x, y, z, hi x, y, z
	left  int32      // inner: index of the first child (second is left+1); leaf: first triangle
	count int32      // leaf: number of triangles; inner: 0
}

const leafSize = 4

// MaxCoordinate bounds the vertex coordinates NewMesh accepts, so that
// distance arithmetic cannot overflow.
const MaxCoordinate = 1e12

// NewMesh builds a mesh Shape from parsed OBJ data. Degenerate (zero-area)
// triangles are dropped from the distance queries.
func NewMesh(data *MeshData, opt MeshOptions) (*Mesh, error) {
	if data == nil || len(data.Vertices) == 0 || len(data.Triangles) == 0 {
		return nil, errors.New("new mesh: no triangles")
	}
	if math.IsNaN(opt.Thickness) || math.IsInf(opt.Thickness, 0) || opt.Thickness < 0 {
		return nil, fmt.Errorf("new mesh: thickness %v must be finite and ≥ 0", opt.Thickness)
	}
	for i, v := range data.Vertices {
		if !finiteVec(v) {
			return nil, fmt.Errorf("new mesh: vertex %d is not finite", i+1)
		}
		for _, x := range v {
			if math.Abs(x) > MaxCoordinate {
				return nil, fmt.Errorf("new mesh: vertex %d coordinate %g exceeds ±%g", i+1, x, MaxCoordinate)
			}
		}
	}
	// Weld vertices at identical positions so that meshes exported with
	// per-face vertex copies are still recognised as closed.
	weld := make(map[geom.Vec3]int32, len(data.Vertices))
	remap := make([]int32, len(data.Vertices))
	var verts []geom.Vec3
	for i, v := range data.Vertices {
		if j, ok := weld[v]; ok {
			remap[i] = j
			continue
		}
		weld[v] = int32(len(verts))
		remap[i] = int32(len(verts))
		verts = append(verts, v)
	}
	tris := make([][3]int32, 0, len(data.Triangles))
	for i, t := range data.Triangles {
		var u [3]int32
		for k := 0; k < 3; k++ {
			if t[k] < 0 || int(t[k]) >= len(data.Vertices) {
				return nil, fmt.Errorf("new mesh: triangle %d: vertex index %d out of range", i, t[k])
			}
			u[k] = remap[t[k]]
		}
		tris = append(tris, u)
	}
	m := &Mesh{vertices: verts, thickness: opt.Thickness, bounds: geom.EmptyAABB()}
	for _, v := range verts {
		m.bounds = m.bounds.Extend(v)
	}
	if opt.Thickness == 0 {
		if err := orientClosed(verts, tris); err != nil {
			return nil, fmt.Errorf("new mesh: %w (give MeshOptions.Thickness to treat it as a shell)", err)
		}
	}
	// Drop degenerate triangles from the queries (they stay in the topology check above).
	scale := m.bounds.Size().Norm()
	minArea2 := math.Pow(1e-12*scale, 4) // (twice the area)² threshold
	for _, t := range tris {
		a, b, c := verts[t[0]], verts[t[1]], verts[t[2]]
		n := b.Sub(a).Cross(c.Sub(a))
		if n.Dot(n) <= minArea2 {
			continue
		}
		m.tris = append(m.tris, triangle{a: a, b: b, c: c})
	}
	if len(m.tris) == 0 {
		return nil, errors.New("new mesh: every triangle is degenerate")
	}
	if opt.Thickness == 0 {
		computePseudoNormals(verts, tris, m.tris, minArea2)
	}
	m.bounds = m.bounds.Expand(opt.Thickness / 2)
	m.build()
	return m, nil
}

// orientClosed checks that tris form a closed, consistently oriented
// surface and flips them in place if they enclose negative volume.
func orientClosed(verts []geom.Vec3, tris [][3]int32) error {
	type edge struct{ a, b int32 }
	count := make(map[edge]int, 3*len(tris))
	for _, t := range tris {
		if t[0] == t[1] || t[1] == t[2] || t[2] == t[0] {
			continue // topologically degenerate: contributes no surface
		}
		for k := 0; k < 3; k++ {
			count[edge{t[k], t[(k+1)%3]}]++
		}
	}
	for e, n := range count {
		if n != 1 {
			return fmt.Errorf("mesh is not a consistently oriented closed surface: directed edge %d→%d used by %d triangles", e.a+1, e.b+1, n)
		}
		if count[edge{e.b, e.a}] != 1 {
			return fmt.Errorf("mesh is not closed: edge %d–%d has no opposite half-edge", e.a+1, e.b+1)
		}
	}
	var vol float64
	for _, t := range tris {
		vol += verts[t[0]].Dot(verts[t[1]].Cross(verts[t[2]]))
	}
	if vol < 0 {
		for i := range tris {
			tris[i][1], tris[i][2] = tris[i][2], tris[i][1]
		}
	}
	return nil
}

// computePseudoNormals fills the pseudo-normals of the (non-degenerate)
// triangles out, which are the non-degenerate members of all in order.
func computePseudoNormals(verts []geom.Vec3, all [][3]int32, out []triangle, minArea2 float64) {
	vn := make([]geom.Vec3, len(verts))
	type edge struct{ a, b int32 }
	en := make(map[edge]geom.Vec3, 3*len(all))
	key := func(a, b int32) edge {
		if a > b {
			a, b = b, a
		}
		return edge{a, b}
	}
	var kept [][3]int32
	for _, t := range all {
		a, b, c := verts[t[0]], verts[t[1]], verts[t[2]]
		n := b.Sub(a).Cross(c.Sub(a))
		if n.Dot(n) <= minArea2 {
			continue
		}
		kept = append(kept, t)
		fn := n.Unit()
		p := [3]geom.Vec3{a, b, c}
		for k := 0; k < 3; k++ {
			e1 := p[(k+1)%3].Sub(p[k]).Unit()
			e2 := p[(k+2)%3].Sub(p[k]).Unit()
			ang := math.Acos(math.Max(-1, math.Min(1, e1.Dot(e2))))
			vn[t[k]] = vn[t[k]].Add(fn.Scale(ang))
			ek := key(t[k], t[(k+1)%3])
			en[ek] = en[ek].Add(fn)
		}
	}
	for i, t := range kept {
		tr := &out[i]
		tr.pn[regFace] = tr.b.Sub(tr.a).Cross(tr.c.Sub(tr.a)).Unit()
		tr.pn[regV0] = vn[t[0]]
		tr.pn[regV1] = vn[t[1]]
		tr.pn[regV2] = vn[t[2]]
		tr.pn[regE01] = en[key(t[0], t[1])]
		tr.pn[regE12] = en[key(t[1], t[2])]
		tr.pn[regE20] = en[key(t[2], t[0])]
	}
}

func (m *Mesh) build() {
	m.nodes = make([]bvhNode, 0, 2*len(m.tris)/leafSize+1)
	cent := make([]geom.Vec3, len(m.tris))
	for i, t := range m.tris {
		cent[i] = t.a.Add(t.b).Add(t.c).Scale(1.0 / 3)
	}
	idx := make([]int, len(m.tris))
	for i := range idx {
		idx[i] = i
	}
	m.nodes = append(m.nodes, bvhNode{})
	m.split(0, idx, 0, cent)
	// Reorder triangles to leaf order.
	sorted := make([]triangle, len(m.tris))
	for i, j := range idx {
		sorted[i] = m.tris[j]
	}
	m.tris = sorted
	m.tv = make([][9]float64, len(sorted))
	for i, t := range sorted {
		m.tv[i] = [9]float64{t.a[0], t.a[1], t.a[2], t.b[0], t.b[1], t.b[2], t.c[0], t.c[1], t.c[2]}
	}
}

func (m *Mesh) split(node int, idx []int, start int, cent []geom.Vec3) {
	box := geom.EmptyAABB()
	cbox := geom.EmptyAABB()
	for _, i := range idx {
		t := m.tris[i]
		box = box.Extend(t.a).Extend(t.b).Extend(t.c)
		cbox = cbox.Extend(cent[i])
	}
	m.nodes[node].box = [6]float64{box.Lo[0], box.Lo[1], box.Lo[2], box.Hi[0], box.Hi[1], box.Hi[2]}
	if len(idx) <= leafSize {
		m.nodes[node].left = int32(start)
		m.nodes[node].count = int32(len(idx))
		return
	}
	sz := cbox.Size()
	axis := 0
	if sz[1] > sz[axis] {
		axis = 1
	}
	if sz[2] > sz[axis] {
		axis = 2
	}
	sort.Slice(idx, func(a, b int) bool { return cent[idx[a]][axis] < cent[idx[b]][axis] })
	mid := len(idx) / 2
	left := len(m.nodes)
	m.nodes = append(m.nodes, bvhNode{}, bvhNode{})
	m.nodes[node].left = int32(left)
	m.split(left, idx[:mid], start, cent)
	m.split(left+1, idx[mid:], start+mid, cent)
}

// Bounds returns the mesh's bounding box (grown by half the shell thickness).
func (m *Mesh) Bounds() geom.AABB { return m.bounds }

// NumTriangles returns the number of non-degenerate triangles queried.
func (m *Mesh) NumTriangles() int { return len(m.tris) }

// Vertices returns a copy of the welded vertex positions (for the placement
// rule, which works on vertices).
func (m *Mesh) Vertices() []geom.Vec3 { return append([]geom.Vec3(nil), m.vertices...) }

// Solid reports whether the mesh is a closed solid (Thickness 0) rather than a shell.
func (m *Mesh) Solid() bool { return m.thickness == 0 }

// Distance implements Shape.
func (m *Mesh) Distance(p geom.Vec3) (float64, geom.Vec3) {
	best, q, ti, reg := m.closest(p)
	d := math.Sqrt(best)
	t := &m.tris[ti]
	diff := p.Sub(q)
	if m.thickness > 0 {
		n := diff.Unit()
		if d < 1e-12*(1+m.bounds.Size().Norm()) {
			n = t.b.Sub(t.a).Cross(t.c.Sub(t.a)).Unit()
		}
		return d - m.thickness/2, n
	}
	pn := t.pn[reg]
	sign := 1.0
	if diff.Dot(pn) < 0 {
		sign = -1
	}
	if d < 1e-12*(1+m.bounds.Size().Norm()) {
		return sign * d, pn.Unit()
	}
	return sign * d, diff.Scale(sign / d)
}

// ClosestPoint returns the point of the mesh surface (the triangles
// themselves, ignoring any shell thickness) closest to p, and its distance.
func (m *Mesh) ClosestPoint(p geom.Vec3) (geom.Vec3, float64) {
	best, q, _, _ := m.closest(p)
	return q, math.Sqrt(best)
}

func (m *Mesh) closest(p geom.Vec3) (best float64, q geom.Vec3, ti int, reg int) {
	px, py, pz := p[0], p[1], p[2]
	best = math.Inf(1)
	var qx, qy, qz float64
	type entry struct {
		node int32
		d    float64
	}
	var stack [64]entry
	sp := 0
	stack[0] = entry{0, boxDistSq(&m.nodes[0].box, px, py, pz)}
	sp++
	for sp > 0 {
		sp--
		e := stack[sp]
		if e.d >= best {
			continue
		}
		n := &m.nodes[e.node]
		if n.count > 0 {
			for i := n.left; i < n.left+n.count; i++ {
				t := &m.tv[i]
				x, y, z, r := closestPt(px, py, pz, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])
				dx, dy, dz := px-x, py-y, pz-z
				if d2 := dx*dx + dy*dy + dz*dz; d2 < best {
					best, qx, qy, qz, ti, reg = d2, x, y, z, int(i), r
				}
			}
			continue
		}
		l, r := n.left, n.left+1
		dl, dr := boxDistSq(&m.nodes[l].box, px, py, pz), boxDistSq(&m.nodes[r].box, px, py, pz)
		// Push the farther child first so the nearer one is searched first.
		if dl < dr {
			l, r = r, l
			dl, dr = dr, dl
		}
		if dl < best {
			stack[sp] = entry{l, dl}
			sp++
		}
		if dr < best {
			stack[sp] = entry{r, dr}
			sp++
		}
	}
	return best, geom.Vec3{qx, qy, qz}, ti, reg
}

// closestPtTriangle returns the point of triangle abc closest to p and the
// Voronoi region it lies in (Ericson, Real-Time Collision Detection, §5.1.5).
func closestPtTriangle(p, a, b, c geom.Vec3) (geom.Vec3, int) {
	x, y, z, r := closestPt(p[0], p[1], p[2], a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2])
	return geom.Vec3{x, y, z}, r
}

// closestPt is closestPtTriangle on scalars: the Go compiler keeps scalars
// in registers but not [3]float64 arrays, which makes this 4–5× faster.
func closestPt(px, py, pz, ax, ay, az, bx, by, bz, cx, cy, cz float64) (float64, float64, float64, int) {
	abx, aby, abz := bx-ax, by-ay, bz-az
	acx, acy, acz := cx-ax, cy-ay, cz-az
	apx, apy, apz := px-ax, py-ay, pz-az
	d1 := abx*apx + aby*apy + abz*apz
	d2 := acx*apx + acy*apy + acz*apz
	if d1 <= 0 && d2 <= 0 {
		return ax, ay, az, regV0
	}
	bpx, bpy, bpz := px-bx, py-by, pz-bz
	d3 := abx*bpx + aby*bpy + abz*bpz
	d4 := acx*bpx + acy*bpy + acz*bpz
	if d3 >= 0 && d4 <= d3 {
		return bx, by, bz, regV1
	}
	vc := d1*d4 - d3*d2
	if vc <= 0 && d1 >= 0 && d3 <= 0 {
		v := d1 / (d1 - d3)
		return ax + v*abx, ay + v*aby, az + v*abz, regE01
	}
	cpx, cpy, cpz := px-cx, py-cy, pz-cz
	d5 := abx*cpx + aby*cpy + abz*cpz
	d6 := acx*cpx + acy*cpy + acz*cpz
	if d6 >= 0 && d5 <= d6 {
		return cx, cy, cz, regV2
	}
	vb := d5*d2 - d1*d6
	if vb <= 0 && d2 >= 0 && d6 <= 0 {
		w := d2 / (d2 - d6)
		return ax + w*acx, ay + w*acy, az + w*acz, regE20
	}
	va := d3*d6 - d5*d4
	if va <= 0 && d4-d3 >= 0 && d5-d6 >= 0 {
		w := (d4 - d3) / ((d4 - d3) + (d5 - d6))
		return bx + w*(cx-bx), by + w*(cy-by), bz + w*(cz-bz), regE12
	}
	denom := 1 / (va + vb + vc)
	v := vb * denom
	w := vc * denom
	return ax + abx*v + acx*w, ay + aby*v + acy*w, az + abz*v + acz*w, regFace
}

// boxDistSq is AABB.DistSq on scalars.
func boxDistSq(b *[6]float64, px, py, pz float64) float64 {
	var s float64
	if d := b[0] - px; d > 0 {
		s += d * d
	} else if d := px - b[3]; d > 0 {
		s += d * d
	}
	if d := b[1] - py; d > 0 {
		s += d * d
	} else if d := py - b[4]; d > 0 {
		s += d * d
	}
	if d := b[2] - pz; d > 0 {
		s += d * d
	} else if d := pz - b[5]; d > 0 {
		s += d * d
	}
	return s
}

func finiteVec(v geom.Vec3) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
