-- Who asked for a queued run: the user who queued the process again (`retry`,
-- `resume` or a callback's answer with `--queue`, or the API). A worker runs the
-- steps on that user's behalf, so the step log names them (`created_by` of each step,
-- and `ORCH_USER` in the step's environment) rather than the worker's own user.
-- NULL: nobody queued it again, and the process's own `created_by` asked for it.
ALTER TABLE processes ADD COLUMN queued_by TEXT;
