-- The step log moves into the event log: a step's row and its `step.finished` event
-- become one row.
--
-- A committed step used to write about eleven b-tree pages: the step row and its
-- process index, the event and its process index, `sqlite_sequence` for both
-- AUTOINCREMENT keys, the process row and three of its indexes, and the snapshot
-- budget. Every page is a 4 KiB frame in the WAL, and WAL frames (and the checkpoints
-- they bring on) are most of what a step costs. After this migration a step writes
-- one event row and its process index entry, plus the process row (which now also
-- carries the snapshot budget).
--
-- `seq` loses AUTOINCREMENT: events are never deleted (cleaning up old task runs only
-- clears their step payloads), so the next seq is always above every seq ever handed
-- out, which is all AUTOINCREMENT added, at one more page per commit.
--
-- `process_steps` stays as a view, so reading the step log reads as before; its
-- `step_id` is now the seq of the step's event.

CREATE TABLE events_new (
    seq             INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    kind            TEXT NOT NULL,
    process_id      TEXT,
    subscription_id TEXT,
    product_id      TEXT,
    data            TEXT NOT NULL DEFAULT '{}',
    -- `step.finished` rows only: the step log (DESIGN §6). `at` is when the step
    -- finished; `state_patch` is NULL once the step was cleaned up with its run.
    step_name       TEXT,
    step_status     TEXT,
    attempt         INTEGER,
    started_at      TEXT,
    created_by      TEXT,
    error           TEXT,
    output          TEXT,
    state_patch     TEXT
);

-- Every step row was written with exactly one `step.finished` event of its process, in
-- the same transaction, so the k-th step of a process belongs to its k-th such event.
CREATE TABLE step_seq (
    step_id INTEGER PRIMARY KEY,
    seq     INTEGER NOT NULL UNIQUE
);
INSERT INTO step_seq (step_id, seq)
WITH s AS (
    SELECT step_id, process_id,
           row_number() OVER (PARTITION BY process_id ORDER BY step_id) AS k
    FROM process_steps
), e AS (
    SELECT seq, process_id,
           row_number() OVER (PARTITION BY process_id ORDER BY seq) AS k
    FROM events WHERE kind = 'step.finished'
)
SELECT s.step_id, e.seq FROM s JOIN e USING (process_id, k);

INSERT INTO events_new (seq, at, kind, process_id, subscription_id, product_id, data,
                        step_name, step_status, attempt, started_at, created_by, error,
                        output, state_patch)
SELECT e.seq, COALESCE(p.finished_at, e.at), e.kind, e.process_id, e.subscription_id,
       e.product_id, e.data, p.name, p.status, p.attempt, p.started_at, p.created_by,
       p.error, p.output, p.state_patch
FROM events e
LEFT JOIN step_seq m ON m.seq = e.seq
LEFT JOIN process_steps p ON p.step_id = m.step_id
ORDER BY e.seq;

-- A step row without its event (none is expected) is kept as a new event at the end.
INSERT INTO step_seq (step_id, seq)
SELECT p.step_id,
       (SELECT COALESCE(MAX(seq), 0) FROM events) + row_number() OVER (ORDER BY p.step_id)
FROM process_steps p
WHERE p.step_id NOT IN (SELECT step_id FROM step_seq);
INSERT INTO events_new (seq, at, kind, process_id, data, step_name, step_status, attempt,
                        started_at, created_by, error, output, state_patch)
SELECT m.seq, p.finished_at, 'step.finished', p.process_id,
       json_object('name', p.name, 'status', p.status, 'attempt', p.attempt,
                   'error', p.error, 'by', p.created_by),
       p.name, p.status, p.attempt, p.started_at, p.created_by, p.error, p.output,
       p.state_patch
FROM step_seq m JOIN process_steps p ON p.step_id = m.step_id
WHERE m.seq > (SELECT COALESCE(MAX(seq), 0) FROM events)
ORDER BY m.seq;

-- Snapshots name the last step they include by its new number.
UPDATE process_states SET step_id = (SELECT seq FROM step_seq WHERE step_seq.step_id = process_states.step_id)
WHERE step_id IS NOT NULL;

DROP TABLE step_seq;
DROP TABLE process_steps;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_process ON events (process_id, seq);
CREATE INDEX events_subscription ON events (subscription_id, seq) WHERE subscription_id IS NOT NULL;

CREATE VIEW process_steps AS
SELECT seq AS step_id, process_id, step_name AS name, step_status AS status, attempt,
       started_at, at AS finished_at, error, output, state_patch, created_by
FROM events
WHERE kind = 'step.finished' AND state_patch IS NOT NULL;

-- The bytes of patches a process may still log before its next snapshot, kept in the
-- process row that every step rewrites anyway; NULL: write a snapshot at the next step.
ALTER TABLE processes ADD COLUMN state_budget INTEGER;
UPDATE processes SET state_budget = (
    SELECT budget FROM process_states s WHERE s.process_id = processes.process_id AND s.step_id IS NOT NULL
);
ALTER TABLE process_states DROP COLUMN budget;
