package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/whiskerbench/whiskerbench/migrations"
)

// riverLockID is the Postgres advisory-lock key that serialises River
// migrations across processes starting together: "river" in hex. (goose
// uses its own key for the application schema.)
const riverLockID = 0x7269766572

// migrateRiver applies River's pending migrations for the dialect. It is a
// no-op on an up-to-date database.
//
// rivermigrate takes no lock of its own. On Postgres a session advisory lock
// on a dedicated connection makes concurrent starters wait for the first,
// which then finds nothing to do; the migrations themselves run one
// transaction each on other connections of the pool (River advises against
// batching them in one transaction). On SQLite River has a single connection
// per process, so the whole run is one BEGIN IMMEDIATE transaction, which
// holds the file's write lock and serialises processes the same way.
func migrateRiver(ctx context.Context, d migrations.Dialect, db *sql.DB, driver riverdriver.Driver[*sql.Tx], logger *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("queue: River migrator: %w", err)
	}
	var res *rivermigrate.MigrateResult
	switch d {
	case migrations.Postgres:
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("queue: River migrations: connection for the lock: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(riverLockID)); err != nil {
			return fmt.Errorf("queue: River migrations: take advisory lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(riverLockID))
		res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return fmt.Errorf("queue: apply River migrations: %w", err)
		}
	case migrations.SQLite:
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("queue: River migrations: begin: %w", err)
		}
		defer tx.Rollback()
		//lint:ignore SA1019 one transaction is what serialises processes on SQLite (see above)
		res, err = m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil) //nolint:staticcheck
		if err != nil {
			return fmt.Errorf("queue: apply River migrations: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("queue: commit River migrations: %w", err)
		}
	default:
		return fmt.Errorf("queue: unsupported database dialect %q", d)
	}
	if n := len(res.Versions); n > 0 {
		logger.InfoContext(ctx, "River migrations applied", "count", n, "to_version", res.Versions[n-1].Version)
	}
	return nil
}
