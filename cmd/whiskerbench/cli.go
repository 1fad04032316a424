package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// env is what a subcommand may touch of the outside world, so that tests can
// run any subcommand in-process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one node of the subcommand tree: either it has children or it
// runs.
type command struct {
	name  string
	short string // one line for the parent's listing
	usage string // shown by --help after "whiskerbench <path>"
	// flags declares the command's flags on fs and returns the function
	// that runs once they are parsed; nil for a command with children.
	flags func(fs *flag.FlagSet, e *env) func(ctx context.Context, args []string) error
	subs  []*command
}

// commands returns the whole tree. Each subcommand file provides one
// constructor; adding a subcommand means adding it here.
func commands() *command {
	return &command{
		name:  "whiskerbench",
		short: "benchmark and leaderboard for models of touch",
		subs: []*command{
			activationsCommand(),
			adminCommand(),
			benchmarkCommand(),
			datasetCommand(),
			evalCommand(),
			migrateCommand(),
			neuralCommand(),
			serveCommand(),
			simulateCommand(),
			submitCommand(),
			trainCommand(),
			workerCommand(), zooCommand(),
		},
	}
}

// usageError marks an error that is the caller's mistake in flags or
// arguments; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func run(ctx context.Context, args []string, e *env) int {
	root := commands()
	err := dispatch(ctx, root, []string{root.name}, args, e)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintf(e.stderr, "whiskerbench: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func dispatch(ctx context.Context, c *command, path, args []string, e *env) error {
	if c.flags == nil {
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			printGroupHelp(e.stdout, c, path)
			if len(args) == 0 {
				return usagef("%s: missing subcommand", strings.Join(path, " "))
			}
			return flag.ErrHelp
		}
		for _, s := range c.subs {
			if s.name == args[0] {
				return dispatch(ctx, s, append(path, s.name), args[1:], e)
			}
		}
		return usagef("%s: unknown subcommand %q (run '%s --help')", strings.Join(path, " "), args[0], strings.Join(path, " "))
	}
	fs := flag.NewFlagSet(strings.Join(path, " "), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runFn := c.flags(fs, e)
	// Flags may come before, between or after positional arguments; "--"
	// ends flag parsing.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printLeafHelp(e.stdout, c, path, fs)
				return flag.ErrHelp
			}
			return usagef("%s: %v (run '%s --help')", strings.Join(path, " "), err, strings.Join(path, " "))
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return runFn(ctx, positional)
}

func printGroupHelp(w io.Writer, c *command, path []string) {
	fmt.Fprintf(w, "%s — %s\n\nUsage: %s <command> [flags]\n\nCommands:\n", strings.Join(path, " "), c.short, strings.Join(path, " "))
	subs := append([]*command(nil), c.subs...)
	sort.Slice(subs, func(i, j int) bool { return subs[i].name < subs[j].name })
	for _, s := range subs {
		fmt.Fprintf(w, "  %-12s %s\n", s.name, s.short)
	}
	fmt.Fprintf(w, "\nRun '%s <command> --help' for a command's flags.\n", strings.Join(path, " "))
}

func printLeafHelp(w io.Writer, c *command, path []string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s — %s\n\nUsage: %s %s\n", strings.Join(path, " "), c.short, strings.Join(path, " "), c.usage)
	var any bool
	fs.VisitAll(func(*flag.Flag) { any = true })
	if any {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}
