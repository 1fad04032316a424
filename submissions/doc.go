// Package submissions is the root of the hosted service's core loop: labs and
// their tokens, upload validation, blob storage, the scoring job queue and its
// workers. Its subpackages own the database (store) and identity (accounts).
package submissions
