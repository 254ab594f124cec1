//! The `workers` and `engine` tables: who runs processes from the queue, and whether
//! steps may start at all.

use rusqlite::{Connection, OptionalExtension, params};

use crate::store::StoreError;
use crate::store::workers::{EngineState, WorkerRow};

/// Records a worker that starts, or one that starts again under the same name.
pub fn register(
    conn: &Connection,
    worker_id: &str,
    concurrency: i64,
    now: &str,
    lease_until: &str,
) -> Result<(), StoreError> {
    let (host, pid) = crate::store::processes::owner_parts(worker_id);
    let (host, pid) = (host.unwrap_or_default(), pid.unwrap_or(0));
    conn.prepare_cached(
        "INSERT INTO workers (worker_id, host, pid, concurrency, started_at, heartbeat_at, lease_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
         ON CONFLICT (worker_id) DO UPDATE SET concurrency = ?4, started_at = ?5, heartbeat_at = ?5, lease_until = ?6, stopped_at = NULL, stopping_at = NULL, grace_until = NULL",
    )?
    .execute(params![worker_id, host, pid, concurrency, now, lease_until])?;
    Ok(())
}

/// A worker's heartbeat.
pub fn beat(
    conn: &Connection,
    worker_id: &str,
    now: &str,
    lease_until: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE workers SET heartbeat_at = ?2, lease_until = ?3 WHERE worker_id = ?1",
    )?
    .execute(params![worker_id, now, lease_until])?;
    Ok(())
}

/// A worker asked to stop, its grace running out at `grace_until`.
pub fn stopping(
    conn: &Connection,
    worker_id: &str,
    now: &str,
    grace_until: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE workers SET stopping_at = ?2, grace_until = ?3 WHERE worker_id = ?1",
    )?
    .execute(params![worker_id, now, grace_until])?;
    Ok(())
}

pub fn stopped(conn: &Connection, worker_id: &str, now: &str) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE workers SET stopped_at = ?2 WHERE worker_id = ?1")?
        .execute(params![worker_id, now])?;
    Ok(())
}

/// Workers that run, and those that stopped or died since `since`, newest first;
/// each lease judged at `now`.
pub fn list(conn: &Connection, since: &str, now: &str) -> Result<Vec<WorkerRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT worker_id, host, pid, concurrency, started_at, heartbeat_at, lease_until, stopped_at,
                lease_until < ?2, stopping_at, grace_until
         FROM workers WHERE stopped_at IS NULL OR stopped_at >= ?1 OR heartbeat_at >= ?1
         ORDER BY started_at DESC",
    )?;
    let rows = stmt
        .query_map([since, now], |r| {
            Ok(WorkerRow {
                worker_id: r.get(0)?,
                host: r.get(1)?,
                pid: r.get(2)?,
                concurrency: r.get(3)?,
                started_at: r.get(4)?,
                heartbeat_at: r.get(5)?,
                lease_until: r.get(6)?,
                stopped_at: r.get(7)?,
                processes: Vec::new(),
                lease_over: r.get(8)?,
                stopping_at: r.get(9)?,
                grace_until: r.get(10)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    let mut running = conn.prepare_cached(
        "SELECT process_id FROM processes WHERE owner = ?1 AND status = 'running' ORDER BY process_id",
    )?;
    for mut w in rows {
        w.processes = running
            .query_map([&w.worker_id], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        out.push(w);
    }
    Ok(out)
}

/// When and by whom the engine was paused, if it is.
pub fn paused(conn: &Connection) -> Result<Option<(String, Option<String>)>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT paused_at, paused_by FROM engine WHERE id = 1 AND paused_at IS NOT NULL",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub fn state(conn: &Connection) -> Result<EngineState, StoreError> {
    let paused = paused(conn)?;
    // A process whose orch is gone (its lease ran out) runs no step: it does not
    // hold a pause back.
    let running: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM processes WHERE status = 'running' AND owner IS NOT NULL AND lease_until >= ?1",
        )?
        .query_row([crate::clock::now_text()], |r| r.get(0))?;
    Ok(EngineState {
        paused_at: paused.as_ref().map(|p| p.0.clone()),
        paused_by: paused.and_then(|p| p.1),
        running,
    })
}

/// Pauses (`Some(by)`) or resumes (`None`) the engine; returns whether that changed
/// anything.
pub fn set_paused(conn: &Connection, by: Option<&str>, now: &str) -> Result<bool, StoreError> {
    let changed = match by {
        Some(by) => conn
            .prepare_cached("UPDATE engine SET paused_at = ?1, paused_by = ?2 WHERE id = 1 AND paused_at IS NULL")?
            .execute(params![now, by])?,
        None => conn
            .prepare_cached("UPDATE engine SET paused_at = NULL, paused_by = NULL WHERE id = 1 AND paused_at IS NOT NULL")?
            .execute([])?,
    };
    Ok(changed == 1)
}
