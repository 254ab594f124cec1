//! Processes, their step log, and the definitions they started with.
//!
//! [`commit_step`] is the one place a step's outcome is written: the step row, the
//! process row and the events, in the caller's transaction.
//!
//! A process's current state lives in `process_states` as a snapshot plus the step
//! patches logged after it, not in the `processes` row: a state of megabytes would
//! otherwise be rewritten (and copied into the WAL) by every step, however small its
//! change. A snapshot is written at the first step, whenever the process comes to rest
//! (so a resting process reads without folding), and when the patches since the last
//! snapshot add up to more than the snapshot itself, which bounds both the bytes written
//! per step (amortised, about twice the patch) and the work of reading the state (at
//! most twice the parse of the snapshot).

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::events;
use super::query::Query;
use crate::domain::process::ProcessStatus;
use crate::domain::workflow::WorkflowDef;
use crate::store::StoreError;
use crate::store::events::Concerns;
use crate::store::processes::{
    AbortRequest, Filter, Find, NewProcess, ProcessRow, StepCommit, StepRow, claim_event,
    owner_parts, snapshot_budget, status_event,
};
use crate::store::workers::Runnable;

/// The process columns, then the state snapshot and the step it was taken after.
const PROCESS_COLUMNS: &str = "p.process_id, p.workflow, p.target, p.status, p.subscription_id, p.customer_id, p.is_task, p.created_by, p.started_at, p.last_modified_at, p.failed_reason, p.last_step, p.definition_hash, p.owner, p.lease_until, p.run_after, p.parent_id, p.parent_step, COALESCE(s.state, p.state), s.step_id, p.queued_by, p.abort_requested_by, p.abort_requested_at";
const PROCESS_FROM: &str = "processes p LEFT JOIN process_states s ON s.process_id = p.process_id";

/// A process row with its state snapshot text and the step the snapshot includes.
type RawProcess = (ProcessRow, String, Option<i64>);

fn process_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawProcess> {
    super::naming_row(r, "process", read_process)
}

fn read_process(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawProcess> {
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
            lease_until: r.get(14)?,
            run_after: r.get(15)?,
            parent_id: r.get(16)?,
            parent_step: r.get(17)?,
            queued_by: r.get(20)?,
            claimed_from: None,
            abort_requested: match (
                r.get::<_, Option<String>>(21)?,
                r.get::<_, Option<String>>(22)?,
            ) {
                (Some(by), Some(at)) => Some(AbortRequest { by, at }),
                _ => None,
            },
            state: Value::Null,
        },
        r.get::<_, Option<String>>(18)?.unwrap_or_default(),
        r.get(19)?,
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

/// Inserts a process with its definition (stored once per content) and its initial
/// state, and writes `process.started`.
pub fn insert(conn: &Connection, p: &NewProcess<'_>) -> Result<(), StoreError> {
    let hash = save_definition(conn, p.def, p.source)?;
    let now = crate::clock::now();
    let lease_until = p
        .owner
        .map(|_| crate::clock::format(now.checked_add(p.lease).unwrap_or(now)));
    let (host, pid) = p.owner.map(owner_parts).unwrap_or_default();
    let now = crate::clock::format(now);
    let status = if p.owner.is_some() {
        ProcessStatus::Running
    } else {
        ProcessStatus::Created
    };
    conn.prepare_cached(
        "INSERT INTO processes (process_id, workflow, target, definition_hash, status, subscription_id, customer_id, is_task, created_by, started_at, last_modified_at, state, owner, owner_since, lease_until, owner_host, owner_pid, parent_id, parent_step) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?10, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        p.process_id,
        p.def.name,
        p.def.target,
        hash,
        status,
        p.subscription_id,
        p.customer_id,
        p.def.target == crate::domain::workflow::Target::System,
        p.created_by,
        now,
        "{}",
        p.owner,
        lease_until,
        host,
        pid,
        p.parent.map(|(id, _)| id),
        p.parent.map(|(_, step)| step),
    ])?;
    write_snapshot(conn, p.process_id, None, p.state)?;
    events::append(
        conn,
        "process.started",
        Concerns {
            process_id: Some(p.process_id),
            subscription_id: p.subscription_id,
            ..Default::default()
        },
        &p.started_event(),
    )?;
    Ok(())
}

