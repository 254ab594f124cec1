//! Processes, their step log, and the definitions they started with: the PostgreSQL
//! side of `store::sqlite::processes`, statement for statement.
//!
//! Where SQLite's single writer kept a read-modify-write whole, a row lock does here:
//! the process row is read `FOR UPDATE` before it is changed, and a claim is a
//! conditional UPDATE, which PostgreSQL re-checks against the row as it is once a
//! concurrent writer let go of it. Leases and `run_after` are the database's clock
//! (`now()`), so orchs on hosts whose clocks disagree judge them alike.
//!
//! The state is a snapshot plus the step patches after it, with the same budget as on
//! SQLite (see there for why).

use std::time::Duration;

use serde_json::Value;
use tokio_postgres::Row;

use super::tx::{Fail, NewEvent, R, StepColumns, Tx, clean_opt, word};
use crate::domain::process::ProcessStatus;
use crate::domain::workflow::{Target, WorkflowDef};
use crate::store::StoreError;
use crate::store::events::Concerns;
use crate::store::processes::{
    AbortRequest, Filter, Find, NewProcess, ProcessRow, StepCommit, StepRow, claim_event,
    owner_parts, snapshot_budget, status_event,
};
use crate::store::workers::Runnable;

const PROCESS_COLUMNS: &str = "p.process_id, p.workflow, p.target, p.status, p.subscription_id, p.customer_id, p.is_task, p.created_by, p.started_at, p.last_modified_at, p.failed_reason, p.last_step, p.definition_hash, p.owner, p.lease_until, p.run_after, p.parent_id, p.parent_step, COALESCE(s.state, p.state), s.step_id, p.queued_by, p.abort_requested_by, p.abort_requested_at";
const PROCESS_FROM: &str = "processes p LEFT JOIN process_states s ON s.process_id = p.process_id";
/// The columns of lists, without the state, which can be large and lists never need.
const LIST_COLUMNS: &str = "process_id, workflow, target, status, subscription_id, customer_id, is_task, created_by, started_at, last_modified_at, failed_reason, last_step, definition_hash, owner, lease_until, run_after, parent_id, parent_step, NULL::text, NULL::bigint, queued_by, abort_requested_by, abort_requested_at";

/// `$n` microseconds after the transaction's start, in orch's time text.
pub(super) fn later(n: usize) -> String {
    format!("utc_text(now() + ${n}::bigint * interval '1 microsecond')")
}

/// A duration as the microseconds [`later`] adds.
pub(super) fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 2)
}

type RawProcess = (ProcessRow, String, Option<i64>);

fn process_from_row(r: &Row) -> R<RawProcess> {
    read_process(r).map_err(|e| match e {
        Fail::Store(StoreError::Data(what)) => {
            let id = r.try_get::<_, String>(0).unwrap_or_else(|_| "?".into());
            Fail::Store(StoreError::Data(format!("process {id}: {what}")))
        }
        other => other,
    })
}

fn read_process(r: &Row) -> R<RawProcess> {
    Ok((
        ProcessRow {
            process_id: r.try_get(0)?,
            workflow: r.try_get(1)?,
            target: word::<Target>(r, 2)?,
            status: word(r, 3)?,
            subscription_id: r.try_get(4)?,
            customer_id: r.try_get(5)?,
            is_task: r.try_get(6)?,
            created_by: r.try_get(7)?,
            started_at: r.try_get(8)?,
            last_modified_at: r.try_get(9)?,
            failed_reason: r.try_get(10)?,
            last_step: r.try_get(11)?,
            definition_hash: r.try_get(12)?,
            owner: r.try_get(13)?,
            lease_until: r.try_get(14)?,
            run_after: r.try_get(15)?,
            parent_id: r.try_get(16)?,
            parent_step: r.try_get(17)?,
            queued_by: r.try_get(20)?,
            claimed_from: None,
            abort_requested: match (
                r.try_get::<_, Option<String>>(21)?,
                r.try_get::<_, Option<String>>(22)?,
            ) {
                (Some(by), Some(at)) => Some(AbortRequest { by, at }),
                _ => None,
            },
            state: Value::Null,
        },
        r.try_get::<_, Option<String>>(18)?.unwrap_or_default(),
        r.try_get(19)?,
    ))
}

