// Package progress reports the progress of long work — dataset builds,
// training, uploads — as a one-line bar with count, percentage, rate and
// ETA. On a terminal the line redraws in place; elsewhere (logs, CI) it
// prints a fresh line at a steady, slower cadence so logs stay readable.
package progress
