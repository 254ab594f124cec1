//! The `schedules` table: when each scheduled task last ran and which process ran it.
//!
//! A run is claimed with a conditional update (compare-and-set on `last_run_at`), so of
//! several schedulers that saw the same due run, only the one whose update changed the
//! row runs it.

use rusqlite::{Connection, OptionalExtension, params};

use crate::store::StoreError;
use crate::store::schedules::{Claimed, ScheduleRow};

const COLUMNS: &str = "workflow, last_run_at, next_run_at, last_process, claimed_by";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScheduleRow> {
    Ok(ScheduleRow {
        workflow: r.get(0)?,
        last_run_at: r.get(1)?,
        next_run_at: r.get(2)?,
        last_process: r.get(3)?,
        claimed_by: r.get(4)?,
    })
}

pub fn get(conn: &Connection, workflow: &str) -> Result<Option<ScheduleRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM schedules WHERE workflow = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([workflow], from_row)
        .optional()?)
}

pub fn all(conn: &Connection) -> Result<Vec<ScheduleRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM schedules ORDER BY workflow");
    let rows = conn
        .prepare_cached(&sql)?
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Records a run if nobody else did since `seen_last_run_at` was read; returns whether
/// this caller won the run.
pub fn claim(conn: &Connection, c: &Claimed<'_>) -> Result<bool, StoreError> {
    conn.prepare_cached("INSERT OR IGNORE INTO schedules (workflow) VALUES (?1)")?
        .execute([c.workflow])?;
    let changed = conn
        .prepare_cached(
            "UPDATE schedules SET last_run_at = ?3, next_run_at = ?4, last_process = ?5, claimed_by = ?6 \
             WHERE workflow = ?1 AND last_run_at IS ?2",
        )?
        .execute(params![
            c.workflow,
            c.seen_last_run_at,
            c.last_run_at,
            c.next_run_at,
            c.process_id,
            c.claimed_by
        ])?;
    Ok(changed == 1)
}
