package leaderboard

import "context"

// ReadStamp reads the stamp's figures once, bypassing the pacing, for
// benchmarks of the query itself.
func (s *Service) ReadStamp(ctx context.Context) error {
	_, err := s.readStampParts(ctx)
	return err
}

// LastBuild reports how the latest board was built: incrementally or from
// a full read, and over how many changed models.
func (s *Service) LastBuild() (incremental bool, changed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last.incremental, s.last.changed
}
