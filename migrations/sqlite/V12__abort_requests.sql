-- An abort asked for while a live orch runs the process (`process abort` of a running
-- process): who asked and when. The orch that runs it sees the request when it next
-- renews its lease (or before its next step), stops the step in flight and records
-- the abort itself, since only the owner writes a process's steps. NULL: nobody asked.
ALTER TABLE processes ADD COLUMN abort_requested_by TEXT;
ALTER TABLE processes ADD COLUMN abort_requested_at TEXT;
