package shapes

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/whiskerbench/whiskerbench/datasets/geom"
)

// Limits bounds what ParseOBJ accepts, so that an untrusted file cannot make
// the loader allocate without bound. A zero field means "use the default".
type Limits struct {
	MaxBytes         int64 // total input size
	MaxLineBytes     int   // longest line
	MaxVertices      int   // "v" statements
	MaxTriangles     int   // triangles after fan triangulation
	MaxFaceVertices  int   // corners of one "f" statement
	MaxOtherElements int   // "vt" plus "vn" statements
}

// DefaultLimits returns generous limits, far above any ShapeNet model
// (the largest ShapeNetCore meshes have a few million triangles).
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:         1 << 30,
		MaxLineBytes:     1 << 16,
		MaxVertices:      10_000_000,
		MaxTriangles:     20_000_000,
		MaxFaceVertices:  4096,
		MaxOtherElements: 20_000_000,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	if l.MaxVertices <= 0 {
		l.MaxVertices = d.MaxVertices
	}
	if l.MaxTriangles <= 0 {
		l.MaxTriangles = d.MaxTriangles
	}
	if l.MaxFaceVertices <= 0 {
		l.MaxFaceVertices = d.MaxFaceVertices
	}
	if l.MaxOtherElements <= 0 {
		l.MaxOtherElements = d.MaxOtherElements
	}
	return l
}

// MeshData is a triangle soup read from an OBJ file: vertex positions and
// triangles as zero-based indices into Vertices. Normals ("vn") are checked
// but not kept; Mesh computes its own pseudo-normals.
type MeshData struct {
	Vertices  []geom.Vec3
	Triangles [][3]int32
}

// OBJError is a problem at one line of an OBJ file.
type OBJError struct {
	Line int    // 1-based line number (0 when the problem is the whole file)
	Msg  string // what is wrong
	Err  error  // ErrLimit for size-limit violations, else nil
}

// Unwrap returns the wrapped sentinel (ErrLimit) if any.
func (e *OBJError) Unwrap() error { return e.Err }

func limitErr(line int, format string, args ...any) *OBJError {
	return &OBJError{Line: line, Msg: fmt.Sprintf(format, args...) + ": " + ErrLimit.Error(), Err: ErrLimit}
}

func (e *OBJError) Error() string {
	if e.Line == 0 {
		return "obj: " + e.Msg
	}
	return fmt.Sprintf("obj: line %d: %s", e.Line, e.Msg)
}

// ErrLimit is wrapped by errors caused by exceeding a Limits field.
var ErrLimit = errors.New("size limit exceeded")

// statements that are valid OBJ but carry nothing a rigid collision mesh needs.
func ignoredStatement(kw string) bool {
	switch kw {
	case "o", "g", "s", "usemtl", "mtllib", "l", "p", "vp", "mg", "maplib",
		"usemap", "lod", "shadow_obj", "trace_obj", "bevel", "c_interp",
		"d_interp", "ctech", "stech", "cstype", "deg", "bmat", "step",
		"curv", "curv2", "surf", "parm", "trim", "hole", "scrv", "sp", "end", "con":
		return true
	}
	return false
}

// LoadOBJ reads the OBJ file at path; see ParseOBJ.
func LoadOBJ(path string, lim Limits) (*MeshData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load obj: %w", err)
	}
	defer f.Close()
	m, err := ParseOBJ(f, lim)
	if err != nil {
		return nil, fmt.Errorf("load obj %s: %w", path, err)
	}
	return m, nil
}

