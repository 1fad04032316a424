-- +goose Up
CREATE TABLE labs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    created_at  DATETIME NOT NULL
);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    lab_id      INTEGER REFERENCES labs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    email       TEXT UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('lab_member', 'maintainer')),
    created_at  DATETIME NOT NULL
);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    lab_id        INTEGER NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
    user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    role          TEXT NOT NULL CHECK (role IN ('lab_member', 'maintainer')),
    prefix        TEXT NOT NULL,
    hash          BLOB NOT NULL UNIQUE,
    created_at    DATETIME NOT NULL,
    last_used_at  DATETIME,
    revoked_at    DATETIME
);
CREATE INDEX api_tokens_lab ON api_tokens(lab_id);

CREATE TABLE benchmarks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    version         TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('classification', 'neural-rsa')),
    data_digest     TEXT NOT NULL,
    scorer_version  TEXT NOT NULL,
    ceiling         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(ceiling)),
    created_at      DATETIME NOT NULL,
    UNIQUE (name, version)
);

CREATE TABLE models (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    lab_id         INTEGER NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    family         TEXT NOT NULL DEFAULT '',
    encoder        TEXT NOT NULL DEFAULT '',
    attender       TEXT NOT NULL DEFAULT '',
    decoder        TEXT NOT NULL DEFAULT '',
    param_count    INTEGER,
    training_data  TEXT NOT NULL DEFAULT '',
    objective      TEXT NOT NULL DEFAULT '',
    paper_url      TEXT NOT NULL DEFAULT '',
    visibility     TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    created_at     DATETIME NOT NULL,
    UNIQUE (lab_id, name)
);

CREATE TABLE submissions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    lab_id       INTEGER NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
    model_id     INTEGER REFERENCES models(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('activations', 'weights')),
    status       TEXT NOT NULL CHECK (status IN ('received', 'validated', 'queued', 'running', 'scored', 'failed')),
    blob_digest  TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    started_at   DATETIME,
    finished_at  DATETIME
);
CREATE INDEX submissions_lab ON submissions(lab_id, created_at);

CREATE TABLE scores (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id   INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    benchmark_id    INTEGER NOT NULL REFERENCES benchmarks(id),
    scorer_version  TEXT NOT NULL,
    layer           TEXT NOT NULL DEFAULT '',
    target          TEXT NOT NULL DEFAULT '',
    value           REAL,
    ci_low          REAL,
    ci_high         REAL,
    details         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    created_at      DATETIME NOT NULL,
    UNIQUE (submission_id, benchmark_id, scorer_version, layer, target)
);

-- +goose Down
DROP TABLE scores;
DROP TABLE submissions;
DROP TABLE models;
DROP TABLE benchmarks;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE labs;
