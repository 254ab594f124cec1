//! Processes, their step log, and the definitions they started with.
//!
//! [`commit_step`] is the one place a step's outcome is written: the step row, the
//! process row and the events, in the caller's transaction.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};

use super::StoreError;
use super::events::{self, Concerns};
use super::query::Query;
use crate::domain::workflow::WorkflowDef;

#[derive(Debug, Clone, Serialize)]
pub struct ProcessRow {
    #[serde(rename = "id")]
    pub process_id: String,
    pub workflow: String,
    pub target: String,
    pub status: String,
    pub subscription_id: Option<String>,
    pub customer_id: Option<String>,
    pub is_task: bool,
    pub created_by: String,
    pub started_at: String,
    pub last_modified_at: String,
    pub failed_reason: Option<String>,
    pub last_step: Option<String>,
    pub definition_hash: String,
    pub owner: Option<String>,
    #[serde(skip)]
    pub state: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    #[serde(skip)]
    pub step_id: i64,
    pub name: String,
    pub status: String,
    pub attempt: i64,
    pub started_at: String,
    pub finished_at: String,
    pub error: Option<String>,
    pub output: Option<String>,
    pub created_by: String,
    #[serde(skip)]
    pub state_patch: Value,
}

const PROCESS_COLUMNS: &str = "process_id, workflow, target, status, subscription_id, customer_id, is_task, created_by, started_at, last_modified_at, failed_reason, last_step, definition_hash, owner, state";

fn process_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ProcessRow, String)> {
    Ok((
        ProcessRow {
            process_id: r.get(0)?,
            workflow: r.get(1)?,
            target: r.get(2)?,
            status: r.get(3)?,
            subscription_id: r.get(4)?,
            customer_id: r.get(5)?,
            is_task: r.get(6)?,
            created_by: r.get(7)?,
            started_at: r.get(8)?,
            last_modified_at: r.get(9)?,
            failed_reason: r.get(10)?,
            last_step: r.get(11)?,
            definition_hash: r.get(12)?,
            owner: r.get(13)?,
            state: Value::Null,
        },
        r.get::<_, Option<String>>(14)?.unwrap_or_default(),
    ))
}

/// Stores a definition (once per content) and returns its hash.
pub fn save_definition(
    conn: &Connection,
    def: &WorkflowDef,
    source: Option<&str>,
) -> Result<String, StoreError> {
    let json = def.canonical_json();
    let hash = crate::domain::product::hash_text(&json);
    conn.prepare_cached(
        "INSERT OR IGNORE INTO workflow_definitions (hash, name, definition, source, first_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![hash, def.name, json, source, crate::clock::now_text()])?;
    Ok(hash)
}

pub fn load_definition(conn: &Connection, hash: &str) -> Result<Option<WorkflowDef>, StoreError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT definition FROM workflow_definitions WHERE hash = ?1")?
        .query_row([hash], |r| r.get(0))
        .optional()?;
    Ok(match text {
        Some(t) => Some(serde_json::from_str(&t)?),
        None => None,
    })
}

pub struct NewProcess<'a> {
    pub process_id: &'a str,
    pub def: &'a WorkflowDef,
    pub definition_hash: &'a str,
    pub subscription_id: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub created_by: &'a str,
    pub state: &'a Value,
    pub owner: Option<&'a str>,
}

pub fn insert(conn: &Connection, p: &NewProcess<'_>) -> Result<(), StoreError> {
    let now = crate::clock::now_text();
    let status = if p.owner.is_some() {
        "running"
    } else {
        "created"
    };
    conn.prepare_cached(
        "INSERT INTO processes (process_id, workflow, target, definition_hash, status, subscription_id, customer_id, is_task, created_by, started_at, last_modified_at, state, owner, owner_since) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?10)",
    )?
    .execute(params![
        p.process_id,
        p.def.name,
        p.def.target.as_str(),
        p.definition_hash,
        status,
        p.subscription_id,
        p.customer_id,
        p.def.target == crate::domain::workflow::Target::System,
        p.created_by,
        now,
        p.state.to_string(),
        p.owner,
    ])?;
    events::append(
        conn,
        "process.started",
        Concerns {
            process_id: Some(p.process_id),
            subscription_id: p.subscription_id,
            ..Default::default()
        },
        &json!({"workflow": p.def.name, "target": p.def.target.as_str(), "created_by": p.created_by}),
    )?;
    Ok(())
}

