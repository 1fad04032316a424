package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	_ "github.com/glebarez/go-sqlite" // the "sqlite" database/sql driver gorm's SQLite dialect uses
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/whiskerbench/whiskerbench/migrations"
	"github.com/whiskerbench/whiskerbench/submissions/store"
)

// Options configure a queue client. The zero value (plus at least one Kind,
// or InsertOnly) is usable.
type Options struct {
	// Workers is how many jobs this client runs at once. 0 means 1. Each job
	// may itself use many cores (scoring and training parallelise inside).
	Workers int
	// InsertOnly makes a client that only inserts and inspects jobs and never
	// runs them (a server whose workers run elsewhere). Start refuses to run.
	InsertOnly bool
	// Kinds are the job kinds this client runs. An insert-only client may
	// list kinds too; inserting a kind it does not list is then refused.
	Kinds []Kind
	// MaxAttempts is how many times a job is tried before it is discarded,
	// unless the job's InsertOpts say otherwise. 0 means 5.
	MaxAttempts int
	// Backoff spaces retries; the zero value means DefaultBackoff.
	Backoff Backoff
	// RescueAfter is how long a job may sit in "running" before the leader
	// treats its worker as dead and schedules a retry. A job is never
	// rescued before its own kind's timeout has passed, whatever this says.
	// 0 means 15 minutes.
	RescueAfter time.Duration
	// StopTimeout is how long Stop lets running jobs finish before it
	// cancels their contexts (their jobs then become available to another
	// worker at once). 0 means 30 s.
	StopTimeout time.Duration
	// PollInterval is how often an idle client looks for new jobs (the
	// database/sql drivers have no LISTEN/NOTIFY). 0 means 1 s.
	PollInterval time.Duration
	// BusyTimeout is how long River's SQLite connection waits for the write
	// lock. 0 means 10 s. Unused on Postgres.
	BusyTimeout time.Duration
	// ID names this client in River's tables (attempted_by, leadership);
	// empty lets River derive one from the host name and start time.
	ID string
	// Logger receives River's records; nil discards them.
	Logger *slog.Logger

	// noLeader keeps this client out of leader election (tests use it to
	// decide which client runs maintenance such as the stuck-job rescuer).
	noLeader bool
}

// Queue is a River client on the whiskerbench database.
type Queue struct {
	client     *river.Client[*sql.Tx]
	db         *sql.DB // the pool River uses
	ownDB      bool    // db was opened by New (SQLite) and is closed by Close
	dialect    migrations.Dialect
	insertOnly bool
	kinds      []string
	logger     *slog.Logger
}

// Inserted reports an insert.
type Inserted struct {
	// ID is the job's id (the existing job's when Duplicate).
	ID int64
	// Duplicate is true when a unique job of the same kind (and args, if the
	// kind's UniqueOpts say so) was already waiting or running, so that
	// nothing was inserted.
	Duplicate bool
}

// Defaults applied by New.
const (
	defaultMaxAttempts  = 5
	defaultRescueAfter  = 15 * time.Minute
	defaultStopTimeout  = 30 * time.Second
	defaultPollInterval = time.Second
	defaultBusyTimeout  = 10 * time.Second
)

// New builds a queue client on st's database and brings River's tables up to
// date (idempotently, and once when several processes start together). It
// does not start working; call Start. On SQLite River gets its own
// single-connection pool on the same file (see the package documentation);
// Close releases it.
func New(ctx context.Context, st *store.Store, o Options) (*Queue, error) {
	if st == nil {
		return nil, errors.New("queue: no store given")
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	q := &Queue{dialect: st.Dialect, insertOnly: o.InsertOnly, logger: logger}
	var driver riverdriver.Driver[*sql.Tx]
	switch st.Dialect {
	case migrations.Postgres:
		q.db = st.SQL
		driver = riverdatabasesql.New(st.SQL)
	case migrations.SQLite:
		db, err := openSQLitePool(ctx, st.SQL, o.BusyTimeout)
		if err != nil {
			return nil, err
		}
		q.db, q.ownDB = db, true
		driver = riversqlite.New(db)
	default:
		return nil, fmt.Errorf("queue: unsupported database dialect %q", st.Dialect)
	}
	if err := migrateRiver(ctx, st.Dialect, q.db, driver, logger); err != nil {
		q.closeDB()
		return nil, err
	}
	cfg := &river.Config{
		ID:                     o.ID,
		Logger:                 logger,
		MaxAttempts:            o.MaxAttempts,
		RetryPolicy:            o.Backoff,
		RescueStuckJobsAfter:   o.RescueAfter,
		SoftStopTimeout:        o.StopTimeout,
		FetchPollInterval:      o.PollInterval,
		FetchCooldown:          min(o.PollInterval, 100*time.Millisecond),
		LeaderElectionDisabled: o.noLeader,
		// Every kind carries its own timeout (New rejects one without); the
		// client-wide fallback is therefore never used and must not be
		// River's one minute.
		JobTimeout: -1,
	}
	if len(o.Kinds) > 0 {
		ws := river.NewWorkers()
		for _, k := range o.Kinds {
			if err := k.add(ws); err != nil {
				q.closeDB()
				return nil, err
			}
			q.kinds = append(q.kinds, k.name)
		}
		cfg.Workers = ws
	}
	if !o.InsertOnly {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}}
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		q.closeDB()
		return nil, fmt.Errorf("queue: create River client: %w", err)
	}
	q.client = client
	return q, nil
}

