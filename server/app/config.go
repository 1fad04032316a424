package app

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"
)

// Config is whiskerbench's one configuration struct. Every field is a flag
// and a WHISKERBENCH_* environment variable (the flag name upper-cased with
// '-' as '_'); a flag on the command line wins over the environment, which
// wins over the default.
type Config struct {
	Listen          string        // --listen
	DataDir         string        // --data-dir
	Database        string        // --database
	LogLevel        string        // --log-level
	LogFormat       string        // --log-format
	MaxBodyBytes    int64         // --max-body-bytes
	ShutdownTimeout time.Duration // --shutdown-timeout
	BuildBenchmarks bool          // --build-benchmarks
	SeedZoo         bool          // --seed-zoo
	BenchmarkSeed   uint64        // --benchmark-test-seed
	ShapeClasses    int           // --shape-classes
	ShapePerClass   int           // --shape-per-class
	ShapeTestPer    int           // --shape-test-per-class
	Workers         int           // --workers
	RunJobs         bool          // --run-jobs
	JobConcurrency  int           // --job-concurrency
	MaxUploadBytes  int64         // --max-upload-bytes
	DailyLimit      int           // --daily-limit
	MaxBundleParams int64         // --max-bundle-params
	MaxBundleSecs   int           // --max-bundle-seconds
}

// Defaults returns the documented defaults.
func Defaults() Config {
	return Config{
		Listen:          "127.0.0.1:8080",
		DataDir:         "./whiskerbench-data",
		Database:        "",
		LogLevel:        "info",
		LogFormat:       "text",
		MaxBodyBytes:    1 << 20,
		ShutdownTimeout: 30 * time.Second,
		BuildBenchmarks: true,
		SeedZoo:         true,
		BenchmarkSeed:   2,
		ShapeClasses:    5,
		ShapePerClass:   3,
		ShapeTestPer:    1,
		Workers:         0,
		RunJobs:         true,
		JobConcurrency:  1,
		MaxUploadBytes:  4 << 30,
		DailyLimit:      5,
		MaxBundleParams: 50_000_000,
		MaxBundleSecs:   1800,
	}
}

// Option describes one configuration setting, for flags, the environment
// and the README's table.
type Option struct {
	Flag, Env, Default, Help string
}

// Options lists every setting as documented.
func Options() []Option {
	var out []Option
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	c := Defaults()
	c.register(fs)
	fs.VisitAll(func(f *flag.Flag) {
		out = append(out, Option{Flag: "--" + f.Name, Env: EnvName(f.Name), Default: f.DefValue, Help: f.Usage})
	})
	return out
}

// EnvName returns the environment variable for a flag name.
func EnvName(flagName string) string {
	return "WHISKERBENCH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (c *Config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "address the HTTP server listens on (host:port; port 0 picks a free one)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory holding the embedded database and the blob store")
	fs.StringVar(&c.Database, "database", c.Database, "postgres://… DSN; empty uses the embedded SQLite database in the data directory")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest request body accepted by API endpoints other than uploads, in bytes")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long in-flight requests may take to finish on SIGTERM/SIGINT")
	fs.BoolVar(&c.BuildBenchmarks, "build-benchmarks", c.BuildBenchmarks, "build and register the default benchmarks in the background when the data directory lacks them")
	fs.BoolVar(&c.SeedZoo, "seed-zoo", c.SeedZoo, "submit, score and publish the bundled reference zoo (and its untrained twins) once the default benchmarks are ready; idempotent")
	fs.Uint64Var(&c.BenchmarkSeed, "benchmark-test-seed", c.BenchmarkSeed, "seed of the held-out test objects of tactile-shapes-v1; a hosted instance sets a secret one")
	fs.IntVar(&c.ShapeClasses, "shape-classes", c.ShapeClasses, "tactile-shapes-v1: shape classes (the default is sized to build in minutes on 2 cores)")
	fs.IntVar(&c.ShapePerClass, "shape-per-class", c.ShapePerClass, "tactile-shapes-v1: public (train + validation) objects per class, 16 sweeps each")
	fs.IntVar(&c.ShapeTestPer, "shape-test-per-class", c.ShapeTestPer, "tactile-shapes-v1: held-out test objects per class")
	fs.IntVar(&c.Workers, "workers", c.Workers, "CPU workers for simulation and scoring; 0 uses every core")
	fs.BoolVar(&c.RunJobs, "run-jobs", c.RunJobs, "serve also runs queued jobs (scoring, benchmark builds); set false when 'whiskerbench worker' processes run them")
	fs.IntVar(&c.JobConcurrency, "job-concurrency", c.JobConcurrency, "jobs run at once by this process")
	fs.Int64Var(&c.MaxUploadBytes, "max-upload-bytes", c.MaxUploadBytes, "largest submission upload, in bytes")
	fs.Int64Var(&c.MaxBundleParams, "max-bundle-params", c.MaxBundleParams, "compute budget of a weights submission: the most parameters its architecture may have")
	fs.IntVar(&c.MaxBundleSecs, "max-bundle-seconds", c.MaxBundleSecs, "compute budget of a weights submission: the most seconds running it on the benchmark inputs may take")
	fs.IntVar(&c.DailyLimit, "daily-limit", c.DailyLimit, "scored or running submissions a lab may have per 24 hours (failed runs do not count)")
}

