// Package app assembles a running whiskerbench from its one configuration
// struct: it opens and migrates the database, builds the HTTP server, serves
// until its context ends, and shuts down gracefully. Tests use it to start
// the whole service on 127.0.0.1:0 with a temporary data directory.
package app
