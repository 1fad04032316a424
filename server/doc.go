// Package server is whiskerbench's HTTP edge: the gin engine with its
// middleware (request IDs, structured request logs, panic recovery, body
// limits, metrics), the JSON API under /api/v1 with one error shape, and the
// server-rendered HTML site embedded in the binary. It holds no business
// logic: handlers call the packages below it.
package server