pub async fn save_definition(tx: &Tx<'_>, def: &WorkflowDef, source: Option<&str>) -> R<String> {
    let json = def.canonical_json();
    let hash = crate::domain::product::hash_text(&json);
    tx.exec(
        "INSERT INTO workflow_definitions (hash, name, definition, source, first_seen) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING",
        &[&hash, &def.name, &json, &source, &crate::clock::now_text()],
    )
    .await?;
    Ok(hash)
}

pub async fn load_definition(tx: &Tx<'_>, hash: &str) -> R<Option<WorkflowDef>> {
    let row = tx
        .opt(
            "SELECT definition FROM workflow_definitions WHERE hash = $1",
            &[&hash],
        )
        .await?;
    Ok(match row {
        Some(r) => Some(serde_json::from_str(&r.try_get::<_, String>(0)?)?),
        None => None,
    })
}

/// Inserts a process with its definition and initial state, and appends
/// `process.started`.
pub async fn insert(tx: &mut Tx<'_>, p: &NewProcess<'_>) -> R<()> {
    let hash = save_definition(tx, p.def, p.source).await?;
    let now = crate::clock::now_text();
    let (host, pid) = p.owner.map(owner_parts).unwrap_or_default();
    let status = if p.owner.is_some() {
        ProcessStatus::Running
    } else {
        ProcessStatus::Created
    };
    let sql = format!(
        "INSERT INTO processes (process_id, workflow, target, definition_hash, status, subscription_id, customer_id, is_task, created_by, started_at, last_modified_at, state, owner, owner_since, lease_until, owner_host, owner_pid, parent_id, parent_step) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, '{{}}', $11, CASE WHEN $11::text IS NULL THEN NULL ELSE $10 END, CASE WHEN $11::text IS NULL THEN NULL ELSE {} END, $13, $14, $15, $16)",
        later(12)
    );
    tx.exec(
        &sql,
        &[
            &p.process_id,
            &p.def.name,
            &p.def.target.as_str(),
            &hash,
            &status.as_str(),
            &p.subscription_id,
            &clean_opt(p.customer_id),
            &(p.def.target == Target::System),
            &p.created_by,
            &now,
            &p.owner,
            &micros(p.lease),
            &host,
            &pid,
            &p.parent.map(|(id, _)| id),
            &p.parent.map(|(_, step)| step),
        ],
    )
    .await?;
    write_snapshot(tx, p.process_id, None, &p.state.to_string()).await?;
    super::events::append(
        tx,
        "process.started",
        Concerns {
            process_id: Some(p.process_id),
            subscription_id: p.subscription_id,
            ..Default::default()
        },
        &p.started_event(),
    );
    Ok(())
}

pub async fn set_definition(tx: &Tx<'_>, process_id: &str, hash: &str) -> R<()> {
    tx.exec(
        "UPDATE processes SET definition_hash = $2 WHERE process_id = $1",
        &[&process_id, &hash],
    )
    .await?;
    Ok(())
}

pub async fn find(tx: &Tx<'_>, id: &str) -> R<Find> {
    if let Some(p) = get(tx, id).await? {
        return Ok(Find::One(Box::new(p)));
    }
    if id.len() < 4 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Ok(Find::None);
    }
    let sql = format!(
        "SELECT {PROCESS_COLUMNS} FROM {PROCESS_FROM} WHERE p.process_id >= $1 AND p.process_id < $2 ORDER BY p.process_id LIMIT 6"
    );
    let upper = format!("{id}\u{10FFFF}");
    let mut rows = tx.rows(&sql, &[&id, &upper]).await?;
    Ok(match rows.len() {
        0 => Find::None,
        1 => {
            let row = process_from_row(&rows.remove(0))?;
            Find::One(Box::new(finish(tx, row).await?))
        }
        _ => Find::Ambiguous(
            rows.iter()
                .map(|r| Ok(process_from_row(r)?.0.process_id))
                .collect::<R<_>>()?,
        ),
    })
}

