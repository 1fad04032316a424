package benchmarks

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/whiskerbench/whiskerbench/datasets/tactile"
)

// ShapesOptions size the classification benchmark.
type ShapesOptions struct {
	Classes       int
	PerClass      int    // public objects per class (train + validation)
	TestPerClass  int    // held-out objects per class
	PublicSeed    uint64 // seed of the public objects
	TestSeed      uint64 // seed of the held-out objects (secret on a hosted instance)
	ScorerVersion string
	Workers       int
	Progress      io.Writer
}

// DefaultShapesOptions is the tactile-shapes-v1 default, sized to build in
// a few minutes on 2 cores: 5 classes, 3 public (2 train, 1 validation)
// and 1 held-out object per class, 16 sweeps each (320 sweeps). Larger
// versions are built with larger options; each size is its own version.
func DefaultShapesOptions() ShapesOptions {
	return ShapesOptions{Classes: 5, PerClass: 3, TestPerClass: 1, PublicSeed: 1, TestSeed: 2}
}

// ShapesParams are the build parameters a classification version records.
func ShapesParams(o ShapesOptions) map[string]string {
	return map[string]string{
		"protocol":       "sweep16",
		"classes":        strconv.Itoa(o.Classes),
		"per_class":      strconv.Itoa(o.PerClass),
		"test_per_class": strconv.Itoa(o.TestPerClass),
		"public_seed":    strconv.FormatUint(o.PublicSeed, 10),
		"test_seed":      strconv.FormatUint(o.TestSeed, 10),
		"generator":      tactile.GeneratorVersion,
	}
}

// BuildShapes builds (or resumes) tactile-shapes-v1 under root and returns
// the version directory and its spec.
func BuildShapes(ctx context.Context, root string, o ShapesOptions) (string, *Spec, error) {
	params := ShapesParams(o)
	if dir, spec, ok := installed(root, TactileShapes, params, o.ScorerVersion); ok {
		return dir, spec, nil
	}
	build := filepath.Join(root, TactileShapes, "build-"+paramsKey(params))
	if err := os.MkdirAll(build, 0o755); err != nil {
		return "", nil, fmt.Errorf("create %s: %w", build, err)
	}
	pub, err := tactile.Build(ctx, filepath.Join(build, "public"), tactile.Params{
		Protocol: "sweep16", Classes: o.Classes, PerClass: o.PerClass, Seed: o.PublicSeed,
		ObjectsPerShrd: tactile.DefaultObjectsPerShard, Assign: tactile.AssignTrainVal,
	}, tactile.BuildOptions{Workers: o.Workers, Progress: o.Progress})
	if err != nil {
		return "", nil, fmt.Errorf("%s public split: %w", TactileShapes, err)
	}
	held, err := tactile.Build(ctx, filepath.Join(build, "heldout"), tactile.Params{
		Protocol: "sweep16", Classes: o.Classes, PerClass: o.TestPerClass, Seed: o.TestSeed,
		ObjectsPerShrd: tactile.DefaultObjectsPerShard, Assign: tactile.AssignTest,
	}, tactile.BuildOptions{Workers: o.Workers, Progress: o.Progress})
	if err != nil {
		return "", nil, fmt.Errorf("%s held-out split: %w", TactileShapes, err)
	}
	files := []File{
		{Role: RolePublic, Path: "public/" + tactile.ManifestFile, Public: true},
		{Role: RoleHeldOut, Path: "heldout/" + tactile.ManifestFile, Public: false},
	}
	for _, sh := range pub.Shards {
		files = append(files, File{Role: RoleShardData, Path: "public/" + sh.File, SHA256: sh.SHA256, Public: true})
	}
	for _, sh := range held.Shards {
		files = append(files, File{Role: RoleShardData, Path: "heldout/" + sh.File, SHA256: sh.SHA256, Public: false})
	}
	for i := range files {
		if files[i].SHA256 == "" {
			sum, err := FileSHA256(filepath.Join(build, files[i].Path))
			if err != nil {
				return "", nil, err
			}
			files[i].SHA256 = sum
		}
	}
	spec := &Spec{
		Name: TactileShapes, Kind: Classification, ScorerVersion: o.ScorerVersion,
		Description: fmt.Sprintf("Held-out classification of %d procedural shape classes from whisker touch: %d public and %d held-out objects per class, 16 sweeps each (sweep16 protocol).", o.Classes, o.PerClass, o.TestPerClass),
		Params:      params,
		Files:       files,
	}
	dir, err := finish(root, spec, build)
	if err != nil {
		return "", nil, err
	}
	return dir, spec, nil
}
