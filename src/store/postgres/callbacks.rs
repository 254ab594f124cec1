//! Callback tokens on PostgreSQL: the twin of `store::sqlite::callbacks` (see
//! `store::callbacks` for what a token is).
//!
//! Where SQLite's single writer kept an answer whole, the process row does here: an
//! answer locks its process's row (`FOR UPDATE`) before it looks at the token, as a
//! step commit does before it settles the tokens, so the answers to one step, and an
//! answer and the commit of its step, take turns. The answer is still a conditional
//! update of the token's row: of any number racing for one token exactly one changes
//! it. Deadlines are the database's clock.

use std::time::Duration;

use serde_json::{Value, json};

use super::processes::{later, micros};
use super::tx::{R, Tx};
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::store::callbacks::{
    Answer, CallbackRow, OpenToken, Wait, first_deadline_sql, progress_data, stored_answer,
};
use crate::store::events::Concerns;

const COLUMNS: &str =
    "process_id, step, attempt, created_at, expires_at, waiting_since, answered_at, closed_at";

fn from_row(r: &tokio_postgres::Row) -> R<CallbackRow> {
    Ok(CallbackRow {
        process_id: r.try_get(0)?,
        step: r.try_get(1)?,
        attempt: r.try_get(2)?,
        created_at: r.try_get(3)?,
        expires_at: r.try_get(4)?,
        waiting_since: r.try_get(5)?,
        answered_at: r.try_get(6)?,
        closed_at: r.try_get(7)?,
    })
}

/// Records a new token (its hash) of a step, due `timeout` from now (None: never).
pub async fn open(
    tx: &Tx<'_>,
    token_hash: &str,
    process_id: &str,
    step: &str,
    attempt: i64,
    timeout: Option<Duration>,
) -> R<()> {
    let sql = format!(
        "INSERT INTO callbacks (token_hash, process_id, step, attempt, created_at, expires_at)
         VALUES ($1, $2, $3, $4, now_text(), CASE WHEN $5::bigint IS NULL THEN NULL ELSE {} END)",
        later(5)
    );
    tx.exec(
        &sql,
        &[
            &token_hash,
            &process_id,
            &step,
            &attempt,
            &timeout.map(micros),
        ],
    )
    .await?;
    Ok(())
}

