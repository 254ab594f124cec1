//! Callback tokens on SQLite: opened before a callback step's `run`, answered once,
//! closed when their step ends (see `store::callbacks`).
//!
//! Every write here happens inside a write transaction (SQLite has one writer at a
//! time), and each answer is still a conditional update of its own row, so that of
//! any number of answers racing for one token exactly one changes it.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::events;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::store::StoreError;
use crate::store::callbacks::{
    Answer, CallbackRow, OpenToken, Wait, first_deadline_sql, progress_data, stored_answer,
};
use crate::store::events::Concerns;

/// Records a new token (its hash) of a step; `expires_at` is its deadline.
pub fn open(
    conn: &Connection,
    token_hash: &str,
    process_id: &str,
    step: &str,
    attempt: i64,
    expires_at: Option<&str>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO callbacks (token_hash, process_id, step, attempt, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        token_hash,
        process_id,
        step,
        attempt,
        crate::clock::now_text(),
        expires_at
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, token_hash: &str) -> Result<Option<CallbackRow>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT process_id, step, attempt, created_at, expires_at, waiting_since, answered_at, closed_at FROM callbacks WHERE token_hash = ?1",
        )?
        .query_row([token_hash], |r| {
            Ok(CallbackRow {
                process_id: r.get(0)?,
                step: r.get(1)?,
                attempt: r.get(2)?,
                created_at: r.get(3)?,
                expires_at: r.get(4)?,
                waiting_since: r.get(5)?,
                answered_at: r.get(6)?,
                closed_at: r.get(7)?,
            })
        })
        .optional()?)
}

/// Where the callback step `step` of a process stands, its open tokens taken together.
pub fn wait(
    conn: &Connection,
    process_id: &str,
    step: &str,
    now: &str,
) -> Result<Wait, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT expires_at, waiting_since, answered_at, result FROM callbacks WHERE process_id = ?1 AND step = ?2 AND closed_at IS NULL ORDER BY created_at",
    )?;
    let rows = stmt.query_map([process_id, step], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut tokens = Vec::new();
    for row in rows {
        let (expires_at, waiting_since, answered, result) = row?;
        tokens.push(OpenToken {
            expires_at,
            waiting_since,
            answer: answered.map(|_| stored_answer(result)).transpose()?,
        });
    }
    Ok(Wait::of(tokens, now))
}

/// Takes an answer for the open token `token_hash`, if it is still open, unanswered
/// and within its deadline; closes the other tokens of its step, so the step takes one
/// answer only.
pub fn answer(
    conn: &Connection,
    token_hash: &str,
    result: &Value,
    by: &str,
) -> Result<Answer, StoreError> {
    let now = crate::clock::now_text();
    let Some(row) = get(conn, token_hash)? else {
        return Ok(Answer::Unknown);
    };
    if row.closed_at.is_some() || row.answered_at.is_some() {
        return Ok(Answer::Unknown);
    }
    if row.expires_at.as_deref().is_some_and(|e| e <= now.as_str()) {
        return Ok(Answer::Expired);
    }
    // The condition, not the read above, decides: one answer changes the row.
    let changed = conn
        .prepare_cached(
            "UPDATE callbacks SET answered_at = ?2, answered_by = ?3, result = ?4 WHERE token_hash = ?1 AND answered_at IS NULL AND closed_at IS NULL",
        )?
        .execute(params![token_hash, now, by, result.to_string()])?;
    if changed != 1 {
        return Ok(Answer::Unknown);
    }
    conn.prepare_cached(
        "UPDATE callbacks SET closed_at = ?4 WHERE process_id = ?1 AND step = ?2 AND token_hash <> ?3 AND closed_at IS NULL",
    )?
    .execute(params![row.process_id, row.step, token_hash, now])?;
    // A process at rest is due at once: should the command that answered not drive it
    // on (it dies, the engine is paused), a worker or the scheduler does.
    conn.prepare_cached(
        "UPDATE processes SET run_after = ?2 WHERE process_id = ?1 AND owner IS NULL AND status IN ('awaiting_callback', 'waiting', 'suspended')",
    )?
    .execute(params![row.process_id, now])?;
    let (status, owner, subscription_id): (ProcessStatus, Option<String>, Option<String>) = conn
        .prepare_cached(
            "SELECT status, owner, subscription_id FROM processes WHERE process_id = ?1",
        )?
        .query_row([&row.process_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    events::append(
        conn,
        "callback.answered",
        Concerns {
            process_id: Some(&row.process_id),
            subscription_id: subscription_id.as_deref(),
            ..Default::default()
        },
        &json!({"step": row.step, "attempt": row.attempt, "by": by}),
    )?;
    Ok(Answer::Accepted { status, owner })
}

/// Records a `step.progress` event for an open, unanswered token; false when there
/// is none.
pub fn progress(conn: &Connection, token_hash: &str, data: &Value) -> Result<bool, StoreError> {
    let Some(row) = get(conn, token_hash)? else {
        return Ok(false);
    };
    let now = crate::clock::now_text();
    let expired = row.expires_at.as_deref().is_some_and(|e| e <= now.as_str());
    if row.closed_at.is_some() || row.answered_at.is_some() || expired {
        return Ok(false);
    }
    let subscription_id: Option<String> = conn
        .prepare_cached("SELECT subscription_id FROM processes WHERE process_id = ?1")?
        .query_row([&row.process_id], |r| r.get(0))?;
    let payload = progress_data(&row.step, row.attempt, data);
    events::append(
        conn,
        "step.progress",
        Concerns {
            process_id: Some(&row.process_id),
            subscription_id: subscription_id.as_deref(),
            ..Default::default()
        },
        &payload,
    )?;
    Ok(true)
}

/// Whether the wait of step `step` is decided before it began: an answer came in that
/// no step took yet, or every open token is past its deadline (its `run` took longer
/// than the timeout), so the step fails at once rather than rest on a wait nobody can
/// answer.
pub fn decided(conn: &Connection, process_id: &str, step: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM callbacks WHERE process_id = ?1 AND step = ?2 AND answered_at IS NOT NULL AND closed_at IS NULL)
             OR (SELECT COUNT(*) > 0 AND COUNT(expires_at) = COUNT(*) AND MAX(expires_at) <= ?3 FROM callbacks WHERE process_id = ?1 AND step = ?2 AND closed_at IS NULL)",
        )?
        .query_row(params![process_id, step, crate::clock::now_text()], |r| r.get(0))?)
}

