-- +goose Up
ALTER TABLE submissions ADD COLUMN activations_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN reproduced INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE submissions DROP COLUMN reproduced;
ALTER TABLE submissions DROP COLUMN activations_digest;
