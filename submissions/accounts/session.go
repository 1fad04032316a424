package accounts

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// TokenPrincipal resolves a token by id, as a signed-in browser session
// does on every request: it fails with ErrUnauthenticated once the token
// is revoked or gone, so revoking a token also ends its sessions.
func (s *Service) TokenPrincipal(ctx context.Context, tokenID int64) (Principal, error) {
	var t Token
	err := s.db.WithContext(ctx).Take(&t, tokenID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Principal{}, fmt.Errorf("token %d no longer exists: %w", tokenID, ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up token %d: %w", tokenID, err)
	}
	if t.RevokedAt != nil {
		return Principal{}, fmt.Errorf("token %s… was revoked: %w", t.Prefix, ErrUnauthenticated)
	}
	var lab Lab
	if err := s.db.WithContext(ctx).Take(&lab, t.LabID).Error; err != nil {
		return Principal{}, fmt.Errorf("token's lab: %w", err)
	}
	return Principal{LabID: lab.ID, LabName: lab.Name, TokenID: t.ID, Role: t.Role}, nil
}
