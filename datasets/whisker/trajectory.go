package whisker

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Trajectory is a per-frame base angular velocity for each whisker, in
// WHISKiT's whisking_trajectory.csv layout: one row per whisker (in the
// array's order; WHISKiT's file has 60 rows, right whiskers first), each row
// ωx, ωy, ωz (rad/s, world axes) for frame 0, then frame 1, and so on. One
// sample is used per output frame, as WHISKiT does (its file is at 1 ms).
type Trajectory struct {
	Omega [][]geom.Vec3 // [whisker][frame]
}

// Limits of ParseTrajectory: enough for 60 whiskers × 100 s at 1 kHz.
const (
	maxTrajectoryRows   = 1000
	maxTrajectoryFrames = 1_000_000
	maxTrajectoryBytes  = 1 << 30
)

// ParseTrajectory reads a trajectory file. Every row must hold the same
// positive multiple of 3 of finite numbers separated by commas; blank lines
// are skipped. Errors name the row and column.
func ParseTrajectory(r io.Reader) (Trajectory, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, maxTrajectoryBytes+1), 1<<16)
	var tr Trajectory
	var total int64
	cols := -1
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		total += int64(len(raw))
		if total > maxTrajectoryBytes {
			return Trajectory{}, fmt.Errorf("trajectory: larger than %d bytes", maxTrajectoryBytes)
		}
		if err != nil && err != io.EOF {
			return Trajectory{}, fmt.Errorf("trajectory: line %d: %w", line, err)
		}
		text := bytes.TrimSpace(raw)
		if len(text) > 0 {
			if len(tr.Omega) >= maxTrajectoryRows {
				return Trajectory{}, fmt.Errorf("trajectory: more than %d rows", maxTrajectoryRows)
			}
			vals, perr := parseRow(text, line)
			if perr != nil {
				return Trajectory{}, perr
			}
			if cols < 0 {
				cols = len(vals)
				if cols%3 != 0 {
					return Trajectory{}, fmt.Errorf("trajectory: line %d: %d values, not a multiple of 3 (ωx, ωy, ωz per frame)", line, cols)
				}
				if cols/3 > maxTrajectoryFrames {
					return Trajectory{}, fmt.Errorf("trajectory: line %d: %d frames exceed the limit %d", line, cols/3, maxTrajectoryFrames)
				}
			} else if len(vals) != cols {
				return Trajectory{}, fmt.Errorf("trajectory: line %d: %d values, the first row had %d", line, len(vals), cols)
			}
			row := make([]geom.Vec3, cols/3)
			for k := range row {
				row[k] = geom.Vec3{vals[3*k], vals[3*k+1], vals[3*k+2]}
			}
			tr.Omega = append(tr.Omega, row)
		}
		if err == io.EOF {
			break
		}
	}
	if len(tr.Omega) == 0 {
		return Trajectory{}, fmt.Errorf("trajectory: no rows")
	}
	return tr, nil
}

func parseRow(text []byte, line int) ([]float64, error) {
	var vals []float64
	field := 1
	for start := 0; start <= len(text); field++ {
		end := bytes.IndexByte(text[start:], ',')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		tok := bytes.TrimSpace(text[start:end])
		v, err := strconv.ParseFloat(string(tok), 64)
		if err != nil {
			return nil, fmt.Errorf("trajectory: line %d, value %d: %q is not a number", line, field, truncate(tok))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e4 {
			return nil, fmt.Errorf("trajectory: line %d, value %d: %g rad/s is not finite or exceeds 1e4", line, field, v)
		}
		vals = append(vals, v)
		start = end + 1
		if end == len(text) {
			break
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("trajectory: line %d: no values", line)
	}
	return vals, nil
}

func truncate(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "…"
	}
	return string(b)
}
