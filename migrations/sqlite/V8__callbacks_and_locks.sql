-- Callbacks and locks (DESIGN §14).
--
-- A callback token is stored only as its SHA-256 hash. It is open until its step ends
-- (`closed_at`); the first answer wins (`answered_at`, a conditional update) and closes
-- the other open tokens of its step. `waiting_since` is set when its process came to
-- rest waiting on it, after the step's `run`.
CREATE TABLE callbacks (
    token_hash    TEXT PRIMARY KEY,
    process_id    TEXT NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    step          TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT,
    waiting_since TEXT,
    answered_at   TEXT,
    answered_by   TEXT,
    result        TEXT,
    closed_at     TEXT
);
CREATE INDEX callbacks_of_step ON callbacks (process_id, step);

-- Locks on shared resources: a name held by one process, for one step (`step`) or for
-- the whole run (`step` NULL). They belong to the process, not to the orch running it.
CREATE TABLE locks (
    name       TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    step       TEXT,
    since      TEXT NOT NULL
);
CREATE INDEX locks_of_process ON locks (process_id);

-- The processes queued for a lock, in arrival order (`seq`). When the lock frees, the
-- first is woken (`woken_at`, and its process made due); nobody else takes it first.
CREATE TABLE lock_waiters (
    seq        INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    process_id TEXT NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    since      TEXT NOT NULL,
    woken_at   TEXT,
    UNIQUE (name, process_id)
);
CREATE INDEX lock_waiters_of_process ON lock_waiters (process_id);