/// Parses the snapshot and folds into it the patches of the steps logged after it.
async fn finish(tx: &Tx<'_>, (mut p, state, after): RawProcess) -> R<ProcessRow> {
    p.state = if state.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(&state)?
    };
    if let Some(after) = after {
        let rows = tx
            .rows(
                "SELECT state_patch FROM process_steps WHERE process_id = $1 AND step_id > $2 AND branch IS NULL ORDER BY step_id",
                &[&p.process_id, &after],
            )
            .await?;
        for row in rows {
            let patch: String = row.try_get(0)?;
            if patch != "{}" {
                crate::engine::merge::apply(&mut p.state, &serde_json::from_str(&patch)?);
            }
        }
    }
    Ok(p)
}

pub async fn get(tx: &Tx<'_>, id: &str) -> R<Option<ProcessRow>> {
    let sql = format!("SELECT {PROCESS_COLUMNS} FROM {PROCESS_FROM} WHERE p.process_id = $1");
    match tx.opt(&sql, &[&id]).await? {
        Some(row) => Ok(Some(finish(tx, process_from_row(&row)?).await?)),
        None => Ok(None),
    }
}

/// The row of a process without its state.
pub async fn row(tx: &Tx<'_>, id: &str) -> R<Option<ProcessRow>> {
    let sql = format!("SELECT {LIST_COLUMNS} FROM processes WHERE process_id = $1");
    match tx.opt(&sql, &[&id]).await? {
        Some(row) => Ok(Some(process_from_row(&row)?.0)),
        None => Ok(None),
    }
}

/// Replaces the state snapshot; returns the budget of patch bytes until the next one.
async fn write_snapshot(
    tx: &Tx<'_>,
    process_id: &str,
    step_id: Option<i64>,
    state: &str,
) -> R<i64> {
    tx.exec(
        "INSERT INTO process_states (process_id, step_id, state) VALUES ($1, $2, $3)
         ON CONFLICT (process_id) DO UPDATE SET step_id = excluded.step_id, state = excluded.state",
        &[&process_id, &step_id, &state],
    )
    .await?;
    Ok(snapshot_budget(state.len()))
}

pub async fn steps(tx: &Tx<'_>, process_id: &str) -> R<Vec<StepRow>> {
    let rows = tx
        .rows(
            "SELECT step_id, name, status, attempt, started_at, finished_at, error, output, created_by, state_patch, branch FROM process_steps WHERE process_id = $1 ORDER BY step_id",
            &[&process_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StepRow {
                step_id: r.try_get(0)?,
                name: r.try_get(1)?,
                status: word(r, 2)?,
                attempt: r.try_get(3)?,
                started_at: r.try_get(4)?,
                finished_at: r.try_get(5)?,
                error: r.try_get(6)?,
                output: r.try_get(7)?,
                created_by: r.try_get(8)?,
                branch: r.try_get(10)?,
                state_patch: serde_json::from_str(&r.try_get::<_, String>(9)?)?,
            })
        })
        .collect()
}

