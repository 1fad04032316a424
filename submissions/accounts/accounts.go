package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Role is what a token may do.
type Role string

// The roles.
const (
	LabMember  Role = "lab_member"
	Maintainer Role = "maintainer"
)

// Errors callers map to answers. Each is wrapped with detail.
var (
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("already exists")
	ErrInvalid         = errors.New("invalid")
)

// Lab is a research group that submits models.
type Lab struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	CreatedAt time.Time
}

// Token is a stored API token (its hash, never the token itself).
type Token struct {
	ID         int64 `gorm:"primaryKey"`
	LabID      int64
	UserID     *int64
	Role       Role
	Prefix     string
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// TableName maps Token to its table.
func (Token) TableName() string { return "api_tokens" }

// Principal is who an authenticated request acts as.
type Principal struct {
	LabID   int64  `json:"lab_id"`
	LabName string `json:"lab"`
	TokenID int64  `json:"token_id"`
	Role    Role   `json:"role"`
}

// IsMaintainer reports whether p may use maintainer-only endpoints.
func (p Principal) IsMaintainer() bool { return p.Role == Maintainer }

// Service manages labs and tokens in a database.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns a Service over db.
func New(db *gorm.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

var labName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$`)

// CreateLab creates a lab with a unique name.
func (s *Service) CreateLab(ctx context.Context, name string) (Lab, error) {
	name = strings.TrimSpace(name)
	if !labName.MatchString(name) {
		return Lab{}, fmt.Errorf("lab name %q: use 1–100 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit: %w", name, ErrInvalid)
	}
	lab := Lab{Name: name, CreatedAt: s.now()}
	if err := s.db.WithContext(ctx).Create(&lab).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return Lab{}, fmt.Errorf("lab %q: %w", name, ErrConflict)
		}
		return Lab{}, fmt.Errorf("create lab %q: %w", name, err)
	}
	return lab, nil
}

// LabByName finds a lab.
func (s *Service) LabByName(ctx context.Context, name string) (Lab, error) {
	var lab Lab
	err := s.db.WithContext(ctx).Where("name = ?", name).Take(&lab).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Lab{}, fmt.Errorf("lab %q (create it with 'whiskerbench admin lab create'): %w", name, ErrNotFound)
	}
	if err != nil {
		return Lab{}, fmt.Errorf("find lab %q: %w", name, err)
	}
	return lab, nil
}

// Labs lists every lab by name.
func (s *Service) Labs(ctx context.Context) ([]Lab, error) {
	var labs []Lab
	if err := s.db.WithContext(ctx).Order("name").Find(&labs).Error; err != nil {
		return nil, fmt.Errorf("list labs: %w", err)
	}
	return labs, nil
}

// tokenPrefix starts every token so that leaked tokens are recognisable.
const tokenPrefix = "wb_"

// CreateToken creates a token for the named lab and returns it with the
// secret, which is not stored and cannot be shown again.
func (s *Service) CreateToken(ctx context.Context, labName string, role Role) (Token, string, error) {
	if role != LabMember && role != Maintainer {
		return Token{}, "", fmt.Errorf("role %q: %w", role, ErrInvalid)
	}
	lab, err := s.LabByName(ctx, labName)
	if err != nil {
		return Token{}, "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Token{}, "", fmt.Errorf("generate token: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(secret))
	t := Token{LabID: lab.ID, Role: role, Prefix: secret[:len(tokenPrefix)+6], Hash: sum[:], CreatedAt: s.now()}
	if err := s.db.WithContext(ctx).Create(&t).Error; err != nil {
		return Token{}, "", fmt.Errorf("store token: %w", err)
	}
	return t, secret, nil
}

// RevokeToken revokes the token with the given id. Revoking twice is not
// an error.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Model(&Token{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", s.now())
	if res.Error != nil {
		return fmt.Errorf("revoke token %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := s.db.WithContext(ctx).Model(&Token{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("token %d: %w", id, ErrNotFound)
		}
	}
	return nil
}

// Tokens lists a lab's tokens (never their secrets).
func (s *Service) Tokens(ctx context.Context, labName string) ([]Token, error) {
	lab, err := s.LabByName(ctx, labName)
	if err != nil {
		return nil, err
	}
	var ts []Token
	if err := s.db.WithContext(ctx).Where("lab_id = ?", lab.ID).Order("id").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// Authenticate resolves a bearer token to a principal. Unknown, malformed
// and revoked tokens all fail with ErrUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) != len(tokenPrefix)+43 {
		return Principal{}, fmt.Errorf("malformed token (expected 'wb_' and 43 characters): %w", ErrUnauthenticated)
	}
	sum := sha256.Sum256([]byte(secret))
	var t Token
	err := s.db.WithContext(ctx).Where("hash = ?", sum[:]).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Principal{}, fmt.Errorf("unknown token: %w", ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up token: %w", err)
	}
	// The lookup is by hash; compare again in constant time so that no
	// timing path depends on how much of the secret matched.
	if subtle.ConstantTimeCompare(t.Hash, sum[:]) != 1 {
		return Principal{}, fmt.Errorf("unknown token: %w", ErrUnauthenticated)
	}
	if t.RevokedAt != nil {
		return Principal{}, fmt.Errorf("token %s… was revoked: %w", t.Prefix, ErrUnauthenticated)
	}
	var lab Lab
	if err := s.db.WithContext(ctx).Take(&lab, t.LabID).Error; err != nil {
		return Principal{}, fmt.Errorf("token's lab: %w", err)
	}
	// Record use at most once a minute, so reads do not turn into writes.
	if now := s.now(); t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := s.db.WithContext(ctx).Model(&Token{}).Where("id = ?", t.ID).Update("last_used_at", now).Error; err != nil {
			return Principal{}, fmt.Errorf("record token use: %w", err)
		}
	}
	return Principal{LabID: lab.ID, LabName: lab.Name, TokenID: t.ID, Role: t.Role}, nil
}
