package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// BrowserSession is a signed-in browser: stored under the SHA-256 of its
// cookie value, for the token it signed in with.
type BrowserSession struct {
	KeyHash   string `gorm:"primaryKey"`
	TokenID   int64
	CSRF      string `gorm:"column:csrf"`
	ExpiresAt time.Time
	CreatedAt time.Time
}

// TableName maps BrowserSession to its table.
func (BrowserSession) TableName() string { return "browser_sessions" }

// ErrNoSession is returned for a session that does not exist or has
// expired.
var ErrNoSession = errors.New("no such session")

// StartSession stores a session for a token, valid for ttl, and removes
// the sessions that have expired.
func (s *Service) StartSession(ctx context.Context, keyHash string, tokenID int64, csrf string, ttl time.Duration) (BrowserSession, error) {
	now := s.now()
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at < ?", now).Delete(&BrowserSession{}).Error; err != nil {
		return BrowserSession{}, fmt.Errorf("remove expired sessions: %w", err)
	}
	bs := BrowserSession{KeyHash: keyHash, TokenID: tokenID, CSRF: csrf, ExpiresAt: now.Add(ttl), CreatedAt: now}
	if err := db.Create(&bs).Error; err != nil {
		return BrowserSession{}, fmt.Errorf("start session for token %d: %w", tokenID, err)
	}
	return bs, nil
}

// Session returns the live session stored under keyHash, or ErrNoSession;
// an expired one is removed.
func (s *Service) Session(ctx context.Context, keyHash string) (BrowserSession, error) {
	var bs BrowserSession
	err := s.db.WithContext(ctx).Where("key_hash = ?", keyHash).Take(&bs).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return BrowserSession{}, ErrNoSession
	}
	if err != nil {
		return BrowserSession{}, fmt.Errorf("look up session: %w", err)
	}
	if !s.now().Before(bs.ExpiresAt) {
		if err := s.EndSession(ctx, keyHash); err != nil {
			return BrowserSession{}, err
		}
		return BrowserSession{}, ErrNoSession
	}
	return bs, nil
}

// EndSession removes the session stored under keyHash, if any.
func (s *Service) EndSession(ctx context.Context, keyHash string) error {
	if err := s.db.WithContext(ctx).Where("key_hash = ?", keyHash).Delete(&BrowserSession{}).Error; err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
