package augment

import (
	"fmt"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// cellMap gives, for each output grid cell (flat index r·7+c), the input
// cell it copies, or -1 where the output is zero fill.
type cellMap [Cells]int

func identityMap() cellMap {
	var m cellMap
	for i := range m {
		m[i] = i
	}
	return m
}

// flipHMap reverses the arcs: out[r][c] = in[r][6−c].
func flipHMap() cellMap {
	var m cellMap
	for r := range Height {
		for c := range Width {
			m[r*Width+c] = r*Width + (Width - 1 - c)
		}
	}
	return m
}

// flipVMap reverses the rows: out[r][c] = in[4−r][c].
func flipVMap() cellMap {
	var m cellMap
	for r := range Height {
		for c := range Width {
			m[r*Width+c] = (Height-1-r)*Width + c
		}
	}
	return m
}

// rotationMap is the 90°·k rotation of paper-spec §2.11 (torchvision rotate
// about row 2, col 3, nearest, no expand, zero fill). k is taken mod 4.
func rotationMap(k int) cellMap {
	var m cellMap
	for r := range Height {
		for c := range Width {
			src := -1
			switch ((k % 4) + 4) % 4 {
			case 0:
				src = r*Width + c
			case 1: // 90°: out[r][c] = in[c−1][5−r] for c in 1..5
				if c >= 1 && c <= 5 {
					src = (c-1)*Width + (5 - r)
				}
			case 2: // 180°: out[r][c] = in[4−r][6−c]
				src = (4-r)*Width + (6 - c)
			case 3: // 270°: out[r][c] = in[5−c][r+1] for c in 1..5
				if c >= 1 && c <= 5 {
					src = (5-c)*Width + (r + 1)
				}
			}
			m[r*Width+c] = src
		}
	}
	return m
}

// then returns the map that applies m first and n second.
func (m cellMap) then(n cellMap) cellMap {
	var out cellMap
	for i, j := range n {
		out[i] = -1
		if j >= 0 {
			out[i] = m[j]
		}
	}
	return out
}

// remap returns a new packed input with every (b, t, channel) grid mapped by
// m and, when reverse is set, the 110 raw frames reversed and negated: raw
// frame 109−(t·5+step) = (21−t)·5 + (4−step), so packed (t, step·6+f) reads
// packed (21−t, (4−step)·6+f) (paper-spec §2.11, step 3).
func remap(x ndarray.Array, m cellMap, reverse bool) (ndarray.Array, error) {
	b, err := checkInput(x)
	if err != nil {
		return ndarray.Array{}, err
	}
	out := ndarray.Zeros32(b, Steps, Channels, Height, Width)
	for n := range b {
		for t := range Steps {
			for ch := range Channels {
				st, sch, sign := t, ch, float32(1)
				if reverse {
					st = Steps - 1 - t
					sch = (FramesPerStep-1-ch/Forces)*Forces + ch%Forces
					sign = -1
				}
				dst := out.F32[((n*Steps+t)*Channels+ch)*Cells:][:Cells]
				src := x.F32[((n*Steps+st)*Channels+sch)*Cells:][:Cells]
				for i, j := range m {
					if j >= 0 {
						dst[i] = sign * src[j]
					}
				}
			}
		}
	}
	return out, nil
}

// FlipH reverses the whisker arcs (the W axis) of every grid:
// out[.., r, c] = x[.., r, 6−c]. Force/torque channels are not sign-corrected
// (paper-spec §2.11).
func FlipH(x ndarray.Array) (ndarray.Array, error) {
	out, err := remap(x, flipHMap(), false)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("flip h: %w", err)
	}
	return out, nil
}

// FlipV reverses the whisker rows (the H axis) of every grid:
// out[.., r, c] = x[.., 4−r, c].
func FlipV(x ndarray.Array) (ndarray.Array, error) {
	out, err := remap(x, flipVMap(), false)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("flip v: %w", err)
	}
	return out, nil
}

// Rotate rotates every 5×7 grid by 90°·k (k taken mod 4, negative k
// allowed) about row 2, col 3, nearest, without expanding, filling with 0
// (Chung et al. 2025, paper-spec §2.11):
//
//	k ≡ 0: identity
//	k ≡ 1: out[r][c] = in[c−1][5−r] for c in 1..5; columns 0 and 6 zero
//	k ≡ 2: out[r][c] = in[4−r][6−c]
//	k ≡ 3: out[r][c] = in[5−c][r+1] for c in 1..5; columns 0 and 6 zero
func Rotate(x ndarray.Array, k int) (ndarray.Array, error) {
	out, err := remap(x, rotationMap(k), false)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("rotate %d: %w", k, err)
	}
	return out, nil
}

// TemporalReverse reverses the order of the 110 raw frames and negates every
// value, repacking into (B, 22, 30, 5, 7): in raw terms
// out[b, i, f, r, c] = −x[b, 109−i, f, r, c] (paper-spec §2.11, step 3).
func TemporalReverse(x ndarray.Array) (ndarray.Array, error) {
	out, err := remap(x, identityMap(), true)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("temporal reverse: %w", err)
	}
	return out, nil
}
