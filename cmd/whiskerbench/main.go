// Command whiskerbench is the single whiskerbench binary: it serves the site
// and API, runs workers, migrates the database, administers labs and tokens,
// and runs the offline scorer, simulator, dataset builder and trainer.
//
// main only wires packages together; every subcommand lives in its own file.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}
