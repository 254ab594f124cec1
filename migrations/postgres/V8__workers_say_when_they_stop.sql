-- A worker asked to stop says so at once, and until when its grace lets the steps in
-- flight finish, as SQLite's V14: `worker list` shows it `stopping`.
ALTER TABLE workers ADD COLUMN stopping_at TEXT;
ALTER TABLE workers ADD COLUMN grace_until TEXT;
