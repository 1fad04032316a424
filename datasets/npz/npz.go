package npz

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
)

// Named is one array of an archive with its name (the member name without
// its ".npy" suffix).
type Named struct {
	Name  string
	Array ndarray.Array
}

// Lookup returns the array called name, if present.
func Lookup(arrays []Named, name string) (ndarray.Array, bool) {
	for _, a := range arrays {
		if a.Name == name {
			return a.Array, true
		}
	}
	return ndarray.Array{}, false
}

// Names returns the names of arrays in order.
func Names(arrays []Named) []string {
	out := make([]string, len(arrays))
	for i, a := range arrays {
		out[i] = a.Name
	}
	return out
}

// CheckName reports whether name is acceptable as an array name: 1–255
// bytes of printable ASCII with no path separators, no "..", no leading dot.
func CheckName(name string) error {
	if name == "" || len(name) > 255 {
		return fmt.Errorf("array name %q must be 1 to 255 characters", truncate(name, 40))
	}
	if strings.Contains(name, "..") || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("array name %q must not contain '/', '\\' or '..' or start with '.'", name)
	}
	for _, c := range name {
		if c < 0x21 || c > 0x7e {
			return fmt.Errorf("array name %q must be printable ASCII without spaces", name)
		}
	}
	return nil
}

// ReadFile reads every array of an .npz file, in archive order.
func ReadFile(path string, lim Limits) ([]Named, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	out, err := Read(f, st.Size(), lim)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// Read reads every array of an .npz archive of the given size.
func Read(r io.ReaderAt, size int64, lim Limits) ([]Named, error) {
	lim = lim.withDefaults()
	var out []Named
	err := walk(r, size, lim, func(f *zip.File, name string, budget int64) (int64, error) {
		a, used, err := readMember(f, lim, budget)
		if err == nil {
			out = append(out, Named{Name: name, Array: a})
		}
		return used, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// walk opens an archive, checks its member count and every member's name
// (an .npy member with an acceptable, unique array name), and calls visit
// on each member in order with the bytes left in the archive's budget;
// visit returns the bytes it decoded.
func walk(r io.ReaderAt, size int64, lim Limits, visit func(f *zip.File, name string, budget int64) (int64, error)) error {
	lim = lim.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("not a valid .npz (zip) archive: %w", err)
	}
	if len(zr.File) > lim.MaxArrays {
		return fmt.Errorf("archive has %d members, more than the limit of %d: %w", len(zr.File), lim.MaxArrays, ErrLimit)
	}
	if len(zr.File) == 0 {
		return errors.New("archive holds no arrays")
	}
	seen := make(map[string]bool, len(zr.File))
	budget := lim.MaxTotalBytes
	for _, f := range zr.File {
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			return fmt.Errorf("member %q is not an .npy array", truncate(f.Name, 80))
		}
		if err := CheckName(name); err != nil {
			return fmt.Errorf("member %q: %w", truncate(f.Name, 80), err)
		}
		if seen[name] {
			return fmt.Errorf("member %q appears twice", name)
		}
		seen[name] = true
		used, err := visit(f, name, budget)
		if err != nil {
			return fmt.Errorf("array %q: %w", name, err)
		}
		budget -= used
	}
	return nil
}

func readMember(f *zip.File, lim Limits, budget int64) (ndarray.Array, int64, error) {
	rc, err := f.Open()
	if err != nil {
		return ndarray.Array{}, 0, fmt.Errorf("open member: %w", err)
	}
	defer rc.Close()
	// The stream may decompress to more than it declares; decoding stops at
	// what the npy header declares, which the limits bound, and the
	// remainder is rejected below without being inflated in full.
	br := bufio.NewReaderSize(rc, readBufSize(f))
	a, used, err := readNPY(br, lim, budget)
	if err != nil {
		return ndarray.Array{}, 0, err
	}
	if n, _ := io.CopyN(io.Discard, br, 1); n > 0 {
		return ndarray.Array{}, 0, errors.New("member has trailing data after the array")
	}
	return a, used, nil
}

// Write writes arrays as an uncompressed .npz archive (numpy.savez).
func Write(w io.Writer, arrays []Named) error {
	return write(w, arrays, zip.Store)
}

// WriteCompressed writes arrays as a deflated .npz (numpy.savez_compressed).
func WriteCompressed(w io.Writer, arrays []Named) error {
	return write(w, arrays, zip.Deflate)
}

func write(w io.Writer, arrays []Named, method uint16) error {
	zw := zip.NewWriter(w)
	seen := map[string]bool{}
	for _, a := range arrays {
		if err := CheckName(a.Name); err != nil {
			return err
		}
		if seen[a.Name] {
			return fmt.Errorf("array %q given twice", a.Name)
		}
		seen[a.Name] = true
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: method})
		if err != nil {
			return fmt.Errorf("add %s: %w", a.Name, err)
		}
		if err := WriteNPY(fw, a.Array); err != nil {
			return fmt.Errorf("write %s: %w", a.Name, err)
		}
	}
	return zw.Close()
}

// WriteFile writes arrays to path as an uncompressed .npz, atomically (a
// temporary file in the same directory, then rename).
func WriteFile(path string, arrays []Named) error { return writeFile(path, arrays, false) }

// WriteFileCompressed is WriteFile with deflate compression.
func WriteFileCompressed(path string, arrays []Named) error { return writeFile(path, arrays, true) }

func writeFile(path string, arrays []Named, compressed bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if compressed {
		err = WriteCompressed(bw, arrays)
	} else {
		err = Write(bw, arrays)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// readBufSize sizes a member's read buffer: 1 MiB, or less for a member
// that declares itself smaller (the declaration only sizes the buffer; a
// member that lies is still read, just in more calls), so that archives
// of many small arrays do not allocate 1 MiB per array.
func readBufSize(f *zip.File) int {
	const max = 1 << 20
	if f.UncompressedSize64 < max {
		return int(f.UncompressedSize64) + 16
	}
	return max
}
