package augment

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// The config names of the transforms, accepted by Parse.
const (
	NameTactile           = "tactile"             // NewTactile()
	NameTactileNoTemporal = "tactile-no-temporal" // Tactile{} (the paper's "ntf" runs)
	NameImage             = "image"               // NewImageStyle()
	NameNone              = "none"                // None{}
)

// Transform is an augmentation that can be named in a config.
type Transform interface {
	// Apply returns a new, augmented copy of the packed input x
	// (B, 22, 30, 5, 7), using rng for its random draw, and the draw. It
	// never modifies x.
	Apply(x ndarray.Array, rng *rand.Rand) (ndarray.Array, Draw, error)
	// Name returns the config name Parse maps back to this transform.
	Name() string
}

// Names returns the names Parse accepts.
func Names() []string {
	return []string{NameTactile, NameTactileNoTemporal, NameImage, NameNone}
}

// Parse returns the transform with a config name: "tactile" (paper default,
// with temporal reversal), "tactile-no-temporal", "image" (ImageStyle
// defaults) or "none". Names are matched exactly.
func Parse(name string) (Transform, error) {
	switch name {
	case NameTactile:
		return NewTactile(), nil
	case NameTactileNoTemporal:
		return Tactile{}, nil
	case NameImage:
		return NewImageStyle(), nil
	case NameNone:
		return None{}, nil
	}
	return nil, fmt.Errorf("unknown augmentation %q, want one of %s", name, strings.Join(Names(), ", "))
}

// None is the identity transform: Apply returns a copy of x and a zero Draw,
// consuming nothing from rng.
type None struct{}

// Name returns "none".
func (None) Name() string { return NameNone }

// Apply returns a copy of x after checking its shape.
func (None) Apply(x ndarray.Array, _ *rand.Rand) (ndarray.Array, Draw, error) {
	if _, err := checkInput(x); err != nil {
		return ndarray.Array{}, Draw{}, fmt.Errorf("none augmentation: %w", err)
	}
	return ndarray.FromFloat32(x.Shape, slices.Clone(x.F32)), Draw{}, nil
}

var (
	_ Transform = Tactile{}
	_ Transform = ImageStyle{}
	_ Transform = None{}
)
