package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/bundle"
)

// probeSource is the pre-trained backbone of a linear probe.
type probeSource struct {
	arch     arch.Config
	backbone map[string]arch.Param
	// objective, augment and source go into the probe bundle's provenance.
	objective, augment, source string
}

// loadProbeSource reads a probe's backbone from an SSL output directory,
// its ssl.json, or a weight bundle (.tar or directory).
func loadProbeSource(ctx context.Context, from string) (*probeSource, error) {
	path := from
	if fi, err := os.Stat(from); err == nil && fi.IsDir() {
		if _, err := os.Stat(filepath.Join(from, SSLManifestFile)); err == nil {
			path = filepath.Join(from, SSLManifestFile)
		}
	}
	ps := &probeSource{backbone: map[string]arch.Param{}}
	if filepath.Base(path) == SSLManifestFile {
		w, err := loadSSL(path)
		if err != nil {
			return nil, fmt.Errorf("probe.from: %w", err)
		}
		ps.arch, ps.objective, ps.augment = w.manifest.Arch, w.manifest.Head.Objective, w.manifest.Augment
		// The run directory's name, not its path: the digest identifies
		// the weights, and the bundle must not depend on where they lay.
		ps.source = fmt.Sprintf("%s (ssl.npz sha256:%s, best epoch %d of %d)", filepath.Base(filepath.Dir(path)), w.manifest.WeightsSHA256, w.manifest.Training.BestEpoch, w.manifest.Training.Epochs)
		for _, p := range w.params {
			ps.backbone[p.Name] = p
		}
	} else {
		b, err := bundle.Load(ctx, path, bundle.Limits{})
		if err != nil {
			return nil, fmt.Errorf("probe.from %s: not an SSL output (no %s) and not a weight bundle: %w", from, SSLManifestFile, err)
		}
		ps.arch, ps.objective, ps.augment = b.Manifest.Arch, b.Manifest.Training.Objective, b.Manifest.Training.Augment
		if ps.objective == "" {
			ps.objective = arch.ObjectiveSupervised
		}
		ps.source = fmt.Sprintf("%s (bundle, dataset %s, best epoch %d)", filepath.Base(from), b.Manifest.Training.DatasetDigest, b.Manifest.Training.BestEpoch)
		for _, p := range b.Params {
			ps.backbone[p.Name] = p
		}
	}
	return ps, nil
}

// probeArch is the probed model: the source's encoder and attender with a
// fresh linear decoder (last step → classes; paper-spec §2.8, §2.11).
func (ps *probeSource) probeArch(classes int) arch.Config {
	c := ps.arch
	c.Decoder = arch.DecoderConfig{Kind: arch.DecoderLinear}
	c.Classes = classes
	return c
}

// copyBackbone overwrites every non-decoder parameter of params (a fresh
// initialisation of probeArch) with the source's tensor of the same name.
func (ps *probeSource) copyBackbone(params arch.Params) error {
	for i := range params {
		p := &params[i]
		if strings.HasPrefix(p.Name, "decoder.") {
			continue
		}
		src, ok := ps.backbone[p.Name]
		if !ok || len(src.Data) != len(p.Data) {
			return fmt.Errorf("probe.from: the source has no tensor %s of shape %v", p.Name, p.Shape)
		}
		copy(p.Data, src.Data)
	}
	return nil
}