/// Makes a process continue with the definition of this hash.
pub fn set_definition(conn: &Connection, process_id: &str, hash: &str) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE processes SET definition_hash = ?2 WHERE process_id = ?1")?
        .execute([process_id, hash])?;
    Ok(())
}

/// Finds a process by id or by a unique prefix of it.
pub fn find(conn: &Connection, id: &str) -> Result<Find, StoreError> {
    if let Some(p) = get(conn, id)? {
        return Ok(Find::One(Box::new(p)));
    }
    if id.len() < 4 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Ok(Find::None);
    }
    let sql = format!(
        "SELECT {PROCESS_COLUMNS} FROM {PROCESS_FROM} WHERE p.process_id >= ?1 AND p.process_id < ?2 ORDER BY p.process_id LIMIT 6"
    );
    let upper = format!("{id}\u{10FFFF}");
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params![id, upper], process_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match rows.len() {
        0 => Find::None,
        1 => Find::One(Box::new(finish(
            conn,
            rows.into_iter()
                .next()
                .ok_or(rusqlite::Error::QueryReturnedNoRows)?,
        )?)),
        _ => Find::Ambiguous(rows.into_iter().map(|r| r.0.process_id).collect()),
    })
}

/// Parses the snapshot and folds into it the patches of the steps logged after it.
fn finish(conn: &Connection, (mut p, state, after): RawProcess) -> Result<ProcessRow, StoreError> {
    p.state = if state.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(&state)?
    };
    if let Some(after) = after {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT state_patch FROM process_steps WHERE step_id IN {} AND branch IS NULL ORDER BY step_id",
            events::of_process("?1", "?2")
        ))?;
        let mut rows = stmt.query(params![p.process_id, after])?;
        while let Some(row) = rows.next()? {
            let patch: String = row.get(0)?;
            if patch != "{}" {
                crate::engine::merge::apply(&mut p.state, &serde_json::from_str(&patch)?);
            }
        }
    }
    Ok(p)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<ProcessRow>, StoreError> {
    let sql = format!("SELECT {PROCESS_COLUMNS} FROM {PROCESS_FROM} WHERE p.process_id = ?1");
    match conn
        .prepare_cached(&sql)?
        .query_row([id], process_from_row)
        .optional()?
    {
        Some(row) => Ok(Some(finish(conn, row)?)),
        None => Ok(None),
    }
}

/// The workflow name of a process, without reading its state.
pub fn workflow_name(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT workflow FROM processes WHERE process_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Replaces the state snapshot of a process; `step_id` is the last step it includes.
/// Returns the budget of patch bytes until the next one.
fn write_snapshot(
    conn: &Connection,
    process_id: &str,
    step_id: Option<i64>,
    state: &Value,
) -> Result<i64, StoreError> {
    let text = state.to_string();
    let budget = snapshot_budget(text.len());
    conn.prepare_cached(
        "INSERT INTO process_states (process_id, step_id, state) VALUES (?1, ?2, ?3)
         ON CONFLICT (process_id) DO UPDATE SET step_id = excluded.step_id, state = excluded.state",
    )?
    .execute(params![process_id, step_id, text])?;
    Ok(budget)
}

pub fn steps(conn: &Connection, process_id: &str) -> Result<Vec<StepRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT step_id, name, status, attempt, started_at, finished_at, error, output, created_by, state_patch, branch FROM process_steps WHERE step_id IN {} ORDER BY step_id",
        events::of_process("?1", "0")
    ))?;
    let what = format!("process {process_id}, step");
    let rows = stmt.query_map([process_id], |r| {
        super::naming_row(r, &what, |r| {
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
                    branch: r.get(10)?,
                    state_patch: Value::Null,
                },
                r.get::<_, String>(9)?,
            ))
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut s, patch) = row?;
        s.state_patch = serde_json::from_str(&patch).map_err(|e| {
            StoreError::Data(format!(
                "process {process_id}, step {} ({}): its state change is not valid JSON: {e}",
                s.step_id, s.name
            ))
        })?;
        out.push(s);
    }
    Ok(out)
}

