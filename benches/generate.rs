//! Fills an orch database with many processes, steps, subscriptions and events, for the
//! scale lines. The schema comes from the real binary (`orch db migrate`); the rows are
//! written directly with SQL, in big transactions with prepared statements and
//! `synchronous = OFF` (for the generator only), so that millions of rows take seconds.
//!
//! Rows look like what orch writes: UUIDv7 ids in time order, RFC 3339 times, a step log
//! with small patches, one `step.finished` event per step, the subscription's flattened
//! values and its full-text search row.

use rusqlite::{Connection, params};
use serde_json::json;

use crate::support::{Project, Res, ctx};

/// How big a generated database is.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub processes: usize,
    pub steps_per_process: usize,
    pub subscriptions: usize,
}

/// What the scale queries need to know about a generated database.
pub struct Generated {
    pub project: Project,
    /// A process in the middle of the table.
    pub process_id: String,
    /// A word that occurs in exactly one subscription's search row.
    pub search_word: String,
    /// An event sequence number in the middle of the events.
    pub middle_seq: i64,
}

/// Rows per transaction.
const BATCH: usize = 100_000;
/// 2024-01-01T00:00:00Z; generated rows are one second apart from there.
const EPOCH: i64 = 1_704_067_200;

const STATUSES: [&str; 5] = ["active", "active", "provisioning", "terminated", "initial"];
const CITIES: [&str; 8] = [
    "amsterdam",
    "utrecht",
    "groningen",
    "eindhoven",
    "delft",
    "enschede",
    "leiden",
    "nijmegen",
];

fn id_at(second: i64, n: u32) -> String {
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, second as u64, n);
    uuid::Uuid::new_v7(ts).to_string()
}

fn time_at(second: i64, micros: i64) -> String {
    jiff::Timestamp::from_microsecond(second * 1_000_000 + micros)
        .map(orch::clock::format)
        .unwrap_or_default()
}

/// A node's name; `search_word` of a database is one of these.
fn node_name(i: usize) -> String {
    format!("rtr{i:07}")
}

pub fn generate(size: Size) -> Res<Generated> {
    let project = Project::new()?;
    project.run(&["db", "migrate"])?;
    let mut conn = ctx(Connection::open(project.db()), "open generated db")?;
    ctx(
        conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -131072;"),
        "generator pragmas",
    )?;
    let (product_id, definition_hash) = catalogue(&conn)?;
    let subscription_ids = subscriptions(&mut conn, size, &product_id)?;
    let (process_id, middle_seq) = processes(&mut conn, size, &definition_hash, &subscription_ids)?;
    ctx(
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"),
        "checkpoint",
    )?;
    Ok(Generated {
        project,
        process_id,
        search_word: node_name(size.subscriptions / 2),
        middle_seq,
    })
}

/// The product every generated subscription is of, as orch stores a definition: the
/// dashboard and `product list` read it back whole.
pub const PRODUCT_DEF: &str = r#"{"name":"Node","type":"Node","tag":"NODE","description":"A router","status":"active","root":{"key":"node","block":"NodeBlock"},"blocks":{"NodeBlock":{"description":"A router","fields":{"name":{"type":"string"},"role":{"type":"string"},"city":{"type":"string"}}}}}"#;

/// One product and one workflow definition everything refers to.
fn catalogue(conn: &Connection) -> Res<(String, String)> {
    let product_id = id_at(EPOCH - 3600, 0);
    let now = time_at(EPOCH - 3600, 0);
    ctx(
        conn.execute(
            "INSERT INTO products (product_id, name, product_type, tag, description, status, root_key, root_block, definition, hash, created_at, updated_at)
             VALUES (?1, 'Node', 'Node', 'NODE', 'A router', 'active', 'node', 'NodeBlock', ?2, ?3, ?4, ?4)",
            params![product_id, PRODUCT_DEF, orch::domain::product::hash_text(PRODUCT_DEF), now],
        ),
        "insert product",
    )?;
    let wf = json!({"name": "modify_node", "target": "modify", "steps": []}).to_string();
    let hash = orch::domain::product::hash_text(&wf);
    ctx(
        conn.execute(
            "INSERT INTO workflow_definitions (hash, name, definition, first_seen) VALUES (?1, 'modify_node', ?2, ?3)",
            params![hash, wf, now],
        ),
        "insert workflow definition",
    )?;
    Ok((product_id, hash))
}

