package shapes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const cubeOBJ = `# unit cube, quads, mixed index forms
mtllib cube.mtl
o Cube
v 0 0 0
v 1 0 0
v 1 1 0
v 0 1 0
v 0 0 1
v 1 0 1
v 1 1 1
v 0 1 1
vt 0 0
vt 1 0
vt 1 1
vn 0 0 -1
vn 0 0 1
g sides
usemtl red
s off
f 1/1/1 4/2/1 3/3/1 2/1/1
f 5//2 6//2 7//2 8//2
f 1/1 2/2 6/3 5/1
f 2 3 7 6
f -5 -1 -2 -6
f 4 1 5 8
`

func TestParseOBJValid(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		verts    int
		tris     [][3]int32
		wantTris int
	}{
		{"triangle", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", 3, [][3]int32{{0, 1, 2}}, 1},
		{"quad fan", "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4\n", 4, [][3]int32{{0, 1, 2}, {0, 2, 3}}, 2},
		{"pentagon fan", "v 0 0 0\nv 1 0 0\nv 2 1 0\nv 1 2 0\nv 0 1 0\nf 1 2 3 4 5\n", 5, [][3]int32{{0, 1, 2}, {0, 2, 3}, {0, 3, 4}}, 3},
		{"negative indices", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf -3 -2 -1\n", 3, [][3]int32{{0, 1, 2}}, 1},
		{"all index forms", "v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nvn 0 0 1\nf 1/1/1 2//1 3/1\n", 3, [][3]int32{{0, 1, 2}}, 1},
		{"comments blank lines and w", "# c\n\nv 0 0 0 1 # trailing\nv 1 0 0 1\nv 0 1 0 1\n  \nf 1 2 3 # face\n", 3, [][3]int32{{0, 1, 2}}, 1},
		{"vertex colours", "v 0 0 0 1 0 0\nv 1 0 0 0 1 0\nv 0 1 0 0 0 1\nf 1 2 3\n", 3, [][3]int32{{0, 1, 2}}, 1},
		{"CRLF line ends", "v 0 0 0\r\nv 1 0 0\r\nv 0 1 0\r\nf 1 2 3\r\n", 3, [][3]int32{{0, 1, 2}}, 1},
		{"cube", cubeOBJ, 8, nil, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseOBJ(strings.NewReader(tc.src), Limits{})
			if err != nil {
				t.Fatalf("ParseOBJ: %v", err)
			}
			if len(m.Vertices) != tc.verts {
				t.Errorf("vertices = %d, want %d", len(m.Vertices), tc.verts)
			}
			if len(m.Triangles) != tc.wantTris {
				t.Fatalf("triangles = %d, want %d", len(m.Triangles), tc.wantTris)
			}
			for i, tri := range tc.tris {
				if m.Triangles[i] != tri {
					t.Errorf("triangle %d = %v, want %v", i, m.Triangles[i], tri)
				}
			}
		})
	}
}

func TestParseOBJErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		lim  Limits
		line int    // expected line in the error (0: whole file)
		want string // substring of the message
	}{
		{"bad number", "v 0 0 x\n", Limits{}, 1, `"x" is not a number`},
		{"nan coordinate", "v 0 nan 0\n", Limits{}, 1, "not finite"},
		{"inf coordinate", "v 0 0 0\nv inf 0 0\n", Limits{}, 2, "not finite"},
		{"overflow", "v 1e999 0 0\n", Limits{}, 1, "out of the float64 range"},
		{"too few coordinates", "v 0 0\n", Limits{}, 1, "vertex needs 3 coordinates"},
		{"index out of range", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n", Limits{}, 4, "vertex index 4 out of range (3 defined so far)"},
		{"negative out of range", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 -4\n", Limits{}, 4, "vertex index -4 out of range"},
		{"index zero", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", Limits{}, 4, "index 0 is invalid"},
		{"forward reference", "v 0 0 0\nf 1 2 3\nv 1 0 0\nv 0 1 0\n", Limits{}, 2, "out of range (1 defined so far)"},
		{"two-vertex face", "v 0 0 0\nv 1 0 0\nf 1 2\n", Limits{}, 3, "at least 3 vertices, got 2"},
		{"non-integer index", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3.5\n", Limits{}, 4, "is not an integer"},
		{"bad texture index", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1/1 2/1 3/1\n", Limits{}, 4, "texture coordinate index 1 out of range (0 defined so far)"},
		{"bad normal index", "v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1//2 2//1 3//1\n", Limits{}, 5, "normal index 2 out of range"},
		{"empty normal index", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1/ 2/ 3//\n", Limits{}, 4, "empty normal index"},
		{"too many slashes", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1/1/1/1 2 3\n", Limits{}, 4, "too many '/'"},
		{"bad vn", "vn 0 0\n", Limits{}, 1, "vn needs 3 values"},
		{"unknown statement", "v 0 0 0\nbogus 1 2\n", Limits{}, 2, `unknown statement "bogus"`},
		{"no vertices", "# nothing\n", Limits{}, 0, "no vertices"},
		{"no faces", "v 0 0 0\nv 1 0 0\n", Limits{}, 0, "no faces"},
		{"vertex limit", "v 0 0 0\nv 1 0 0\nv 0 1 0\n", Limits{MaxVertices: 2}, 3, "more than 2 vertices"},
		{"triangle limit", "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4\n", Limits{MaxTriangles: 1}, 5, "more than 1 triangles"},
		{"face size limit", "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4\n", Limits{MaxFaceVertices: 3}, 5, "more than 3"},
		{"byte limit", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", Limits{MaxBytes: 10}, 2, "larger than 10 bytes"},
		{"line limit", "v 0 0 0\nv 1 0 0 " + strings.Repeat("0 ", 100) + "\n", Limits{MaxLineBytes: 64}, 2, "line longer than 64 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseOBJ(strings.NewReader(tc.src), tc.lim)
			if err == nil {
				t.Fatal("ParseOBJ accepted a malformed file")
			}
			var oe *OBJError
			if !errors.As(err, &oe) {
				t.Fatalf("error %v is not an *OBJError", err)
			}
			if oe.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", oe.Line, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(tc.name, "limit") && !errors.Is(err, ErrLimit) {
				t.Errorf("limit error %v does not wrap ErrLimit", err)
			}
		})
	}
}

func TestLoadOBJ(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "cube.obj")
	bad := filepath.Join(dir, "bad.obj")
	if err := os.WriteFile(good, []byte(cubeOBJ), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("v 0 0 0\nf 1 2 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		wantErr string
	}{
		{good, ""},
		{bad, "bad.obj: obj: line 2"},
		{filepath.Join(dir, "missing.obj"), "missing.obj"},
	}
	for _, tc := range tests {
		m, err := LoadOBJ(tc.path, Limits{})
		if tc.wantErr == "" {
			if err != nil || len(m.Triangles) != 12 {
				t.Errorf("LoadOBJ(%s) = %v, %v", tc.path, m, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("LoadOBJ(%s) error %v, want containing %q", tc.path, err, tc.wantErr)
		}
	}
}

// FuzzParseOBJ checks that arbitrary input never panics, that accepted
// meshes are well formed, and that a parsed mesh builds a shell Shape with
// finite distances.
func FuzzParseOBJ(f *testing.F) {
	for _, s := range []string{cubeOBJ, "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", "v 0 0 0\nf -1 -1 -1\n", "f 1 2 3\n", "v 1e308 1e308 1e308\nv -1e308 0 0\nv 0 1 0\nf 1 2 3\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxBytes: 1 << 16, MaxVertices: 1000, MaxTriangles: 2000, MaxFaceVertices: 64, MaxOtherElements: 1000}
		m, err := ParseOBJ(strings.NewReader(string(data)), lim)
		if err != nil {
			return
		}
		if len(m.Vertices) == 0 || len(m.Triangles) == 0 || len(m.Vertices) > 1000 || len(m.Triangles) > 2000 {
			t.Fatalf("accepted mesh with %d vertices, %d triangles", len(m.Vertices), len(m.Triangles))
		}
		for _, tri := range m.Triangles {
			for _, i := range tri {
				if i < 0 || int(i) >= len(m.Vertices) {
					t.Fatalf("index %d out of range", i)
				}
			}
		}
		for _, v := range m.Vertices {
			if !finiteVec(v) {
				t.Fatalf("non-finite vertex %v", v)
			}
		}
		sh, err := NewMesh(m, MeshOptions{Thickness: 0.1})
		if err != nil {
			return // e.g. every triangle degenerate
		}
		d, n := sh.Distance(sh.Bounds().Center())
		if d != d || n != n {
			t.Fatalf("NaN distance %v / normal %v", d, n)
		}
		if _, err := NewMesh(m, MeshOptions{}); err == nil {
			d, _ := sh.Distance(sh.Bounds().Hi)
			if d != d {
				t.Fatal("NaN distance on solid mesh")
			}
		}
	})
}
