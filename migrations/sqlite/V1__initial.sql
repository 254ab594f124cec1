-- The first schema of orch. Migrations are append-only: never edit this file once
-- released; add V2__… instead. SQL is kept portable where it costs nothing
-- (TEXT ids, RFC 3339 UTC times as TEXT, JSON as TEXT) so a PostgreSQL store can follow.

-- Product catalogue -------------------------------------------------------------

CREATE TABLE products (
    product_id   TEXT PRIMARY KEY,          -- UUIDv7
    name         TEXT NOT NULL UNIQUE,
    product_type TEXT NOT NULL,
    tag          TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    root_key     TEXT NOT NULL,
    root_block   TEXT NOT NULL,
    definition   TEXT NOT NULL,             -- the full definition as canonical JSON
    hash         TEXT NOT NULL,             -- sha256 of `definition`
    source       TEXT,                      -- file it was loaded from, relative to the project
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX products_tag ON products (tag);

CREATE TABLE fixed_inputs (
    product_id TEXT NOT NULL REFERENCES products (product_id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (product_id, name)
);

CREATE TABLE product_blocks (
    product_id  TEXT NOT NULL REFERENCES products (product_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (product_id, name)
);

-- Resource types: one row per field of a block.
CREATE TABLE block_fields (
    product_id TEXT NOT NULL,
    block      TEXT NOT NULL,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    field_type TEXT NOT NULL,               -- string, int, …, subscription, block
    required   TEXT,                        -- lifecycle from which it is required
    definition TEXT NOT NULL,               -- the field as JSON (values, min, max, …)
    PRIMARY KEY (product_id, block, name),
    FOREIGN KEY (product_id, block) REFERENCES product_blocks (product_id, name) ON DELETE CASCADE
);

-- Subscriptions -------------------------------------------------------------------

CREATE TABLE subscriptions (
    subscription_id TEXT PRIMARY KEY,       -- UUIDv7
    product_id      TEXT NOT NULL REFERENCES products (product_id),
    customer_id     TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,          -- initial, provisioning, active, disabled, terminated
    insync          INTEGER NOT NULL DEFAULT 0,
    start_date      TEXT,
    end_date        TEXT,
    note            TEXT,
    document        TEXT NOT NULL,          -- the filled-in block tree as JSON
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX subscriptions_status ON subscriptions (status, subscription_id);
CREATE INDEX subscriptions_product ON subscriptions (product_id, subscription_id);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id, subscription_id);

-- Block instances of a subscription's tree, for queries that should not parse documents.
CREATE TABLE subscription_blocks (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (subscription_id) ON DELETE CASCADE,
    path            TEXT NOT NULL,          -- e.g. node.ports[3]
    block           TEXT NOT NULL,
    PRIMARY KEY (subscription_id, path)
);

-- Scalar field values, flattened to `path = value`, for `subscription list --where`.
CREATE TABLE subscription_values (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (subscription_id) ON DELETE CASCADE,
    path            TEXT NOT NULL,          -- e.g. node.role or circuit.ports.name
    value           TEXT NOT NULL,
    PRIMARY KEY (subscription_id, path, value)
);
CREATE INDEX subscription_values_lookup ON subscription_values (path, value);

-- depends-on / in-use-by: a `subscription` field of `subscription_id` points at `depends_on_id`.
CREATE TABLE subscription_relations (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (subscription_id) ON DELETE CASCADE,
    depends_on_id   TEXT NOT NULL REFERENCES subscriptions (subscription_id),
    path            TEXT NOT NULL,
    PRIMARY KEY (subscription_id, path, depends_on_id)
);
CREATE INDEX subscription_relations_depends_on ON subscription_relations (depends_on_id);

CREATE VIRTUAL TABLE subscription_search USING fts5 (
    subscription_id UNINDEXED,
    description,
    fields
);

-- Workflows and processes ----------------------------------------------------------

-- Every workflow definition a process ever started with, content-addressed.
CREATE TABLE workflow_definitions (
    hash       TEXT PRIMARY KEY,            -- sha256 of `definition`
    name       TEXT NOT NULL,
    definition TEXT NOT NULL,               -- canonical JSON
    source     TEXT,
    first_seen TEXT NOT NULL
);
CREATE INDEX workflow_definitions_name ON workflow_definitions (name);

CREATE TABLE processes (
    process_id       TEXT PRIMARY KEY,      -- UUIDv7
    workflow         TEXT NOT NULL,
    target           TEXT NOT NULL,
    definition_hash  TEXT NOT NULL REFERENCES workflow_definitions (hash),
    status           TEXT NOT NULL,         -- created, running, suspended, waiting, failed, aborted, completed
    subscription_id  TEXT REFERENCES subscriptions (subscription_id),
    customer_id      TEXT,
    is_task          INTEGER NOT NULL DEFAULT 0,
    created_by       TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    last_modified_at TEXT NOT NULL,
    failed_reason    TEXT,
    last_step        TEXT,
    state            TEXT NOT NULL,         -- the state after the last committed step
    owner            TEXT,                  -- host/pid/start of the orch running it, NULL when idle
    owner_host       TEXT,
    owner_pid        INTEGER,
    owner_since      TEXT
);
CREATE INDEX processes_status ON processes (status, process_id);
CREATE INDEX processes_workflow ON processes (workflow, process_id);
CREATE INDEX processes_subscription ON processes (subscription_id, process_id);
CREATE INDEX processes_task ON processes (is_task, status, last_modified_at);

-- The step log: one row per executed step attempt. `state_patch` is the JSON Merge
-- Patch from the state before the step to the state after it, so the full state after
-- any step is the fold of the patches up to it.
CREATE TABLE process_steps (
    step_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    process_id  TEXT NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,              -- success, skipped, suspend, waiting, failed, abort, complete
    attempt     INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    error       TEXT,
    output      TEXT,                       -- tail of the step's stderr
    state_patch TEXT NOT NULL DEFAULT '{}',
    created_by  TEXT NOT NULL
);
CREATE INDEX process_steps_process ON process_steps (process_id, step_id);

-- Every subscription a process touched (the main one and any it referenced or changed).
CREATE TABLE process_subscriptions (
    process_id      TEXT NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (subscription_id),
    PRIMARY KEY (process_id, subscription_id)
);
CREATE INDEX process_subscriptions_subscription ON process_subscriptions (subscription_id);

-- Events ------------------------------------------------------------------------------

CREATE TABLE events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT NOT NULL,
    kind            TEXT NOT NULL,
    process_id      TEXT,
    subscription_id TEXT,
    product_id      TEXT,
    data            TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_kind ON events (kind, seq);
CREATE INDEX events_process ON events (process_id, seq);
CREATE INDEX events_subscription ON events (subscription_id, seq);

CREATE TABLE event_consumers (
    name       TEXT PRIMARY KEY,
    position   INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- Schedules ---------------------------------------------------------------------------

CREATE TABLE schedules (
    workflow      TEXT PRIMARY KEY,
    last_run_at   TEXT,
    next_run_at   TEXT,
    last_process  TEXT,
    claimed_by    TEXT,
    claimed_until TEXT
);
