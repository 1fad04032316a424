// Package store opens whiskerbench's database — the embedded pure-Go SQLite
// under the data directory by default, or Postgres from a DSN — through gorm,
// applies the embedded migrations, and reports readiness.
package store
