package shapes

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Class is one procedural shape class. New draws an instance with random
// parameters from rng; the same rng state gives the same instance.
type Class struct {
	Name        string // stable identifier, e.g. "torus"
	Description string // one line, for manifests and inspection
	build       func(d *draw) Shape
}

// Instance is one object drawn from a Class.
type Instance struct {
	Class  string
	Shape  Shape
	Params map[string]float64 // every random parameter drawn, by name (mm, degrees or counts)
}

// draw draws named random parameters and records them.
type draw struct {
	rng *rand.Rand
	p   map[string]float64
}

func (d *draw) u(name string, lo, hi float64) float64 {
	x := lo + (hi-lo)*d.rng.Float64()
	d.p[name] = x
	return x
}

func (d *draw) n(name string, lo, hi int) int {
	x := lo + d.rng.IntN(hi-lo+1)
	d.p[name] = float64(x)
	return x
}

func (d *draw) flag(name string, prob float64) bool {
	b := d.rng.Float64() < prob
	d.p[name] = 0
	if b {
		d.p[name] = 1
	}
	return b
}

// New draws an instance of c. The shape is centred near the origin with
// its class's "up" along +z (lying variants rotated onto x), then turned
// by a random yaw about z (parameter "yaw_deg").
func (c Class) New(rng *rand.Rand) Instance {
	d := &draw{rng: rng, p: map[string]float64{}}
	s := c.build(d)
	yaw := d.u("yaw_deg", 0, 360)
	var r geom.Mat3
	switch {
	case d.p["lying"] == 1:
		r = geom.RotZ(geom.Deg(yaw)).Mul(geom.RotY(math.Pi / 2))
	case d.p["flipped"] == 1:
		r = geom.RotZ(geom.Deg(yaw)).Mul(geom.RotX(math.Pi))
	default:
		r = geom.RotZ(geom.Deg(yaw))
	}
	rs := newRigid(s, r, geom.Vec3{})
	return Instance{Class: c.Name, Shape: &unitNormals{s: rs}, Params: d.p}
}

// NewInstance draws an instance of the named class from a PCG generator
// seeded with (seed, seq).
func NewInstance(class string, seed, seq uint64) (Instance, error) {
	c, err := ClassByName(class)
	if err != nil {
		return Instance{}, err
	}
	return c.New(rand.New(rand.NewPCG(seed, seq))), nil
}

// ClassByName returns the class with the given name.
func ClassByName(name string) (Class, error) {
	for _, c := range Classes() {
		if c.Name == name {
			return c, nil
		}
	}
	return Class{}, fmt.Errorf("shapes: unknown class %q", name)
}