/// Writes a step: its `step.finished` event (which is also its log row), the process
/// row and a `process.<status>` event when the status changes. The process row is
/// locked first, so nothing changes it between the read and the write; the engine
/// switch is read in the same statement and held (FOR SHARE), so a pause waits for
/// this commit and every commit after it sees the pause, as with SQLite's one writer.
/// The process is left in `status`, which may differ from the one the commit asked
/// for (the store decided otherwise in the same transaction). Returns whether the
/// engine is paused, and whether an abort of the process was asked for.
pub async fn commit_step(
    tx: &mut Tx<'_>,
    c: &StepCommit,
    status: ProcessStatus,
) -> R<(bool, bool)> {
    let s = &c.step;
    let patch = s.state_patch.to_string();
    let failed_reason = clean_opt(c.failed_reason.as_deref());
    let row = tx
        .one(
            "SELECT p.status, p.subscription_id, p.state_budget, e.paused_at IS NOT NULL, p.owner,
                    p.abort_requested_by IS NOT NULL
             FROM processes p, engine e WHERE p.process_id = $1 AND e.id = 1
             FOR UPDATE OF p FOR SHARE OF e",
            &[&c.process_id],
        )
        .await?;
    let previous: ProcessStatus = word(&row, 0)?;
    let previous_subscription: Option<String> = row.try_get(1)?;
    let budget: Option<i64> = row.try_get(2)?;
    let paused: bool = row.try_get(3)?;
    let abort_asked: bool = row.try_get(5)?;
    c.fence(row.try_get(4)?)?;
    let step_event = tx.event(NewEvent {
        kind: "step.finished".into(),
        process_id: Some(c.process_id.clone()),
        subscription_id: c.subscription_id.clone(),
        product_id: None,
        data: c.event_data(),
        step: Some(StepColumns {
            name: s.name.clone(),
            status: s.status.as_str().into(),
            attempt: s.attempt,
            started_at: s.started_at.clone(),
            created_by: s.created_by.clone(),
            error: clean_opt(s.error.as_deref()).map(Into::into),
            output: clean_opt(s.output.as_deref()).map(Into::into),
            state_patch: patch.clone(),
            finished_at: s.finished_at.clone(),
            branch: s.branch.clone(),
        }),
    });
    let (snapshot, budget) = match c.budget_left(status, budget, patch.len()) {
        Some(left) => (None, left),
        None => {
            let state = c.state().to_string();
            let budget = snapshot_budget(state.len());
            (Some(state), budget)
        }
    };
    let path = s.path();
    let same_subscription = c
        .subscription_id
        .as_deref()
        .is_none_or(|id| previous_subscription.as_deref() == Some(id));
    if previous == status && same_subscription {
        tx.exec(
            "UPDATE processes SET last_step = $2, last_modified_at = $3, failed_reason = $4, state_budget = $5 WHERE process_id = $1",
            &[&c.process_id, &path, &s.finished_at, &failed_reason, &budget],
        )
        .await?;
    } else {
        tx.exec(
            "UPDATE processes SET status = $2, last_step = $3, last_modified_at = $4, failed_reason = $5, subscription_id = COALESCE($6, subscription_id), state_budget = $7, queued_by = CASE WHEN $2 = 'created' THEN $8 ELSE queued_by END WHERE process_id = $1",
            // A step recorded by hand that queues the process (an answer or a skip for
            // the workers) makes its author the one the workers run it for.
            &[
                &c.process_id,
                &status.as_str(),
                &path,
                &s.finished_at,
                &failed_reason,
                &c.subscription_id,
                &budget,
                &s.created_by,
            ],
        )
        .await?;
    }
    if let Some((kind, data)) = c.status_event(previous, status) {
        super::events::append(
            tx,
            &kind,
            Concerns {
                process_id: Some(&c.process_id),
                subscription_id: c.subscription_id.as_deref(),
                ..Default::default()
            },
            &data,
        );
    }
    if let Some(state) = snapshot {
        // The snapshot names its step by the step's seq, drawn when its event goes in.
        tx.flush().await?;
        let step_id = tx.seq(step_event);
        write_snapshot(tx, &c.process_id, step_id, &state).await?;
    }
    Ok((paused, abort_asked))
}

/// Sets the status of a process without a step, with a `process.<status>` event when
/// the status changes.
pub async fn set_status(
    tx: &mut Tx<'_>,
    process_id: &str,
    status: ProcessStatus,
    reason: Option<&str>,
) -> R<()> {
    let before = tx
        .opt(
            "SELECT status, subscription_id FROM processes WHERE process_id = $1 FOR UPDATE",
            &[&process_id],
        )
        .await?;
    if let Some(row) = before {
        let previous: ProcessStatus = word(&row, 0)?;
        let subscription_id: Option<String> = row.try_get(1)?;
        if let Some((kind, data)) = status_event(previous, status, reason) {
            super::events::append(
                tx,
                &kind,
                Concerns {
                    process_id: Some(process_id),
                    subscription_id: subscription_id.as_deref(),
                    ..Default::default()
                },
                &data,
            );
        }
    }
    tx.exec(
        "UPDATE processes SET status = $2, failed_reason = COALESCE($3, failed_reason), last_modified_at = $4 WHERE process_id = $1",
        &[&process_id, &status.as_str(), &clean_opt(reason), &crate::clock::now_text()],
    )
    .await?;
    Ok(())
}