// Bind registers c's fields as flags on fs (starting from c's current
// values) and returns a function to call after fs.Parse: it fills every flag
// not given on the command line from the environment and validates. With
// names, only those flags are registered (commands that only need the
// database take "data-dir" and "database").
func (c *Config) Bind(fs *flag.FlagSet, getenv func(string) string, names ...string) func() error {
	if len(names) == 0 {
		c.register(fs)
	} else {
		all := flag.NewFlagSet("", flag.ContinueOnError)
		c.register(all)
		for _, n := range names {
			f := all.Lookup(n)
			if f == nil {
				panic("app: unknown config flag " + n) // programming error
			}
			fs.Var(f.Value, f.Name, f.Usage)
		}
	}
	return func() error {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		var err error
		fs.VisitAll(func(f *flag.Flag) {
			if err != nil || set[f.Name] || getenv == nil {
				return
			}
			env := EnvName(f.Name)
			if v, ok := lookup(getenv, env); ok {
				if e := fs.Set(f.Name, v); e != nil {
					err = fmt.Errorf("environment %s=%q: %v", env, v, e)
				}
			}
		})
		if err != nil {
			return err
		}
		return c.Validate()
	}
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// Validate checks the configuration and says how to fix it.
func (c Config) Validate() error {
	if _, err := ParseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format %q: use text or json", c.LogFormat)
	}
	if c.MaxBodyBytes <= 0 {
		return fmt.Errorf("--max-body-bytes %d: must be positive", c.MaxBodyBytes)
	}
	if c.ShutdownTimeout < 0 {
		return fmt.Errorf("--shutdown-timeout %v: must not be negative", c.ShutdownTimeout)
	}
	if c.ShapeClasses < 2 || c.ShapePerClass < 2 || c.ShapeTestPer < 1 {
		return fmt.Errorf("--shape-classes must be ≥ 2, --shape-per-class ≥ 2 (train and validation) and --shape-test-per-class ≥ 1")
	}
	if c.JobConcurrency < 1 {
		return fmt.Errorf("--job-concurrency %d: must be at least 1", c.JobConcurrency)
	}
	if c.MaxUploadBytes <= 0 || c.DailyLimit <= 0 {
		return fmt.Errorf("--max-upload-bytes and --daily-limit must be positive")
	}
	if c.MaxBundleParams <= 0 {
		return fmt.Errorf("--max-bundle-params %d: must be positive", c.MaxBundleParams)
	}
	if c.MaxBundleSecs <= 0 || time.Duration(c.MaxBundleSecs)*time.Second >= ScoreTimeout {
		return fmt.Errorf("--max-bundle-seconds %d: must be positive and below the scoring job's timeout of %v", c.MaxBundleSecs, ScoreTimeout)
	}
	if c.Workers < 0 {
		return fmt.Errorf("--workers %d: must be 0 (every core) or positive", c.Workers)
	}
	if c.Database == "" && c.DataDir == "" {
		return fmt.Errorf("--data-dir is empty: give a directory for the embedded database, or --database postgres://…")
	}
	return nil
}

// ParseLevel parses a log level name.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

// Logger returns the logger the configuration asks for, writing to stderr.
func (c Config) Logger() *slog.Logger {
	lvl, _ := ParseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// WorkerCount resolves Workers: 0 means every core.
func (c Config) WorkerCount() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return runtime.GOMAXPROCS(0)
}
