-- orch's PostgreSQL schema: the shape of the SQLite schema after its V6, so the two
-- stores read alike (same tables, same columns, same names). Migrations are
-- append-only: never edit this file once released; add V2__… instead.
--
-- It runs with `search_path` set to orch's schema alone (`orch` unless the URL's
-- options or orch.toml's `pg_schema` say otherwise; see src/store/postgres/config.rs),
-- which the migration code creates first; every name below is unqualified so it lands
-- there, and refinery's history table beside it.
--
-- Types, and why:
-- * Ids, names and times are TEXT. Times are RFC 3339 UTC with microseconds, the text
--   of src/clock.rs (`2024-05-01T12:00:00.000000Z`), byte for byte what SQLite stores;
--   `utc_text()` / `now_text()` just below give the database's clock in that text.
-- * Every TEXT column is `COLLATE "C"`: comparisons and ORDER BY are by code point, as
--   in SQLite, whatever locale the database was created with (a glibc or ICU locale
--   would sort `B` before `a`, ignore punctuation, and make id-prefix ranges lie).
-- * JSON (documents, states, patches, event data) is TEXT, not JSONB: orch writes it
--   with its keys in a meaningful order and prints it back byte for byte, which JSONB
--   would not keep (it reorders keys and drops duplicates); orch never queries inside
--   it (the flattened tables below serve the queries), so JSONB would only cost a parse
--   per write.
-- * Integers are BIGINT, as SQLite's are 64-bit, so one Rust type (i64) reads both.
-- * Flags are BOOLEAN.

