-- Signed-in browser sessions, kept in the database so that a restart or a
-- second server does not sign labs out. A session is stored under the
-- SHA-256 of its cookie value (the cookie itself is never stored); it
-- ends when it expires, when the lab signs out, or with its token.
-- +goose Up
CREATE TABLE browser_sessions (
    key_hash    TEXT PRIMARY KEY,
    token_id    INTEGER NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    expires_at  DATETIME NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX browser_sessions_expires ON browser_sessions(expires_at);

-- +goose Down
DROP TABLE browser_sessions;