/// What a committed step means for the tokens of its process: a step logged awaiting
/// its callback starts waiting on its open tokens; a process that rests awaiting a
/// callback, or suspended with a branch that does, is due at the first deadline of the
/// steps it waits on (so a worker or the
/// scheduler fails that step then), or at once when an answer came in meanwhile; a
/// step that ended or failed closes its tokens (unless it `keeps_tokens`: it was
/// interrupted); a process that ended closes all of its tokens. `step` is the step's
/// path (inside a branch, `Group [2] / Wait`).
pub fn settle(
    conn: &Connection,
    process_id: &str,
    step: &str,
    step_status: StepStatus,
    status: ProcessStatus,
    keeps_tokens: bool,
) -> Result<(), StoreError> {
    let now = crate::clock::now_text();
    if step_status == StepStatus::AwaitingCallback {
        conn.prepare_cached(
            "UPDATE callbacks SET waiting_since = ?3 WHERE process_id = ?1 AND step = ?2 AND closed_at IS NULL AND waiting_since IS NULL",
        )?
        .execute(params![process_id, step, now])?;
    }
    if matches!(
        status,
        ProcessStatus::AwaitingCallback | ProcessStatus::Suspended
    ) {
        // Suspended too: a branch may wait on a callback while another awaits input.
        let due: Option<String> = conn
            .prepare_cached(&format!(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM callbacks WHERE process_id = ?1 AND answered_at IS NOT NULL AND closed_at IS NULL) THEN ?2 ELSE ({}) END",
                first_deadline_sql("?1")
            ))?
            .query_row(params![process_id, now], |r| r.get(0))?;
        super::processes::set_run_after(conn, process_id, due.as_deref())?;
        return Ok(());
    }
    if status.is_finished() {
        conn.prepare_cached(
            "UPDATE callbacks SET closed_at = ?2 WHERE process_id = ?1 AND closed_at IS NULL",
        )?
        .execute(params![process_id, now])?;
    } else if !keeps_tokens
        && (step_status.is_done()
            || step_status == StepStatus::Failed
            || status == ProcessStatus::Failed)
    {
        conn.prepare_cached(
            "UPDATE callbacks SET closed_at = ?3 WHERE process_id = ?1 AND step = ?2 AND closed_at IS NULL",
        )?
        .execute(params![process_id, step, now])?;
    }
    Ok(())
}