/// Writes a step (its `step.finished` event, which is also its log row), the process
/// row and a `process.<status>` event when the status changes; the caller owns the
/// transaction. The process is left in `status`, which may differ from the one the
/// commit asked for (the store decided otherwise in the same transaction).
///
/// Each statement here costs WAL pages, which are most of a step's cost, so the process
/// row is rewritten without touching its indexed columns unless they change, and the
/// snapshot budget lives in that same row.
pub fn commit_step(
    conn: &Connection,
    c: &StepCommit,
    status: ProcessStatus,
) -> Result<Written, StoreError> {
    let s = &c.step;
    let patch = s.state_patch.to_string();
    type Before = (
        ProcessStatus,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Written,
    );
    // Whether the process holds anything to settle is asked here, with its row, rather
    // than by a statement of its own: a committer runs these for every step.
    let (previous, previous_subscription, budget, owner, last_event, written): Before = conn
        .prepare_cached(
            "SELECT status, subscription_id, state_budget, owner, last_event, abort_requested_by IS NOT NULL,
                    EXISTS (SELECT 1 FROM callbacks WHERE process_id = ?1 AND closed_at IS NULL)
                    OR EXISTS (SELECT 1 FROM locks WHERE process_id = ?1)
                    OR EXISTS (SELECT 1 FROM lock_waiters WHERE process_id = ?1)
             FROM processes WHERE process_id = ?1",
        )?
        .query_row([&c.process_id], |r| {
            let written = Written {
                abort_asked: r.get(5)?,
                holds_waits: r.get(6)?,
            };
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, written))
        })?;
    c.fence(owner)?;
    let data = c.event_data();
    let path = s.path();
    conn.prepare_cached(
        "INSERT INTO events (at, kind, process_id, subscription_id, data, step_name, step_status, attempt, started_at, created_by, error, output, state_patch, finished_at, step_branch, prev) VALUES (?1, 'step.finished', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        // Written inside the transaction, so `at` follows `seq`; the step's own finish
        // time is kept beside it.
        crate::clock::now_text(),
        c.process_id,
        c.subscription_id,
        data,
        s.name,
        s.status,
        s.attempt,
        s.started_at,
        s.created_by,
        s.error,
        s.output,
        patch,
        s.finished_at,
        s.branch,
        last_event,
    ])?;
    let step_id = conn.last_insert_rowid();
    let budget = match c.budget_left(status, budget, patch.len()) {
        Some(left) => left,
        None => write_snapshot(conn, &c.process_id, Some(step_id), c.state())?,
    };
    let same_subscription = c
        .subscription_id
        .as_deref()
        .is_none_or(|id| previous_subscription.as_deref() == Some(id));
    if previous == status && same_subscription {
        conn.prepare_cached(
            "UPDATE processes SET last_step = ?2, last_modified_at = ?3, failed_reason = ?4, state_budget = ?5, last_event = ?6 WHERE process_id = ?1",
        )?
        .execute(params![
            c.process_id,
            path,
            s.finished_at,
            c.failed_reason,
            budget,
            step_id
        ])?;
    } else {
        conn.prepare_cached(
            "UPDATE processes SET status = ?2, last_step = ?3, last_modified_at = ?4, failed_reason = ?5, subscription_id = COALESCE(?6, subscription_id), state_budget = ?7, last_event = ?8, queued_by = CASE WHEN ?2 = 'created' THEN ?9 ELSE queued_by END WHERE process_id = ?1",
        )?
        // A step recorded by hand that queues the process (an answer or a skip for the
        // workers) makes its author the one the workers run it for.
        .execute(params![
            c.process_id,
            status,
            path,
            s.finished_at,
            c.failed_reason,
            c.subscription_id,
            budget,
            step_id,
            s.created_by
        ])?;
    }
    if let Some((kind, data)) = c.status_event(previous, status) {
        events::append(
            conn,
            &kind,
            Concerns {
                process_id: Some(&c.process_id),
                subscription_id: c.subscription_id.as_deref(),
                ..Default::default()
            },
            &data,
        )?;
    }
    Ok(written)
}

/// What [`commit_step`] read of its process with the row it wrote.
pub struct Written {
    /// An abort of the process was asked for.
    pub abort_asked: bool,
    /// The process has an open callback, holds a lock or waits in a lock's queue:
    /// something a step that goes on running may have to settle. Most processes have
    /// none.
    pub holds_waits: bool,
}

