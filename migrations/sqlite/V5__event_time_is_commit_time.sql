-- An event's `at` is when its transaction wrote it, so `at` never runs backwards
-- against `seq` (two steps that finish in one order may commit in the other). A
-- step's own finish time moves to its own column; rows written before keep theirs
-- in `at`, where it was.
ALTER TABLE events ADD COLUMN finished_at TEXT;

DROP VIEW process_steps;
CREATE VIEW process_steps AS
SELECT seq AS step_id, process_id, step_name AS name, step_status AS status, attempt,
       started_at, COALESCE(finished_at, at) AS finished_at, error, output, state_patch,
       created_by
FROM events
WHERE kind = 'step.finished' AND state_patch IS NOT NULL;
