//! Locks on shared resources on PostgreSQL: the twin of `store::sqlite::locks` (see
//! `store::locks` for what a lock is).
//!
//! SQLite's single writer made "nobody holds it, nobody queued first, so take it" and
//! "append to the queue" whole. Here every transaction that changes the lock tables
//! first takes one transaction-scoped advisory lock, [`LOCKS_LOCK`], so they take
//! turns: a queue's `seq` is drawn in the order processes arrived in, and a free lock
//! cannot be taken by two. It is taken before any process row (by `take_locks` and by
//! a step commit of a process that holds or queues for a lock, see [`involved`]), so a
//! wake-up that touches another process's row never waits for one that waits for it.
//! Step commits of processes without locks never take it.

use serde_json::json;

use super::tx::{R, Tx};
use crate::domain::path;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::store::events::Concerns;
use crate::store::locks::{Held, Holder, LockRow, Take, Waiter};

/// The advisory lock of the lock tables (b"orchlock").
pub const LOCKS_LOCK: i64 = 0x6f72_6368_6c6f_636b;

/// Takes [`LOCKS_LOCK`] until the transaction ends (a no-op if it holds it already).
pub async fn serialise(tx: &Tx<'_>) -> R<()> {
    tx.exec("SELECT pg_advisory_xact_lock($1)", &[&LOCKS_LOCK])
        .await?;
    Ok(())
}

/// What a process has that a step's commit may have to settle.
pub struct Holds {
    /// It holds a lock or queues for one.
    pub locks: bool,
    /// It has a callback not yet closed.
    pub callbacks: bool,
}

/// What a process holds, in one probe. Only the orch that owns the process opens its
/// callbacks and changes its lock rows, so the answer holds for that orch's commit.
pub async fn holds(tx: &Tx<'_>, process_id: &str) -> R<Holds> {
    let row = tx
        .one(
            "SELECT EXISTS (SELECT 1 FROM locks WHERE process_id = $1)
                 OR EXISTS (SELECT 1 FROM lock_waiters WHERE process_id = $1),
                    EXISTS (SELECT 1 FROM callbacks WHERE process_id = $1 AND closed_at IS NULL)",
            &[&process_id],
        )
        .await?;
    Ok(Holds {
        locks: row.try_get(0)?,
        callbacks: row.try_get(1)?,
    })
}

