// Package queue is whiskerbench's durable job queue: River
// (github.com/riverqueue/river) on the same database as everything else,
// embedded SQLite or Postgres. Jobs survive restarts, a job whose worker
// dies is retried by another, and no job runs on two workers at once.
//
// # Use
//
// Build a client with New, listing the job kinds it runs (Handle or
// HandleFunc with typed River args, each with its timeout), Start it, and
// Stop it on shutdown. Insert enqueues; InsertTx enqueues inside a gorm
// transaction so that a job exists exactly when the rows it refers to do. A
// server whose workers run elsewhere builds an InsertOnly client, which
// never runs jobs. The built-in kinds (ensure_benchmarks so far) take their
// work as functions (Funcs) so that this package imports neither the
// catalogue nor the scorer; server/app.JobFuncs supplies them.
//
// # Drivers
//
// Both dialects use a database/sql driver, so the River client type is
// river.Client[*sql.Tx] on both and InsertTx takes the *sql.Tx under a gorm
// transaction.
//
//   - Postgres: riverdatabasesql over the store's own *sql.DB (gorm's pgx
//     stdlib pool), shared with gorm. database/sql has no LISTEN/NOTIFY, so
//     River polls for new jobs every Options.PollInterval (1 s by default);
//     a pgx listener pool (riverdatabasesql.NewWithPgxListener) would make
//     pickup immediate if that latency ever matters.
//   - SQLite: riversqlite over the glebarez/go-sqlite driver — the same
//     pure-Go SQLite the store uses — on the same database file.
//
// # Connections on SQLite
//
// River runs several things at once (fetching, completing, leader election,
// maintenance) and riversqlite asks for a pool of one connection so that
// they never fight over SQLite's single write lock. The store's gorm pool
// must not be limited that way: a request handler that holds a transaction
// and needs a second connection would then wait forever. So River gets its
// own *sql.DB on the same file (found with PRAGMA database_list) with
// SetMaxOpenConns(1) and the store's DSN pragmas: WAL (readers never block
// the writer), busy_timeout (a writer waits for the lock instead of failing)
// and _txlock=immediate (every transaction takes the write lock at BEGIN, so
// two read-then-write transactions cannot deadlock). Between the two pools
// SQLite's file lock arbitrates: one waits for the other, at most the busy
// timeout. The one way to get "database is locked" is to call Insert (which
// uses River's connection) while the same goroutine holds an open gorm
// write transaction; call InsertTx with that transaction instead, which
// runs River's insert on the transaction's own connection. Close releases
// River's connection; call it after Stop and before closing the store.
//
// # Timeouts
//
// River cancels an attempt's context after the worker's timeout, falling
// back to a client-wide one minute — which would kill every scoring or
// training job. Here every kind must declare a positive timeout (New
// rejects one without) and the client-wide fallback is switched off. A
// worker's own Timeout method, when it returns non-zero for a job, wins. A
// timed-out attempt counts as a failure and is retried. Workers must honour
// ctx: Go cannot stop a goroutine that ignores it.
//
// # Retries
//
// A failed attempt is retried after Backoff (Base·2^(n-1) capped at Max,
// ±10% jitter; 15 s doubling to 30 min by default) until MaxAttempts (5 by
// default; a kind's args may set their own in InsertOpts, ensure_benchmarks
// allows 3); then the job is discarded with its errors recorded on the row.
// Stop lets running jobs finish for StopTimeout, then cancels them; a job
// cancelled that way is put back as available at once, its attempt not
// counted. A worker that dies without a word (killed process, lost machine)
// leaves its job "running": the leader's rescuer retries it once the job
// has been running longer than both RescueAfter and its kind's timeout
// (River cannot tell a slow job from a dead worker sooner). Because a job
// may therefore run more than once, a job's writes must be idempotent —
// scores are keyed by submission × benchmark version × scorer version.
//
// # Uniqueness
//
// A kind's args may carry River UniqueOpts in InsertOpts. ensure_benchmarks
// is unique among unfinished jobs (available, pending, scheduled,
// retryable, running): inserting it while one waits or runs returns the
// existing job with Inserted.Duplicate set; once it finishes, a new one may
// be inserted.
//
// # Many workers on one Postgres
//
// Any number of processes (`whiskerbench worker`, or serve with in-process
// workers) may point at one Postgres database. River locks each job row
// when a client fetches it (FOR UPDATE SKIP LOCKED), so a job runs on one
// client at a time; one client is elected leader through the river_leader
// table and runs maintenance (rescuing stuck jobs, scheduling retries,
// pruning finished jobs) for all. River's tables are created by New with
// River's own migrations, next to goose's; on Postgres an advisory lock
// makes processes that start together migrate once, on SQLite one
// BEGIN IMMEDIATE transaction does. Every worker must register the same
// kinds: a worker fetches whatever is queued and fails a job whose kind it
// does not know. On SQLite every process must run on the machine holding
// the data directory.
package queue