/// Sets the status of a process without a step (claiming it again, giving up on it after
/// an error), with a `process.<status>` event when the status changes.
pub fn set_status(
    conn: &Connection,
    process_id: &str,
    status: ProcessStatus,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let before: Option<(ProcessStatus, Option<String>)> = conn
        .prepare_cached("SELECT status, subscription_id FROM processes WHERE process_id = ?1")?
        .query_row([process_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((previous, subscription_id)) = before {
        if let Some((kind, data)) = status_event(previous, status, reason) {
            events::append(
                conn,
                &kind,
                Concerns {
                    process_id: Some(process_id),
                    subscription_id: subscription_id.as_deref(),
                    ..Default::default()
                },
                &data,
            )?;
        }
    }
    conn.prepare_cached(
        "UPDATE processes SET status = ?2, failed_reason = COALESCE(?3, failed_reason), last_modified_at = ?4 WHERE process_id = ?1",
    )?
    .execute(params![process_id, status, reason, crate::clock::now_text()])?;
    Ok(())
}

/// Whether `owner` holds the process.
pub fn held_by(conn: &Connection, process_id: &str, owner: &str) -> Result<bool, StoreError> {
    let now: Option<Option<String>> = conn
        .prepare_cached("SELECT owner FROM processes WHERE process_id = ?1")?
        .query_row([process_id], |r| r.get(0))
        .optional()?;
    Ok(now.flatten().as_deref() == Some(owner))
}

/// Lets go of a process: no owner, no lease.
pub fn release(conn: &Connection, process_id: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE processes SET owner = NULL, owner_host = NULL, owner_pid = NULL, owner_since = NULL, lease_until = NULL WHERE process_id = ?1",
    )?
    .execute([process_id])?;
    Ok(())
}

/// When a waiting process may be picked up again (None: only by hand).
pub fn set_run_after(
    conn: &Connection,
    process_id: &str,
    run_after: Option<&str>,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE processes SET run_after = ?2 WHERE process_id = ?1")?
        .execute(params![process_id, run_after])?;
    Ok(())
}

/// The latest child a step of `parent` started (its path is `step`).
pub fn child(
    conn: &Connection,
    parent: &str,
    step: &str,
) -> Result<Option<ProcessRow>, StoreError> {
    let sql = format!(
        "SELECT {PROCESS_COLUMNS} FROM {PROCESS_FROM} WHERE p.parent_id = ?1 AND p.parent_step = ?2 ORDER BY p.process_id DESC LIMIT 1"
    );
    match conn
        .prepare_cached(&sql)?
        .query_row([parent, step], process_from_row)
        .optional()?
    {
        Some(row) => Ok(Some(finish(conn, row)?)),
        None => Ok(None),
    }
}

/// A process that comes to rest wakes its parent: a parent at rest for its children
/// (`waiting`, or `suspended` or `awaiting_callback` while they await someone, with no
/// time of its own to run again) is due at once; a parent that runs meanwhile is told,
/// so that it does not go to sleep waiting for what already came.
pub fn wake_parent(conn: &Connection, child_id: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE processes SET
           run_after = CASE WHEN status IN ('waiting', 'suspended', 'awaiting_callback')
                                 AND owner IS NULL AND run_after IS NULL
                            THEN ?2 ELSE run_after END,
           children_woke = CASE WHEN status IN ('running', 'created') THEN 1 ELSE children_woke END
         WHERE process_id = (SELECT parent_id FROM processes WHERE process_id = ?1)",
    )?
    .execute([child_id, &crate::clock::now_text()])?;
    Ok(())
}

/// When a process that rests to wait for its children may run again: when one of them
/// comes to rest (None, see [`wake_parent`]), or at once if one did while it ran.
pub fn children_due(conn: &Connection, parent: &str) -> Result<Option<String>, StoreError> {
    let woke: bool = conn
        .prepare_cached("SELECT children_woke <> 0 FROM processes WHERE process_id = ?1")?
        .query_row([parent], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    if woke {
        conn.prepare_cached("UPDATE processes SET children_woke = 0 WHERE process_id = ?1")?
            .execute([parent])?;
    }
    Ok(woke.then(crate::clock::now_text))
}

/// What a claim compares and sets.
pub struct Claim<'a> {
    pub process_id: &'a str,
    pub seen_owner: Option<&'a str>,
    pub seen_status: ProcessStatus,
    pub owner: &'a str,
    pub lease_until: &'a str,
    /// For a takeover because the owner's lease ran out: the lease must still be over
    /// at this time (the store's clock), not only in the caller's eyes.
    pub lease_over_at: Option<&'a str>,
    /// The claim starts no step: a resting process taken gets no `process.running`.
    pub starts_no_step: bool,
}

