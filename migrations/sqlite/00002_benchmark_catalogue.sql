-- +goose Up
ALTER TABLE benchmarks ADD COLUMN synthetic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE benchmarks ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE benchmarks ADD COLUMN files TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(files));
ALTER TABLE benchmarks ADD COLUMN baselines TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(baselines));
ALTER TABLE benchmarks ADD COLUMN params TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params));
ALTER TABLE benchmarks ADD COLUMN data_dir TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE benchmarks DROP COLUMN data_dir;
ALTER TABLE benchmarks DROP COLUMN params;
ALTER TABLE benchmarks DROP COLUMN baselines;
ALTER TABLE benchmarks DROP COLUMN files;
ALTER TABLE benchmarks DROP COLUMN description;
ALTER TABLE benchmarks DROP COLUMN synthetic;
