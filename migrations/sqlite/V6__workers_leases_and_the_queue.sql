-- Workers, leases and the queue (DESIGN §12).
--
-- Every orch that runs a process (a command or a worker) holds a lease on it and
-- renews it while it runs: past `lease_until`, another orch may take the process over,
-- re-running only the step that was in flight. A process that waits (a transient
-- failure, a paused engine, a lock held by another) may be picked up by a worker from
-- `run_after` on; NULL means only by hand, or when what it waits for says so.
ALTER TABLE processes ADD COLUMN lease_until TEXT;
ALTER TABLE processes ADD COLUMN run_after TEXT;

-- The orchs that run processes from the queue, and when each last said it was alive.
CREATE TABLE workers (
    worker_id    TEXT PRIMARY KEY,          -- its owner name: host/pid/start
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    concurrency  INTEGER NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    lease_until  TEXT NOT NULL,
    stopped_at   TEXT                       -- set when it stopped cleanly
);

-- The engine switch: while `paused_at` is set, no step starts anywhere.
CREATE TABLE engine (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    paused_at TEXT,
    paused_by TEXT
);
INSERT INTO engine (id) VALUES (1);