/// Finds a process by id or by a unique prefix of it.
pub fn find(conn: &Connection, id: &str) -> Result<Find, StoreError> {
    let sql = format!("SELECT {PROCESS_COLUMNS} FROM processes WHERE process_id = ?1");
    if let Some(row) = conn
        .prepare_cached(&sql)?
        .query_row([id], process_from_row)
        .optional()?
    {
        return Ok(Find::One(Box::new(finish(row)?)));
    }
    if id.len() < 4 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Ok(Find::None);
    }
    let sql = format!(
        "SELECT {PROCESS_COLUMNS} FROM processes WHERE process_id >= ?1 AND process_id < ?2 ORDER BY process_id LIMIT 2"
    );
    let upper = format!("{id}\u{10FFFF}");
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params![id, upper], process_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match rows.len() {
        0 => Find::None,
        1 => Find::One(Box::new(finish(
            rows.into_iter()
                .next()
                .ok_or(rusqlite::Error::QueryReturnedNoRows)?,
        )?)),
        _ => Find::Ambiguous,
    })
}

pub enum Find {
    One(Box<ProcessRow>),
    None,
    Ambiguous,
}

fn finish((mut p, state): (ProcessRow, String)) -> Result<ProcessRow, StoreError> {
    p.state = if state.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(&state)?
    };
    Ok(p)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<ProcessRow>, StoreError> {
    let sql = format!("SELECT {PROCESS_COLUMNS} FROM processes WHERE process_id = ?1");
    match conn
        .prepare_cached(&sql)?
        .query_row([id], process_from_row)
        .optional()?
    {
        Some(row) => Ok(Some(finish(row)?)),
        None => Ok(None),
    }
}

pub fn steps(conn: &Connection, process_id: &str) -> Result<Vec<StepRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT step_id, name, status, attempt, started_at, finished_at, error, output, created_by, state_patch FROM process_steps WHERE process_id = ?1 ORDER BY step_id",
    )?;
    let rows = stmt.query_map([process_id], |r| {
        Ok((
            StepRow {
                step_id: r.get(0)?,
                name: r.get(1)?,
                status: r.get(2)?,
                attempt: r.get(3)?,
                started_at: r.get(4)?,
                finished_at: r.get(5)?,
                error: r.get(6)?,
                output: r.get(7)?,
                created_by: r.get(8)?,
                state_patch: Value::Null,
            },
            r.get::<_, String>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut s, patch) = row?;
        s.state_patch = serde_json::from_str(&patch)?;
        out.push(s);
    }
    Ok(out)
}

/// How a committed step changes its process.
pub struct StepCommit<'a> {
    pub process_id: &'a str,
    pub subscription_id: Option<&'a str>,
    pub step: &'a StepRow,
    /// The state after the step (unchanged for a failed step).
    pub state: &'a Value,
    /// The process status after the step.
    pub status: &'a str,
    pub failed_reason: Option<&'a str>,
    pub duration_ms: u128,
}

/// Writes a step row, the process row and their events; the caller owns the transaction.
pub fn commit_step(conn: &Connection, c: &StepCommit<'_>) -> Result<(), StoreError> {
    let s = c.step;
    conn.prepare_cached(
        "INSERT INTO process_steps (process_id, name, status, attempt, started_at, finished_at, error, output, state_patch, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        c.process_id,
        s.name,
        s.status,
        s.attempt,
        s.started_at,
        s.finished_at,
        s.error,
        s.output,
        s.state_patch.to_string(),
        s.created_by
    ])?;
    let previous: String = conn
        .prepare_cached("SELECT status FROM processes WHERE process_id = ?1")?
        .query_row([c.process_id], |r| r.get(0))?;
    conn.prepare_cached(
        "UPDATE processes SET status = ?2, state = ?3, last_step = ?4, last_modified_at = ?5, failed_reason = ?6, subscription_id = COALESCE(?7, subscription_id) WHERE process_id = ?1",
    )?
    .execute(params![
        c.process_id,
        c.status,
        c.state.to_string(),
        s.name,
        s.finished_at,
        c.failed_reason,
        c.subscription_id
    ])?;
    let about = Concerns {
        process_id: Some(c.process_id),
        subscription_id: c.subscription_id,
        ..Default::default()
    };
    events::append(
        conn,
        "step.finished",
        about,
        &json!({"name": s.name, "status": s.status, "attempt": s.attempt, "duration_ms": c.duration_ms as u64, "error": s.error, "by": s.created_by}),
    )?;
    if previous != c.status && c.status != "running" {
        events::append(
            conn,
            &format!("process.{}", c.status),
            about,
            &json!({"from": previous, "to": c.status, "step": s.name, "reason": c.failed_reason}),
        )?;
    }
    Ok(())
}

