package augment

import (
	"fmt"
	"strings"
)

// Reflection names the reflection a Tactile draw chose.
type Reflection int

// The reflections of the tactile augmentation.
const (
	NoReflection Reflection = iota // grid left as it is
	Horizontal                     // arcs reversed (FlipH)
	Vertical                       // rows reversed (FlipV)
)

// String returns "none", "horizontal" or "vertical".
func (r Reflection) String() string {
	switch r {
	case NoReflection:
		return "none"
	case Horizontal:
		return "horizontal"
	case Vertical:
		return "vertical"
	}
	return fmt.Sprintf("Reflection(%d)", int(r))
}

// Draw records the random choices one Apply call made, for logs and tests.
// Tactile fills the first three fields, ImageStyle the rest; the fields of
// the other transform stay zero, and None leaves all of them zero.
type Draw struct {
	// Reflection is the reflection applied (Tactile).
	Reflection Reflection
	// Rotation is the drawn k in 1..4 of the 90°·k rotation (4 = identity);
	// 0 when no rotation was drawn (ImageStyle, None).
	Rotation int
	// TemporalReversed reports that the frames were reversed and negated.
	TemporalReversed bool

	// Jittered reports that channel scaling and contrast were applied
	// (ImageStyle).
	Jittered bool
	// ChannelScale holds the 30 per-channel factors when Jittered.
	ChannelScale []float64
	// Contrast is the contrast factor when Jittered.
	Contrast float64
	// Greyscale reports that every channel was replaced by the channel mean.
	Greyscale bool
}

// String formats the draw on one line, e.g.
// "reflect=horizontal rotate=3 reverse=true".
func (d Draw) String() string {
	var parts []string
	if d.Rotation != 0 || d.Reflection != NoReflection || d.TemporalReversed {
		parts = append(parts, fmt.Sprintf("reflect=%s rotate=%d reverse=%t", d.Reflection, d.Rotation, d.TemporalReversed))
	}
	if d.Jittered {
		parts = append(parts, fmt.Sprintf("jitter=true contrast=%.4g", d.Contrast))
	}
	if d.Greyscale {
		parts = append(parts, "greyscale=true")
	}
	if len(parts) == 0 {
		return "identity"
	}
	return strings.Join(parts, " ")
}
