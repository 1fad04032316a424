-- +goose Up
ALTER TABLE submissions ADD COLUMN progress REAL NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN problems TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(problems));
ALTER TABLE submissions ADD COLUMN layers TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(layers));
ALTER TABLE models ADD COLUMN card TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(card));
ALTER TABLE models ADD COLUMN reference INTEGER NOT NULL DEFAULT 0;
CREATE INDEX scores_benchmark ON scores(benchmark_id, scorer_version);

-- +goose Down
DROP INDEX scores_benchmark;
ALTER TABLE models DROP COLUMN reference;
ALTER TABLE models DROP COLUMN card;
ALTER TABLE submissions DROP COLUMN layers;
ALTER TABLE submissions DROP COLUMN problems;
ALTER TABLE submissions DROP COLUMN published;
ALTER TABLE submissions DROP COLUMN progress;