/// Runs `fill(tx, i)` for i in 0..n, committing every `BATCH` rows.
fn batched(
    conn: &mut Connection,
    n: usize,
    mut fill: impl FnMut(&rusqlite::Transaction<'_>, usize) -> rusqlite::Result<()>,
) -> Res<()> {
    let mut start = 0;
    while start < n {
        let tx = ctx(conn.transaction(), "begin")?;
        for i in start..(start + BATCH).min(n) {
            ctx(fill(&tx, i), "insert")?;
        }
        ctx(tx.commit(), "commit")?;
        start += BATCH;
    }
    Ok(())
}

fn subscriptions(conn: &mut Connection, size: Size, product_id: &str) -> Res<Vec<String>> {
    let ids: Vec<String> = (0..size.subscriptions)
        .map(|i| id_at(EPOCH + i as i64, 0))
        .collect();
    batched(conn, size.subscriptions, |tx, i| {
        let name = node_name(i);
        let role = if i % 4 == 0 { "core" } else { "edge" };
        let loopback = format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256);
        let city = CITIES[i % CITIES.len()];
        let description = format!("Node {name} in {city}");
        let status = STATUSES[i % STATUSES.len()];
        let at = time_at(EPOCH + i as i64, 0);
        let document = json!({"node": {"name": name, "role": role, "loopback": loopback}});
        tx.prepare_cached(
            "INSERT INTO subscriptions (subscription_id, product_id, customer_id, description, status, insync, start_date, document, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?6, ?6)",
        )?
        .execute(params![ids[i], product_id, format!("customer{}", i % 500), description, status, at, document.to_string()])?;
        let mut values = tx.prepare_cached(
            "INSERT INTO subscription_values (subscription_id, path, value) VALUES (?1, ?2, ?3)",
        )?;
        for (path, value) in [
            ("node.name", &name),
            ("node.role", &role.to_string()),
            ("node.loopback", &loopback),
        ] {
            values.execute(params![ids[i], path, value])?;
        }
        tx.prepare_cached(
            "INSERT INTO subscription_search (subscription_id, description, fields) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![ids[i], description, format!("{name} {role} {loopback}")])?;
        Ok(())
    })?;
    Ok(ids)
}

/// Processes, their steps, their events; returns a middle process id and event seq.
fn processes(
    conn: &mut Connection,
    size: Size,
    definition_hash: &str,
    subscription_ids: &[String],
) -> Res<(String, i64)> {
    let per = size.steps_per_process.max(2);
    let mut middle = String::new();
    // Processes in batches whose steps come to about `BATCH` rows.
    let per_batch = (BATCH / per).max(1);
    let mut start = 0;
    while start < size.processes {
        let tx = ctx(conn.transaction(), "begin")?;
        for i in start..(start + per_batch).min(size.processes) {
            let id = id_at(EPOCH + 100_000_000 + i as i64, 0);
            if i == size.processes / 2 {
                middle = id.clone();
            }
            let sub = subscription_ids.get(i % subscription_ids.len().max(1));
            ctx(
                process(&tx, i, &id, per, definition_hash, sub),
                "insert process",
            )?;
        }
        ctx(tx.commit(), "commit")?;
        start += per_batch;
    }
    let last: i64 = ctx(
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0)),
        "last seq",
    )?;
    Ok((middle, last / 2))
}

fn process(
    tx: &rusqlite::Transaction<'_>,
    i: usize,
    id: &str,
    steps: usize,
    definition_hash: &str,
    subscription_id: Option<&String>,
) -> rusqlite::Result<()> {
    let second = EPOCH + 100_000_000 + i as i64;
    let started = time_at(second, 0);
    let finished = time_at(second, steps as i64 * 1000);
    let status = match i % 50 {
        0 => "failed",
        1 => "suspended",
        _ => "completed",
    };
    let state = json!({"subscription_id": subscription_id, "note": "routine maintenance", "ticket": format!("CHG{i:07}")});
    tx.prepare_cached(
        "INSERT INTO processes (process_id, workflow, target, definition_hash, status, subscription_id, customer_id, is_task, created_by, started_at, last_modified_at, last_step, state)
         VALUES (?1, 'modify_node', 'modify', ?2, ?3, ?4, ?5, 0, 'noc', ?6, ?7, 'Done', ?8)",
    )?
    .execute(params![id, definition_hash, status, subscription_id, format!("customer{}", i % 500), started, finished, state.to_string()])?;
    if let Some(s) = subscription_id {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO process_subscriptions (process_id, subscription_id) VALUES (?1, ?2)",
        )?
        .execute(params![id, s])?;
    }
    // A step is its `step.finished` event with the step log columns filled in. Each
    // event names the one before it of its process, and the process row the last (the
    // chain a process's events are found by).
    let mut step_row = tx.prepare_cached(
        "INSERT INTO events (at, kind, process_id, subscription_id, data, step_name, step_status, attempt, started_at, created_by, state_patch, prev)
         VALUES (?1, 'step.finished', ?2, ?3, ?4, ?5, 'success', 1, ?6, 'noc', ?7, ?8)",
    )?;
    let mut event = tx.prepare_cached(
        "INSERT INTO events (at, kind, process_id, subscription_id, data, prev) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    event.execute(params![
        started,
        "process.started",
        id,
        subscription_id,
        r#"{"workflow":"modify_node","target":"modify","created_by":"noc"}"#,
        None::<i64>
    ])?;
    let mut prev = tx.last_insert_rowid();
    for k in 0..steps {
        let name = match k {
            0 => "Start".to_string(),
            k if k == steps - 1 => "Done".to_string(),
            k => format!("Step {k}"),
        };
        let (a, b) = (
            time_at(second, k as i64 * 1000),
            time_at(second, k as i64 * 1000 + 900),
        );
        let patch = if k == 0 {
            state.to_string()
        } else {
            format!("{{\"step{k}\":true}}")
        };
        let data = json!({"name": name, "status": "success", "attempt": 1, "duration_ms": 1, "error": null, "by": "noc"});
        step_row.execute(params![
            b,
            id,
            subscription_id,
            data.to_string(),
            name,
            a,
            patch,
            prev
        ])?;
        prev = tx.last_insert_rowid();
    }
    event.execute(params![
        finished,
        format!("process.{status}"),
        id,
        subscription_id,
        r#"{"from":"running","step":"Done"}"#,
        prev
    ])?;
    tx.prepare_cached("UPDATE processes SET last_event = ?2 WHERE process_id = ?1")?
        .execute(params![id, tx.last_insert_rowid()])?;
    Ok(())
}
