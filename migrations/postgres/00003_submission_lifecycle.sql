-- +goose Up
ALTER TABLE submissions ADD COLUMN progress DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN published BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE submissions ADD COLUMN problems JSONB NOT NULL DEFAULT '[]';
ALTER TABLE submissions ADD COLUMN layers JSONB NOT NULL DEFAULT '{}';
ALTER TABLE models ADD COLUMN card JSONB NOT NULL DEFAULT '{}';
ALTER TABLE models ADD COLUMN reference BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX scores_benchmark ON scores(benchmark_id, scorer_version);

-- +goose Down
DROP INDEX scores_benchmark;
ALTER TABLE models DROP COLUMN reference;
ALTER TABLE models DROP COLUMN card;
ALTER TABLE submissions DROP COLUMN layers;
ALTER TABLE submissions DROP COLUMN problems;
ALTER TABLE submissions DROP COLUMN published;
ALTER TABLE submissions DROP COLUMN progress;
