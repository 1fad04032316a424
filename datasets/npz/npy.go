package npz

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"codeberg.org/sbinet/npyio/npy"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Limits bound what a reader will accept. A zero field means "use the
// default" (see DefaultLimits).
type Limits struct {
	MaxHeaderBytes int   // npy header dictionary length
	MaxArrayBytes  int64 // decoded bytes of one array
	MaxTotalBytes  int64 // decoded bytes of all arrays in one archive
	MaxArrays      int   // members in one archive
	MaxDims        int   // dimensions of one array
}

// DefaultLimits returns limits suited to local files: 64 KiB headers, 4 GiB
// per array and per archive, 4096 members, 16 dimensions.
func DefaultLimits() Limits {
	return Limits{
		MaxHeaderBytes: 64 << 10,
		MaxArrayBytes:  4 << 30,
		MaxTotalBytes:  4 << 30,
		MaxArrays:      4096,
		MaxDims:        16,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxArrayBytes <= 0 {
		l.MaxArrayBytes = d.MaxArrayBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxArrays <= 0 {
		l.MaxArrays = d.MaxArrays
	}
	if l.MaxDims <= 0 {
		l.MaxDims = d.MaxDims
	}
	return l
}

// ErrLimit is wrapped by every error caused by a limit being exceeded.
var ErrLimit = errors.New("limit exceeded")

var npyMagic = []byte("\x93NUMPY")

// Header is what an npy header declares.
type Header struct {
	DType   string // numpy type string, e.g. "<f4"
	Shape   []int
	Fortran bool
}

// elem describes how one numpy type string decodes.
type elem struct {
	kind  ndarray.DType
	size  int // bytes per element
	order binary.ByteOrder
	code  byte // 'f', 'i', 'u', 'b', 'U'
}

func parseDType(s string) (elem, error) {
	if len(s) < 2 {
		return elem{}, fmt.Errorf("unsupported dtype %q", s)
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch s[0] {
	case '<', '|', '=':
	case '>':
		order = binary.BigEndian
	default:
		return elem{}, fmt.Errorf("unsupported dtype %q", s)
	}
	code := s[1]
	n, err := strconv.Atoi(s[2:])
	if err != nil || n <= 0 {
		return elem{}, fmt.Errorf("unsupported dtype %q", s)
	}
	e := elem{size: n, order: order, code: code}
	switch {
	case code == 'f' && n == 4:
		e.kind = ndarray.Float32
	case code == 'f' && n == 8:
		e.kind = ndarray.Float64
	case (code == 'i' || code == 'u') && (n == 1 || n == 2 || n == 4 || n == 8):
		e.kind = ndarray.Int64
	case code == 'b' && n == 1:
		e.kind = ndarray.Int64
	case code == 'U' && n <= 1<<16:
		e.kind = ndarray.String
		e.size = 4 * n
	default:
		return elem{}, fmt.Errorf("unsupported dtype %q (supported: float32, float64, integers, bool, unicode strings)", s)
	}
	return e, nil
}

// readHeader reads and checks an npy header from r.
func readHeader(r *bufio.Reader, lim Limits) (Header, error) {
	pre := make([]byte, 8)
	if _, err := io.ReadFull(r, pre); err != nil {
		return Header{}, fmt.Errorf("read npy preamble: %w", noEOF(err))
	}
	if !bytes.Equal(pre[:6], npyMagic) {
		return Header{}, errors.New("not an npy file (bad magic bytes)")
	}
	major := pre[6]
	var hlen int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Header{}, fmt.Errorf("read npy header length: %w", noEOF(err))
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Header{}, fmt.Errorf("read npy header length: %w", noEOF(err))
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return Header{}, fmt.Errorf("unsupported npy format version %d.%d", major, pre[7])
	}
	if hlen > lim.MaxHeaderBytes {
		return Header{}, fmt.Errorf("npy header of %d bytes exceeds the %d-byte limit: %w", hlen, lim.MaxHeaderBytes, ErrLimit)
	}
	if hlen == 0 {
		return Header{}, errors.New("empty npy header")
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return Header{}, fmt.Errorf("read npy header: %w", noEOF(err))
	}
	if hdr[len(hdr)-1] != '\n' || !utf8.Valid(hdr) {
		return Header{}, errors.New("malformed npy header (must be text ending in a newline)")
	}
	h, err := parseHeaderDict(hdr)
	if err != nil {
		return Header{}, err
	}
	if len(h.Shape) > lim.MaxDims {
		return Header{}, fmt.Errorf("array has %d dimensions, more than the limit of %d: %w", len(h.Shape), lim.MaxDims, ErrLimit)
	}
	for _, d := range h.Shape {
		if d < 0 {
			return Header{}, fmt.Errorf("negative dimension in shape %v", h.Shape)
		}
	}
	return h, nil
}

// parseHeaderDict parses the header dictionary with npyio, re-framed as a
// version-1/2 header it accepts, and guards against its panics.
func parseHeaderDict(dict []byte) (h Header, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed npy header dictionary %q", truncate(string(dict), 120))
		}
	}()
	var buf bytes.Buffer
	buf.Write(npyMagic)
	buf.Write([]byte{2, 0})
	var l [4]byte
	binary.LittleEndian.PutUint32(l[:], uint32(len(dict)))
	buf.Write(l[:])
	buf.Write(dict)
	rd, perr := npy.NewReader(&buf)
	if perr != nil {
		return Header{}, fmt.Errorf("malformed npy header dictionary %q: %v", truncate(string(dict), 120), perr)
	}
	d := rd.Header.Descr
	if d.Type == "" || !strings.Contains(string(dict), "shape") {
		return Header{}, fmt.Errorf("npy header lacks descr or shape: %q", truncate(string(dict), 120))
	}
	return Header{DType: strings.Trim(d.Type, `'"`), Shape: append([]int{}, d.Shape...), Fortran: d.Fortran}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// dataBytes returns the decoded size in bytes that a header declares, or an
// error when it exceeds max.
func dataBytes(h Header, e elem, max int64) (n int, bytes int64, err error) {
	n = ndarray.Size(h.Shape)
	if n < 0 {
		return 0, 0, fmt.Errorf("shape %v overflows: %w", h.Shape, ErrLimit)
	}
	if int64(n) > max/int64(e.size) {
		return 0, 0, fmt.Errorf("array of shape %s (%s) needs more than the %d-byte limit: %w", ndarray.ShapeString(h.Shape), h.DType, max, ErrLimit)
	}
	return n, int64(n) * int64(e.size), nil
}

// ReadNPY reads one .npy stream. r is buffered internally.
func ReadNPY(r io.Reader, lim Limits) (ndarray.Array, error) {
	lim = lim.withDefaults()
	br := bufio.NewReaderSize(r, 1<<20)
	a, _, err := readNPY(br, lim, lim.MaxArrayBytes)
	return a, err
}

func readNPY(br *bufio.Reader, lim Limits, budget int64) (ndarray.Array, int64, error) {
	h, err := readHeader(br, lim)
	if err != nil {
		return ndarray.Array{}, 0, err
	}
	e, err := parseDType(h.DType)
	if err != nil {
		return ndarray.Array{}, 0, err
	}
	if h.Fortran && len(h.Shape) > 1 {
		return ndarray.Array{}, 0, errors.New("Fortran-ordered arrays are not supported: save with numpy.ascontiguousarray(x)")
	}
	max := lim.MaxArrayBytes
	if budget < max {
		max = budget
	}
	n, nbytes, err := dataBytes(h, e, max)
	if err != nil {
		return ndarray.Array{}, 0, err
	}
	a, err := decode(br, h, e, n)
	if err != nil {
		return ndarray.Array{}, 0, err
	}
	return a, nbytes, nil
}

// decode reads n elements in chunks so that a truncated file fails after
// reading what it has, not after allocating what it claims.
func decode(r io.Reader, h Header, e elem, n int) (ndarray.Array, error) {
	const chunk = 1 << 20
	buf := make([]byte, min(chunk, max(n*e.size, 1)))
	shape := h.Shape
	switch e.kind {
	case ndarray.Float32:
		out := make([]float32, 0, min(n, chunk))
		err := eachChunk(r, buf, n, e.size, func(b []byte) {
			for i := 0; i+4 <= len(b); i += 4 {
				out = append(out, math.Float32frombits(e.order.Uint32(b[i:])))
			}
		})
		if err != nil {
			return ndarray.Array{}, err
		}
		return ndarray.FromFloat32(shape, out), nil
	case ndarray.Float64:
		out := make([]float64, 0, min(n, chunk))
		err := eachChunk(r, buf, n, e.size, func(b []byte) {
			for i := 0; i+8 <= len(b); i += 8 {
				out = append(out, math.Float64frombits(e.order.Uint64(b[i:])))
			}
		})
		if err != nil {
			return ndarray.Array{}, err
		}
		return ndarray.FromFloat64(shape, out), nil
	case ndarray.Int64:
		out := make([]int64, 0, min(n, chunk))
		err := eachChunk(r, buf, n, e.size, func(b []byte) {
			for i := 0; i+e.size <= len(b); i += e.size {
				out = append(out, decodeInt(b[i:i+e.size], e))
			}
		})
		if err != nil {
			return ndarray.Array{}, err
		}
		return ndarray.FromInt64(shape, out), nil
	case ndarray.String:
		out := make([]string, 0, min(n, chunk))
		var bad error
		err := eachChunk(r, buf, n, e.size, func(b []byte) {
			for i := 0; i+e.size <= len(b); i += e.size {
				s, err := decodeUTF32(b[i:i+e.size], e.order)
				if err != nil && bad == nil {
					bad = err
				}
				out = append(out, s)
			}
		})
		if err == nil {
			err = bad
		}
		if err != nil {
			return ndarray.Array{}, err
		}
		a := ndarray.FromStrings(out)
		a.Shape = append([]int{}, shape...)
		return a, nil
	}
	return ndarray.Array{}, fmt.Errorf("unsupported dtype %q", h.DType)
}

func eachChunk(r io.Reader, buf []byte, n, size int, f func([]byte)) error {
	per := len(buf) / size * size
	if per == 0 {
		per = size
		buf = make([]byte, size)
	}
	left := n * size
	for left > 0 {
		k := min(per, left)
		if _, err := io.ReadFull(r, buf[:k]); err != nil {
			return fmt.Errorf("array data truncated (%d of %d bytes missing): %w", left, n*size, noEOF(err))
		}
		f(buf[:k])
		left -= k
	}
	return nil
}

func decodeInt(b []byte, e elem) int64 {
	switch e.size {
	case 1:
		if e.code == 'i' {
			return int64(int8(b[0]))
		}
		return int64(b[0])
	case 2:
		if e.code == 'i' {
			return int64(int16(e.order.Uint16(b)))
		}
		return int64(e.order.Uint16(b))
	case 4:
		if e.code == 'i' {
			return int64(int32(e.order.Uint32(b)))
		}
		return int64(e.order.Uint32(b))
	}
	return int64(e.order.Uint64(b))
}

func decodeUTF32(b []byte, order binary.ByteOrder) (string, error) {
	var sb strings.Builder
	for i := 0; i+4 <= len(b); i += 4 {
		c := order.Uint32(b[i:])
		if c == 0 {
			break
		}
		if c > utf8.MaxRune || (c >= 0xD800 && c <= 0xDFFF) {
			return "", fmt.Errorf("invalid code point %#x in string data", c)
		}
		sb.WriteRune(rune(c))
	}
	return sb.String(), nil
}

// WriteNPY writes a as a version-1.0 .npy stream (little-endian, C order).
func WriteNPY(w io.Writer, a ndarray.Array) error {
	descr, size, err := descrOf(a)
	if err != nil {
		return err
	}
	if a.Len() != ndarray.Size(a.Shape) {
		return fmt.Errorf("array data has %d elements but shape %s needs %d", a.Len(), a.ShapeString(), ndarray.Size(a.Shape))
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, pyShape(a.Shape))
	// Pad so that the data starts on a 64-byte boundary, as numpy does.
	total := len(npyMagic) + 2 + 2 + len(dict) + 1
	pad := (64 - total%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("npy header too long (%d bytes)", len(header))
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.Write(npyMagic)
	bw.Write([]byte{1, 0})
	var l [2]byte
	binary.LittleEndian.PutUint16(l[:], uint16(len(header)))
	bw.Write(l[:])
	bw.WriteString(header)
	var b [8]byte
	switch a.DType {
	case ndarray.Float32:
		for _, v := range a.F32 {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			bw.Write(b[:4])
		}
	case ndarray.Float64:
		for _, v := range a.F64 {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
			bw.Write(b[:8])
		}
	case ndarray.Int64:
		for _, v := range a.I64 {
			binary.LittleEndian.PutUint64(b[:], uint64(v))
			bw.Write(b[:8])
		}
	case ndarray.String:
		cell := make([]byte, size)
		for _, s := range a.Str {
			clear(cell)
			i := 0
			for _, c := range s {
				binary.LittleEndian.PutUint32(cell[i:], uint32(c))
				i += 4
			}
			bw.Write(cell)
		}
	}
	return bw.Flush()
}

func descrOf(a ndarray.Array) (string, int, error) {
	switch a.DType {
	case ndarray.Float32:
		return "<f4", 4, nil
	case ndarray.Float64:
		return "<f8", 8, nil
	case ndarray.Int64:
		return "<i8", 8, nil
	case ndarray.String:
		w := 1
		for _, s := range a.Str {
			w = max(w, utf8.RuneCountInString(s))
		}
		return fmt.Sprintf("<U%d", w), 4 * w, nil
	}
	return "", 0, fmt.Errorf("cannot write array of dtype %q", a.DType)
}

func pyShape(shape []int) string {
	if len(shape) == 0 {
		return "()"
	}
	return ndarray.ShapeString(shape)
}
