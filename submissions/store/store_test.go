package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/submissions/store/storetest"
)

var tables = []string{"labs", "users", "api_tokens", "benchmarks", "models", "submissions", "scores"}

// Migrations go up, all the way down, and up again on each dialect, and
// the schema is there exactly when it should be.
func TestMigrationsUpDownUp(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, d)
			check := func(want bool) {
				t.Helper()
				for _, tb := range tables {
					if got := s.DB.Migrator().HasTable(tb); got != want {
						t.Fatalf("table %s exists=%v, want %v", tb, got, want)
					}
				}
			}
			check(false)
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			check(true)
			st, err := s.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(st) == 0 || !st[0].Applied || !strings.HasPrefix(st[0].Name, "00001_") {
				t.Fatalf("status = %+v", st)
			}
			if err := s.MigrateReset(ctx); err != nil {
				t.Fatal(err)
			}
			check(false)
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			check(true)
			// Idempotent: a second Up is a no-op.
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Concurrent migrators (several servers starting together) apply each
// migration once: Postgres serialises them with an advisory lock.
func TestConcurrentMigrate(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	// Opening two stores on one schema and migrating both at once.
	ctx := context.Background()
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() {
			s, err := openPG(ctx, dsn)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			errs <- s.Migrate(ctx)
		}()
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
