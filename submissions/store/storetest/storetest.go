// Package storetest opens real databases for tests: a fresh embedded SQLite
// file, and — when WHISKERBENCH_TEST_POSTGRES holds a DSN — a fresh schema
// on that Postgres server, dropped when the test ends. Without the DSN the
// Postgres case skips with a message, except under CI (CI=true), where a
// missing DSN fails the test so that CI can never silently skip Postgres.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/whiskerbench/whiskerbench/submissions/store"
)

// PostgresEnv is the variable holding the test server's DSN.
const PostgresEnv = "WHISKERBENCH_TEST_POSTGRES"

// Dialects returns the dialect names to run a table of tests over.
func Dialects() []string { return []string{"sqlite", "postgres"} }

// Open returns an unmigrated store of the named dialect, closed (and its
// schema dropped) at the end of the test.
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	ctx := context.Background()
	switch dialect {
	case "sqlite":
		s, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	case "postgres":
		dsn := PostgresDSN(t)
		s, err := store.Open(ctx, store.Options{Database: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	t.Fatalf("unknown dialect %q", dialect)
	return nil
}

// Migrated is Open followed by Migrate.
func Migrated(t testing.TB, dialect string) *store.Store {
	t.Helper()
	s := Open(t, dialect)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// PostgresDSN creates a fresh schema on the test server and returns a DSN
// whose search_path selects it. The schema is dropped at cleanup.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set under CI: .ci/run must export the Postgres DSN", PostgresEnv)
		}
		t.Skipf("Postgres tests skipped: set %s=postgres://… to run them", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "wbtest_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema on %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
