package leaderboard

import (
	"fmt"
	"math"
	"strconv"
)

// Num formats a score with three decimals.
func Num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// CIText formats an interval as "[lo, hi]", or "" for none.
func CIText(ci *Interval) string {
	if ci == nil {
		return ""
	}
	return "[" + Num(ci.Low) + ", " + Num(ci.High) + "]"
}

// CellText is a cell's value and interval, or "—" when missing.
func CellText(c *Cell) string {
	if c == nil {
		return "—"
	}
	if c.CI == nil {
		return Num(c.Value)
	}
	return Num(c.Value) + " " + CIText(c.CI)
}

// RankText is "3", "3=" for a tie, or "" when unranked.
func RankText(p Place) string {
	if p.Rank == 0 {
		return ""
	}
	if p.Tied {
		return strconv.Itoa(p.Rank) + "="
	}
	return strconv.Itoa(p.Rank)
}

func meanSEM(c RefCell) string {
	s := Num(c.Value)
	if c.SEM != nil {
		s += " ± " + Num(*c.SEM)
	}
	return s
}

// RefText is a reference figure: value, ± SEM, max and interval as known.
func RefText(c RefCell) string {
	s := meanSEM(c)
	if c.Max != nil {
		s += " (max " + Num(*c.Max) + ")"
	}
	if c.CI != nil {
		s += " " + CIText(c.CI)
	}
	return s
}

// Params formats a parameter count as "23.5M", or "" when unknown.
func Params(p *int64) string {
	if p == nil {
		return ""
	}
	v := float64(*p)
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2fB", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return strconv.FormatInt(*p, 10)
}
