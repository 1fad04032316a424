// Package migrations holds whiskerbench's versioned SQL schema, one folder
// per dialect (sqlite, postgres), embedded in the binary and applied with
// pressly/goose. Migrations are only ever added, never edited: a later change
// to the schema is a new numbered file in both folders.
package migrations
