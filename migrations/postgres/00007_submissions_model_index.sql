-- The leaderboard's incremental read selects, for the few models that
-- changed, their latest scored and published submission: without an index
-- on model_id that is a scan of every submission per new score. The
-- index's other columns answer the read's filters from the index.
-- +goose Up
CREATE INDEX submissions_model ON submissions(model_id, published, status);

-- +goose Down
DROP INDEX submissions_model;
