-- Fewer index pages written per committed step.
--
-- `processes_task` held `last_modified_at`, which changes on every step, so every step
-- rewrote an index entry; task cleanup filters on (is_task, status) and reads the time
-- from the rows it finds.
DROP INDEX processes_task;
CREATE INDEX processes_task ON processes (is_task, status);

-- Event filters by kind are globs checked while walking `seq`; the kind index was
-- written on every event and could not serve them.
DROP INDEX events_kind;

-- Most events of tasks concern no subscription: index only those that do.
DROP INDEX events_subscription;
CREATE INDEX events_subscription ON events (subscription_id, seq) WHERE subscription_id IS NOT NULL;
