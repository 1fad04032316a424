package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/ead"
)

// Limits bound what a reader accepts. A zero field means the default.
type Limits struct {
	MaxManifestBytes int64
	// MaxWeightsBytes bounds weights.npz both as stored and as decoded.
	MaxWeightsBytes int64
}

// DefaultLimits: a 1 MiB manifest and 1 GiB of weights (the largest
// paper model, IntersectionRNN-LN + GPT, is 63.8 M parameters, 255 MB in
// float32; Chung et al. 2025, paper-spec §2.9).
func DefaultLimits() Limits {
	return Limits{MaxManifestBytes: 1 << 20, MaxWeightsBytes: 1 << 30}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxManifestBytes <= 0 {
		l.MaxManifestBytes = d.MaxManifestBytes
	}
	if l.MaxWeightsBytes <= 0 {
		l.MaxWeightsBytes = d.MaxWeightsBytes
	}
	return l
}

// Bundle is a manifest with its parameters in the config's canonical order.
type Bundle struct {
	Manifest Manifest
	Params   arch.Params
}

// New returns the bundle of params (which must match cfg exactly) with
// provenance tr. The parameters are not copied.
func New(cfg arch.Config, params arch.Params, tr Training) (*Bundle, error) {
	m, err := NewManifest(cfg, tr)
	if err != nil {
		return nil, err
	}
	if _, err := ead.New(cfg, params); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return &Bundle{Manifest: *m, Params: params}, nil
}

// Model returns the bundle's model (sharing its parameters).
func (b *Bundle) Model() (*ead.Model, error) {
	m, err := ead.New(b.Manifest.Arch, b.Params)
	if err != nil {
		return nil, fmt.Errorf("bundle model: %w", err)
	}
	return m, nil
}

// weightsArrays returns the parameters as named arrays in canonical order.
func (b *Bundle) weightsArrays() []npz.Named {
	out := make([]npz.Named, len(b.Params))
	for i, p := range b.Params {
		out[i] = npz.Named{Name: p.Name, Array: ndarray.FromFloat32(p.Shape, p.Data)}
	}
	return out
}

// IsTar reports whether path names a tar bundle (by its ".tar" suffix).
func IsTar(path string) bool { return strings.HasSuffix(path, ".tar") }

// Save writes b to path: a .tar file when path ends in ".tar" (written to
// a temporary file and renamed, so a reader never sees half a bundle),
// otherwise a directory, created if needed, that must hold nothing but a
// previous bundle's two files.
func Save(path string, b *Bundle) error {
	if err := b.Manifest.Validate(); err != nil {
		return fmt.Errorf("save bundle %s: %w", path, err)
	}
	if IsTar(path) {
		return saveTar(path, b)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return fmt.Errorf("save bundle: %w", err)
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return fmt.Errorf("save bundle: %w", err)
	}
	for _, e := range ents {
		if e.Name() != ManifestFile && e.Name() != WeightsFile {
			return fmt.Errorf("save bundle: %s holds %s; a bundle directory holds only %s and %s", path, e.Name(), ManifestFile, WeightsFile)
		}
	}
	man, err := b.Manifest.encode()
	if err != nil {
		return err
	}
	if err := npz.WriteFileCompressed(filepath.Join(path, WeightsFile), b.weightsArrays()); err != nil {
		return fmt.Errorf("save bundle: %w", err)
	}
	if err := writeAtomic(filepath.Join(path, ManifestFile), man); err != nil {
		return fmt.Errorf("save bundle: %w", err)
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}

func saveTar(path string, b *Bundle) error {
	var buf bytes.Buffer
	if err := WriteTar(&buf, b); err != nil {
		return fmt.Errorf("save bundle %s: %w", path, err)
	}
	if err := writeAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("save bundle: %w", err)
	}
	return nil
}