// ClassNames returns the names of Classes() in order.
func ClassNames() []string {
	cs := Classes()
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// unitNormals normalises the gradient of an analytic solid into a unit
// normal, falling back to central differences where it vanishes.
type unitNormals struct{ s Shape }

func (u *unitNormals) Distance(p geom.Vec3) (float64, geom.Vec3) {
	d, n := u.s.Distance(p)
	nx, ny, nz := n[0], n[1], n[2]
	if l2 := nx*nx + ny*ny + nz*nz; l2 > 1e-18 {
		if math.Abs(l2-1) < 1e-15 {
			return d, n
		}
		l := 1 / math.Sqrt(l2)
		return d, geom.Vec3{nx * l, ny * l, nz * l}
	}
	h := 1e-6 * (1 + Diagonal(u.s.Bounds()))
	var g geom.Vec3
	for i := 0; i < 3; i++ {
		a, b := p, p
		a[i] += h
		b[i] -= h
		da, _ := u.s.Distance(a)
		db, _ := u.s.Distance(b)
		g[i] = (da - db) / (2 * h)
	}
	if g.Norm() == 0 {
		return d, geom.Vec3{0, 0, 1}
	}
	return d, g.Unit()
}

func (u *unitNormals) Bounds() geom.AABB { return u.s.Bounds() }

// Classes returns the procedural shape classes in their stable order (the
// label of a class is its index). Sizes are in mm, with the longest
// dimension around 20–45 mm; protocols rescale objects to their bounding-box
// diagonal anyway, so proportions, bevels, holes and concavities are what
// tell classes apart. Several classes are deliberately close (cube, cuboid
// and slab; cylinder, disc, hexagonal prism and tube; cone, frustum and
// pyramid; the beam profiles; bowl, cup and tray; crescent and arch).
func Classes() []Class {
	return []Class{
		{"sphere", "ball", func(d *draw) Shape {
			return sphere{r: d.u("radius", 10, 22)}
		}},
		{"capsule", "cylinder with hemispherical ends", func(d *draw) Shape {
			r := d.u("radius", 5, 12)
			l := r * d.u("length_ratio", 1, 4)
			d.flag("lying", 0.5)
			return capsule{a: geom.Vec3{0, 0, -l / 2}, b: geom.Vec3{0, 0, l / 2}, r: r}
		}},
		{"cube", "cube with bevelled edges", func(d *draw) Shape {
			a := d.u("half_side", 10, 20)
			h := geom.Vec3{a * d.u("jitter_x", 0.95, 1.05), a * d.u("jitter_y", 0.95, 1.05), a * d.u("jitter_z", 0.95, 1.05)}
			return roundBox{h: h, r: a * d.u("bevel_ratio", 0, 0.3)}
		}},
		{"cuboid", "rectangular block", func(d *draw) Shape {
			a := d.u("half_length", 12, 22)
			h := geom.Vec3{a, a * d.u("aspect_y", 0.35, 0.8), a * d.u("aspect_z", 0.35, 0.8)}
			return roundBox{h: h, r: math.Min(h[1], h[2]) * d.u("bevel_ratio", 0, 0.3)}
		}},
		{"slab", "thin rectangular plate", func(d *draw) Shape {
			a := d.u("half_length", 12, 22)
			h := geom.Vec3{a, a * d.u("aspect_y", 0.5, 1), a * d.u("thickness_ratio", 0.06, 0.16)}
			d.flag("lying", 0.5)
			return roundBox{h: h, r: h[2] * d.u("bevel_ratio", 0, 0.8)}
		}},
		{"cylinder", "round column", func(d *draw) Shape {
			h := d.u("half_height", 10, 20)
			r := h * d.u("radius_ratio", 0.35, 0.8)
			b := math.Min(r, h) * d.u("bevel_ratio", 0, 0.3)
			d.flag("lying", 0.5)
			return revolve{offset2{rect2{h: vec2{r - b, h - b}}, b}}
		}},
		{"disc", "flat round puck", func(d *draw) Shape {
			r := d.u("radius", 12, 22)
			h := r * d.u("half_height_ratio", 0.08, 0.25)
			b := h * d.u("bevel_ratio", 0, 0.9)
			d.flag("lying", 0.5)
			return revolve{offset2{rect2{h: vec2{r - b, h - b}}, b}}
		}},
		{"cone", "cone on its base", func(d *draw) Shape {
			r := d.u("base_radius", 8, 18)
			h := d.u("height", 18, 40)
			d.flag("flipped", 0.3)
			return revolve{offset2{newPolygon2([]vec2{{-r, -h / 2}, {r, -h / 2}, {0, h / 2}}), r * d.u("round_ratio", 0, 0.1)}}
		}},
		{"frustum", "truncated cone", func(d *draw) Shape {
			r := d.u("base_radius", 8, 18)
			rt := r * d.u("top_ratio", 0.3, 0.75)
			h := d.u("height", 15, 35)
			d.flag("flipped", 0.3)
			return revolve{offset2{newPolygon2([]vec2{{-r, -h / 2}, {r, -h / 2}, {rt, h / 2}, {-rt, h / 2}}), r * d.u("round_ratio", 0, 0.1)}}
		}},
		{"pyramid", "square pyramid", func(d *draw) Shape {
			a := d.u("half_base", 8, 18)
			h := d.u("height", 18, 40)
			parts := []Shape{plane{n: geom.Vec3{0, 0, -1}, off: h / 2}, roundBox{h: geom.Vec3{a, a, h / 2}}}
			for i := 0; i < 4; i++ {
				// side through the base edge at distance a and the apex
				n := geom.RotZ(float64(i) * math.Pi / 2).MulVec(geom.Vec3{h, 0, a}).Unit()
				apex := geom.Vec3{0, 0, h / 2}
				parts = append(parts, plane{n: n, off: n.Dot(apex)})
			}
			d.flag("flipped", 0.3)
			return newIntersection(0, parts...)
		}},
		{"triangular_prism", "prism with a triangular section", prismClass(3)},
		{"hexagonal_prism", "prism with a hexagonal section", prismClass(6)},
		{"star_prism", "extruded star", func(d *draw) Shape {
			n := d.n("points", 5, 7)
			ro := d.u("outer_radius", 12, 22)
			ri := ro * d.u("inner_ratio", 0.4, 0.65)
			h := ro * d.u("half_thickness_ratio", 0.15, 0.5)
			b := ri * d.u("round_ratio", 0, 0.08)
			d.flag("lying", 0.5)
			return extrude{offset2{newPolygon2(starPolygon(n, ro, ri, 0)), b}, h}
		}},
		{"gear", "toothed wheel", func(d *draw) Shape {
			n := d.n("teeth", 8, 16)
			ro := d.u("outer_radius", 12, 22)
			depth := ro * d.u("tooth_depth_ratio", 0.08, 0.2)
			duty := d.u("tooth_duty", 0.3, 0.45)
			h := ro * d.u("half_thickness_ratio", 0.12, 0.45)
			d.flag("lying", 0.5)
			return extrude{newPolygon2(gearPolygon(n, ro, depth, duty)), h}
		}},
		{"cross_prism", "extruded plus sign", func(d *draw) Shape {
			a := d.u("arm_half_length", 12, 22)
			w := a * d.u("arm_half_width_ratio", 0.2, 0.45)
			h := a * d.u("half_thickness_ratio", 0.15, 0.6)
			d.flag("lying", 0.5)
			return extrude{union2{rect2{h: vec2{a, w}}, rect2{h: vec2{w, a}}, a * d.u("fillet_ratio", 0, 0.2)}, h}
		}},
		{"l_beam", "angle section beam", beamClass(func(d *draw, a, t float64) []vec2 {
			b := a * d.u("leg_ratio", 0.5, 1)
			return []vec2{{-a / 2, -b / 2}, {a / 2, -b / 2}, {a / 2, -b/2 + t}, {-a/2 + t, -b/2 + t}, {-a/2 + t, b / 2}, {-a / 2, b / 2}}
		})},
		{"t_beam", "T section beam", beamClass(func(d *draw, a, t float64) []vec2 {
			b := a * d.u("web_ratio", 0.6, 1.1)
			w := t * d.u("web_thickness_ratio", 0.7, 1.3) / 2
			return []vec2{{-a / 2, b / 2}, {-a / 2, b/2 - t}, {-w, b/2 - t}, {-w, -b / 2}, {w, -b / 2}, {w, b/2 - t}, {a / 2, b/2 - t}, {a / 2, b / 2}}
		})},
		{"u_channel", "U section channel", beamClass(func(d *draw, a, t float64) []vec2 {
			b := a * d.u("flange_ratio", 0.4, 1)
			return []vec2{{-a / 2, -b / 2}, {a / 2, -b / 2}, {a / 2, b / 2}, {a/2 - t, b / 2}, {a/2 - t, -b/2 + t}, {-a/2 + t, -b/2 + t}, {-a/2 + t, b / 2}, {-a / 2, b / 2}}
		})},
		{"i_beam", "I section beam", beamClass(func(d *draw, a, t float64) []vec2 {
			b := a * d.u("height_ratio", 0.8, 1.4)
			w := t * d.u("web_thickness_ratio", 0.6, 1.2) / 2
			return []vec2{{-a / 2, -b / 2}, {a / 2, -b / 2}, {a / 2, -b/2 + t}, {w, -b/2 + t}, {w, b/2 - t}, {a / 2, b/2 - t}, {a / 2, b / 2},
				{-a / 2, b / 2}, {-a / 2, b/2 - t}, {-w, b/2 - t}, {-w, -b/2 + t}, {-a / 2, -b/2 + t}}
		})},
		{"torus", "doughnut", func(d *draw) Shape {
			r := d.u("major_radius", 10, 17)
			d.flag("lying", 0.4)
			return revolve{circle2{c: vec2{r, 0}, r: r * d.u("minor_ratio", 0.2, 0.5)}}
		}},
		{"washer", "flat ring", func(d *draw) Shape {
			ro := d.u("outer_radius", 12, 22)
			ri := ro * d.u("inner_ratio", 0.35, 0.7)
			h := ro * d.u("half_height_ratio", 0.08, 0.2)
			b := math.Min(h, (ro-ri)/2) * d.u("bevel_ratio", 0, 0.9)
			d.flag("lying", 0.5)
			return revolve{offset2{rect2{c: vec2{(ro + ri) / 2, 0}, h: vec2{(ro-ri)/2 - b, h - b}}, b}}
		}},
		{"tube", "open pipe", func(d *draw) Shape {
			ro := d.u("outer_radius", 7, 15)
			ri := ro * d.u("inner_ratio", 0.55, 0.85)
			h := d.u("half_height", 10, 22)
			b := (ro - ri) / 2 * d.u("bevel_ratio", 0, 0.9)
			d.flag("lying", 0.5)
			return revolve{offset2{rect2{c: vec2{(ro + ri) / 2, 0}, h: vec2{(ro-ri)/2 - b, h - b}}, b}}
		}},
		{"holed_plate", "plate with one to three round holes", func(d *draw) Shape {
			a := d.u("half_length", 12, 22)
			h := geom.Vec3{a, a * d.u("aspect_y", 0.5, 1), a * d.u("thickness_ratio", 0.08, 0.2)}
			plate := roundBox{h: h, r: h[2] * d.u("bevel_ratio", 0, 0.8)}
			n := d.n("holes", 1, 3)
			var holes []Shape
			for i := 0; i < n; i++ {
				// holes spread along x, radius fitting their slot
				slot := 2 * h[0] / float64(n)
				cx := -h[0] + slot*(float64(i)+0.5)
				r := math.Min(slot/2, h[1]) * d.u(fmt.Sprintf("hole%d_radius_ratio", i), 0.3, 0.7)
				cy := (h[1] - r) * d.u(fmt.Sprintf("hole%d_offset", i), -0.5, 0.5)
				holes = append(holes, newRigid(revolve{rect2{h: vec2{r, 2 * h[2]}}}, geom.Identity(), geom.Vec3{cx, cy, 0}))
			}
			d.flag("lying", 0.5)
			var cut Shape = holes[0]
			if len(holes) > 1 {
				cut = newUnion(0, holes...)
			}
			return difference{a: plate, b: cut, k: h[2] * d.u("hole_fillet_ratio", 0, 0.5)}
		}},
		{"bowl", "spherical bowl (or dome when flipped)", func(d *draw) Shape {
			r := d.u("radius", 12, 22)
			half := geom.Deg(d.u("aperture_half_deg", 50, 85))
			t := r * d.u("thickness_ratio", 0.06, 0.15)
			d.flag("flipped", 0.4)
			// centre of the sphere above so the bowl's rim and bottom are centred in z
			zc := r * (1 + math.Cos(half)) / 2
			return revolve{newArc2(vec2{0, zc}, r, -math.Pi/2, half, t)}
		}},
		{"cup", "cylindrical cup with a bottom", func(d *draw) Shape {
			ro := d.u("radius", 8, 15)
			h := d.u("half_height", 8, 20)
			t := ro * d.u("wall_ratio", 0.08, 0.2)
			bt := h * d.u("bottom_ratio", 0.08, 0.25)
			b := t * d.u("round_ratio", 0, 0.4)
			outer := rect2{h: vec2{ro - b, h - b}}
			inner := rect2{c: vec2{0, bt + h}, h: vec2{ro - t + b, 2 * h}}
			d.flag("flipped", 0.3)
			return revolve{offset2{sub2{a: outer, b: inner}, b}}
		}},
		{"tray", "open rectangular box", func(d *draw) Shape {
			a := d.u("half_length", 12, 22)
			h := geom.Vec3{a, a * d.u("aspect_y", 0.5, 1), a * d.u("height_ratio", 0.2, 0.6)}
			t := math.Min(h[1], h[2]) * d.u("wall_ratio", 0.12, 0.3)
			r := t * d.u("bevel_ratio", 0, 0.45)
			outer := roundBox{h: h, r: r}
			inner := newRigid(roundBox{h: geom.Vec3{h[0] - t, h[1] - t, h[2]}, r: r}, geom.Identity(), geom.Vec3{0, 0, t})
			d.flag("flipped", 0.3)
			return difference{a: outer, b: inner}
		}},
		{"crescent", "extruded crescent moon", func(d *draw) Shape {
			r := d.u("radius", 12, 22)
			o := r * d.u("offset_ratio", 0.3, 0.7)
			r2 := r * d.u("cut_ratio", 0.75, 1)
			h := r * d.u("half_thickness_ratio", 0.15, 0.5)
			d.flag("lying", 0.5)
			return extrude{sub2{a: circle2{r: r}, b: circle2{c: vec2{o, 0}, r: r2}, k: r * d.u("fillet_ratio", 0, 0.1)}, h}
		}},
		{"arch", "extruded thick circular arc (C shape)", func(d *draw) Shape {
			r := d.u("radius", 10, 18)
			half := geom.Deg(d.u("half_angle_deg", 60, 150))
			t := r * d.u("thickness_ratio", 0.15, 0.4)
			h := r * d.u("half_width_ratio", 0.2, 0.7)
			d.flag("lying", 0.5)
			return extrude{newArc2(vec2{}, r, 0, half, t), h}
		}},
		{"dumbbell", "two balls joined by a bar", func(d *draw) Shape {
			r := d.u("ball_radius", 6, 11)
			l := r * d.u("length_ratio", 2.2, 4)
			rb := r * d.u("bar_ratio", 0.3, 0.6)
			k := r * d.u("blend_ratio", 0, 0.5)
			d.flag("lying", 0.6)
			return newUnion(k, sphere{c: geom.Vec3{0, 0, -l / 2}, r: r}, sphere{c: geom.Vec3{0, 0, l / 2}, r: r},
				capsule{a: geom.Vec3{0, 0, -l / 2}, b: geom.Vec3{0, 0, l / 2}, r: rb})
		}},
		{"snowman", "two or three stacked, blended balls", func(d *draw) Shape {
			n := d.n("balls", 2, 3)
			r := d.u("base_radius", 8, 14)
			k := r * d.u("blend_ratio", 0.1, 0.4)
			var parts []Shape
			z := 0.0
			for i := 0; i < n; i++ {
				parts = append(parts, sphere{c: geom.Vec3{0, 0, z}, r: r})
				nr := r * d.u(fmt.Sprintf("ratio%d", i), 0.55, 0.85)
				z += (r + nr) * 0.8
				r = nr
			}
			return newRigid(newUnion(k, parts...), geom.Identity(), geom.Vec3{0, 0, -z / 2})
		}},
		{"mushroom", "stem under a domed cap", func(d *draw) Shape {
			rc := d.u("cap_radius", 10, 20)
			rs := rc * d.u("stem_ratio", 0.2, 0.45)
			hs := rc * d.u("stem_height_ratio", 0.5, 1.2)
			stem := rect2{c: vec2{0, -hs / 2}, h: vec2{rs, hs / 2}}
			dome := sub2{a: circle2{r: rc}, b: rect2{c: vec2{0, -rc}, h: vec2{2 * rc, rc}}}
			d.flag("flipped", 0.3)
			return newRigid(revolve{union2{a: stem, b: dome, k: rs * d.u("blend_ratio", 0, 0.8)}}, geom.Identity(), geom.Vec3{0, 0, (hs - rc) / 2})
		}},
		{"wedge", "extruded right triangle (ramp)", func(d *draw) Shape {
			a := d.u("base", 20, 40)
			b := a * d.u("height_ratio", 0.3, 0.9)
			h := a * d.u("half_width_ratio", 0.15, 0.5)
			pts := []vec2{{-a / 2, -b / 2}, {a / 2, -b / 2}, {-a / 2, b / 2}}
			r := b * d.u("round_ratio", 0, 0.06)
			// extrude along y so that the ramp stands on its base
			return newRigid(extrude{offset2{newPolygon2(pts), r}, h}, geom.RotX(math.Pi/2), geom.Vec3{})
		}},
		{"hourglass", "two cones joined at their tips (waisted column)", func(d *draw) Shape {
			r := d.u("end_radius", 8, 16)
			rw := r * d.u("waist_ratio", 0.2, 0.7)
			h := d.u("height", 20, 40)
			d.flag("lying", 0.5)
			return revolve{offset2{newPolygon2([]vec2{{-r, -h / 2}, {r, -h / 2}, {rw, 0}, {r, h / 2}, {-r, h / 2}, {-rw, 0}}), r * d.u("round_ratio", 0, 0.08)}}
		}},
	}
}

func prismClass(n int) func(d *draw) Shape {
	return func(d *draw) Shape {
		r := d.u("circumradius", 10, 20)
		h := d.u("half_length", 6, 22)
		b := r * d.u("round_ratio", 0, 0.15)
		d.flag("lying", 0.5)
		return extrude{offset2{newPolygon2(regularPolygon(n, r-b, math.Pi/2)), b}, h}
	}
}

// beamClass extrudes a beam profile of width a and wall thickness t along z.
func beamClass(profile func(d *draw, a, t float64) []vec2) func(d *draw) Shape {
	return func(d *draw) Shape {
		a := d.u("width", 15, 30)
		t := a * d.u("wall_ratio", 0.15, 0.3)
		l := d.u("half_length", 10, 22)
		r := t * d.u("round_ratio", 0, 0.3)
		d.flag("lying", 0.5)
		return extrude{offset2{newPolygon2(profile(d, a, t)), r}, l}
	}
}
