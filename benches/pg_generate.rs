//! Fills an orch database on PostgreSQL for the scale lines, as `generate` does for
//! SQLite: the schema from the real binary (`orch db migrate`), the rows written by the
//! server itself (`INSERT … SELECT` over `generate_series`), so that 100,000 processes
//! with their steps take seconds, not the minutes rows sent one by one would.
//!
//! The rows have the shape orch writes (see migrations/postgres and src/store/postgres):
//! UUIDv7 ids in time order, orch's time text, one `step.finished` event per step with
//! the step log's columns, a `process.started` and a final status event per process,
//! each subscription's flattened values and its search row, whose `words` are the
//! tokens orch's tokenizer makes of the description and the fields (`search::document`).

use crate::generate::{Generated, Size};
use crate::postgres::{block_on, connect, project};
use crate::support::{Res, ctx};

/// 2024-01-01T00:00:00Z; generated rows are one second apart from there.
const EPOCH: i64 = 1_704_067_200;

/// A UUIDv7 for `sec` seconds after the Unix epoch, unique by `n`; the time in orch's
/// text; a node's name (the search word of a database is one of these).
const FUNCTIONS: &str = r#"
CREATE FUNCTION pg_temp.v7(sec BIGINT, n BIGINT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || lpad(to_hex(n % 4096), 3, '0')
         || '-8' || lpad(to_hex(n / 4096 % 4096), 3, '0') || '-' || lpad(to_hex(n), 12, '0')
  FROM (SELECT lpad(to_hex(sec * 1000), 12, '0') AS h) x $$;
CREATE FUNCTION pg_temp.at(sec BIGINT, micros BIGINT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(to_timestamp(sec) AT TIME ZONE 'UTC' + micros * interval '1 microsecond',
                 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;
"#;

fn node_name(i: usize) -> String {
    format!("rtr{i:07}")
}

pub fn generate(size: Size) -> Res<Generated> {
    let (project, url) = project("scale")?;
    project.run(&["db", "migrate"])?;
    let subs = size.subscriptions.max(1);
    let steps = size.steps_per_process.max(2);
    let product_def = crate::generate::PRODUCT_DEF;
    let wf = r#"{"name":"modify_node","target":"modify","steps":[]}"#;
    let product_id = uuid_at(EPOCH - 3600).to_string();
    let script = format!(
        r#"
SET search_path = orch;
{FUNCTIONS}
INSERT INTO products (product_id, name, product_type, tag, description, status, root_key, root_block, definition, hash, created_at, updated_at)
VALUES ('{product_id}', 'Node', 'Node', 'NODE', 'A router', 'active', 'node', 'NodeBlock', '{product_def}', '{product_hash}', pg_temp.at({EPOCH} - 3600, 0), pg_temp.at({EPOCH} - 3600, 0));
INSERT INTO workflow_definitions (hash, name, definition, first_seen)
VALUES ('{wf_hash}', 'modify_node', '{wf}', pg_temp.at({EPOCH} - 3600, 0));

CREATE TEMP TABLE gs AS
SELECT i, pg_temp.v7({EPOCH} + i, i) AS id, 'rtr' || lpad(i::text, 7, '0') AS name,
       CASE WHEN i % 4 = 0 THEN 'core' ELSE 'edge' END AS role,
       (i / 65536 % 256)::text AS a, (i / 256 % 256)::text AS b, (i % 256)::text AS c,
       (ARRAY['amsterdam','utrecht','groningen','eindhoven','delft','enschede','leiden','nijmegen'])[i % 8 + 1] AS city,
       (ARRAY['active','active','provisioning','terminated','initial'])[i % 5 + 1] AS status,
       pg_temp.at({EPOCH} + i, 0) AS at
FROM generate_series(0, {subs} - 1) i;
INSERT INTO subscriptions (subscription_id, product_id, customer_id, description, status, insync, start_date, document, created_at, updated_at)
SELECT id, '{product_id}', 'customer' || (i % 500), 'Node ' || name || ' in ' || city, status, true, at,
       json_build_object('node', json_build_object('name', name, 'role', role, 'loopback', '10.' || a || '.' || b || '.' || c))::text,
       at, at
FROM gs ORDER BY i;
INSERT INTO subscription_values (subscription_id, path, value)
SELECT id, v.path, v.value FROM gs,
  LATERAL (VALUES ('node.name', name), ('node.role', role), ('node.loopback', '10.' || a || '.' || b || '.' || c)) v(path, value);
INSERT INTO subscription_search (subscription_id, description, fields, words)
SELECT id, 'Node ' || name || ' in ' || city, name || ' ' || role || ' 10.' || a || '.' || b || '.' || c,
       format('''node'':1 %s:2 ''in'':3 %s:4 %s:6 %s:7 ''10'':8 %s:9 %s:10 %s:11',
              quote_literal(name), quote_literal(city), quote_literal(name), quote_literal(role),
              quote_literal(a), quote_literal(b), quote_literal(c))::tsvector
FROM gs;

CREATE TEMP TABLE gp AS
SELECT p.i, pg_temp.v7({EPOCH} + 100000000 + p.i, p.i) AS id, {EPOCH} + 100000000 + p.i AS sec,
       gs.id AS sub,
       CASE p.i % 50 WHEN 0 THEN 'failed' WHEN 1 THEN 'suspended' ELSE 'completed' END AS status
FROM generate_series(0, {processes} - 1) p(i) JOIN gs ON gs.i = p.i % {subs};
INSERT INTO processes (process_id, workflow, target, definition_hash, status, subscription_id, customer_id, is_task, created_by, started_at, last_modified_at, last_step, state)
SELECT id, 'modify_node', 'modify', '{wf_hash}', status, sub, 'customer' || (i % 500), false, 'noc',
       pg_temp.at(sec, 0), pg_temp.at(sec, {steps} * 1000), 'Done',
       json_build_object('subscription_id', sub, 'note', 'routine maintenance', 'ticket', 'CHG' || lpad(i::text, 7, '0'))::text
FROM gp ORDER BY i;
INSERT INTO process_subscriptions (process_id, subscription_id) SELECT id, sub FROM gp;
INSERT INTO events (at, kind, process_id, subscription_id, data, step_name, step_status, attempt, started_at, created_by, state_patch)
SELECT at, kind, id, sub, data, step_name, step_status, attempt, started_at, created_by, state_patch FROM (
  SELECT gp.i, k,
         pg_temp.at(sec, CASE WHEN k < 0 THEN 0 WHEN k >= {steps} THEN {steps} * 1000 ELSE k * 1000 + 900 END) AS at,
         CASE WHEN k < 0 THEN 'process.started' WHEN k >= {steps} THEN 'process.' || status ELSE 'step.finished' END AS kind,
         id, sub,
         CASE WHEN k < 0 THEN '{{"workflow":"modify_node","target":"modify","created_by":"noc"}}'
              WHEN k >= {steps} THEN '{{"from":"running","step":"Done"}}'
              ELSE json_build_object('name', n, 'status', 'success', 'attempt', 1, 'duration_ms', 1, 'error', NULL, 'by', 'noc')::text END AS data,
         CASE WHEN k BETWEEN 0 AND {steps} - 1 THEN n END AS step_name,
         CASE WHEN k BETWEEN 0 AND {steps} - 1 THEN 'success' END AS step_status,
         CASE WHEN k BETWEEN 0 AND {steps} - 1 THEN 1 END AS attempt,
         CASE WHEN k BETWEEN 0 AND {steps} - 1 THEN pg_temp.at(sec, k * 1000) END AS started_at,
         CASE WHEN k BETWEEN 0 AND {steps} - 1 THEN 'noc' END AS created_by,
         CASE WHEN k = 0 THEN json_build_object('subscription_id', sub, 'note', 'routine maintenance', 'ticket', 'CHG' || lpad(gp.i::text, 7, '0'))::text
              WHEN k BETWEEN 1 AND {steps} - 1 THEN '{{"step' || k || '":true}}' END AS state_patch
  FROM gp, generate_series(-1, {steps}) k,
       LATERAL (SELECT CASE WHEN k = 0 THEN 'Start' WHEN k = {steps} - 1 THEN 'Done' ELSE 'Step ' || k END AS n) names
  ORDER BY gp.i, k
) rows;
ANALYZE;
"#,
        product_hash = orch::domain::product::hash_text(product_def),
        wf_hash = orch::domain::product::hash_text(wf),
        processes = size.processes,
    );
    let (process_id, middle_seq) = block_on(async {
        let client = connect(&url).await?;
        ctx(client.batch_execute(&script).await, "generate rows")?;
        let middle = ctx(
            client
                .query_one(
                    "SELECT (SELECT process_id FROM orch.processes ORDER BY process_id OFFSET $1 LIMIT 1),
                            (SELECT COALESCE(MAX(seq), 0) / 2 FROM orch.events)",
                    &[&(size.processes as i64 / 2)],
                )
                .await,
            "a middle process",
        )?;
        let id: Option<String> = ctx(middle.try_get(0), "process id")?;
        let seq: i64 = ctx(middle.try_get(1), "seq")?;
        Ok((id.unwrap_or_default(), seq))
    })?;
    Ok(Generated {
        project,
        process_id,
        search_word: node_name(subs / 2),
        middle_seq,
    })
}

/// A UUIDv7 of this second, as text.
fn uuid_at(second: i64) -> uuid::Uuid {
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, second as u64, 0);
    uuid::Uuid::new_v7(ts)
}
