//! The `schedules` table on PostgreSQL: when each scheduled task last ran. A run is
//! claimed with a conditional update, which PostgreSQL re-checks against the row as a
//! concurrent scheduler left it, so of several that saw the same due run one wins.

use tokio_postgres::Row;

use super::tx::{R, Tx};
use crate::store::schedules::{Claimed, ScheduleRow};

const COLUMNS: &str = "workflow, last_run_at, next_run_at, last_process, claimed_by";

fn from_row(r: &Row) -> R<ScheduleRow> {
    Ok(ScheduleRow {
        workflow: r.try_get(0)?,
        last_run_at: r.try_get(1)?,
        next_run_at: r.try_get(2)?,
        last_process: r.try_get(3)?,
        claimed_by: r.try_get(4)?,
    })
}

pub async fn get(tx: &Tx<'_>, workflow: &str) -> R<Option<ScheduleRow>> {
    let sql = format!("SELECT {COLUMNS} FROM schedules WHERE workflow = $1");
    tx.opt(&sql, &[&workflow])
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

pub async fn all(tx: &Tx<'_>) -> R<Vec<ScheduleRow>> {
    let sql = format!("SELECT {COLUMNS} FROM schedules ORDER BY workflow");
    tx.rows(&sql, &[]).await?.iter().map(from_row).collect()
}

/// Records a run if nobody else did since `seen_last_run_at` was read; returns whether
/// this caller won the run.
pub async fn claim(tx: &Tx<'_>, c: &Claimed<'_>) -> R<bool> {
    tx.exec(
        "INSERT INTO schedules (workflow) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&c.workflow],
    )
    .await?;
    let changed = tx
        .exec(
            "UPDATE schedules SET last_run_at = $3, next_run_at = $4, last_process = $5, claimed_by = $6
             WHERE workflow = $1 AND last_run_at IS NOT DISTINCT FROM $2::text",
            &[
                &c.workflow,
                &c.seen_last_run_at,
                &c.last_run_at,
                &c.next_run_at,
                &c.process_id,
                &c.claimed_by,
            ],
        )
        .await?;
    Ok(changed == 1)
}
