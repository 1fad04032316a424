package zoo

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// bundled holds the zoo's bundles and records, compiled into the binary so
// that a server seeds its board from nothing but itself.
//
//go:embed *.tar *.json
var bundled embed.FS

// FS returns the embedded zoo: every NAME.tar, NAME.untrained.tar and
// NAME.json of this directory at build time.
func FS() fs.FS { return bundled }

// Objectives a zoo model is recorded with.
const (
	ObjectiveSupervised     = "supervised"
	ObjectiveSelfSupervised = "self-supervised"
	ObjectiveUntrained      = "untrained"
)

// BundledModel is one zoo model found in a zoo file system: its record
// and the paths (inside that file system) of its bundles; a missing bundle
// has an empty path.
type BundledModel struct {
	Name          string
	Record        Record
	Objective     string // of the trained bundle: supervised or self-supervised
	TrainedPath   string
	UntrainedPath string
}

// objectiveField is the optional "objective" of a record; records without
// it are supervised (the zoo's original models).
type objectiveField struct {
	Objective string `json:"objective"`
}

// Bundled lists the models of the embedded zoo, sorted by name.
func Bundled() ([]BundledModel, error) { return ListBundled(bundled) }

// ListBundled lists the models of a zoo file system laid out like this
// directory: every NAME.json with at least one of NAME.tar and
// NAME.untrained.tar beside it, sorted by name.
func ListBundled(fsys fs.FS) ([]BundledModel, error) {
	recs, err := fs.Glob(fsys, "*"+RecordSuffix)
	if err != nil {
		return nil, fmt.Errorf("zoo: %w", err)
	}
	sort.Strings(recs)
	var out []BundledModel
	for _, p := range recs {
		name := strings.TrimSuffix(path.Base(p), RecordSuffix)
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("zoo %s: %w", name, err)
		}
		m := BundledModel{Name: name}
		var obj objectiveField
		if err := json.Unmarshal(b, &m.Record); err != nil {
			return nil, fmt.Errorf("zoo %s: parse record: %w", name, err)
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, fmt.Errorf("zoo %s: parse record: %w", name, err)
		}
		m.Objective = normaliseObjective(obj.Objective)
		for _, f := range []struct {
			suffix string
			dst    *string
		}{{BundleSuffix, &m.TrainedPath}, {UntrainedSuffix, &m.UntrainedPath}} {
			_, err := fs.Stat(fsys, name+f.suffix)
			switch {
			case err == nil:
				*f.dst = name + f.suffix
			case !errors.Is(err, fs.ErrNotExist):
				return nil, fmt.Errorf("zoo %s: %w", name, err)
			}
		}
		if m.TrainedPath == "" && m.UntrainedPath == "" {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// normaliseObjective maps a recorded objective to the leaderboard's
// vocabulary; empty means supervised.
func normaliseObjective(o string) string {
	switch strings.ToLower(strings.TrimSpace(o)) {
	case "", "supervised", "classification":
		return ObjectiveSupervised
	case "ssl", "self-supervised", "selfsupervised", "simclr", "simsiam", "autoencoder", "ae":
		return ObjectiveSelfSupervised
	case "untrained", "random", "random-init":
		return ObjectiveUntrained
	}
	return strings.ToLower(strings.TrimSpace(o))
}