async fn append(tx: &mut Tx<'_>, kind: &str, process_id: &str, data: serde_json::Value) -> R<()> {
    let subscription_id: Option<String> = tx
        .opt(
            "SELECT subscription_id FROM processes WHERE process_id = $1",
            &[&process_id],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?
        .flatten();
    super::events::append(
        tx,
        kind,
        Concerns {
            process_id: Some(process_id),
            subscription_id: subscription_id.as_deref(),
            ..Default::default()
        },
        &data,
    );
    Ok(())
}

async fn workflow_of(tx: &Tx<'_>, process_id: &str) -> R<String> {
    Ok(tx
        .opt(
            "SELECT workflow FROM processes WHERE process_id = $1",
            &[&process_id],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or_default())
}

/// A process and a time from a row of two columns.
async fn pair(tx: &Tx<'_>, sql: &str, name: &str) -> R<Option<(String, String)>> {
    tx.opt(sql, &[&name])
        .await?
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .transpose()
}

/// The holder of a lock, since when, and the step it holds it for.
async fn holder(tx: &Tx<'_>, name: &str) -> R<Option<Holder>> {
    tx.opt(
        "SELECT process_id, since, step FROM locks WHERE name = $1",
        &[&name],
    )
    .await?
    .map(|r| {
        Ok(Holder {
            process_id: r.try_get(0)?,
            since: r.try_get(1)?,
            step: r.try_get(2)?,
            holds: true,
        })
    })
    .transpose()
}

/// The first process queued for a lock, and since when.
async fn first_waiter(tx: &Tx<'_>, name: &str) -> R<Option<(String, String)>> {
    pair(
        tx,
        "SELECT process_id, since FROM lock_waiters WHERE name = $1 ORDER BY seq LIMIT 1",
        name,
    )
    .await
}

/// Whether `ancestor` started `process_id` as a child workflow, or a parent of it did.
async fn is_ancestor(tx: &Tx<'_>, ancestor: &str, process_id: &str) -> R<bool> {
    Ok(tx
        .one(
            "WITH RECURSIVE up(id) AS (
                 SELECT parent_id FROM processes WHERE process_id = $2
                 UNION
                 SELECT p.parent_id FROM processes p JOIN up ON p.process_id = up.id
             )
             SELECT EXISTS (SELECT 1 FROM up WHERE id = $1)",
            &[&ancestor, &process_id],
        )
        .await?
        .try_get(0)?)
}

/// Takes every lock of `names` for the process (for `step`, or for the whole run), or
/// none of them; the twin of SQLite's `take` (a lock a parent holds is taken within
/// its hold). The caller holds [`LOCKS_LOCK`].
pub async fn take(
    tx: &mut Tx<'_>,
    process_id: &str,
    step: Option<&str>,
    names: &[String],
) -> R<Take> {
    let mut wanted: Vec<String> = Vec::new();
    for name in names {
        let mut name = name.clone();
        let held = loop {
            match holder(tx, &name).await? {
                Some(h)
                    if h.process_id != process_id
                        && h.covers_children()
                        && is_ancestor(tx, &h.process_id, process_id).await? =>
                {
                    name = crate::store::locks::within(&name, &h.process_id);
                }
                // Sibling branches still take turns for their process's own lock.
                Some(h) if h.shared_by_branches(process_id, step) => {
                    name = crate::store::locks::within(&name, process_id);
                }
                held => break held,
            }
        };
        if wanted.contains(&name) {
            continue;
        }
        let name = &name;
        let blocker = match held {
            Some(h) if h.is_ours(process_id, step) => continue,
            // Another process, or a sibling branch of this one.
            Some(h) => Some(h),
            None => match first_waiter(tx, name).await? {
                Some((p, since)) if p != process_id => Some(Holder::queued(p, since)),
                _ => None,
            },
        };
        if let Some(b) = blocker {
            queue(tx, process_id, name, step).await?;
            let workflow = workflow_of(tx, &b.process_id).await?;
            return Ok(Take::Blocked(b.blocker(name, workflow, process_id)));
        }
        wanted.push(name.clone());
    }
    for name in &wanted {
        tx.exec(
            "INSERT INTO locks (name, process_id, step, since) VALUES ($1, $2, $3, now_text())",
            &[name, &process_id, &step],
        )
        .await?;
        tx.exec(
            "DELETE FROM lock_waiters WHERE name = $1 AND process_id = $2",
            &[name, &process_id],
        )
        .await?;
        append(
            tx,
            "lock.taken",
            process_id,
            json!({"lock": name, "step": step}),
        )
        .await?;
    }
    Ok(Take::Taken)
}

/// Queues the process for `name` (keeping its place if it queued already), and takes
/// it out of any other queue, unless a step inside a branch queues: its siblings may
/// queue for other locks meanwhile.
async fn queue(tx: &mut Tx<'_>, process_id: &str, name: &str, step: Option<&str>) -> R<()> {
    if !step.is_some_and(path::in_branch) {
        let others: Vec<String> = tx
            .rows(
                "DELETE FROM lock_waiters WHERE process_id = $1 AND name <> $2 RETURNING name",
                &[&process_id, &name],
            )
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        for other in others {
            wake(tx, &other).await?;
        }
    }
    let added = tx
        .exec(
            "INSERT INTO lock_waiters (name, process_id, since) VALUES ($1, $2, now_text())
             ON CONFLICT (name, process_id) DO NOTHING",
            &[&name, &process_id],
        )
        .await?;
    if added == 1 {
        append(tx, "lock.waiting", process_id, json!({"lock": name})).await?;
    }
    Ok(())
}

/// A free lock goes to the first in its queue: that process is due from now on (a
/// worker or the scheduler picks it up), and nobody else may take the lock first.
async fn wake(tx: &Tx<'_>, name: &str) -> R<()> {
    if holder(tx, name).await?.is_some() {
        return Ok(());
    }
    let Some((first, _)) = first_waiter(tx, name).await? else {
        return Ok(());
    };
    let woke = tx
        .exec(
            "UPDATE lock_waiters SET woken_at = now_text()
             WHERE name = $1 AND process_id = $2 AND woken_at IS NULL",
            &[&name, &first],
        )
        .await?;
    if woke == 1 {
        tx.exec(
            "UPDATE processes SET run_after = now_text()
             WHERE process_id = $1 AND status = 'waiting' AND (run_after IS NULL OR run_after > now_text())",
            &[&first],
        )
        .await?;
    }
    Ok(())
}

/// Lets go of the locks of a process that `which` names, and wakes the first in line
/// for each.
async fn release(tx: &mut Tx<'_>, process_id: &str, which: Held<'_>) -> R<()> {
    let rows = match which {
        Held::Step(step) => {
            tx.rows(
                "DELETE FROM locks WHERE process_id = $1 AND step = $2 RETURNING name, step",
                &[&process_id, &step],
            )
            .await?
        }
        Held::All => {
            tx.rows(
                "DELETE FROM locks WHERE process_id = $1 RETURNING name, step",
                &[&process_id],
            )
            .await?
        }
    };
    let mut names: Vec<(String, Option<String>)> = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, tokio_postgres::Error>>()?;
    names.sort();
    for (name, held_for) in &names {
        append(
            tx,
            "lock.released",
            process_id,
            json!({"lock": name, "step": held_for}),
        )
        .await?;
        wake(tx, name).await?;
    }
    Ok(())
}

/// What a committed step means for the locks of its process; the twin of SQLite's
/// `settle`. The caller holds [`LOCKS_LOCK`].
pub async fn settle(
    tx: &mut Tx<'_>,
    process_id: &str,
    step: &str,
    step_status: StepStatus,
    status: ProcessStatus,
) -> R<()> {
    if status.is_finished() {
        release(tx, process_id, Held::All).await?;
    } else if path::in_branch(step) {
        if step_status.is_done() || matches!(step_status, StepStatus::Failed | StepStatus::Waiting)
        {
            release(tx, process_id, Held::Step(step)).await?;
        }
        return Ok(());
    } else if step_status.is_done()
        || matches!(status, ProcessStatus::Failed | ProcessStatus::Waiting)
    {
        release(tx, process_id, Held::Step(step)).await?;
    }
    if status != ProcessStatus::Waiting {
        // It went on (a step skipped by hand, say) or ended: it waits for no lock, and
        // must not keep one from the next in line.
        let queued: Vec<String> = tx
            .rows(
                "DELETE FROM lock_waiters WHERE process_id = $1 RETURNING name",
                &[&process_id],
            )
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        for name in queued {
            wake(tx, &name).await?;
        }
        return Ok(());
    }
    let woken = tx
        .opt(
            "SELECT MAX(woken_at) FROM lock_waiters WHERE process_id = $1 HAVING COUNT(*) > 0",
            &[&process_id],
        )
        .await?;
    if let Some(row) = woken {
        // Queued: due when the lock frees for it (at once, if it already did).
        let woken: Option<String> = row.try_get(0)?;
        tx.exec(
            "UPDATE processes SET run_after = CASE WHEN $2 THEN now_text() END WHERE process_id = $1",
            &[&process_id, &woken.is_some()],
        )
        .await?;
    }
    Ok(())
}

/// Every lock that is held or queued for, with its queue in order.
pub async fn list(tx: &Tx<'_>) -> R<Vec<LockRow>> {
    let rows = tx
        .rows(
            "SELECT l.name, l.process_id, p.workflow, l.step, l.since FROM locks l LEFT JOIN processes p ON p.process_id = l.process_id
             UNION SELECT DISTINCT w.name, NULL, NULL, NULL, NULL FROM lock_waiters w WHERE w.name NOT IN (SELECT name FROM locks)
             ORDER BY 1",
            &[],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let name: String = r.try_get(0)?;
        let waiters = tx
            .rows(
                "SELECT w.process_id, COALESCE(p.workflow, ''), w.since, w.woken_at FROM lock_waiters w
                 LEFT JOIN processes p ON p.process_id = w.process_id WHERE w.name = $1 ORDER BY w.seq",
                &[&name],
            )
            .await?
            .iter()
            .map(|w| {
                Ok(Waiter {
                    process_id: w.try_get(0)?,
                    workflow: w.try_get(1)?,
                    since: w.try_get(2)?,
                    woken_at: w.try_get(3)?,
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()?;
        out.push(LockRow {
            name,
            process_id: r.try_get(1)?,
            workflow: r.try_get(2)?,
            step: r.try_get(3)?,
            since: r.try_get(4)?,
            waiters,
        });
    }
    Ok(out)
}
