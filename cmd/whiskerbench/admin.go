package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/whiskerbench/whiskerbench/server/app"
	"github.com/whiskerbench/whiskerbench/submissions/accounts"
	"github.com/whiskerbench/whiskerbench/submissions/store"
)

// storeLeaf builds a subcommand that runs against the migrated database:
// it declares the named configuration flags and the command's own (extra),
// checks the number of positional arguments (nargs; -1 for any) before
// touching any database, then opens the store and hands it over.
func storeLeaf(name, short, usage string, nargs int, flagNames []string, extra func(fs *flag.FlagSet) func(ctx context.Context, e *env, cfg app.Config, st *store.Store, args []string) error) *command {
	return &command{
		name:  name,
		short: short,
		usage: usage,
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			cfg, finish := bindConfig(fs, e, flagNames...)
			run := extra(fs)
			return func(ctx context.Context, args []string) error {
				if nargs >= 0 && len(args) != nargs {
					return usagef("%s takes %d argument(s), got %d: usage: %s %s", name, nargs, len(args), name, usage)
				}
				if err := finish(); err != nil {
					return usagef("%v", err)
				}
				st, err := app.OpenStore(ctx, *cfg, nil)
				if err != nil {
					return err
				}
				defer st.Close()
				return run(ctx, e, *cfg, st, args)
			}
		},
	}
}

// adminLeaf builds an admin subcommand over the accounts service.
func adminLeaf(name, short, usage string, nargs int, extra func(fs *flag.FlagSet) func(ctx context.Context, e *env, acc *accounts.Service, args []string) error) *command {
	return storeLeaf(name, short, usage, nargs, storageFlags, func(fs *flag.FlagSet) func(context.Context, *env, app.Config, *store.Store, []string) error {
		run := extra(fs)
		return func(ctx context.Context, e *env, _ app.Config, st *store.Store, args []string) error {
			return run(ctx, e, accounts.New(st.DB), args)
		}
	})
}

func adminCommand() *command {
	labCreate := adminLeaf("create", "create a lab", "NAME [flags]", 1, func(fs *flag.FlagSet) func(context.Context, *env, *accounts.Service, []string) error {
		return func(ctx context.Context, e *env, acc *accounts.Service, args []string) error {
			if len(args) != 1 {
				return usagef("admin lab create takes exactly one NAME (quote names with spaces)")
			}
			lab, err := acc.CreateLab(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "created lab %q (id %d)\n", lab.Name, lab.ID)
			return nil
		}
	})
	labList := adminLeaf("list", "list labs", "[flags]", 0, func(fs *flag.FlagSet) func(context.Context, *env, *accounts.Service, []string) error {
		return func(ctx context.Context, e *env, acc *accounts.Service, args []string) error {
			labs, err := acc.Labs(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED")
			for _, l := range labs {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", l.ID, l.Name, l.CreatedAt.UTC().Format("2006-01-02"))
			}
			return tw.Flush()
		}
	})
	tokenCreate := adminLeaf("create", "create an API token for a lab (printed once)", "--lab NAME [--maintainer] [flags]", 0, func(fs *flag.FlagSet) func(context.Context, *env, *accounts.Service, []string) error {
		lab := fs.String("lab", "", "the lab the token belongs to (required)")
		maint := fs.Bool("maintainer", false, "grant the maintainer role instead of lab member")
		return func(ctx context.Context, e *env, acc *accounts.Service, args []string) error {
			if *lab == "" || len(args) > 0 {
				return usagef("admin token create needs --lab NAME and no arguments")
			}
			role := accounts.LabMember
			if *maint {
				role = accounts.Maintainer
			}
			t, secret, err := acc.CreateToken(ctx, *lab, role)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "token %d for lab %q, role %s. It is shown only now: store it safely.\n", t.ID, *lab, role)
			fmt.Fprintln(e.stdout, secret)
			return nil
		}
	})
	tokenRevoke := adminLeaf("revoke", "revoke an API token by id", "ID [flags]", 1, func(fs *flag.FlagSet) func(context.Context, *env, *accounts.Service, []string) error {
		return func(ctx context.Context, e *env, acc *accounts.Service, args []string) error {
			if len(args) != 1 {
				return usagef("admin token revoke takes one token ID (see 'admin token list --lab NAME')")
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usagef("token ID %q is not a number", args[0])
			}
			if err := acc.RevokeToken(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "revoked token %d\n", id)
			return nil
		}
	})
	tokenList := adminLeaf("list", "list a lab's tokens (ids, prefixes, state)", "--lab NAME [flags]", 0, func(fs *flag.FlagSet) func(context.Context, *env, *accounts.Service, []string) error {
		lab := fs.String("lab", "", "the lab whose tokens to list (required)")
		return func(ctx context.Context, e *env, acc *accounts.Service, args []string) error {
			if *lab == "" {
				return usagef("admin token list needs --lab NAME")
			}
			ts, err := acc.Tokens(ctx, *lab)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPREFIX\tROLE\tCREATED\tSTATE")
			for _, t := range ts {
				state := "active"
				if t.RevokedAt != nil {
					state = "revoked " + t.RevokedAt.UTC().Format("2006-01-02")
				}
				fmt.Fprintf(tw, "%d\t%s…\t%s\t%s\t%s\n", t.ID, t.Prefix, t.Role, t.CreatedAt.UTC().Format("2006-01-02"), state)
			}
			return tw.Flush()
		}
	})
	return &command{
		name:  "admin",
		short: "administer labs and API tokens",
		subs: []*command{
			{name: "lab", short: "create and list labs", subs: []*command{labCreate, labList}},
			{name: "token", short: "create, list and revoke API tokens", subs: []*command{tokenCreate, tokenList, tokenRevoke}},
		},
	}
}