// ParseOBJ reads a Wavefront OBJ mesh: "v" (x y z, an optional w or RGB
// colour is accepted and dropped), "vt", "vn" and "f" statements whose
// corners are written v, v/vt, v//vn or v/vt/vn with 1-based or negative
// (relative) indices. Polygons are triangulated as fans from their first
// corner. Comments and grouping/material statements (o, g, s, usemtl,
// mtllib, …) are ignored; an unknown statement is an error. Every problem is
// reported as an *OBJError naming the line.
func ParseOBJ(r io.Reader, lim Limits) (*MeshData, error) {
	lim = lim.withDefaults()
	lr := &io.LimitedReader{R: r, N: lim.MaxBytes + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 0, min(4096, lim.MaxLineBytes)), lim.MaxLineBytes)
	var (
		out     MeshData
		nvt     int
		nvn     int
		line    int
		corners []int32
		read    int64 // bytes consumed, counting one newline per line
	)
	for sc.Scan() {
		line++
		text := sc.Bytes()
		read += int64(len(text)) + 1
		if read > lim.MaxBytes+1 { // +1: the last line may lack its newline
			return nil, limitErr(line, "input larger than %d bytes", lim.MaxBytes)
		}
		if i := bytes.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		fields := strings.Fields(string(text))
		if len(fields) == 0 {
			continue
		}
		kw, args := fields[0], fields[1:]
		switch kw {
		case "v":
			if len(args) < 3 || len(args) > 7 {
				return nil, &OBJError{Line: line, Msg: fmt.Sprintf("vertex needs 3 coordinates (optionally w or r g b), got %d values", len(args))}
			}
			if len(out.Vertices) >= lim.MaxVertices {
				return nil, limitErr(line, "more than %d vertices", lim.MaxVertices)
			}
			var v geom.Vec3
			for i, a := range args {
				x, err := parseFinite(a)
				if err != nil {
					return nil, &OBJError{Line: line, Msg: fmt.Sprintf("vertex value %d: %v", i+1, err)}
				}
				if i < 3 {
					v[i] = x
				}
			}
			out.Vertices = append(out.Vertices, v)
		case "vt", "vn":
			want := "1 to 3"
			if kw == "vn" {
				want = "3"
			}
			if (kw == "vn" && len(args) != 3) || (kw == "vt" && (len(args) < 1 || len(args) > 3)) {
				return nil, &OBJError{Line: line, Msg: fmt.Sprintf("%s needs %s values, got %d", kw, want, len(args))}
			}
			if nvt+nvn >= lim.MaxOtherElements {
				return nil, limitErr(line, "more than %d vt/vn statements", lim.MaxOtherElements)
			}
			for i, a := range args {
				if _, err := parseFinite(a); err != nil {
					return nil, &OBJError{Line: line, Msg: fmt.Sprintf("%s value %d: %v", kw, i+1, err)}
				}
			}
			if kw == "vt" {
				nvt++
			} else {
				nvn++
			}
		case "f":
			if len(args) < 3 {
				return nil, &OBJError{Line: line, Msg: fmt.Sprintf("face needs at least 3 vertices, got %d", len(args))}
			}
			if len(args) > lim.MaxFaceVertices {
				return nil, limitErr(line, "face has %d vertices, more than %d", len(args), lim.MaxFaceVertices)
			}
			corners = corners[:0]
			for i, a := range args {
				vi, err := parseCorner(a, len(out.Vertices), nvt, nvn)
				if err != nil {
					return nil, &OBJError{Line: line, Msg: fmt.Sprintf("face corner %d %q: %v", i+1, a, err)}
				}
				corners = append(corners, vi)
			}
			if len(out.Triangles)+len(corners)-2 > lim.MaxTriangles {
				return nil, limitErr(line, "more than %d triangles", lim.MaxTriangles)
			}
			for i := 1; i+1 < len(corners); i++ {
				out.Triangles = append(out.Triangles, [3]int32{corners[0], corners[i], corners[i+1]})
			}
		default:
			if !ignoredStatement(kw) {
				return nil, &OBJError{Line: line, Msg: fmt.Sprintf("unknown statement %q", kw)}
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, limitErr(line+1, "line longer than %d bytes", lim.MaxLineBytes)
		}
		return nil, fmt.Errorf("obj: read after line %d: %w", line, err)
	}
	if lr.N <= 0 {
		return nil, limitErr(line, "input larger than %d bytes", lim.MaxBytes)
	}
	if len(out.Vertices) == 0 {
		return nil, &OBJError{Line: 0, Msg: "no vertices"}
	}
	if len(out.Triangles) == 0 {
		return nil, &OBJError{Line: 0, Msg: "no faces"}
	}
	return &out, nil
}

func parseFinite(s string) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is out of the float64 range", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%q is not finite", s)
	}
	return x, nil
}

// parseCorner parses one face corner and returns its zero-based vertex index.
func parseCorner(s string, nv, nvt, nvn int) (int32, error) {
	parts := strings.Split(s, "/")
	if len(parts) > 3 {
		return 0, errors.New("too many '/' separators")
	}
	vi, err := resolveIndex(parts[0], nv, "vertex")
	if err != nil {
		return 0, err
	}
	if len(parts) >= 2 && parts[1] != "" {
		if _, err := resolveIndex(parts[1], nvt, "texture coordinate"); err != nil {
			return 0, err
		}
	}
	if len(parts) == 3 {
		if parts[2] == "" {
			return 0, errors.New("empty normal index after '/'")
		}
		if _, err := resolveIndex(parts[2], nvn, "normal"); err != nil {
			return 0, err
		}
	}
	return int32(vi), nil
}

func resolveIndex(s string, n int, what string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("missing %s index", what)
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s index %q is not an integer", what, s)
	}
	switch {
	case i > 0 && i <= n:
		return i - 1, nil
	case i < 0 && -i <= n:
		return n + i, nil
	case i == 0:
		return 0, fmt.Errorf("%s index 0 is invalid (OBJ indices start at 1)", what)
	default:
		return 0, fmt.Errorf("%s index %d out of range (%d defined so far)", what, i, n)
	}
}
