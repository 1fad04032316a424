package npz

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// The fixtures are written by numpy (testdata/make_fixtures.py).
func TestReadNumpyFixtures(t *testing.T) {
	arrays, err := ReadFile("testdata/mixed.npz", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Names(arrays), []string{"a", "b", "c", "d", "e", "f", "g"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	a, _ := Lookup(arrays, "a")
	if a.DType != ndarray.Float32 || !reflect.DeepEqual(a.Shape, []int{2, 3, 4}) || a.F32[23] != 23.0/8 {
		t.Errorf("a = %v %v last %v", a.DType, a.Shape, a.F32[23])
	}
	b, _ := Lookup(arrays, "b")
	if b.DType != ndarray.Float64 || !math.IsNaN(b.F64[2]) || b.F64[3] != 1e300 || b.F64[1] != -2.25 {
		t.Errorf("b = %v", b.F64)
	}
	c, _ := Lookup(arrays, "c")
	if !reflect.DeepEqual(c.I64, []int64{3, -1, 7}) {
		t.Errorf("c = %v", c.I64)
	}
	d, _ := Lookup(arrays, "d")
	if !reflect.DeepEqual(d.Str, []string{"RA0", "RB12", "É"}) {
		t.Errorf("d = %q", d.Str)
	}
	e, _ := Lookup(arrays, "e")
	if !reflect.DeepEqual(e.I64, []int64{1, 0, 2}) {
		t.Errorf("e (int32) = %v", e.I64)
	}
	f, _ := Lookup(arrays, "f")
	if !reflect.DeepEqual(f.I64, []int64{1, 0}) {
		t.Errorf("f (bool) = %v", f.I64)
	}
	g, _ := Lookup(arrays, "g")
	if len(g.Shape) != 0 || g.F64[0] != 2.5 {
		t.Errorf("g (scalar) = %v %v", g.Shape, g.F64)
	}
}

func TestReadCompressedAndByteOrder(t *testing.T) {
	arrays, err := ReadFile("testdata/compressed.npz", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := Lookup(arrays, "layer1.0"); !ok || l.I64[2] != 7 {
		t.Errorf("layer1.0 = %v %v", ok, l.I64)
	}
	f, err := os.Open("testdata/bigendian.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := ReadNPY(f, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if a.F32[5] != 5.0/8 {
		t.Errorf("big-endian element 5 = %v", a.F32[5])
	}
}

func TestFortranOrderRejected(t *testing.T) {
	f, err := os.Open("testdata/fortran.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = ReadNPY(f, Limits{})
	if err == nil || !strings.Contains(err.Error(), "ascontiguousarray") {
		t.Fatalf("want a Fortran-order error that says what to do, got %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	in := []Named{
		{"x", ndarray.FromFloat32([]int{2, 2}, []float32{1, float32(math.Inf(-1)), 3, 4})},
		{"y", ndarray.FromFloat64([]int{3}, []float64{0.1, 0.2, math.Pi})},
		{"z", ndarray.FromInt64([]int{1, 2}, []int64{-5, 1 << 40})},
		{"names", ndarray.FromStrings([]string{"RA0", "", "ümlaut"})},
		{"empty", ndarray.FromFloat32([]int{0, 6}, []float32{})},
	}
	for _, compressed := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "rt.npz")
		var err error
		if compressed {
			err = WriteFileCompressed(path, in)
		} else {
			err = WriteFile(path, in)
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := ReadFile(path, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) {
			t.Fatalf("got %d arrays", len(out))
		}
		for i := range in {
			if !reflect.DeepEqual(in[i], out[i]) {
				t.Errorf("compressed=%v: %s: got %+v, want %+v", compressed, in[i].Name, out[i], in[i])
			}
		}
	}
}

func npyBytes(t testing.TB, a ndarray.Array) []byte {
	var buf bytes.Buffer
	if err := WriteNPY(&buf, a); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawNPY frames a header dictionary as a version-1.0 npy stream with no data.
func rawNPY(dict string) []byte {
	h := dict + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	return append(b, h...)
}

func zipOf(t testing.TB, method uint16, members map[string][]byte, order ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range order {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(members[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMalformed(t *testing.T) {
	good := npyBytes(t, ndarray.FromFloat32([]int{4}, []float32{1, 2, 3, 4}))
	hugeHeader := append([]byte("\x93NUMPY\x02\x00"), 0, 0, 0, 0x40) // declares a 1 GiB header
	bigShape := rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }")
	// A zip bomb: a small deflated member that inflates far beyond its
	// header's declared size.
	bomb := append(append([]byte{}, good...), make([]byte, 50<<20)...)
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want string
	}{
		{"not a zip", []byte("hello"), Limits{}, "not a valid .npz"},
		{"truncated archive", zipOf(t, zip.Store, map[string][]byte{"a.npy": good}, "a.npy")[:40], Limits{}, "not a valid .npz"},
		{"truncated array", zipOf(t, zip.Store, map[string][]byte{"a.npy": good[:len(good)-3]}, "a.npy"), Limits{}, "truncated"},
		{"bad magic", zipOf(t, zip.Store, map[string][]byte{"a.npy": []byte("NOTNUMPYxxxxxxxx")}, "a.npy"), Limits{}, "bad magic"},
		{"enormous header", zipOf(t, zip.Store, map[string][]byte{"a.npy": hugeHeader}, "a.npy"), Limits{}, "header of 1073741824 bytes exceeds"},
		{"enormous shape", zipOf(t, zip.Store, map[string][]byte{"a.npy": bigShape}, "a.npy"), Limits{}, "limit"},
		{"array over limit", zipOf(t, zip.Store, map[string][]byte{"a.npy": good}, "a.npy"), Limits{MaxArrayBytes: 8}, "limit"},
		{"total over limit", zipOf(t, zip.Store, map[string][]byte{"a.npy": good, "b.npy": good}, "a.npy", "b.npy"), Limits{MaxTotalBytes: 20}, "limit"},
		{"zip bomb", zipOf(t, zip.Deflate, map[string][]byte{"a.npy": bomb}, "a.npy"), Limits{}, "trailing data"},
		{"path traversal", zipOf(t, zip.Store, map[string][]byte{"../evil.npy": good}, "../evil.npy"), Limits{}, "must not contain"},
		{"not npy member", zipOf(t, zip.Store, map[string][]byte{"readme.txt": good}, "readme.txt"), Limits{}, "not an .npy"},
		{"duplicate", zipOf(t, zip.Store, map[string][]byte{"a.npy": good}, "a.npy", "a.npy"), Limits{}, "twice"},
		{"object dtype", zipOf(t, zip.Store, map[string][]byte{"a.npy": bytes.Replace(good, []byte("<f4"), []byte("|O8"), 1)}, "a.npy"), Limits{}, "unsupported dtype"},
		{"complex dtype", zipOf(t, zip.Store, map[string][]byte{"a.npy": bytes.Replace(good, []byte("<f4"), []byte("<c8"), 1)}, "a.npy"), Limits{}, "unsupported dtype"},
		{"no shape", zipOf(t, zip.Store, map[string][]byte{"a.npy": rawNPY("{'descr': '<f4'}")}, "a.npy"), Limits{}, "malformed npy header"},
		{"garbage dict", zipOf(t, zip.Store, map[string][]byte{"a.npy": rawNPY("{'descr': ((((")}, "a.npy"), Limits{}, "malformed npy header"},
		{"negative dim", zipOf(t, zip.Store, map[string][]byte{"a.npy": rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }")}, "a.npy"), Limits{}, "negative dimension"},
		{"empty archive", zipOf(t, zip.Store, nil), Limits{}, "no arrays"},
		{"too many members", zipOf(t, zip.Store, map[string][]byte{"a.npy": good, "b.npy": good}, "a.npy", "b.npy"), Limits{MaxArrays: 1}, "members"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.data), int64(len(tc.data)), tc.lim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestLimitErrorsWrapErrLimit(t *testing.T) {
	good := zipOf(t, zip.Store, map[string][]byte{"a.npy": npyBytes(t, ndarray.Zeros32(100))}, "a.npy")
	_, err := Read(bytes.NewReader(good), int64(len(good)), Limits{MaxArrayBytes: 10})
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("want ErrLimit, got %v", err)
	}
}

func TestHeaderPaddedTo64(t *testing.T) {
	b := npyBytes(t, ndarray.Zeros64(3, 5))
	hlen := int(binary.LittleEndian.Uint16(b[8:10]))
	if (10+hlen)%64 != 0 {
		t.Fatalf("data offset %d is not 64-aligned", 10+hlen)
	}
}

func FuzzRead(f *testing.F) {
	for _, p := range []string{"testdata/mixed.npz", "testdata/compressed.npz"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxArrayBytes: 1 << 20, MaxTotalBytes: 4 << 20}
		arrays, err := Read(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			return
		}
		for _, a := range arrays {
			if a.Array.Len() != ndarray.Size(a.Array.Shape) {
				t.Fatalf("%s: %d elements for shape %v", a.Name, a.Array.Len(), a.Array.Shape)
			}
		}
	})
}

func FuzzReadNPY(f *testing.F) {
	for _, p := range []string{"testdata/bigendian.npy", "testdata/fortran.npy"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ReadNPY(bytes.NewReader(data), Limits{MaxArrayBytes: 1 << 20})
		if err == nil && a.Len() != ndarray.Size(a.Shape) {
			t.Fatalf("%d elements for shape %v", a.Len(), a.Shape)
		}
	})
}

func TestStatCountsWithoutLoading(t *testing.T) {
	a := ndarray.Zeros32(3, 1000)
	a.F32[1500] = float32(math.NaN())
	a.F32[2999] = float32(math.Inf(1))
	b := ndarray.FromFloat64([]int{2}, []float64{1, 2})
	var buf bytes.Buffer
	if err := Write(&buf, []Named{{"acts", a}, {"ok", b}, {"labels", ndarray.FromInt64([]int{2}, []int64{1, 2})}}); err != nil {
		t.Fatal(err)
	}
	ms, err := Stat(bytes.NewReader(buf.Bytes()), int64(buf.Len()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 || ms[0].Name != "acts" || ms[0].NonFinite != 2 || ms[0].FirstNonFinite != 1500 || !reflect.DeepEqual(ms[0].Shape, []int{3, 1000}) {
		t.Fatalf("stat: %+v", ms)
	}
	if ms[1].NonFinite != 0 || ms[1].FirstNonFinite != -1 || ms[2].DType != ndarray.Int64 {
		t.Fatalf("stat: %+v", ms[1:])
	}
	got, err := ReadMember(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "ok", Limits{})
	if err != nil || !reflect.DeepEqual(got.F64, []float64{1, 2}) {
		t.Fatalf("read member: %v %v", got, err)
	}
	if _, err := ReadMember(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "missing", Limits{}); err == nil {
		t.Fatal("missing member read")
	}
}

func FuzzStat(f *testing.F) {
	b, err := os.ReadFile("testdata/mixed.npz")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := Stat(bytes.NewReader(data), int64(len(data)), Limits{MaxArrayBytes: 1 << 20, MaxTotalBytes: 4 << 20})
		if err != nil {
			return
		}
		for _, m := range ms {
			if ndarray.Size(m.Shape) < 0 || m.NonFinite < 0 {
				t.Fatalf("%s: shape %v nonfinite %d", m.Name, m.Shape, m.NonFinite)
			}
		}
	})
}
