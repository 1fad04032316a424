package evaluator

import (
	"encoding/json"
	"math"
	"strconv"
)

// Value is a float64 that marshals to JSON null when it is NaN or ±Inf
// (undefined: e.g. no iteration passed the paper's reliability filter, or
// rsa-paper-v1 has no confidence interval) and unmarshals null back to NaN.
type Value float64

// NaN is the undefined Value.
func NaN() Value { return Value(math.NaN()) }

// Defined reports whether v is a finite number.
func (v Value) Defined() bool {
	f := float64(v)
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}

// MarshalJSON writes v as a shortest round-trip number, or null.
func (v Value) MarshalJSON() ([]byte, error) {
	if !v.Defined() {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(v), 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (v *Value) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = NaN()
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*v = Value(f)
	return nil
}
