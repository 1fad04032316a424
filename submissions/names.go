package submissions

import (
	"context"
	"fmt"
)

// ModelNames maps the ids of a lab's models to their names.
func (s *Service) ModelNames(ctx context.Context, labID int64) (map[int64]string, error) {
	var ms []Model
	if err := s.db.WithContext(ctx).Select("id", "name").Where("lab_id = ?", labID).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("list the lab's models: %w", err)
	}
	out := make(map[int64]string, len(ms))
	for _, m := range ms {
		out[m.ID] = m.Name
	}
	return out, nil
}
