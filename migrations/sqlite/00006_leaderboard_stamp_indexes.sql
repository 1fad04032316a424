-- Indexes that make the leaderboard's freshness stamp cheap enough to
-- read on every request: MAX(updated_at) becomes one index probe, and the
-- count of public models an index-only scan.
-- +goose Up
CREATE INDEX submissions_updated ON submissions(updated_at);
CREATE INDEX models_visibility ON models(visibility);

-- +goose Down
DROP INDEX models_visibility;
DROP INDEX submissions_updated;
