package nprand

import (
	"fmt"
	"math"
)

// Constants of the MT19937 generator (Matsumoto & Nishimura 1998). numpy's
// legacy RandomState uses this generator unchanged (Chung et al. 2025,
// paper-spec §1.4).
const (
	stateLen   = 624
	shift      = 397
	matrixA    = 0x9908b0df
	upperMask  = 0x80000000
	lowerMask  = 0x7fffffff
	initMult   = 1812433253
	temperB    = 0x9d2c5680
	temperC    = 0xefc60000
	maxUint32n = math.MaxUint32
)

// MT19937 is a Mersenne Twister generator. The zero value is not usable;
// create one with New.
type MT19937 struct {
	key [stateLen]uint32
	pos int
}

// New returns a generator seeded as numpy's RandomState(seed) seeds it for
// an integer seed: init_genrand, state[0] = seed and
// state[i] = 1812433253·(state[i−1] ⊕ (state[i−1] >> 30)) + i  (mod 2^32)
// (paper-spec §1.4).
func New(seed uint32) *MT19937 {
	m := &MT19937{}
	m.Seed(seed)
	return m
}

// Seed re-initialises the generator in place, exactly as New does.
func (m *MT19937) Seed(seed uint32) {
	m.key[0] = seed
	for i := 1; i < stateLen; i++ {
		prev := m.key[i-1]
		m.key[i] = initMult*(prev^(prev>>30)) + uint32(i)
	}
	m.pos = stateLen
}

// regenerate refills the whole state block (the "twist").
func (m *MT19937) regenerate() {
	k := &m.key
	for i := 0; i < stateLen; i++ {
		y := (k[i] & upperMask) | (k[(i+1)%stateLen] & lowerMask)
		v := k[(i+shift)%stateLen] ^ (y >> 1)
		if y&1 != 0 {
			v ^= matrixA
		}
		k[i] = v
	}
	m.pos = 0
}

// Uint32 returns the next tempered 32-bit output.
func (m *MT19937) Uint32() uint32 {
	if m.pos == stateLen {
		m.regenerate()
	}
	y := m.key[m.pos]
	m.pos++
	y ^= y >> 11
	y ^= (y << 7) & temperB
	y ^= (y << 15) & temperC
	y ^= y >> 18
	return y
}

// Interval returns a uniform integer in [0, max] the way numpy's
// random_interval does for bounds below 2^32: 32-bit outputs masked with the
// smallest all-ones mask covering max, rejected while greater than max
// (paper-spec §1.4).
func (m *MT19937) Interval(max uint32) uint32 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		v := m.Uint32() & mask
		if v <= max {
			return v
		}
	}
}

// IntN returns a uniform integer in [0, n) for 0 < n ≤ 2^32, using Interval.
// It panics for n outside that range: callers pass compile-time or validated
// sizes, never user input.
func (m *MT19937) IntN(n int) int {
	if n <= 0 || uint64(n) > uint64(maxUint32n)+1 {
		panic(fmt.Sprintf("nprand: IntN(%d) out of range", n))
	}
	return int(m.Interval(uint32(n - 1)))
}

// ShuffleInts permutes x in place as numpy's legacy
// RandomState(seed).shuffle(x) does: for i = len(x)−1 down to 1, draw
// j = Interval(i) and swap x[i] and x[j] (paper-spec §1.4).
// It errors when len(x)−1 does not fit in 32 bits (numpy then switches to
// 64-bit draws, which this package does not reproduce).
func ShuffleInts(seed uint32, x []int) error {
	if uint64(len(x)) > uint64(maxUint32n)+1 {
		return fmt.Errorf("nprand: shuffle of %d elements exceeds the 32-bit draw range", len(x))
	}
	m := New(seed)
	m.shuffle(x)
	return nil
}

func (m *MT19937) shuffle(x []int) {
	for i := len(x) - 1; i >= 1; i-- {
		j := m.Interval(uint32(i))
		x[i], x[j] = x[j], x[i]
	}
}

// Permutation returns 0..n−1 shuffled by RandomState(seed).shuffle, the
// trial order the paper's split halves use for that seed (paper-spec §1.4).
func Permutation(seed uint32, n int) ([]int, error) {
	if n < 0 {
		return nil, fmt.Errorf("nprand: negative permutation length %d", n)
	}
	x := make([]int, n)
	if err := PermutationInto(seed, x); err != nil {
		return nil, err
	}
	return x, nil
}

// PermutationInto fills x with 0..len(x)−1 shuffled for seed, reusing x's
// storage (the allocation-free form of Permutation).
func PermutationInto(seed uint32, x []int) error {
	for i := range x {
		x[i] = i
	}
	return ShuffleInts(seed, x)
}
