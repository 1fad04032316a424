-- +goose Up
ALTER TABLE benchmarks ADD COLUMN synthetic BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE benchmarks ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE benchmarks ADD COLUMN files JSONB NOT NULL DEFAULT '[]';
ALTER TABLE benchmarks ADD COLUMN baselines JSONB NOT NULL DEFAULT '{}';
ALTER TABLE benchmarks ADD COLUMN params JSONB NOT NULL DEFAULT '{}';
ALTER TABLE benchmarks ADD COLUMN data_dir TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE benchmarks DROP COLUMN data_dir;
ALTER TABLE benchmarks DROP COLUMN params;
ALTER TABLE benchmarks DROP COLUMN baselines;
ALTER TABLE benchmarks DROP COLUMN files;
ALTER TABLE benchmarks DROP COLUMN description;
ALTER TABLE benchmarks DROP COLUMN synthetic;