/// Locks a process's row until the transaction ends.
pub async fn lock(tx: &Tx<'_>, process_id: &str) -> R<()> {
    tx.exec(
        "SELECT 1 FROM processes WHERE process_id = $1 FOR UPDATE",
        &[&process_id],
    )
    .await?;
    Ok(())
}

/// Lets go of a process: no owner, no lease.
pub async fn release(tx: &Tx<'_>, process_id: &str) -> R<()> {
    tx.exec(
        "UPDATE processes SET owner = NULL, owner_host = NULL, owner_pid = NULL, owner_since = NULL, lease_until = NULL WHERE process_id = $1",
        &[&process_id],
    )
    .await?;
    Ok(())
}

/// When a waiting process may be picked up again: `after` from now (the database's
/// clock); None: only by hand.
pub async fn set_run_after(tx: &Tx<'_>, process_id: &str, after: Option<Duration>) -> R<()> {
    let sql = format!(
        "UPDATE processes SET run_after = CASE WHEN $2::bigint IS NULL THEN NULL ELSE {} END WHERE process_id = $1",
        later(2)
    );
    tx.exec(&sql, &[&process_id, &after.map(micros)]).await?;
    Ok(())
}

/// The latest child a step of `parent` started (its path is `step`).
pub async fn child(tx: &Tx<'_>, parent: &str, step: &str) -> R<Option<ProcessRow>> {
    let sql = format!(
        "SELECT {PROCESS_COLUMNS} FROM {PROCESS_FROM} WHERE p.parent_id = $1 AND p.parent_step = $2 ORDER BY p.process_id DESC LIMIT 1"
    );
    match tx.opt(&sql, &[&parent, &step]).await? {
        Some(row) => Ok(Some(finish(tx, process_from_row(&row)?).await?)),
        None => Ok(None),
    }
}

/// A process that comes to rest wakes its parent: a parent at rest for its children
/// (`waiting`, or `suspended` or `awaiting_callback` while they await someone, with no
/// time of its own to run again) is due at once; a parent that runs meanwhile is told,
/// so that it does not go to sleep waiting for what already came.
pub async fn wake_parent(tx: &Tx<'_>, child_id: &str) -> R<()> {
    tx.exec(
        "UPDATE processes SET
           run_after = CASE WHEN status IN ('waiting', 'suspended', 'awaiting_callback')
                                 AND owner IS NULL AND run_after IS NULL
                            THEN now_text() ELSE run_after END,
           children_woke = CASE WHEN status IN ('running', 'created') THEN true ELSE children_woke END
         WHERE process_id = (SELECT parent_id FROM processes WHERE process_id = $1)",
        &[&child_id],
    )
    .await?;
    Ok(())
}

/// When a process that rests to wait for its children may run again: when one of them
/// comes to rest (None, see [`wake_parent`]), or at once if one did while it ran.
pub async fn children_due(tx: &Tx<'_>, parent: &str) -> R<Option<Duration>> {
    let woke = tx
        .opt(
            "UPDATE processes SET children_woke = false WHERE process_id = $1 AND children_woke RETURNING process_id",
            &[&parent],
        )
        .await?;
    Ok(woke.map(|_| Duration::ZERO))
}

/// What a claim compares and sets.
pub struct Claim<'a> {
    pub process_id: &'a str,
    pub seen_owner: Option<&'a str>,
    pub seen_status: ProcessStatus,
    pub owner: &'a str,
    pub lease: Duration,
    /// A takeover because the owner's lease ran out: the lease must be over by the
    /// database's clock, not only in the caller's eyes.
    pub lease_over: bool,
    /// The claim starts no step: a resting process taken gets no `process.running`.
    pub starts_no_step: bool,
}

