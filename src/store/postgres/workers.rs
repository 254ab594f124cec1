//! The `workers` and `engine` tables on PostgreSQL: who runs processes from the queue,
//! and whether steps may start at all. Heartbeats and leases are the database's clock.

use std::time::Duration;

use super::processes::{later, micros};
use super::tx::{R, Tx};
use crate::store::processes::owner_parts;
use crate::store::workers::{EngineState, WorkerRow};

/// Records a worker that starts, or one that starts again under the same name.
pub async fn register(tx: &Tx<'_>, worker_id: &str, concurrency: i64, lease: Duration) -> R<()> {
    let (host, pid) = owner_parts(worker_id);
    let (host, pid) = (host.unwrap_or_default(), pid.unwrap_or(0));
    let sql = format!(
        "INSERT INTO workers (worker_id, host, pid, concurrency, started_at, heartbeat_at, lease_until)
         VALUES ($1, $2, $3, $4, now_text(), now_text(), {0})
         ON CONFLICT (worker_id) DO UPDATE SET concurrency = $4, started_at = now_text(), heartbeat_at = now_text(), lease_until = {0}, stopped_at = NULL, stopping_at = NULL, grace_until = NULL",
        later(5)
    );
    tx.exec(
        &sql,
        &[&worker_id, &host, &pid, &concurrency, &micros(lease)],
    )
    .await?;
    Ok(())
}

/// A worker's heartbeat.
pub async fn beat(tx: &Tx<'_>, worker_id: &str, lease: Duration) -> R<()> {
    let sql = format!(
        "UPDATE workers SET heartbeat_at = now_text(), lease_until = {} WHERE worker_id = $1",
        later(2)
    );
    tx.exec(&sql, &[&worker_id, &micros(lease)]).await?;
    Ok(())
}

/// A worker asked to stop, its grace running out `grace` from now.
pub async fn stopping(tx: &Tx<'_>, worker_id: &str, grace: Duration) -> R<()> {
    let sql = format!(
        "UPDATE workers SET stopping_at = now_text(), grace_until = {} WHERE worker_id = $1",
        later(2)
    );
    tx.exec(&sql, &[&worker_id, &micros(grace)]).await?;
    Ok(())
}

pub async fn stopped(tx: &Tx<'_>, worker_id: &str) -> R<()> {
    tx.exec(
        "UPDATE workers SET stopped_at = now_text() WHERE worker_id = $1",
        &[&worker_id],
    )
    .await?;
    Ok(())
}

/// Workers that run, and those that stopped or died within `recent`, newest first.
pub async fn list(tx: &Tx<'_>, recent: Duration) -> R<Vec<WorkerRow>> {
    let rows = tx
        .rows(
            "SELECT worker_id, host, pid, concurrency, started_at, heartbeat_at, lease_until, stopped_at,
                    ARRAY(SELECT process_id FROM processes WHERE owner = w.worker_id AND status = 'running' ORDER BY process_id),
                    lease_until < now_text(), stopping_at, grace_until
             FROM workers w, LATERAL (SELECT utc_text(now() - $1::bigint * interval '1 microsecond') AS since) s
             WHERE stopped_at IS NULL OR stopped_at >= s.since OR heartbeat_at >= s.since
             ORDER BY started_at DESC",
            &[&micros(recent)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(WorkerRow {
                worker_id: r.try_get(0)?,
                host: r.try_get(1)?,
                pid: r.try_get(2)?,
                concurrency: r.try_get(3)?,
                started_at: r.try_get(4)?,
                heartbeat_at: r.try_get(5)?,
                lease_until: r.try_get(6)?,
                stopped_at: r.try_get(7)?,
                processes: r.try_get(8)?,
                lease_over: r.try_get(9)?,
                stopping_at: r.try_get(10)?,
                grace_until: r.try_get(11)?,
            })
        })
        .collect()
}

/// When and by whom the engine was paused, if it is. With `hold`, the row is read
/// FOR SHARE: a pause then waits for this transaction, and every claim after it sees
/// the pause.
pub async fn paused(tx: &Tx<'_>, hold: bool) -> R<Option<(String, Option<String>)>> {
    let sql = if hold {
        "SELECT paused_at, paused_by FROM engine WHERE id = 1 FOR SHARE"
    } else {
        "SELECT paused_at, paused_by FROM engine WHERE id = 1"
    };
    let row = tx.opt(sql, &[]).await?;
    Ok(match row {
        Some(r) => {
            let at: Option<String> = r.try_get(0)?;
            match at {
                Some(at) => Some((at, r.try_get(1)?)),
                None => None,
            }
        }
        None => None,
    })
}

pub async fn state(tx: &Tx<'_>) -> R<EngineState> {
    let paused = paused(tx, false).await?;
    let running: i64 = tx
        .one(
            // A process whose orch is gone (its lease ran out) runs no step: it
            // does not hold a pause back.
            "SELECT COUNT(*) FROM processes WHERE status = 'running' AND owner IS NOT NULL AND lease_until >= now_text()",
            &[],
        )
        .await?
        .try_get(0)?;
    Ok(EngineState {
        paused_at: paused.as_ref().map(|p| p.0.clone()),
        paused_by: paused.and_then(|p| p.1),
        running,
    })
}

/// Pauses (`Some(by)`) or resumes (`None`) the engine; returns whether that changed
/// anything.
pub async fn set_paused(tx: &Tx<'_>, by: Option<&str>) -> R<bool> {
    let changed = match by {
        Some(by) => {
            tx.exec(
                "UPDATE engine SET paused_at = now_text(), paused_by = $1 WHERE id = 1 AND paused_at IS NULL",
                &[&by],
            )
            .await?
        }
        None => {
            tx.exec(
                "UPDATE engine SET paused_at = NULL, paused_by = NULL WHERE id = 1 AND paused_at IS NOT NULL",
                &[],
            )
            .await?
        }
    };
    Ok(changed == 1)
}
