// Package blobs is whiskerbench's content-addressed blob store: uploads are
// streamed to a temporary file while hashed, then renamed into place under
// their SHA-256, so a blob is either absent or complete and a byte-identical
// upload is recognised. Paths are built only from hex digests, never from
// user input. Store is an interface so that an S3-compatible store can
// replace the filesystem one later.
package blobs