/// Makes `owner` the owner of a running process, only if the row still has the owner
/// and status the caller saw (compare-and-set). Returns whether the claim was taken.
///
/// The condition keeps a claim atomic on its own, not only inside SQLite's write lock,
/// so it stays correct on a store where readers do not block writers. A claim of a
/// running process is a takeover and says so in the events.
pub fn claim(conn: &Connection, c: &Claim<'_>) -> Result<bool, StoreError> {
    let (host, pid) = owner_parts(c.owner);
    let now = crate::clock::now_text();
    let changed = conn
        .prepare_cached(
            "UPDATE processes SET owner = ?2, owner_host = ?3, owner_pid = ?4, owner_since = ?5, status = 'running', last_modified_at = ?5, lease_until = ?8, run_after = NULL
             WHERE process_id = ?1 AND owner IS ?6 AND status = ?7 AND (?9 IS NULL OR lease_until IS NULL OR lease_until < ?9)",
        )?
        .execute(params![
            c.process_id,
            c.owner,
            host,
            pid,
            now,
            c.seen_owner,
            c.seen_status,
            c.lease_until,
            c.lease_over_at
        ])?;
    if changed == 1 {
        let subscription_id: Option<String> = conn
            .prepare_cached("SELECT subscription_id FROM processes WHERE process_id = ?1")?
            .query_row([c.process_id], |r| r.get(0))?;
        let about = Concerns {
            process_id: Some(c.process_id),
            subscription_id: subscription_id.as_deref(),
            ..Default::default()
        };
        if let Some((kind, data)) =
            claim_event(c.seen_status, c.seen_owner, c.owner, c.starts_no_step)
        {
            events::append(conn, kind, about, &data)?;
        }
    }
    Ok(changed == 1)
}

/// The processes a worker may run now, oldest first: queued ones, waiting ones whose
/// time has come, those awaiting a callback past its deadline (to fail the step), and
/// running ones whose owner's lease ran out before `now` — never those of `owner`
/// itself, which it is driving: a process must never run twice at once.
pub fn runnable(
    conn: &Connection,
    owner: &str,
    now: &str,
    limit: i64,
    which: Runnable<'_>,
) -> Result<Vec<ProcessRow>, StoreError> {
    let columns = LIST_COLUMNS;
    // Due: waiting ones whose time came (a retry delay, a lock that freed for them),
    // and those awaiting a callback (or suspended with a branch that does) whose
    // deadline passed or whose answer came.
    let due = format!(
        "SELECT {columns} FROM processes WHERE status = 'waiting' AND run_after <= ?1
         UNION ALL SELECT {columns} FROM processes WHERE status = 'awaiting_callback' AND run_after <= ?1
         UNION ALL SELECT {columns} FROM processes WHERE status = 'suspended' AND run_after <= ?1"
    );
    let sql = match which {
        Runnable::Any => format!(
            "SELECT {columns} FROM processes WHERE status = 'created'
             UNION ALL {due}
             UNION ALL SELECT {columns} FROM processes WHERE status = 'running' AND lease_until < ?1 AND owner IS NOT ?3
             ORDER BY 1 LIMIT ?2"
        ),
        Runnable::WaitingDueAt { .. } => format!(
            "SELECT {columns} FROM processes WHERE status IN ('waiting', 'awaiting_callback', 'suspended') AND run_after <= ?1 AND last_modified_at < ?3 ORDER BY 1 LIMIT ?2"
        ),
        Runnable::WaitingBefore(_) => format!(
            "SELECT {columns} FROM processes WHERE status = 'waiting' AND last_modified_at < ?1 ORDER BY 1 LIMIT ?2"
        ),
    };
    let at = match which {
        Runnable::WaitingBefore(at) | Runnable::WaitingDueAt { at, .. } => at,
        Runnable::Any => now,
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = match which {
        Runnable::Any => stmt.query_map(params![at, limit, owner], process_from_row)?,
        Runnable::WaitingDueAt { rested_before, .. } => {
            stmt.query_map(params![at, limit, rested_before], process_from_row)?
        }
        Runnable::WaitingBefore(_) => stmt.query_map(params![at, limit], process_from_row)?,
    }
    .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(|r| finish(conn, r)).collect()
}

/// Renews the lease of every process `owner` runs; returns how many it holds.
pub fn renew_leases(
    conn: &Connection,
    owner: &str,
    lease_until: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE processes SET lease_until = ?2 WHERE owner = ?1 AND status = 'running'
         RETURNING process_id, abort_requested_by",
    )?;
    let rows = stmt.query_map([owner, lease_until], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    let mut asked = Vec::new();
    for row in rows {
        if let (id, Some(by)) = row? {
            asked.push((id, by));
        }
    }
    Ok(asked)
}

/// Records that `by` asks to abort a running process (a live orch runs it); the first
/// request stands. Returns false when the process is no longer running (it came to
/// rest, or finished, since it was read) or is gone: the caller aborts it at rest.
pub fn request_abort(
    conn: &Connection,
    process_id: &str,
    by: &str,
    at: &str,
) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "UPDATE processes SET abort_requested_by = COALESCE(abort_requested_by, ?2),
             abort_requested_at = COALESCE(abort_requested_at, ?3)
             WHERE process_id = ?1 AND status = 'running'",
        )?
        .execute([process_id, by, at])?
        > 0)
}