/// Sets the status of a process without a step (claiming it again, giving up on it after
/// an error), with a `process.<status>` event when the status changes.
pub fn set_status(
    conn: &Connection,
    process_id: &str,
    status: &str,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let before: Option<(String, Option<String>)> = conn
        .prepare_cached("SELECT status, subscription_id FROM processes WHERE process_id = ?1")?
        .query_row([process_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((previous, subscription_id)) = before.filter(|(p, _)| p != status) {
        events::append(
            conn,
            &format!("process.{status}"),
            Concerns {
                process_id: Some(process_id),
                subscription_id: subscription_id.as_deref(),
                ..Default::default()
            },
            &json!({"from": previous, "to": status, "reason": reason}),
        )?;
    }
    conn.prepare_cached(
        "UPDATE processes SET status = ?2, failed_reason = COALESCE(?3, failed_reason), last_modified_at = ?4 WHERE process_id = ?1",
    )?
    .execute(params![process_id, status, reason, crate::clock::now_text()])?;
    Ok(())
}

/// Takes ownership of a process, returning the current owner when it is someone else.
pub fn set_owner(
    conn: &Connection,
    process_id: &str,
    owner: Option<&str>,
) -> Result<(), StoreError> {
    let (host, pid) = match owner {
        Some(o) => {
            let mut parts = o.split('/');
            (
                parts.next().map(str::to_string),
                parts.next().and_then(|p| p.parse::<i64>().ok()),
            )
        }
        None => (None, None),
    };
    conn.prepare_cached(
        "UPDATE processes SET owner = ?2, owner_host = ?3, owner_pid = ?4, owner_since = ?5 WHERE process_id = ?1",
    )?
    .execute(params![process_id, owner, host, pid, owner.map(|_| crate::clock::now_text())])?;
    Ok(())
}

/// Makes `owner` the owner of a running process, only if the row still has the owner
/// and status the caller saw (compare-and-set). Returns whether the claim was taken.
///
/// The condition keeps a claim atomic on its own, not only inside SQLite's write lock,
/// so it stays correct on a store where readers do not block writers.
pub fn claim(
    conn: &Connection,
    process_id: &str,
    seen_owner: Option<&str>,
    seen_status: &str,
    owner: &str,
) -> Result<bool, StoreError> {
    let mut parts = owner.split('/');
    let host = parts.next();
    let pid = parts.next().and_then(|p| p.parse::<i64>().ok());
    let now = crate::clock::now_text();
    let changed = conn
        .prepare_cached(
            "UPDATE processes SET owner = ?2, owner_host = ?3, owner_pid = ?4, owner_since = ?5, status = 'running', last_modified_at = ?5 WHERE process_id = ?1 AND owner IS ?6 AND status = ?7",
        )?
        .execute(params![process_id, owner, host, pid, now, seen_owner, seen_status])?;
    if changed == 1 && seen_status != "running" {
        let subscription_id: Option<String> = conn
            .prepare_cached("SELECT subscription_id FROM processes WHERE process_id = ?1")?
            .query_row([process_id], |r| r.get(0))?;
        events::append(
            conn,
            "process.running",
            Concerns {
                process_id: Some(process_id),
                subscription_id: subscription_id.as_deref(),
                ..Default::default()
            },
            &json!({"from": seen_status, "to": "running", "by": owner}),
        )?;
    }
    Ok(changed == 1)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<String>,
    pub workflow: Option<String>,
    pub subscription_id: Option<String>,
    pub since: Option<String>,
    pub tasks: Option<bool>,
    pub limit: i64,
}

pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<ProcessRow>, StoreError> {
    // The state can be large; lists never need it.
    let columns = PROCESS_COLUMNS.replace(", state", ", NULL");
    let mut q = Query::new(format!("SELECT {columns} FROM processes WHERE 1 = 1"));
    if let Some(s) = &f.status {
        q.and("status = ?", s.clone());
    }
    if let Some(w) = &f.workflow {
        q.and("workflow = ?", w.clone());
    }
    if let Some(s) = &f.subscription_id {
        q.and("subscription_id = ?", s.clone());
    }
    if let Some(s) = &f.since {
        q.and("started_at >= ?", s.clone());
    }
    if let Some(t) = f.tasks {
        q.and("is_task = ?", t);
    }
    q.push("ORDER BY process_id DESC").then("LIMIT ?", f.limit);
    q.rows(conn, process_from_row)?
        .into_iter()
        .map(finish)
        .collect()
}

/// Deletes completed task runs (processes of `system` workflows) last changed before
/// `cutoff`, with their steps; returns how many runs and steps went. Events are kept.
pub fn delete_task_runs(conn: &mut Connection, cutoff: &str) -> Result<(usize, usize), StoreError> {
    const OLD: &str = "SELECT process_id FROM processes WHERE is_task = 1 AND status = 'completed' AND last_modified_at < ?1";
    let tx = super::write_tx(conn)?;
    let steps = tx.execute(
        &format!("DELETE FROM process_steps WHERE process_id IN ({OLD})"),
        [cutoff],
    )?;
    let runs = tx.execute(
        "DELETE FROM processes WHERE is_task = 1 AND status = 'completed' AND last_modified_at < ?1",
        [cutoff],
    )?;
    tx.commit()?;
    Ok((runs, steps))
}