/// Makes `owner` the owner of a running process, only if the row still has the owner
/// and status the caller saw (compare-and-set); returns whether it was taken. A claim
/// of a running process is a takeover and says so in the events.
pub async fn claim(tx: &mut Tx<'_>, c: &Claim<'_>) -> R<bool> {
    let (host, pid) = owner_parts(c.owner);
    let sql = format!(
        "UPDATE processes SET owner = $2, owner_host = $3, owner_pid = $4, owner_since = now_text(), status = 'running', last_modified_at = now_text(), lease_until = {}, run_after = NULL
         WHERE process_id = $1 AND owner IS NOT DISTINCT FROM $6::text AND status = $7 AND (NOT $8 OR lease_until IS NULL OR lease_until < now_text())
         RETURNING subscription_id",
        later(5)
    );
    let row = tx
        .opt(
            &sql,
            &[
                &c.process_id,
                &c.owner,
                &host,
                &pid,
                &micros(c.lease),
                &c.seen_owner,
                &c.seen_status.as_str(),
                &c.lease_over,
            ],
        )
        .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let subscription_id: Option<String> = row.try_get(0)?;
    let about = Concerns {
        process_id: Some(c.process_id),
        subscription_id: subscription_id.as_deref(),
        ..Default::default()
    };
    if let Some((kind, data)) = claim_event(c.seen_status, c.seen_owner, c.owner, c.starts_no_step)
    {
        super::events::append(tx, kind, about, &data);
    }
    Ok(true)
}

/// The processes a claim may take, oldest first, locked for this transaction and
/// skipping those another orch is claiming: for a worker, queued ones, waiting ones
/// whose time has come, those awaiting a callback past its deadline (to fail the step)
/// and running ones whose owner's lease ran out (the database's clock); for the
/// scheduler and `resume_waiting`, waiting ones by the time they give.
///
/// A running process of `owner` itself is never among them, whatever its lease says:
/// it is driving it, and a process must never run twice at once.
pub async fn runnable(
    tx: &Tx<'_>,
    owner: &str,
    limit: i64,
    which: Runnable<'_>,
) -> R<Vec<ProcessRow>> {
    let (condition, second, third) = match which {
        Runnable::Any => (
            "status = 'created'
            OR (status IN ('waiting', 'awaiting_callback', 'suspended') AND run_after <= now_text())
            OR (status = 'running' AND lease_until < now_text() AND owner IS DISTINCT FROM $2)",
            owner,
            None,
        ),
        Runnable::WaitingDueAt { at, rested_before } => (
            "status IN ('waiting', 'awaiting_callback', 'suspended') AND run_after <= $2 AND last_modified_at < $3",
            at,
            Some(rested_before),
        ),
        Runnable::WaitingBefore(at) => ("status = 'waiting' AND last_modified_at < $2", at, None),
    };
    let sql = format!(
        "SELECT {LIST_COLUMNS} FROM processes WHERE ({condition})
         ORDER BY process_id LIMIT $1
         FOR UPDATE SKIP LOCKED"
    );
    let rows = match third {
        Some(third) => tx.rows(&sql, &[&limit, &second, &third]).await?,
        None => tx.rows(&sql, &[&limit, &second]).await?,
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(finish(tx, process_from_row(r)?).await?);
    }
    Ok(out)
}

/// Renews the lease of every process `owner` runs; returns those of them whose abort
/// was asked for, with who asked.
pub async fn renew_leases(tx: &Tx<'_>, owner: &str, lease: Duration) -> R<Vec<(String, String)>> {
    let sql = format!(
        "UPDATE processes SET lease_until = {} WHERE owner = $1 AND status = 'running'
         RETURNING process_id, abort_requested_by",
        later(2)
    );
    let mut asked = Vec::new();
    for r in tx.rows(&sql, &[&owner, &micros(lease)]).await? {
        if let Some(by) = r.try_get::<_, Option<String>>(1)? {
            asked.push((r.try_get(0)?, by));
        }
    }
    Ok(asked)
}

