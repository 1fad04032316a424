package submissions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
)

// InputsDigest names the model inputs of the current benchmarks: a
// sha256 over the digests of the files a bundle is run on (the neural
// stimuli, the classification dataset files), in the order the bundle
// sees them. Two benchmark sets with the same digest feed a model the same
// inputs, so activations computed on one can be scored on the other; a new
// neural version that only changes the recordings keeps the digest.
func InputsDigest(cur []catalog.Benchmark) (string, error) {
	var lines []string
	for _, b := range cur {
		var files []benchmarks.File
		if err := json.Unmarshal(b.Files, &files); err != nil {
			return "", fmt.Errorf("files of %s %s: %w", b.Name, b.Version, err)
		}
		var mine []string
		for _, f := range files {
			input := false
			switch b.Kind {
			case benchmarks.NeuralRSA:
				input = f.Role == benchmarks.RoleStimuli
			case benchmarks.Classification:
				input = f.Role == benchmarks.RoleShardData || f.Role == benchmarks.RolePublic || f.Role == benchmarks.RoleHeldOut
			}
			if input {
				mine = append(mine, b.Kind+" "+f.Path+" "+f.SHA256)
			}
		}
		sort.Strings(mine)
		lines = append(lines, mine...)
	}
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return "sha256:" + hex.EncodeToString(h[:]), nil
}
