package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/benchmarks"
	"github.com/whiskerbench/whiskerbench/datasets/neural/synth"
	"github.com/whiskerbench/whiskerbench/leaderboard"
	"github.com/whiskerbench/whiskerbench/leaderboard/structure"
	"github.com/whiskerbench/whiskerbench/server"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/catalog"
	"github.com/whiskerbench/whiskerbench/submissions/queue"
	"github.com/whiskerbench/whiskerbench/submissions/store"
)

// Version is the build's version string, shown on pages and /healthz.
const Version = "0.1.0-dev"

// OpenStore opens and migrates the database the configuration names.
func OpenStore(ctx context.Context, cfg Config, logger *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, store.Options{Database: cfg.Database, DataDir: cfg.DataDir, Logger: logger})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// App is a running whiskerbench service.
type App struct {
	cfg    Config
	logger *slog.Logger
	store  *store.Store
	svc    *services
	http   *http.Server
	ln     net.Listener
}

// Start opens the database, migrates it, and starts listening. It returns
// once the listener is bound; call Serve to answer requests.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = cfg.Logger()
	}
	st, err := OpenStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	svc, err := newServices(ctx, cfg, st, logger, cfg.JobConcurrency, !cfg.RunJobs)
	if err != nil {
		st.Close()
		return nil, err
	}
	srv, err := server.New(server.Deps{
		Accounts:     accounts.New(st.DB),
		Submissions:  svc.subs,
		Leaderboard:  leaderboard.New(st.DB),
		Structure:    structure.New(st.DB, svc.blobs),
		DB:           st,
		Logger:       logger,
		MaxBodyBytes: cfg.MaxBodyBytes,
		Version:      Version,
	})
	if err != nil {
		svc.queue.Close()
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		svc.queue.Close()
		st.Close()
		return nil, fmt.Errorf("listen on %s (is another server running? choose another with --listen): %w", cfg.Listen, err)
	}
	a := &App{
		cfg:    cfg,
		logger: logger,
		store:  st,
		svc:    svc,
		ln:     ln,
		http: &http.Server{
			Handler:           srv,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
	}
	return a, nil
}

// Addr is the bound listen address (useful with port 0).
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL is the base URL of the running server.
func (a *App) URL() string { return "http://" + a.Addr() }

// Store is the app's open database.
func (a *App) Store() *store.Store { return a.store }

// Serve answers requests until ctx ends, then stops accepting connections,
// lets in-flight requests finish (up to the shutdown timeout) and closes the
// database. It returns nil after a clean shutdown.
func (a *App) Serve(ctx context.Context) error {
	a.logger.Info("whiskerbench serving", "url", a.URL(), "data_dir", a.cfg.DataDir, "database", a.dialect())
	errc := make(chan error, 1)
	go func() { errc <- a.http.Serve(a.ln) }()
	if a.cfg.RunJobs {
		// The queue gets its own context: the signal starts the graceful
		// stop below rather than River's.
		if err := a.svc.queue.Start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("start job queue: %w", err)
		}
	}
	if a.cfg.BuildBenchmarks {
		if _, err := a.svc.queue.Insert(ctx, queue.EnsureBenchmarksArgs{}, nil); err != nil {
			a.logger.Error("could not queue the default benchmark build; run 'whiskerbench benchmark build'", "err", err)
		} else {
			a.logger.Info("default benchmarks are built by a queued job if the data directory lacks them", "runs_here", a.cfg.RunJobs)
		}
	} else if a.cfg.SeedZoo {
		// Without the build job (which queues the seeding when it is done),
		// seed_zoo waits for benchmarks registered by other means.
		if _, err := a.svc.queue.Insert(ctx, queue.SeedZooArgs{}, nil); err != nil {
			a.logger.Error("could not queue the zoo's seeding", "err", err)
		}
	}
	if a.cfg.SeedZoo {
		a.logger.Info("the bundled reference zoo is scored and published by a queued job once the default benchmarks are ready (--seed-zoo=false to skip)")
	}
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		a.logger.Info("shutting down: finishing in-flight requests", "timeout", a.cfg.ShutdownTimeout)
		sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		serveErr = a.http.Shutdown(sctx)
		cancel()
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
			serveErr = err
		}
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	if a.cfg.RunJobs {
		sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout+30*time.Second)
		if err := a.svc.queue.Stop(sctx); err != nil && serveErr == nil {
			serveErr = err
		}
		cancel()
	}
	a.svc.queue.Close()
	if err := a.store.Close(); err != nil && serveErr == nil {
		serveErr = fmt.Errorf("close database: %w", err)
	}
	if serveErr != nil {
		return fmt.Errorf("serve: %w", serveErr)
	}
	a.logger.Info("stopped cleanly")
	return nil
}

func (a *App) dialect() string { return string(a.store.Dialect) }

// DefaultsOptions are the default benchmarks' build options for cfg.
func DefaultsOptions(cfg Config, progress io.Writer, logger *slog.Logger) catalog.DefaultsOptions {
	so := benchmarks.DefaultShapesOptions()
	so.TestSeed = cfg.BenchmarkSeed
	so.Classes, so.PerClass, so.TestPerClass = cfg.ShapeClasses, cfg.ShapePerClass, cfg.ShapeTestPer
	return catalog.DefaultsOptions{
		Root:       filepath.Join(cfg.DataDir, "benchmarks"),
		Shapes:     so,
		NeuralSeed: synth.DefaultConfig().Seed,
		Workers:    cfg.WorkerCount(),
		Progress:   progress,
		Logger:     logger,
	}
}

// slogWriter turns progress lines into log records.
type slogWriter struct{ logger *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			w.logger.Info("progress", "status", line)
		}
	}
	return len(p), nil
}

// DataDir is the app's data directory.
func (a *App) DataDir() string { return a.cfg.DataDir }