/// Records that `by` asks to abort a running process (a live orch runs it); the first
/// request stands. Returns false when the process is no longer running (it came to
/// rest, or finished, since it was read) or is gone: the caller aborts it at rest.
pub async fn request_abort(tx: &Tx<'_>, process_id: &str, by: &str, at: &str) -> R<bool> {
    Ok(tx
        .exec(
            "UPDATE processes SET abort_requested_by = COALESCE(abort_requested_by, $2),
             abort_requested_at = COALESCE(abort_requested_at, $3)
             WHERE process_id = $1 AND status = 'running'",
            &[&process_id, &by, &at],
        )
        .await?
        > 0)
}

/// Puts a process at rest as `waiting` without a step: no owner, picked up again
/// `after` from now (None: only by hand).
pub async fn rest(
    tx: &mut Tx<'_>,
    process_id: &str,
    reason: &str,
    after: Option<Duration>,
) -> R<()> {
    release(tx, process_id).await?;
    set_status(tx, process_id, ProcessStatus::Waiting, Some(reason)).await?;
    set_run_after(tx, process_id, after).await
}

/// Whether `owner` holds the process (its row locked until the transaction ends).
pub async fn held_by(tx: &Tx<'_>, process_id: &str, owner: &str) -> R<bool> {
    let row = tx
        .opt(
            "SELECT owner FROM processes WHERE process_id = $1 FOR UPDATE",
            &[&process_id],
        )
        .await?;
    let now: Option<String> = match row {
        Some(r) => r.try_get(0)?,
        None => None,
    };
    Ok(now.as_deref() == Some(owner))
}

/// Hands a failed, waiting or suspended process to the workers: it becomes `created`
/// again, if it still is what the caller saw.
pub async fn queue(
    tx: &mut Tx<'_>,
    process_id: &str,
    seen_status: ProcessStatus,
    by: &str,
) -> R<bool> {
    let before = tx
        .opt(
            "SELECT status FROM processes WHERE process_id = $1 AND owner IS NULL FOR UPDATE",
            &[&process_id],
        )
        .await?;
    let before: Option<ProcessStatus> = before.map(|r| word(&r, 0)).transpose()?;
    if before != Some(seen_status) {
        return Ok(false);
    }
    let why = format!("queued by {by}");
    set_status(tx, process_id, ProcessStatus::Created, Some(&why)).await?;
    // Due at once; and queued again, it has no failure to show until it fails again
    // (the reason above goes to the event only).
    tx.exec(
        "UPDATE processes SET run_after = NULL, failed_reason = NULL, queued_by = $2 WHERE process_id = $1",
        &[&process_id, &by],
    )
    .await?;
    Ok(true)
}

pub async fn list(tx: &Tx<'_>, f: &Filter) -> R<Vec<ProcessRow>> {
    let mut q =
        super::query::Query::new(format!("SELECT {LIST_COLUMNS} FROM processes WHERE true"));
    crate::store::filters::processes(&mut q, f);
    q.push(f.order()).then("LIMIT ?", f.limit);
    let rows = q.rows(tx).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(finish(tx, process_from_row(r)?).await?);
    }
    Ok(out)
}

/// Deletes completed task runs last changed before `cutoff`, with their steps, when
/// nothing kept refers to them (see [`crate::store::processes::deletable_task_runs`]);
/// their events stay (a step's event loses its payload). Returns how many runs and steps.
pub async fn delete_task_runs(tx: &Tx<'_>, cutoff: &str) -> R<(usize, usize)> {
    const IDS: &str = "SELECT unnest($1::text[])";
    let sql = crate::store::processes::deletable_task_runs("is_task", "$1");
    let doomed: Vec<String> = tx
        .rows(&sql, &[&cutoff])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let steps = tx
        .exec(
            &format!("UPDATE events SET output = NULL, state_patch = NULL WHERE kind = 'step.finished' AND state_patch IS NOT NULL AND process_id IN ({IDS})"),
            &[&doomed],
        )
        .await?;
    tx.exec(
        &format!("DELETE FROM process_states WHERE process_id IN ({IDS})"),
        &[&doomed],
    )
    .await?;
    let runs = tx
        .exec(
            &format!("DELETE FROM processes WHERE process_id IN ({IDS})"),
            &[&doomed],
        )
        .await?;
    Ok((runs as usize, steps as usize))
}
