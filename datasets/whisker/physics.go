package whisker

import (
	"fmt"
	"math"
)

// Physics holds the material and contact constants. Units are WHISKiT's:
// mm, kg, s, so forces are mN and moments mN·mm (simulator-spec §1).
type Physics struct {
	// YoungModulus E in kg/(mm·s²) (= Pa / 1000).
	YoungModulus float64
	// PoissonRatio ν sets the torsional stiffness G·J with G = E/(2(1+ν)).
	PoissonRatio float64
	// DensityBase and DensityTip in kg/mm³; density varies linearly along the arc.
	DensityBase, DensityTip float64
	// DampingRatio ζ of each joint's local bending mode.
	DampingRatio float64
	// LinksPerMM sets the discretisation: N = max(2, floor(S·LinksPerMM)) links.
	LinksPerMM float64
	// ContactStiffness k (mN/mm) of the normal penalty spring.
	ContactStiffness float64
	// ContactDampingRatio of the normal penalty relative to the touching link.
	ContactDampingRatio float64
	// MaxPenetration (mm) caps the penalty force at k·MaxPenetration per
	// contact point, so a whisker that starts inside an object is pushed out
	// with a bounded force instead of being kicked.
	MaxPenetration float64
	// Friction is the Coulomb coefficient μ.
	Friction float64
	// SlipVelocity (mm/s) regularises Coulomb friction: below it friction is
	// viscous, above it has magnitude μ·Fn.
	SlipVelocity float64
	// ContactRamp (s) ramps the contact stiffness linearly from 0 at t = 0
	// to full, so an object placed overlapping a whisker (the sweep
	// placement rule does this often, simulator-spec §5) pushes it out
	// gently instead of with a kick; 0 disables the ramp.
	ContactRamp float64
	// ContactMargin (mm) inflates every object surface. WHISKiT's triangle
	// meshes carry 0.5 mm (simulator-spec §5); the default here is 0, the
	// true surface.
	ContactMargin float64
}

// DefaultPhysics returns the constants of the mouse copy of WHISKiT where it
// defines them (E = 5 GPa, ζ = 0.32, densities 630→845 kg/m³, friction
// 0.5·0.5, 1 link per mm; simulator-spec §2, §5) and this simulator's own
// choices elsewhere: ν = 0.35 (keratin; WHISKiT locks twist instead), a
// penalty contact of 1000 mN/mm critically damped for the touching link,
// at most 0.01 mm of penalised penetration (10 mN per contact point), a
// 10 ms ramp-in of contacts, 1 mm/s friction regularisation and no contact
// margin.
func DefaultPhysics() Physics {
	return Physics{
		YoungModulus:        5e9 / 1000,
		PoissonRatio:        0.35,
		DensityBase:         630e-9,
		DensityTip:          845e-9,
		DampingRatio:        0.32,
		LinksPerMM:          1,
		ContactStiffness:    1000,
		ContactDampingRatio: 1,
		MaxPenetration:      0.01,
		ContactRamp:         0.01,
		Friction:            0.25,
		SlipVelocity:        1,
		ContactMargin:       0,
	}
}

// Validate reports the first constant that makes the model meaningless.
func (p Physics) Validate() error {
	check := []struct {
		name string
		v    float64
		ok   bool
	}{
		{"YoungModulus", p.YoungModulus, p.YoungModulus > 0},
		{"PoissonRatio", p.PoissonRatio, p.PoissonRatio > -1 && p.PoissonRatio < 0.5},
		{"DensityBase", p.DensityBase, p.DensityBase > 0},
		{"DensityTip", p.DensityTip, p.DensityTip > 0},
		{"DampingRatio", p.DampingRatio, p.DampingRatio >= 0},
		{"LinksPerMM", p.LinksPerMM, p.LinksPerMM > 0 && p.LinksPerMM <= 20},
		{"ContactStiffness", p.ContactStiffness, p.ContactStiffness > 0},
		{"ContactDampingRatio", p.ContactDampingRatio, p.ContactDampingRatio >= 0},
		{"MaxPenetration", p.MaxPenetration, p.MaxPenetration > 0},
		{"Friction", p.Friction, p.Friction >= 0},
		{"SlipVelocity", p.SlipVelocity, p.SlipVelocity > 0},
		{"ContactMargin", p.ContactMargin, p.ContactMargin >= 0},
		{"ContactRamp", p.ContactRamp, p.ContactRamp >= 0 && p.ContactRamp <= 10},
	}
	for _, c := range check {
		if math.IsNaN(c.v) || math.IsInf(c.v, 0) || !c.ok {
			return fmt.Errorf("physics: %s = %g is out of range", c.name, c.v)
		}
	}
	return nil
}
