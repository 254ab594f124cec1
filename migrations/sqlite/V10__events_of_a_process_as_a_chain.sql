-- The events of a process are found through a chain instead of an index entry per
-- event.
--
-- `events_process` (process_id, seq) gave every committed step one more b-tree leaf to
-- write: the entries of one process sit together, so the steps of sixty processes
-- committed in one transaction touched sixty different leaves, each a 4 KiB WAL frame.
-- That leaf was most of what a step cost a worker's group commit.
--
-- Now each event of a process names the one before it (`prev`), and the process row,
-- which every step rewrites anyway, names its newest (`last_event`). Reading a
-- process's events walks that chain backwards, one primary-key lookup per event.
-- The index stays for the few events that are not steps, so the chain of a process
-- whose row was deleted (a cleaned-up task run) is still found from its last event.

ALTER TABLE events ADD COLUMN prev INTEGER;
ALTER TABLE processes ADD COLUMN last_event INTEGER;

UPDATE events SET prev = chained.prev
FROM (
    SELECT seq, lag(seq) OVER (PARTITION BY process_id ORDER BY seq) AS prev
    FROM events
    WHERE process_id IS NOT NULL
) AS chained
WHERE events.seq = chained.seq AND chained.prev IS NOT NULL;

UPDATE processes SET last_event = (
    SELECT MAX(seq) FROM events WHERE events.process_id = processes.process_id
);

DROP INDEX events_process;
CREATE INDEX events_process ON events (process_id, seq) WHERE kind <> 'step.finished';
