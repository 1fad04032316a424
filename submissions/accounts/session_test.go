package accounts

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

// Browser sessions: a stored session is found under its key until it
// expires (then it is gone), ends when ended, goes with its token's
// deletion, and a new session removes the expired ones. On both dialects.
func TestBrowserSessions(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Migrated(t, d)
			s := New(st.DB)
			clock := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			s.now = func() time.Time { return clock }
			if _, err := s.CreateLab(ctx, "Lab A"); err != nil {
				t.Fatal(err)
			}
			tok, _, err := s.CreateToken(ctx, "Lab A", LabMember)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.StartSession(ctx, "k1", tok.ID, "csrf-1", time.Hour); err != nil {
				t.Fatal(err)
			}
			got, err := s.Session(ctx, "k1")
			if err != nil || got.TokenID != tok.ID || got.CSRF != "csrf-1" || !got.ExpiresAt.Equal(clock.Add(time.Hour)) {
				t.Fatalf("Session(k1) = %+v, %v; want token %d, csrf-1, expiring in an hour", got, err, tok.ID)
			}
			if _, err := s.Session(ctx, "other"); !errors.Is(err, ErrNoSession) {
				t.Errorf("unknown key: %v, want ErrNoSession", err)
			}
			clock = clock.Add(time.Hour)
			if _, err := s.Session(ctx, "k1"); !errors.Is(err, ErrNoSession) {
				t.Errorf("at its expiry: %v, want ErrNoSession", err)
			}
			var n int64
			st.DB.Model(&BrowserSession{}).Count(&n)
			if n != 0 {
				t.Errorf("%d sessions stored after the only one expired, want 0", n)
			}

			// A new session removes the expired ones.
			s.StartSession(ctx, "k2", tok.ID, "csrf-2", time.Minute)
			clock = clock.Add(2 * time.Minute)
			if _, err := s.StartSession(ctx, "k3", tok.ID, "csrf-3", time.Hour); err != nil {
				t.Fatal(err)
			}
			st.DB.Model(&BrowserSession{}).Where("key_hash = ?", "k2").Count(&n)
			if n != 0 {
				t.Errorf("an expired session outlived the next sign-in")
			}
			if err := s.EndSession(ctx, "k3"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Session(ctx, "k3"); !errors.Is(err, ErrNoSession) {
				t.Errorf("after EndSession: %v, want ErrNoSession", err)
			}

			// Deleting the token deletes its sessions.
			s.StartSession(ctx, "k4", tok.ID, "csrf-4", time.Hour)
			if err := st.DB.Delete(&Token{}, tok.ID).Error; err != nil {
				t.Fatal(err)
			}
			if _, err := s.Session(ctx, "k4"); !errors.Is(err, ErrNoSession) {
				t.Errorf("after its token was deleted: %v, want ErrNoSession", err)
			}
		})
	}
}
