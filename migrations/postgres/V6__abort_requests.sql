-- An abort asked for while a live orch runs the process, as SQLite's V12: who asked
-- and when; the owner sees it when it next renews its lease and aborts the process.
ALTER TABLE processes ADD COLUMN abort_requested_by TEXT COLLATE "C";
ALTER TABLE processes ADD COLUMN abort_requested_at TEXT COLLATE "C";
