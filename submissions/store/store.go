package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/whiskerbench/whiskerbench/migrations"
)

// Options say which database to open.
type Options struct {
	// Database is a postgres:// or postgresql:// DSN; empty means the
	// embedded SQLite file under DataDir.
	Database string
	// DataDir holds the embedded database (whiskerbench.db) and blobs.
	DataDir string
	// BusyTimeout is how long an SQLite writer waits for the lock.
	BusyTimeout time.Duration
	Logger      *slog.Logger
}

// Store is an open database.
type Store struct {
	DB      *gorm.DB
	SQL     *sql.DB
	Dialect migrations.Dialect
	logger  *slog.Logger
}

// minSQLite is the oldest bundled SQLite accepted: 3.45 brought JSONB.
const minSQLite = 3045000

// Open opens (creating if needed) the database described by o. It does not
// migrate; call Migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	lg := o.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	gcfg := &gorm.Config{Logger: logger.Discard, TranslateError: true, NowFunc: func() time.Time { return time.Now().UTC() }}
	var (
		db      *gorm.DB
		err     error
		dialect migrations.Dialect
	)
	switch {
	case strings.HasPrefix(o.Database, "postgres://"), strings.HasPrefix(o.Database, "postgresql://"):
		dialect = migrations.Postgres
		db, err = gorm.Open(postgres.Open(o.Database), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
	case o.Database == "":
		dialect = migrations.SQLite
		if o.DataDir == "" {
			return nil, errors.New("open database: no data directory given (set --data-dir)")
		}
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		bt := o.BusyTimeout
		if bt <= 0 {
			bt = 10 * time.Second
		}
		db, err = gorm.Open(sqlite.Open(SQLiteDSN(filepath.Join(o.DataDir, "whiskerbench.db"), bt)), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite in %s: %w", o.DataDir, err)
		}
	default:
		return nil, fmt.Errorf("open database: %q is not a postgres:// DSN (leave it empty for the embedded database)", redact(o.Database))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	s := &Store{DB: db, SQL: sqlDB, Dialect: dialect, logger: lg}
	if err := s.Ping(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if dialect == migrations.SQLite {
		if err := s.checkSQLiteVersion(ctx); err != nil {
			sqlDB.Close()
			return nil, err
		}
	}
	return s, nil
}

// SQLiteDSN returns the glebarez/go-sqlite DSN for a database file: WAL
// journal, a busy timeout, foreign keys on, and BEGIN IMMEDIATE
// transactions (without it, concurrent read-then-write transactions fail
// with "database is locked" instead of waiting).
func SQLiteDSN(path string, busy time.Duration) string {
	return "file:" + path +
		"?_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_txlock=immediate"
}

func (s *Store) checkSQLiteVersion(ctx context.Context) error {
	var str string
	if err := s.SQL.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&str); err != nil {
		return fmt.Errorf("query sqlite version: %w", err)
	}
	if parseSQLiteVersion(str) < minSQLite {
		return fmt.Errorf("bundled SQLite %s is older than 3.45 (JSONB); rebuild with the pinned github.com/glebarez/go-sqlite", str)
	}
	return nil
}

func parseSQLiteVersion(s string) int {
	parts := strings.SplitN(s, ".", 3)
	n := 0
	for i, mul := range []int{1000000, 1000, 1} {
		if i < len(parts) {
			x, _ := strconv.Atoi(parts[i])
			n += x * mul
		}
	}
	return n
}

func redact(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 {
		return "…" + dsn[i:]
	}
	return dsn
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var one int
	if err := s.SQL.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("database not reachable: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.SQL.Close() }

func (s *Store) provider() (*goose.Provider, error) {
	return migrations.Provider(s.SQL, s.Dialect, s.logger)
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	return migrations.Up(ctx, s.SQL, s.Dialect, s.logger)
}

// MigrateDown rolls back the most recent migration.
func (s *Store) MigrateDown(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("roll back migration: %w", err)
	}
	return nil
}

// MigrateReset rolls back every migration.
func (s *Store) MigrateReset(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("roll back migrations: %w", err)
	}
	return nil
}

// MigrationStatus is one migration's state.
type MigrationStatus struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// MigrationStatus lists every known migration and whether it is applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, len(st))
	for i, m := range st {
		out[i] = MigrationStatus{
			Version:   m.Source.Version,
			Name:      filepath.Base(m.Source.Path),
			Applied:   m.State == goose.StateApplied,
			AppliedAt: m.AppliedAt,
		}
	}
	return out, nil
}