// WriteTar writes b as a tar stream: manifest.json, then weights.npz, as
// plain USTAR regular files with fixed metadata, so the same bundle
// always gives the same bytes.
func WriteTar(w io.Writer, b *Bundle) error {
	man, err := b.Manifest.encode()
	if err != nil {
		return err
	}
	var wb bytes.Buffer
	if err := npz.WriteCompressed(&wb, b.weightsArrays()); err != nil {
		return fmt.Errorf("encode %s: %w", WeightsFile, err)
	}
	tw := tar.NewWriter(w)
	for _, f := range []struct {
		name string
		data []byte
	}{{ManifestFile, man}, {WeightsFile, wb.Bytes()}} {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.data)),
			ModTime: time.Unix(0, 0), Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("tar %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return fmt.Errorf("tar %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("tar: %w", err)
	}
	return nil
}

// Load reads and validates the bundle at path (a .tar file or a directory).
func Load(ctx context.Context, path string, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load bundle: %w", err)
	}
	var b *Bundle
	if st.IsDir() {
		b, err = readDir(ctx, path, lim)
	} else {
		if st.Size() > lim.MaxManifestBytes+lim.MaxWeightsBytes+tarOverhead {
			return nil, fmt.Errorf("load bundle %s: %d bytes, more than the limit of %d: %w", path, st.Size(),
				lim.MaxManifestBytes+lim.MaxWeightsBytes+tarOverhead, npz.ErrLimit)
		}
		var f *os.File
		if f, err = os.Open(path); err != nil {
			return nil, fmt.Errorf("load bundle: %w", err)
		}
		defer f.Close()
		b, err = ReadTar(ctx, f, lim)
	}
	if err != nil {
		return nil, fmt.Errorf("load bundle %s: %w", path, err)
	}
	return b, nil
}

// tarOverhead allows for tar headers and padding around the two members.
const tarOverhead = 64 << 10

func readDir(ctx context.Context, dir string, lim Limits) (*Bundle, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if e.Name() != ManifestFile && e.Name() != WeightsFile {
			return nil, fmt.Errorf("unexpected entry %q: a bundle directory holds only %s and %s", e.Name(), ManifestFile, WeightsFile)
		}
	}
	read := func(name string, max int64) ([]byte, error) {
		p := filepath.Join(dir, name)
		st, err := os.Lstat(p)
		if err != nil {
			return nil, fmt.Errorf("%s missing: %w", name, err)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file (%s)", name, st.Mode().Type())
		}
		if st.Size() > max {
			return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d: %w", name, st.Size(), max, npz.ErrLimit)
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readBounded(f, name, max)
	}
	man, err := read(ManifestFile, lim.MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	w, err := read(WeightsFile, lim.MaxWeightsBytes)
	if err != nil {
		return nil, err
	}
	return decode(ctx, man, w, lim)
}

func readBounded(r io.Reader, name string, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is more than %d bytes: %w", name, max, npz.ErrLimit)
	}
	return b, nil
}

// ReadTar reads and validates a tar bundle from r. The tar may hold only
// the regular files manifest.json and weights.npz, once each.
func ReadTar(ctx context.Context, r io.Reader, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	tr := tar.NewReader(r)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read tar: %w", err)
		}
		if h.Name != ManifestFile && h.Name != WeightsFile {
			return nil, fmt.Errorf("tar member %q: a bundle holds only %s and %s (no directories or paths)", truncate(h.Name, 80), ManifestFile, WeightsFile)
		}
		if h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("tar member %s is not a regular file (type %q)", h.Name, h.Typeflag)
		}
		if _, dup := files[h.Name]; dup {
			return nil, fmt.Errorf("tar member %s appears twice", h.Name)
		}
		max := lim.MaxWeightsBytes
		if h.Name == ManifestFile {
			max = lim.MaxManifestBytes
		}
		if h.Size > max {
			return nil, fmt.Errorf("tar member %s is %d bytes, more than the limit of %d: %w", h.Name, h.Size, max, npz.ErrLimit)
		}
		b, err := readBounded(tr, h.Name, max)
		if err != nil {
			return nil, err
		}
		files[h.Name] = b
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	for _, n := range []string{ManifestFile, WeightsFile} {
		if _, ok := files[n]; !ok {
			return nil, fmt.Errorf("tar holds no %s", n)
		}
	}
	return decode(ctx, files[ManifestFile], files[WeightsFile], lim)
}