pub async fn get(tx: &Tx<'_>, token_hash: &str) -> R<Option<CallbackRow>> {
    let sql = format!("SELECT {COLUMNS} FROM callbacks WHERE token_hash = $1");
    tx.opt(&sql, &[&token_hash])
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// Where the callback step `step` of a process stands, its open tokens taken together,
/// judged by the database's clock.
pub async fn wait(tx: &Tx<'_>, process_id: &str, step: &str) -> R<Wait> {
    let rows = tx
        .rows(
            "SELECT expires_at, waiting_since, answered_at, result, now_text() FROM callbacks
             WHERE process_id = $1 AND step = $2 AND closed_at IS NULL ORDER BY created_at",
            &[&process_id, &step],
        )
        .await?;
    let mut tokens = Vec::new();
    let mut now = String::new();
    for r in &rows {
        let answered: Option<String> = r.try_get(2)?;
        let result: Option<String> = r.try_get(3)?;
        tokens.push(OpenToken {
            expires_at: r.try_get(0)?,
            waiting_since: r.try_get(1)?,
            answer: answered.map(|_| stored_answer(result)).transpose()?,
        });
        now = r.try_get(4)?;
    }
    Ok(Wait::of(tokens, &now))
}

/// The process a token belongs to, its row locked until the transaction ends, with its
/// status, owner and subscription; None for an unknown token.
async fn lock_process_of(
    tx: &Tx<'_>,
    token_hash: &str,
) -> R<Option<(ProcessStatus, Option<String>, Option<String>)>> {
    let row = tx
        .opt(
            "SELECT p.status, p.owner, p.subscription_id FROM processes p
             WHERE p.process_id = (SELECT process_id FROM callbacks WHERE token_hash = $1)
             FOR UPDATE",
            &[&token_hash],
        )
        .await?;
    row.map(|r| Ok((super::tx::word(&r, 0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
}

/// Whether a token is open, unanswered and, by the database's clock, within its
/// deadline: None when it answers nothing, Some(false) when it is past its deadline.
async fn in_time(tx: &Tx<'_>, token_hash: &str) -> R<Option<(CallbackRow, bool)>> {
    let sql = format!(
        "SELECT {COLUMNS}, expires_at IS NULL OR expires_at > now_text() FROM callbacks WHERE token_hash = $1"
    );
    let Some(r) = tx.opt(&sql, &[&token_hash]).await? else {
        return Ok(None);
    };
    let row = from_row(&r)?;
    if row.closed_at.is_some() || row.answered_at.is_some() {
        return Ok(None);
    }
    Ok(Some((row, r.try_get(8)?)))
}

/// Takes an answer for the open token `token_hash`, if it is still open, unanswered
/// and within its deadline; closes the other tokens of its step, so the step takes one
/// answer only.
pub async fn answer(tx: &mut Tx<'_>, token_hash: &str, result: &Value, by: &str) -> R<Answer> {
    let Some((status, owner, subscription_id)) = lock_process_of(tx, token_hash).await? else {
        return Ok(Answer::Unknown);
    };
    let Some((row, in_time)) = in_time(tx, token_hash).await? else {
        return Ok(Answer::Unknown);
    };
    if !in_time {
        return Ok(Answer::Expired);
    }
    // The condition, not the read above, decides: one answer changes the row.
    let changed = tx
        .exec(
            "UPDATE callbacks SET answered_at = now_text(), answered_by = $2, result = $3
             WHERE token_hash = $1 AND answered_at IS NULL AND closed_at IS NULL",
            &[&token_hash, &by, &result.to_string()],
        )
        .await?;
    if changed != 1 {
        return Ok(Answer::Unknown);
    }
    tx.exec(
        "UPDATE callbacks SET closed_at = now_text()
         WHERE process_id = $1 AND step = $2 AND token_hash <> $3 AND closed_at IS NULL",
        &[&row.process_id, &row.step, &token_hash],
    )
    .await?;
    // A process at rest is due at once: should the command that answered not drive it
    // on (it dies, the engine is paused), a worker or the scheduler does.
    tx.exec(
        "UPDATE processes SET run_after = now_text()
         WHERE process_id = $1 AND owner IS NULL AND status IN ('awaiting_callback', 'waiting', 'suspended')",
        &[&row.process_id],
    )
    .await?;
    super::events::append(
        tx,
        "callback.answered",
        Concerns {
            process_id: Some(&row.process_id),
            subscription_id: subscription_id.as_deref(),
            ..Default::default()
        },
        &json!({"step": row.step, "attempt": row.attempt, "by": by}),
    );
    Ok(Answer::Accepted { status, owner })
}

/// Records a `step.progress` event for an open, unanswered token within its deadline;
/// false when there is none.
pub async fn progress(tx: &mut Tx<'_>, token_hash: &str, data: &Value) -> R<bool> {
    let Some((_, _, subscription_id)) = lock_process_of(tx, token_hash).await? else {
        return Ok(false);
    };
    let Some((row, true)) = in_time(tx, token_hash).await? else {
        return Ok(false);
    };
    let payload = progress_data(&row.step, row.attempt, data);
    super::events::append(
        tx,
        "step.progress",
        Concerns {
            process_id: Some(&row.process_id),
            subscription_id: subscription_id.as_deref(),
            ..Default::default()
        },
        &payload,
    );
    Ok(true)
}

/// Whether the wait of step `step` is decided before it began (see the SQLite store's
/// `decided`): an answer came in, or every open token is past its deadline.
pub async fn decided(tx: &Tx<'_>, process_id: &str, step: &str) -> R<bool> {
    Ok(tx
        .one(
            "SELECT EXISTS (SELECT 1 FROM callbacks WHERE process_id = $1 AND step = $2 AND answered_at IS NOT NULL AND closed_at IS NULL)
             OR (SELECT COUNT(*) > 0 AND COUNT(expires_at) = COUNT(*) AND MAX(expires_at) <= now_text() FROM callbacks WHERE process_id = $1 AND step = $2 AND closed_at IS NULL)",
            &[&process_id, &step],
        )
        .await?
        .try_get(0)?)
}

/// What a committed step means for the tokens of its process (see the SQLite store's
/// `settle`): `step` is the step's path.
pub async fn settle(
    tx: &Tx<'_>,
    process_id: &str,
    step: &str,
    step_status: StepStatus,
    status: ProcessStatus,
    keeps_tokens: bool,
) -> R<()> {
    if step_status == StepStatus::AwaitingCallback {
        tx.exec(
            "UPDATE callbacks SET waiting_since = now_text()
             WHERE process_id = $1 AND step = $2 AND closed_at IS NULL AND waiting_since IS NULL",
            &[&process_id, &step],
        )
        .await?;
    }
    if matches!(
        status,
        ProcessStatus::AwaitingCallback | ProcessStatus::Suspended
    ) {
        let sql = format!(
            "UPDATE processes SET run_after = CASE
                 WHEN EXISTS (SELECT 1 FROM callbacks WHERE process_id = $1 AND answered_at IS NOT NULL AND closed_at IS NULL) THEN now_text()
                 ELSE ({}) END
             WHERE process_id = $1",
            first_deadline_sql("$1")
        );
        tx.exec(&sql, &[&process_id]).await?;
        return Ok(());
    }
    if status.is_finished() {
        tx.exec(
            "UPDATE callbacks SET closed_at = now_text() WHERE process_id = $1 AND closed_at IS NULL",
            &[&process_id],
        )
        .await?;
    } else if !keeps_tokens
        && (step_status.is_done()
            || step_status == StepStatus::Failed
            || status == ProcessStatus::Failed)
    {
        tx.exec(
            "UPDATE callbacks SET closed_at = now_text() WHERE process_id = $1 AND step = $2 AND closed_at IS NULL",
            &[&process_id, &step],
        )
        .await?;
    }
    Ok(())
}
