package npz

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Member describes one array of an archive without holding its data.
type Member struct {
	Name  string
	DType ndarray.DType
	Raw   string // the numpy type string, e.g. "<f4"
	Shape []int
	// NonFinite counts NaN and ±Inf elements; FirstNonFinite is the flat
	// index of the first (-1 when none).
	NonFinite      int64
	FirstNonFinite int64
}

// Stat walks every member of an archive, checking names, headers, sizes
// and decoding the data in fixed-size chunks to count non-finite values.
// Memory use is bounded by the chunk size, whatever the archive's size, so
// it is the way to validate an upload before anything is queued.
func Stat(r io.ReaderAt, size int64, lim Limits) ([]Member, error) {
	lim = lim.withDefaults()
	var out []Member
	err := walk(r, size, lim, func(f *zip.File, name string, budget int64) (int64, error) {
		m, used, err := statMember(f, lim, budget)
		if err == nil {
			m.Name = name
			out = append(out, m)
		}
		return used, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func statMember(f *zip.File, lim Limits, budget int64) (Member, int64, error) {
	rc, err := f.Open()
	if err != nil {
		return Member{}, 0, fmt.Errorf("open member: %w", err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, readBufSize(f))
	h, err := readHeader(br, lim)
	if err != nil {
		return Member{}, 0, err
	}
	e, err := parseDType(h.DType)
	if err != nil {
		return Member{}, 0, err
	}
	if h.Fortran && len(h.Shape) > 1 {
		return Member{}, 0, errors.New("Fortran-ordered arrays are not supported: save with numpy.ascontiguousarray(x)")
	}
	n, nbytes, err := dataBytes(h, e, min(lim.MaxArrayBytes, budget))
	if err != nil {
		return Member{}, 0, err
	}
	m := Member{DType: e.kind, Raw: h.DType, Shape: h.Shape, FirstNonFinite: -1}
	buf := make([]byte, min(1<<20, max(n*e.size, e.size)))
	var idx int64
	err = eachChunk(br, buf, n, e.size, func(b []byte) {
		switch {
		case e.kind == ndarray.Float32:
			for i := 0; i+4 <= len(b); i += 4 {
				v := math.Float32frombits(e.order.Uint32(b[i:]))
				if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
					if m.NonFinite == 0 {
						m.FirstNonFinite = idx
					}
					m.NonFinite++
				}
				idx++
			}
		case e.kind == ndarray.Float64:
			for i := 0; i+8 <= len(b); i += 8 {
				v := math.Float64frombits(e.order.Uint64(b[i:]))
				if math.IsNaN(v) || math.IsInf(v, 0) {
					if m.NonFinite == 0 {
						m.FirstNonFinite = idx
					}
					m.NonFinite++
				}
				idx++
			}
		}
	})
	if err != nil {
		return Member{}, 0, err
	}
	if k, _ := io.CopyN(io.Discard, br, 1); k > 0 {
		return Member{}, 0, errors.New("member has trailing data after the array")
	}
	return m, nbytes, nil
}

// ReadMember reads one named array of an archive.
func ReadMember(r io.ReaderAt, size int64, name string, lim Limits) (ndarray.Array, error) {
	lim = lim.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("not a valid .npz (zip) archive: %w", err)
	}
	for _, f := range zr.File {
		if f.Name == name+".npy" {
			a, _, err := readMember(f, lim, lim.MaxTotalBytes)
			if err != nil {
				return ndarray.Array{}, fmt.Errorf("array %q: %w", name, err)
			}
			return a, nil
		}
	}
	return ndarray.Array{}, fmt.Errorf("archive has no array %q", name)
}
