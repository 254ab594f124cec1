-- Who asked for a queued run, as SQLite's V11: a worker runs the steps on behalf of
-- the user who queued the process again, or (NULL) of the one who created it.
ALTER TABLE processes ADD COLUMN queued_by TEXT COLLATE "C";

-- A suspended process due for a worker (see SQLite's V11).
CREATE INDEX processes_suspended_due ON processes (run_after)
    WHERE status = 'suspended' AND run_after IS NOT NULL;
