// Package leaderboardtest fills a migrated database with benchmark
// versions, public and private models, submissions and scores, written
// through the same tables (and the catalogue's Register) that uploads and
// scoring jobs write, so that board, page and browser tests run against
// real SQL on SQLite and Postgres without building a benchmark.
package leaderboardtest
