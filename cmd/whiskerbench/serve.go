package main

import (
	"context"
	"flag"

	"github.com/whiskerbench/whiskerbench/server/app"
)

// bindConfig declares the shared configuration flags on fs and returns the
// config and the function that completes it from the environment.
// With names, only those flags are declared.
func bindConfig(fs *flag.FlagSet, e *env, names ...string) (*app.Config, func() error) {
	cfg := app.Defaults()
	finish := cfg.Bind(fs, e.getenv, names...)
	return &cfg, finish
}

// storageFlags are the configuration flags of commands that only open the
// database.
var storageFlags = []string{"data-dir", "database"}

func serveCommand() *command {
	return &command{
		name:  "serve",
		short: "run the web site and API (embedded database by default)",
		usage: "[flags]\n\nServes the site and the JSON API. With no flags it uses the embedded SQLite\ndatabase in ./whiskerbench-data and listens on 127.0.0.1:8080. Every flag can\nalso be set as WHISKERBENCH_<FLAG> (e.g. WHISKERBENCH_LISTEN).",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			cfg, finish := bindConfig(fs, e)
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("serve takes no arguments, got %q", args)
				}
				if err := finish(); err != nil {
					return usagef("%v", err)
				}
				a, err := app.Start(ctx, *cfg, nil)
				if err != nil {
					return err
				}
				return a.Serve(ctx)
			}
		},
	}
}