func (o Options) withDefaults() (Options, error) {
	if o.Workers < 0 {
		return o, fmt.Errorf("queue: Workers %d must not be negative", o.Workers)
	}
	if o.Workers == 0 {
		o.Workers = 1
	}
	if !o.InsertOnly && len(o.Kinds) == 0 {
		return o, errors.New("queue: a working client needs at least one job kind (or set InsertOnly)")
	}
	seen := map[string]bool{}
	for _, k := range o.Kinds {
		if k.add == nil {
			return o, errors.New("queue: a Kind must be built with Handle or HandleFunc")
		}
		if k.timeout <= 0 {
			return o, fmt.Errorf("queue: job kind %q needs a positive timeout, got %v", k.name, k.timeout)
		}
		if seen[k.name] {
			return o, fmt.Errorf("queue: job kind %q registered twice", k.name)
		}
		seen[k.name] = true
	}
	if o.MaxAttempts < 0 {
		return o, fmt.Errorf("queue: MaxAttempts %d must not be negative", o.MaxAttempts)
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = defaultMaxAttempts
	}
	if o.Backoff == (Backoff{}) {
		o.Backoff = DefaultBackoff()
	}
	if err := o.Backoff.validate(); err != nil {
		return o, err
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"RescueAfter", &o.RescueAfter, defaultRescueAfter},
		{"StopTimeout", &o.StopTimeout, defaultStopTimeout},
		{"PollInterval", &o.PollInterval, defaultPollInterval},
		{"BusyTimeout", &o.BusyTimeout, defaultBusyTimeout},
	} {
		if *d.v < 0 {
			return o, fmt.Errorf("queue: %s %v must not be negative", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	return o, nil
}

// openSQLitePool opens River's own pool on the file behind gormDB: one
// connection, with the store's pragmas (WAL, busy timeout, BEGIN IMMEDIATE).
func openSQLitePool(ctx context.Context, gormDB *sql.DB, busy time.Duration) (*sql.DB, error) {
	var path string
	if err := gormDB.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		return nil, fmt.Errorf("queue: find the SQLite database file: %w", err)
	}
	if path == "" {
		return nil, errors.New("queue: the SQLite database has no file (in-memory databases cannot be shared with River)")
	}
	db, err := sql.Open("sqlite", store.SQLiteDSN(path, busy))
	if err != nil {
		return nil, fmt.Errorf("queue: open River's SQLite connection to %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: open River's SQLite connection to %s: %w", path, err)
	}
	return db, nil
}

// Kinds lists the job kinds this client runs.
func (q *Queue) Kinds() []string { return slices.Clone(q.kinds) }

// Client is the underlying River client, for what this type does not wrap
// (listing jobs, cancelling, subscribing to events).
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

// Start starts fetching and running jobs. Cancelling ctx begins a stop as
// Stop does (running jobs get StopTimeout to finish).
func (q *Queue) Start(ctx context.Context) error {
	if q.insertOnly {
		return errors.New("queue: an insert-only client does not run jobs")
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("queue: start: %w", err)
	}
	q.logger.InfoContext(ctx, "queue started", "kinds", q.kinds, "database", string(q.dialect))
	return nil
}

// Stop stops fetching new jobs and waits for running ones: each gets up to
// StopTimeout to finish, after which its context is cancelled and the job is
// made available again for another worker. If ctx ends first, running jobs
// are cancelled at once and Stop returns after they have returned (or after
// a further 10 s) with an error. Stop on a client that never started, or
// twice, returns nil.
func (q *Queue) Stop(ctx context.Context) error {
	if q.insertOnly {
		return nil
	}
	err := q.client.Stop(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("queue: stop: %w", err)
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if herr := q.client.StopAndCancel(hctx); herr != nil {
		return fmt.Errorf("queue: stop: jobs still running after the stop deadline and after cancelling them: %w", herr)
	}
	return fmt.Errorf("queue: stop: deadline passed with jobs running; they were cancelled and will be retried: %w", err)
}

// Close releases River's own SQLite connection (nothing on Postgres, where
// River uses the store's pool). Call it after Stop, before closing the store.
func (q *Queue) Close() error {
	if err := q.closeDB(); err != nil {
		return fmt.Errorf("queue: close River's connection: %w", err)
	}
	return nil
}

func (q *Queue) closeDB() error {
	if q.ownDB && q.db != nil {
		return q.db.Close()
	}
	return nil
}

// Insert enqueues a job. opts may be nil (the args' InsertOpts, then the
// client's defaults apply). Inside a database transaction use InsertTx: on
// SQLite, Insert from within an open write transaction waits for that
// transaction's lock and fails after the busy timeout.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (Inserted, error) {
	res, err := q.client.Insert(ctx, args, opts)
	if err != nil {
		return Inserted{}, fmt.Errorf("queue: insert %s job: %w", args.Kind(), err)
	}
	return inserted(res), nil
}

// InsertTx enqueues a job inside tx, a gorm transaction on the store's
// database (from gorm.DB.Transaction or Begin): the job exists if and only
// if tx commits, and workers see it only after the commit.
func (q *Queue) InsertTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) (Inserted, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return Inserted{}, fmt.Errorf("queue: insert %s job: InsertTx needs a gorm transaction (tx from db.Transaction or db.Begin), got %T", args.Kind(), tx.Statement.ConnPool)
	}
	res, err := q.client.InsertTx(ctx, sqlTx, args, opts)
	if err != nil {
		return Inserted{}, fmt.Errorf("queue: insert %s job in transaction: %w", args.Kind(), err)
	}
	return inserted(res), nil
}

func inserted(res *rivertype.JobInsertResult) Inserted {
	return Inserted{ID: res.Job.ID, Duplicate: res.UniqueSkippedAsDuplicate}
}

// Job returns a job's current row (state, attempt, errors, timestamps).
func (q *Queue) Job(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	j, err := q.client.JobGet(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("queue: get job %d: %w", id, err)
	}
	return j, nil
}
