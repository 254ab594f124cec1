-- Who asked for a queued run: the user who queued the process again (`retry`,
-- `resume` or a callback's answer with `--queue`, or the API). A worker runs the
-- steps on that user's behalf, so the step log names them (`created_by` of each step,
-- and `ORCH_USER` in the step's environment) rather than the worker's own user.
-- NULL: nobody queued it again, and the process's own `created_by` asked for it.
ALTER TABLE processes ADD COLUMN queued_by TEXT;

-- A suspended process is due for a worker or the scheduler when a callback that one
-- of its branches waits on passes its deadline or is answered (another branch awaits
-- input meanwhile). Most suspended processes wait for input alone and have no
-- `run_after`: the index holds only those that have one.
CREATE INDEX processes_suspended_due ON processes (run_after)
    WHERE status = 'suspended' AND run_after IS NOT NULL;
