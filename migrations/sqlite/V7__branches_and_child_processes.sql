-- Branches and child processes (DESIGN §13).
--
-- A step that runs inside a branch of a `parallel` or `foreach` group is logged with
-- its own name and the path of its branch (`Push every device [3]`), so the steps of
-- one scope are still matched by name, and the patches of branch steps (which apply
-- to the branch's state, not the process's) stay out of the process state's fold.
-- NULL: a top-level step.
ALTER TABLE events ADD COLUMN step_branch TEXT;

DROP VIEW process_steps;
CREATE VIEW process_steps AS
SELECT seq AS step_id, process_id, step_name AS name, step_status AS status, attempt,
       started_at, COALESCE(finished_at, at) AS finished_at, error, output, state_patch,
       created_by, step_branch AS branch
FROM events
WHERE kind = 'step.finished' AND state_patch IS NOT NULL;

-- A process started by a `workflow` step of another: the parent, and the path of the
-- step that started it, so a retry of the parent finds its child again instead of
-- starting a new one (the latest child of a step is its child; a new one is started
-- only after the operator aborted the last).
ALTER TABLE processes ADD COLUMN parent_id TEXT;
ALTER TABLE processes ADD COLUMN parent_step TEXT;
CREATE INDEX processes_parent ON processes (parent_id, parent_step, process_id)
    WHERE parent_id IS NOT NULL;

-- A child came to rest while its parent was running: when the parent then rests to
-- wait for its children, it is due at once instead of waiting for a wake-up that
-- already happened.
ALTER TABLE processes ADD COLUMN children_woke INTEGER NOT NULL DEFAULT 0;
