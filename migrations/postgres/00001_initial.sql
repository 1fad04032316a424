-- +goose Up
CREATE TABLE labs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lab_id      BIGINT REFERENCES labs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    email       TEXT UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('lab_member', 'maintainer')),
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lab_id        BIGINT NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
    user_id       BIGINT REFERENCES users(id) ON DELETE SET NULL,
    role          TEXT NOT NULL CHECK (role IN ('lab_member', 'maintainer')),
    prefix        TEXT NOT NULL,
    hash          BYTEA NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_lab ON api_tokens(lab_id);

CREATE TABLE benchmarks (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT NOT NULL,
    version         TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('classification', 'neural-rsa')),
    data_digest     TEXT NOT NULL,
    scorer_version  TEXT NOT NULL,
    ceiling         JSONB NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (name, version)
);

CREATE TABLE models (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lab_id         BIGINT NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    family         TEXT NOT NULL DEFAULT '',
    encoder        TEXT NOT NULL DEFAULT '',
    attender       TEXT NOT NULL DEFAULT '',
    decoder        TEXT NOT NULL DEFAULT '',
    param_count    BIGINT,
    training_data  TEXT NOT NULL DEFAULT '',
    objective      TEXT NOT NULL DEFAULT '',
    paper_url      TEXT NOT NULL DEFAULT '',
    visibility     TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (lab_id, name)
);

CREATE TABLE submissions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lab_id       BIGINT NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
    model_id     BIGINT REFERENCES models(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('activations', 'weights')),
    status       TEXT NOT NULL CHECK (status IN ('received', 'validated', 'queued', 'running', 'scored', 'failed')),
    blob_digest  TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX submissions_lab ON submissions(lab_id, created_at);

CREATE TABLE scores (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id   BIGINT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    benchmark_id    BIGINT NOT NULL REFERENCES benchmarks(id),
    scorer_version  TEXT NOT NULL,
    layer           TEXT NOT NULL DEFAULT '',
    target          TEXT NOT NULL DEFAULT '',
    value           DOUBLE PRECISION,
    ci_low          DOUBLE PRECISION,
    ci_high         DOUBLE PRECISION,
    details         JSONB NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL,
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