-- The database's clock, in orch's time text ----------------------------------------
--
-- For the few places that must use the server's clock rather than the client's
-- (claims taken by several hosts, `events.at`). `now_text()` is the start of the current
-- transaction, like one `clock::now_text()` for the whole transaction; `utc_text(t)`
-- formats any instant. (Each spells the format out: a function body calling another
-- function of this schema would depend on the caller's search_path.)

CREATE FUNCTION utc_text(t TIMESTAMPTZ) RETURNS TEXT
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

CREATE FUNCTION now_text() RETURNS TEXT
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- Product catalogue -------------------------------------------------------------

CREATE TABLE products (
    product_id   TEXT COLLATE "C" PRIMARY KEY,   -- UUIDv7
    name         TEXT COLLATE "C" NOT NULL UNIQUE,
    product_type TEXT COLLATE "C" NOT NULL,
    tag          TEXT COLLATE "C" NOT NULL,
    description  TEXT COLLATE "C" NOT NULL DEFAULT '',
    status       TEXT COLLATE "C" NOT NULL,
    root_key     TEXT COLLATE "C" NOT NULL,
    root_block   TEXT COLLATE "C" NOT NULL,
    definition   TEXT COLLATE "C" NOT NULL,      -- the full definition as canonical JSON
    hash         TEXT COLLATE "C" NOT NULL,      -- sha256 of `definition`
    source       TEXT COLLATE "C",               -- file it was loaded from, relative to the project
    created_at   TEXT COLLATE "C" NOT NULL,
    updated_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX products_tag ON products (tag);

CREATE TABLE fixed_inputs (
    product_id TEXT COLLATE "C" NOT NULL REFERENCES products (product_id) ON DELETE CASCADE,
    name       TEXT COLLATE "C" NOT NULL,
    value      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (product_id, name)
);

CREATE TABLE product_blocks (
    product_id  TEXT COLLATE "C" NOT NULL REFERENCES products (product_id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (product_id, name)
);

-- Resource types: one row per field of a block.
CREATE TABLE block_fields (
    product_id TEXT COLLATE "C" NOT NULL,
    block      TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    position   BIGINT NOT NULL,
    field_type TEXT COLLATE "C" NOT NULL,        -- string, int, …, subscription, block
    required   TEXT COLLATE "C",                 -- lifecycle from which it is required
    definition TEXT COLLATE "C" NOT NULL,        -- the field as JSON (values, min, max, …)
    PRIMARY KEY (product_id, block, name),
    FOREIGN KEY (product_id, block) REFERENCES product_blocks (product_id, name) ON DELETE CASCADE
);

-- Subscriptions -------------------------------------------------------------------

CREATE TABLE subscriptions (
    subscription_id TEXT COLLATE "C" PRIMARY KEY,    -- UUIDv7
    product_id      TEXT COLLATE "C" NOT NULL REFERENCES products (product_id),
    customer_id     TEXT COLLATE "C" NOT NULL,
    description     TEXT COLLATE "C" NOT NULL DEFAULT '',
    status          TEXT COLLATE "C" NOT NULL,       -- initial, provisioning, active, disabled, terminated
    insync          BOOLEAN NOT NULL DEFAULT false,
    start_date      TEXT COLLATE "C",
    end_date        TEXT COLLATE "C",
    note            TEXT COLLATE "C",
    document        TEXT COLLATE "C" NOT NULL,       -- the filled-in block tree as JSON
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX subscriptions_status ON subscriptions (status, subscription_id);
CREATE INDEX subscriptions_product ON subscriptions (product_id, subscription_id);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id, subscription_id);

-- Block instances of a subscription's tree, for queries that should not parse documents.
CREATE TABLE subscription_blocks (
    subscription_id TEXT COLLATE "C" NOT NULL REFERENCES subscriptions (subscription_id) ON DELETE CASCADE,
    path            TEXT COLLATE "C" NOT NULL,       -- e.g. node.ports[3]
    block           TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (subscription_id, path)
);

-- Scalar field values, flattened to `path = value`, for `subscription list --where`.
CREATE TABLE subscription_values (
    subscription_id TEXT COLLATE "C" NOT NULL REFERENCES subscriptions (subscription_id) ON DELETE CASCADE,
    path            TEXT COLLATE "C" NOT NULL,       -- e.g. node.role or circuit.ports.name
    value           TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (subscription_id, path, value)
);
CREATE INDEX subscription_values_lookup ON subscription_values (path, value);

-- depends-on / in-use-by: a `subscription` field of `subscription_id` points at `depends_on_id`.
CREATE TABLE subscription_relations (
    subscription_id TEXT COLLATE "C" NOT NULL REFERENCES subscriptions (subscription_id) ON DELETE CASCADE,
    depends_on_id   TEXT COLLATE "C" NOT NULL REFERENCES subscriptions (subscription_id),
    path            TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (subscription_id, path, depends_on_id)
);
CREATE INDEX subscription_relations_depends_on ON subscription_relations (depends_on_id);

-- Full-text search of `subscription list --search`, SQLite's FTS5 table
-- `subscription_search` without any extension: `description` and `fields` keep the
-- text as SQLite's table does, and `words` is the tsvector that is searched, written
-- by orch from those two columns with FTS5's own tokenizer rules (unicode61: runs of
-- letters and digits, lower-cased, Latin diacritics removed), description first, then
-- a gap, then fields, so a phrase never spans the two as in FTS5. A search is every
-- word prefix-matched as a phrase, all words required (`'10' <-> '0':*  &  'core':*`).
-- Both literals come from src/store/postgres/search.rs; orch never calls to_tsvector,
-- whose parser splits text differently from FTS5, so both stores find the same rows.
CREATE TABLE subscription_search (
    subscription_id TEXT COLLATE "C" PRIMARY KEY REFERENCES subscriptions (subscription_id) ON DELETE CASCADE,
    description     TEXT COLLATE "C" NOT NULL,
    fields          TEXT COLLATE "C" NOT NULL,
    words           TSVECTOR NOT NULL
);
CREATE INDEX subscription_search_words ON subscription_search USING GIN (words);

-- Workflows and processes ----------------------------------------------------------

-- Every workflow definition a process ever started with, content-addressed.
CREATE TABLE workflow_definitions (
    hash       TEXT COLLATE "C" PRIMARY KEY,     -- sha256 of `definition`
    name       TEXT COLLATE "C" NOT NULL,
    definition TEXT COLLATE "C" NOT NULL,        -- canonical JSON
    source     TEXT COLLATE "C",
    first_seen TEXT COLLATE "C" NOT NULL
);
CREATE INDEX workflow_definitions_name ON workflow_definitions (name);

CREATE TABLE processes (
    process_id       TEXT COLLATE "C" PRIMARY KEY,   -- UUIDv7
    workflow         TEXT COLLATE "C" NOT NULL,
    target           TEXT COLLATE "C" NOT NULL,
    definition_hash  TEXT COLLATE "C" NOT NULL REFERENCES workflow_definitions (hash),
    status           TEXT COLLATE "C" NOT NULL,      -- created, running, suspended, waiting, failed, aborted, completed
    subscription_id  TEXT COLLATE "C" REFERENCES subscriptions (subscription_id),
    customer_id      TEXT COLLATE "C",
    is_task          BOOLEAN NOT NULL DEFAULT false,
    created_by       TEXT COLLATE "C" NOT NULL,
    started_at       TEXT COLLATE "C" NOT NULL,
    last_modified_at TEXT COLLATE "C" NOT NULL,
    failed_reason    TEXT COLLATE "C",
    last_step        TEXT COLLATE "C",
    state            TEXT COLLATE "C" NOT NULL,      -- the state after the last committed step
    owner            TEXT COLLATE "C",               -- host/pid/start of the orch running it, NULL when idle
    owner_host       TEXT COLLATE "C",
    owner_pid        BIGINT,
    owner_since      TEXT COLLATE "C",
    -- The bytes of patches the process may still log before its next snapshot; NULL:
    -- write a snapshot at the next step.
    state_budget     BIGINT,
    -- Until when its owner's lease holds (the database's clock); past it another orch
    -- may take the process over, re-running only the step that was in flight.
    lease_until      TEXT COLLATE "C",
    -- When a waiting process may be picked up again by a worker; NULL: only by hand,
    -- or when what it waits for says so.
    run_after        TEXT COLLATE "C"
);
CREATE INDEX processes_status ON processes (status, process_id);
CREATE INDEX processes_workflow ON processes (workflow, process_id);
CREATE INDEX processes_subscription ON processes (subscription_id, process_id);
CREATE INDEX processes_task ON processes (is_task, status);

-- A process's current state as a snapshot plus the step patches logged after it.
CREATE TABLE process_states (
    process_id TEXT COLLATE "C" PRIMARY KEY REFERENCES processes (process_id) ON DELETE CASCADE,
    step_id    BIGINT,                        -- the seq of the last step folded into `state`; NULL: none yet
    state      TEXT COLLATE "C" NOT NULL
);

-- Every subscription a process touched (the main one and any it referenced or changed).
CREATE TABLE process_subscriptions (
    process_id      TEXT COLLATE "C" NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    subscription_id TEXT COLLATE "C" NOT NULL REFERENCES subscriptions (subscription_id),
    PRIMARY KEY (process_id, subscription_id)
);
CREATE INDEX process_subscriptions_subscription ON process_subscriptions (subscription_id);

-- Events ------------------------------------------------------------------------------
--
-- THE ORDER OF `seq` IS THE ORDER OF COMMITS. A follower (`events --follow`, consumers)
-- reads `seq > last seen` and must never skip an event that commits late with a
-- smaller seq. A sequence hands its numbers out at insert time, long before commit: a
-- transaction drawing 10 could commit after one drawing 11, and a follower that had
-- read 11 would never look back at 10. So every transaction that appends events first
-- takes the transaction-scoped advisory lock 8030590385585024628 (b"orchevnt") and only
-- then draws seq values; it holds the lock until it commits or rolls back, and
-- PostgreSQL makes a commit visible before it releases its locks, so the next writer
-- draws a larger seq only after the previous one is visible (or gone: a rolled-back
-- transaction leaves a gap, which followers do not mind).
--
-- The statement trigger below takes that lock before any row of an INSERT INTO events
-- is formed (column defaults, and so `nextval`, are evaluated per row, after BEFORE
-- STATEMENT triggers), so no writer can forget it. Rules for writers:
-- * seq comes only from the column default (never `nextval('events_seq')` by hand,
--   never an explicit seq);
-- * append events late in the transaction, as the lock serialises everything from
--   the first event insert to the commit (of this schema's and every other orch
--   schema's writers in the same database: the key is fixed);
-- * `store::postgres::lock_event_log` takes the same lock, for a transaction that must
--   hold it earlier (a test checks that both name the same key).
-- The trigger also queues `pg_notify('orch_events', <schema>)`, which PostgreSQL
-- delivers at commit and drops on rollback (one per transaction, however many events):
-- that is what wakes `events --follow` (store::postgres::listen).

CREATE SEQUENCE events_seq AS BIGINT;

CREATE TABLE events (
    seq             BIGINT PRIMARY KEY DEFAULT nextval('events_seq'),
    -- When the transaction wrote the row, so `at` never runs backwards against `seq`.
    -- Leave it to this default: the server's clock, read (like `seq`) after the lock,
    -- so it follows commit order even when orch runs on hosts whose clocks disagree.
    at              TEXT COLLATE "C" NOT NULL DEFAULT utc_text(clock_timestamp()),
    kind            TEXT COLLATE "C" NOT NULL,
    process_id      TEXT COLLATE "C",
    subscription_id TEXT COLLATE "C",
    product_id      TEXT COLLATE "C",
    data            TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    -- `step.finished` rows only: the step log (DESIGN §6). `state_patch` is NULL once
    -- the step was cleaned up with its run.
    step_name       TEXT COLLATE "C",
    step_status     TEXT COLLATE "C",
    attempt         BIGINT,
    started_at      TEXT COLLATE "C",
    created_by      TEXT COLLATE "C",
    error           TEXT COLLATE "C",
    output          TEXT COLLATE "C",
    state_patch     TEXT COLLATE "C",
    finished_at     TEXT COLLATE "C"
);
ALTER SEQUENCE events_seq OWNED BY events.seq;
CREATE INDEX events_process ON events (process_id, seq);
CREATE INDEX events_subscription ON events (subscription_id, seq) WHERE subscription_id IS NOT NULL;

CREATE FUNCTION events_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(8030590385585024628);
    PERFORM pg_notify('orch_events', TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;
CREATE TRIGGER events_commit_order BEFORE INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_commit_order();

CREATE VIEW process_steps AS
SELECT seq AS step_id, process_id, step_name AS name, step_status AS status, attempt,
       started_at, COALESCE(finished_at, at) AS finished_at, error, output, state_patch,
       created_by
FROM events
WHERE kind = 'step.finished' AND state_patch IS NOT NULL;

CREATE TABLE event_consumers (
    name       TEXT COLLATE "C" PRIMARY KEY,
    position   BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT COLLATE "C" NOT NULL
);

-- Schedules ---------------------------------------------------------------------------

CREATE TABLE schedules (
    workflow      TEXT COLLATE "C" PRIMARY KEY,
    last_run_at   TEXT COLLATE "C",
    next_run_at   TEXT COLLATE "C",
    last_process  TEXT COLLATE "C",
    claimed_by    TEXT COLLATE "C",
    claimed_until TEXT COLLATE "C"
);

-- Workers and the engine switch (DESIGN §12) ---------------------------------------

-- The orchs that run processes from the queue, and when each last said it was alive
-- (the database's clock, so hosts whose clocks disagree judge leases alike).
CREATE TABLE workers (
    worker_id    TEXT COLLATE "C" PRIMARY KEY,   -- its owner name: host/pid/start
    host         TEXT COLLATE "C" NOT NULL,
    pid          BIGINT NOT NULL,
    concurrency  BIGINT NOT NULL,
    started_at   TEXT COLLATE "C" NOT NULL,
    heartbeat_at TEXT COLLATE "C" NOT NULL,
    lease_until  TEXT COLLATE "C" NOT NULL,
    stopped_at   TEXT COLLATE "C"                -- set when it stopped cleanly
);

-- The engine switch: while `paused_at` is set, no step starts anywhere. One row; a
-- claim reads it FOR SHARE, so a pause waits for the claims in flight and every claim
-- after it sees it.
CREATE TABLE engine (
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    paused_at TEXT COLLATE "C",
    paused_by TEXT COLLATE "C"
);
INSERT INTO engine (id) VALUES (1);
