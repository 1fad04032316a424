-- +goose Up
-- The inputs (a digest of the benchmark input files) a weights
-- submission's activations were computed on: re-scoring reuses the
-- activations only while the inputs are the same.
ALTER TABLE submissions ADD COLUMN activations_inputs TEXT NOT NULL DEFAULT '';

-- A change of the current benchmark versions (or their scorer versions),
-- with the ranks before and after the re-scoring it caused.
CREATE TABLE ranking_changes (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    versions_key   TEXT NOT NULL UNIQUE,
    reason         TEXT NOT NULL DEFAULT '',
    baseline       BOOLEAN NOT NULL DEFAULT FALSE,
    from_versions  TEXT NOT NULL DEFAULT '{}',
    to_versions    TEXT NOT NULL DEFAULT '{}',
    before_ranks   TEXT NOT NULL DEFAULT '{}',
    after_ranks    TEXT NOT NULL DEFAULT '{}',
    moves          TEXT NOT NULL DEFAULT '[]',
    created_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ
);

-- One re-scoring of one submission for one ranking change.
CREATE TABLE rescores (
    change_id      BIGINT NOT NULL REFERENCES ranking_changes(id) ON DELETE CASCADE,
    submission_id  BIGINT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    error          TEXT NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (change_id, submission_id)
);

-- +goose Down
DROP TABLE rescores;
DROP TABLE ranking_changes;
ALTER TABLE submissions DROP COLUMN activations_inputs;
