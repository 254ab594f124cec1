-- A process's current state as a snapshot plus the step patches logged after it, so a
-- step writes what it changed rather than a copy of the whole state (a state of
-- megabytes rewritten by every step would dominate the database's growth, the WAL and
-- the time per step). Rows written before this table existed keep their state in
-- `processes.state`; new rows leave `processes.state` as '{}' and read it from here.
CREATE TABLE process_states (
    process_id TEXT PRIMARY KEY REFERENCES processes (process_id) ON DELETE CASCADE,
    step_id    INTEGER,                     -- the last step folded into `state`; NULL: none yet
    budget     INTEGER NOT NULL,            -- bytes of patches still allowed before the next snapshot
    state      TEXT NOT NULL
);
