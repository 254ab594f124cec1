-- A worker asked to stop (SIGTERM, Ctrl-C, a claim the database failed) says so at once,
-- and until when its grace lets the steps in flight finish: `worker list` shows it
-- `stopping` rather than `running` while it claims nothing more.
ALTER TABLE workers ADD COLUMN stopping_at TEXT;
ALTER TABLE workers ADD COLUMN grace_until TEXT;