// decode validates the manifest, then the weights against its config.
func decode(ctx context.Context, man, weights []byte, lim Limits) (*Bundle, error) {
	m, err := ParseManifest(bytes.NewReader(man), lim.MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	params, err := ReadWeights(bytes.NewReader(weights), int64(len(weights)), m.Arch, lim)
	if err != nil {
		return nil, err
	}
	return &Bundle{Manifest: *m, Params: params}, nil
}

// ReadWeights reads weights.npz and checks it against cfg: every parameter
// of cfg.Specs present once, float32, with its exact shape and finite
// values, and nothing else. The archive is first walked in bounded memory
// (npz.Stat), so a wrong archive is refused before its data are kept.
// The parameters are returned in cfg's canonical order.
func ReadWeights(r io.ReaderAt, size int64, cfg arch.Config, lim Limits) (arch.Params, error) {
	lim = lim.withDefaults()
	specs, err := cfg.Specs()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", WeightsFile, err)
	}
	need := int64(0)
	for _, s := range specs {
		need += 4 * int64(s.Size())
	}
	if need > lim.MaxWeightsBytes {
		return nil, fmt.Errorf("%s: the architecture needs %d bytes of float32 weights, more than the limit of %d: %w", WeightsFile, need, lim.MaxWeightsBytes, npz.ErrLimit)
	}
	nl := npz.Limits{MaxArrayBytes: lim.MaxWeightsBytes, MaxTotalBytes: lim.MaxWeightsBytes, MaxArrays: len(specs) + 1, MaxDims: 4}
	members, err := npz.Stat(r, size, nl)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", WeightsFile, err)
	}
	idx := make(map[string]int, len(specs))
	for i, s := range specs {
		idx[s.Name] = i
	}
	found := make([]bool, len(specs))
	for _, mb := range members {
		i, ok := idx[mb.Name]
		if !ok {
			return nil, fmt.Errorf("%s: tensor %q is not a parameter of this architecture", WeightsFile, mb.Name)
		}
		s := specs[i]
		found[i] = true
		if mb.DType != ndarray.Float32 {
			return nil, fmt.Errorf("%s: tensor %s has dtype %s (%s), want float32", WeightsFile, s.Name, mb.DType, mb.Raw)
		}
		if !slices.Equal(mb.Shape, s.Shape) {
			return nil, fmt.Errorf("%s: tensor %s has shape %s, want %s", WeightsFile, s.Name, ndarray.ShapeString(mb.Shape), ndarray.ShapeString(s.Shape))
		}
		if mb.NonFinite > 0 {
			return nil, fmt.Errorf("%s: tensor %s has %d NaN/Inf values (first at flat index %d)", WeightsFile, s.Name, mb.NonFinite, mb.FirstNonFinite)
		}
	}
	for i, ok := range found {
		if !ok {
			return nil, fmt.Errorf("%s: tensor %s %s missing", WeightsFile, specs[i].Name, ndarray.ShapeString(specs[i].Shape))
		}
	}
	arrays, err := npz.Read(r, size, nl)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", WeightsFile, err)
	}
	params := make(arch.Params, len(specs))
	for _, a := range arrays {
		i := idx[a.Name]
		s := specs[i]
		if a.Array.DType != ndarray.Float32 || !slices.Equal(a.Array.Shape, s.Shape) {
			return nil, fmt.Errorf("%s: tensor %s changed between reads", WeightsFile, s.Name)
		}
		for j, v := range a.Array.F32 {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%s: tensor %s element %d is %v", WeightsFile, s.Name, j, v)
			}
		}
		params[i] = arch.Param{Spec: s, Data: a.Array.F32}
	}
	return params, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
