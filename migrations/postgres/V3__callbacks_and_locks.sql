-- Callbacks and locks (DESIGN §14): the shape of SQLite's V8, with the types and
-- collation of V1 (TEXT COLLATE "C" times and ids, compared as SQLite compares them).
--
-- A callback token is stored only as its SHA-256 hash. It is open until its step ends
-- (`closed_at`); the first answer wins (`answered_at`, a conditional update under the
-- process row's lock) and closes the other open tokens of its step. `waiting_since` is
-- set when its process came to rest waiting on it, after the step's `run`. Times here
-- are the database's clock, as leases and `run_after` are.
CREATE TABLE callbacks (
    token_hash    TEXT COLLATE "C" PRIMARY KEY,
    process_id    TEXT COLLATE "C" NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    step          TEXT COLLATE "C" NOT NULL,
    attempt       BIGINT NOT NULL,
    created_at    TEXT COLLATE "C" NOT NULL,
    expires_at    TEXT COLLATE "C",
    waiting_since TEXT COLLATE "C",
    answered_at   TEXT COLLATE "C",
    answered_by   TEXT COLLATE "C",
    result        TEXT COLLATE "C",
    closed_at     TEXT COLLATE "C"
);
CREATE INDEX callbacks_of_step ON callbacks (process_id, step);

-- Locks on shared resources: a name held by one process, for one step (`step`) or for
-- the whole run (`step` NULL). They belong to the process, not to the orch running it.
--
-- Every change to `locks` and `lock_waiters` is made holding the transaction-scoped
-- advisory lock the code calls LOCKS_LOCK (src/store/postgres/locks.rs), taken before
-- any process row: one writer of the lock tables at a time, as on SQLite, so a queue's
-- `seq` order is the order its processes arrived in, and "held by nobody, nobody
-- queued first" stays true until the taker commits.
CREATE TABLE locks (
    name       TEXT COLLATE "C" PRIMARY KEY,
    process_id TEXT COLLATE "C" NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    step       TEXT COLLATE "C",
    since      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX locks_of_process ON locks (process_id);

-- The processes queued for a lock, in arrival order (`seq`). When the lock frees, the
-- first is woken (`woken_at`, and its process made due); nobody else takes it first.
CREATE TABLE lock_waiters (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    process_id TEXT COLLATE "C" NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    since      TEXT COLLATE "C" NOT NULL,
    woken_at   TEXT COLLATE "C",
    UNIQUE (name, process_id)
);
CREATE INDEX lock_waiters_of_process ON lock_waiters (process_id);