/// Puts a process at rest as `waiting` without a step (a worker stopping, the engine
/// paused): no owner, picked up again from `run_after`.
pub fn rest(
    conn: &Connection,
    process_id: &str,
    reason: &str,
    run_after: Option<&str>,
) -> Result<(), StoreError> {
    release(conn, process_id)?;
    set_status(conn, process_id, ProcessStatus::Waiting, Some(reason))?;
    set_run_after(conn, process_id, run_after)
}

/// Hands a failed, waiting or suspended process to the workers (`retry|resume
/// --queue`): it becomes `created` again, if it still is what the caller saw.
pub fn queue(
    conn: &Connection,
    process_id: &str,
    seen_status: ProcessStatus,
    by: &str,
) -> Result<bool, StoreError> {
    let before: Option<ProcessStatus> = conn
        .prepare_cached("SELECT status FROM processes WHERE process_id = ?1 AND owner IS NULL")?
        .query_row([process_id], |r| r.get(0))
        .optional()?;
    if before != Some(seen_status) {
        return Ok(false);
    }
    let why = format!("queued by {by}");
    set_status(conn, process_id, ProcessStatus::Created, Some(&why))?;
    // Due at once; and queued again, it has no failure to show until it fails again
    // (the reason above goes to the event only).
    conn.prepare_cached(
        "UPDATE processes SET run_after = NULL, failed_reason = NULL, queued_by = ?2 WHERE process_id = ?1",
    )?
    .execute([process_id, by])?;
    Ok(true)
}

/// The process columns without the state, which can be large and which lists never
/// need.
const LIST_COLUMNS: &str = "process_id, workflow, target, status, subscription_id, customer_id, is_task, created_by, started_at, last_modified_at, failed_reason, last_step, definition_hash, owner, lease_until, run_after, parent_id, parent_step, NULL, NULL, queued_by, abort_requested_by, abort_requested_at";

/// The row of a process without its state (left `null`).
pub fn row(conn: &Connection, id: &str) -> Result<Option<ProcessRow>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {LIST_COLUMNS} FROM processes WHERE process_id = ?1"
        ))?
        .query_row([id], process_from_row)
        .optional()?
        .map(|(p, _, _)| p))
}

pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<ProcessRow>, StoreError> {
    let mut q = Query::new(format!("SELECT {LIST_COLUMNS} FROM processes WHERE 1 = 1"));
    crate::store::filters::processes(&mut q, f);
    q.push(f.order()).then("LIMIT ?", f.limit);
    q.rows(conn, process_from_row)?
        .into_iter()
        .map(|row| finish(conn, row))
        .collect()
}

