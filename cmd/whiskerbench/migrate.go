package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/whiskerbench/whiskerbench/submissions/store"
)

func migrateCommand() *command {
	leaf := func(name, short string, run func(ctx context.Context, e *env, s *store.Store) error) *command {
		return &command{
			name:  name,
			short: short,
			usage: "[flags]",
			flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
				cfg, finish := bindConfig(fs, e, storageFlags...)
				return func(ctx context.Context, args []string) error {
					if len(args) > 0 {
						return usagef("migrate %s takes no arguments", name)
					}
					// finish fills cfg from the environment: read it after.
					if err := finish(); err != nil {
						return usagef("%v", err)
					}
					s, err := store.Open(ctx, store.Options{Database: cfg.Database, DataDir: cfg.DataDir})
					if err != nil {
						return err
					}
					defer s.Close()
					return run(ctx, e, s)
				}
			},
		}
	}
	return &command{
		name:  "migrate",
		short: "apply, roll back or list database migrations",
		subs: []*command{
			leaf("up", "apply every pending migration", func(ctx context.Context, e *env, s *store.Store) error {
				if err := s.Migrate(ctx); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, "database is up to date")
				return nil
			}),
			leaf("down", "roll back the most recent migration", func(ctx context.Context, e *env, s *store.Store) error {
				if err := s.MigrateDown(ctx); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, "rolled back one migration")
				return nil
			}),
			leaf("status", "list migrations and whether each is applied", func(ctx context.Context, e *env, s *store.Store) error {
				st, err := s.MigrationStatus(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT")
				for _, m := range st {
					state, at := "pending", ""
					if m.Applied {
						state, at = "applied", m.AppliedAt.UTC().Format("2006-01-02 15:04:05")
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", m.Version, m.Name, state, at)
				}
				return tw.Flush()
			}),
		},
	}
}
