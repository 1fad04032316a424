package benchmarks

import "testing"

// The version is a function of kind, scorer and data: it changes when and
// only when one of them changes.
func TestVersionChangesWithDataOrScorer(t *testing.T) {
	base := func() *Spec {
		return &Spec{Name: "x", Kind: NeuralRSA, ScorerVersion: "s1", Description: "first", Files: []File{
			{Role: RoleStimuli, Path: "stimuli.npz", SHA256: "aa"},
			{Role: RoleNeural, Path: "neural.npz", SHA256: "bb"},
		}}
	}
	ref := base()
	ref.Seal()
	tests := []struct {
		name   string
		modify func(*Spec)
		same   bool
	}{
		{"nothing", func(*Spec) {}, true},
		{"description only", func(s *Spec) { s.Description = "reworded" }, true},
		{"file order", func(s *Spec) { s.Files[0], s.Files[1] = s.Files[1], s.Files[0] }, true},
		{"neural data", func(s *Spec) { s.Files[1].SHA256 = "bc" }, false},
		{"stimuli", func(s *Spec) { s.Files[0].SHA256 = "ab" }, false},
		{"scorer", func(s *Spec) { s.ScorerVersion = "s2" }, false},
		{"kind", func(s *Spec) { s.Kind = Classification }, false},
		{"extra file", func(s *Spec) { s.Files = append(s.Files, File{Role: RoleShardData, Path: "z.npz", SHA256: "cc"}) }, false},
	}
	for _, tc := range tests {
		s := base()
		tc.modify(s)
		s.Seal()
		if got := s.Version == ref.Version; got != tc.same {
			t.Errorf("%s: version %s vs %s, same=%v, want %v", tc.name, s.Version, ref.Version, got, tc.same)
		}
		if len(s.Version) != 12 {
			t.Errorf("%s: version %q is not 12 hex digits", tc.name, s.Version)
		}
	}
}