/// Deletes completed task runs (processes of `system` workflows) last changed before
/// `cutoff`, with their steps, when nothing kept refers to them (see
/// [`crate::store::processes::deletable_task_runs`]); returns how many runs and steps
/// went. Their events are kept (seq numbers are never reused); a step's event loses the
/// step's payload.
pub fn delete_task_runs(conn: &mut Connection, cutoff: &str) -> Result<(usize, usize), StoreError> {
    const IDS: &str = "SELECT value FROM json_each(?1)";
    let tx = super::write_tx(conn)?;
    let doomed: Vec<String> = {
        let sql = crate::store::processes::deletable_task_runs("is_task = 1", "?1");
        let mut st = tx.prepare(&sql)?;
        let rows = st.query_map([cutoff], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let ids = Value::from(doomed).to_string();
    let steps = tx.execute(
        &format!(
            "UPDATE events SET output = NULL, state_patch = NULL WHERE seq IN {} AND kind = 'step.finished' AND state_patch IS NOT NULL",
            events::of_processes(IDS)
        ),
        [&ids],
    )?;
    tx.execute(
        &format!("DELETE FROM process_states WHERE process_id IN ({IDS})"),
        [&ids],
    )?;
    let runs = tx.execute(
        &format!("DELETE FROM processes WHERE process_id IN ({IDS})"),
        [&ids],
    )?;
    tx.commit()?;
    Ok((runs, steps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{Source, workflow};
    use crate::domain::process::StepStatus;
    use serde_json::json;

    fn step(name: &str, status: &str, patch: Value) -> StepRow {
        StepRow {
            step_id: 0,
            name: name.into(),
            status: status.parse().unwrap(),
            attempt: 1,
            started_at: crate::clock::now_text(),
            finished_at: crate::clock::now_text(),
            error: None,
            output: None,
            created_by: "t".into(),
            branch: None,
            state_patch: patch,
        }
    }

    fn commit(conn: &Connection, id: &str, name: &str, status: &str, patch: Value, state: &Value) {
        let status: ProcessStatus = status.parse().unwrap();
        commit_step(
            conn,
            &StepCommit {
                process_id: id.to_string(),
                owner: "tester".into(),
                subscription_id: None,
                step: step(name, "success", patch),
                state: Some(std::sync::Arc::new(state.clone())),
                status,
                failed_reason: None,
                took: std::time::Duration::ZERO,
                subscription: None,
                retry_in: None,
                rest: None,
                awaits_children: false,
                claimed_from: None,
                paused_rest: None,
            },
            status,
        )
        .unwrap();
    }

    fn snapshot_step(conn: &Connection, id: &str) -> Option<i64> {
        conn.query_row(
            "SELECT step_id FROM process_states WHERE process_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
    }

    /// A database written before V4 (separate step rows, AUTOINCREMENT) keeps its step
    /// log, its states and its events through the migration, and takes new steps after.
    #[test]
    fn step_rows_move_into_their_events() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.db");
        let mut conn = super::super::open_unmigrated(
            &path,
            super::super::Sync::Normal,
            crate::store::Create::Allowed,
        )
        .unwrap();
        super::super::embedded::migrations::runner()
            .set_target(refinery::Target::Version(3))
            .run(&mut conn)
            .unwrap();
        let t = "2026-01-01T00:00:00Z";
        conn.execute_batch(&format!(
            "INSERT INTO workflow_definitions VALUES ('h', 'w', '{{}}', NULL, '{t}');
             INSERT INTO processes (process_id, workflow, target, definition_hash, status, created_by, started_at, last_modified_at, state)
               VALUES ('p1', 'w', 'system', 'h', 'failed', 'u', '{t}', '{t}', '{{}}'),
                      ('p2', 'w', 'system', 'h', 'completed', 'u', '{t}', '{t}', '{{}}'),
                      ('p3', 'w', 'system', 'h', 'failed', 'u', '{t}', '{t}', '{{}}');
             INSERT INTO events (kind, at, process_id, data) VALUES
               ('process.started', '{t}', 'p1', '{{}}'),
               ('step.finished', '{t}', 'p2', '{{\"name\":\"cleaned\"}}'),
               ('step.finished', '{t}', 'p1', '{{\"name\":\"Start\"}}'),
               ('step.finished', '{t}', 'p1', '{{\"name\":\"a\"}}'),
               ('step.finished', '{t}', 'p1', '{{\"name\":\"b\"}}'),
               ('process.failed', '{t}', 'p1', '{{}}');
             INSERT INTO process_steps (process_id, name, status, attempt, started_at, finished_at, state_patch, created_by) VALUES
               ('p1', 'Start', 'success', 1, '{t}', '{t}', '{{\"n\":0}}', 'u'),
               ('p1', 'a', 'success', 1, '{t}', '{t}', '{{\"n\":1}}', 'u'),
               ('p1', 'b', 'failed', 1, '{t}', '{t}', '{{}}', 'u'),
               ('p3', 'without its event', 'failed', 1, '{t}', '{t}', '{{}}', 'u');
             INSERT INTO process_states VALUES ('p1', 1, 100, '{{\"n\":0}}');"
        ))
        .unwrap();
        super::super::migrate(&mut conn, &path).unwrap();
        let conn = &conn;

        let steps = steps(conn, "p1").unwrap();
        let names: Vec<_> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Start", "a", "b"]);
        assert_eq!(steps[1].state_patch, json!({"n": 1}));
        assert_eq!(steps[2].status, StepStatus::Failed);
        assert_eq!(get(conn, "p1").unwrap().unwrap().state, json!({"n": 1}));
        assert!(
            super::steps(conn, "p2").unwrap().is_empty(),
            "a cleaned-up step came back"
        );
        let kinds: Vec<String> = events::list(conn, &crate::store::events::Filter::default())
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds.len(), 7, "events were lost or added: {kinds:?}");
        let of_p1 = crate::store::events::Filter {
            process_id: Some("p1".into()),
            ..Default::default()
        };
        let chained: Vec<String> = events::list(conn, &of_p1)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            chained,
            [
                "process.started",
                "step.finished",
                "step.finished",
                "step.finished",
                "process.failed"
            ],
            "the chain the migration made"
        );
        let kept: Vec<_> = super::steps(conn, "p3")
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(kept, ["without its event"]);

        conn.execute(
            "UPDATE processes SET owner = 'tester' WHERE process_id = 'p1'",
            [],
        )
        .unwrap();
        commit(
            conn,
            "p1",
            "c",
            "running",
            json!({"n": 2}),
            &json!({"n": 2}),
        );
        let after = super::steps(conn, "p1").unwrap();
        assert_eq!(after.last().map(|s| s.name.as_str()), Some("c"));
        let last = events::list(conn, &of_p1).unwrap().pop().map(|e| e.kind);
        assert_eq!(
            last.as_deref(),
            Some("step.finished"),
            "a new step joins the chain"
        );
        assert!(after[3].step_id > 7);
        assert_eq!(get(conn, "p1").unwrap().unwrap().state, json!({"n": 2}));
    }

    #[test]
    fn state_is_a_snapshot_plus_the_patches_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let conn = &super::super::tests::open_conn(dir.path());
        let def = workflow::parse(&Source::new(
            "workflows/w.toml",
            "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"a\"\nbuiltin = \"noop\"\n"
                .to_string(),
        ))
        .unwrap();
        let big = json!({"blob": "x".repeat(100 * 1024), "n": 0});
        let id = "0190abcd-0000-7000-8000-000000000001";
        insert(
            conn,
            &NewProcess {
                process_id: id,
                def: &def,
                source: None,
                subscription_id: None,
                customer_id: None,
                created_by: "t",
                state: &big,
                owner: Some("tester"),
                lease: std::time::Duration::from_secs(15),
                parent: None,
            },
        )
        .unwrap();
        assert_eq!(get(conn, id).unwrap().unwrap().state, big);

        // The first step writes a snapshot; small steps after it only log their patch.
        commit(conn, id, "Start", "running", big.clone(), &big);
        let first = snapshot_step(conn, id);
        assert!(first.is_some());
        let mut state = big.clone();
        for n in 1..=5 {
            state["n"] = json!(n);
            commit(
                conn,
                id,
                &format!("s{n}"),
                "running",
                json!({"n": n}),
                &state,
            );
        }
        assert_eq!(
            snapshot_step(conn, id),
            first,
            "small steps rewrote the snapshot"
        );
        let row: String = conn
            .query_row(
                "SELECT state FROM processes WHERE process_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(row, "{}", "the process row must not carry the state");
        assert_eq!(get(conn, id).unwrap().unwrap().state, state);
        assert!(matches!(find(conn, &id[..8]).unwrap(), Find::One(p) if p.state == state));

        // Coming to rest writes a fresh snapshot, so a resting process reads without folding.
        state["done"] = json!(true);
        commit(conn, id, "Done", "completed", json!({"done": true}), &state);
        assert_ne!(snapshot_step(conn, id), first);
        assert_eq!(get(conn, id).unwrap().unwrap().state, state);
    }
}
