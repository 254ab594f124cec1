//! Locks on shared resources on SQLite (see `store::locks`): who holds which name, who
//! queues for it and in which order, and the wake-up of the first in line when a lock
//! frees, all inside the caller's write transaction.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::events;
use crate::domain::path;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::store::StoreError;
use crate::store::events::Concerns;
use crate::store::locks::{Held, Holder, LockRow, Take, Waiter};

fn append(
    conn: &Connection,
    kind: &str,
    process_id: &str,
    data: serde_json::Value,
) -> Result<(), StoreError> {
    let subscription_id: Option<String> = conn
        .prepare_cached("SELECT subscription_id FROM processes WHERE process_id = ?1")?
        .query_row([process_id], |r| r.get(0))
        .optional()?
        .flatten();
    events::append(
        conn,
        kind,
        Concerns {
            process_id: Some(process_id),
            subscription_id: subscription_id.as_deref(),
            ..Default::default()
        },
        &data,
    )?;
    Ok(())
}

fn workflow_of(conn: &Connection, process_id: &str) -> Result<String, StoreError> {
    Ok(conn
        .prepare_cached("SELECT workflow FROM processes WHERE process_id = ?1")?
        .query_row([process_id], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// The holder of a lock, since when, and the step it holds it for.
fn holder(conn: &Connection, name: &str) -> Result<Option<Holder>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT process_id, since, step FROM locks WHERE name = ?1")?
        .query_row([name], |r| {
            Ok(Holder {
                process_id: r.get(0)?,
                since: r.get(1)?,
                step: r.get(2)?,
                holds: true,
            })
        })
        .optional()?)
}

/// Whether `ancestor` started `process_id` as a child workflow, or a parent of it did.
fn is_ancestor(conn: &Connection, ancestor: &str, process_id: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "WITH RECURSIVE up(id) AS (
                 SELECT parent_id FROM processes WHERE process_id = ?2
                 UNION
                 SELECT p.parent_id FROM processes p JOIN up ON p.process_id = up.id
             )
             SELECT EXISTS (SELECT 1 FROM up WHERE id = ?1)",
        )?
        .query_row([ancestor, process_id], |r| r.get(0))?)
}

/// The first process queued for a lock, and since when.
fn first_waiter(conn: &Connection, name: &str) -> Result<Option<(String, String)>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT process_id, since FROM lock_waiters WHERE name = ?1 ORDER BY seq LIMIT 1",
        )?
        .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Takes every lock of `names` for the process (for `step`, or for the whole run), or
/// none of them: a lock is free for it when nobody holds it and nobody queued for it
/// before it. When one is not, the process queues for that one (only that one: it
/// leaves any other queue, so it never keeps a free lock from the next in line). A
/// workflow lock its parent process holds (or a parent of that) is not the child's to
/// wait for (the parent waits for the child): the child takes the lock within that hold
/// instead ([`crate::store::locks::within`]), for which its siblings take turns. A step
/// lock of a parent's sibling branch is waited for as any other.
pub fn take(
    conn: &Connection,
    process_id: &str,
    step: Option<&str>,
    names: &[String],
) -> Result<Take, StoreError> {
    let now = crate::clock::now_text();
    let mut wanted = Vec::new();
    for name in names {
        let mut name = name.clone();
        let held = loop {
            match holder(conn, &name)? {
                Some(h)
                    if h.process_id != process_id
                        && h.covers_children()
                        && is_ancestor(conn, &h.process_id, process_id)? =>
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
            None => match first_waiter(conn, name)? {
                Some((p, since)) if p != process_id => Some(Holder::queued(p, since)),
                _ => None,
            },
        };
        if let Some(b) = blocker {
            queue(conn, process_id, name, step, &now)?;
            let workflow = workflow_of(conn, &b.process_id)?;
            return Ok(Take::Blocked(b.blocker(name, workflow, process_id)));
        }
        wanted.push(name.clone());
    }
    for name in &wanted {
        conn.prepare_cached(
            "INSERT INTO locks (name, process_id, step, since) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![name, process_id, step, now])?;
        conn.prepare_cached("DELETE FROM lock_waiters WHERE name = ?1 AND process_id = ?2")?
            .execute([name, process_id])?;
        append(
            conn,
            "lock.taken",
            process_id,
            json!({"lock": name, "step": step}),
        )?;
    }
    Ok(Take::Taken)
}

/// Queues the process for `name` (keeping its place if it queued already), and takes
/// it out of any other queue, unless a step inside a branch queues: its siblings may
/// queue for other locks meanwhile.
fn queue(
    conn: &Connection,
    process_id: &str,
    name: &str,
    step: Option<&str>,
    now: &str,
) -> Result<(), StoreError> {
    if !step.is_some_and(path::in_branch) {
        leave_other_queues(conn, process_id, name, now)?;
    }
    let added = conn
        .prepare_cached(
            "INSERT INTO lock_waiters (name, process_id, since) VALUES (?1, ?2, ?3) ON CONFLICT (name, process_id) DO NOTHING",
        )?
        .execute(params![name, process_id, now])?;
    if added == 1 {
        append(conn, "lock.waiting", process_id, json!({"lock": name}))?;
    }
    Ok(())
}

fn leave_other_queues(
    conn: &Connection,
    process_id: &str,
    name: &str,
    now: &str,
) -> Result<(), StoreError> {
    let others: Vec<String> = conn
        .prepare_cached("SELECT name FROM lock_waiters WHERE process_id = ?1 AND name <> ?2")?
        .query_map([process_id, name], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    conn.prepare_cached("DELETE FROM lock_waiters WHERE process_id = ?1 AND name <> ?2")?
        .execute([process_id, name])?;
    for other in others {
        wake(conn, &other, now)?;
    }
    Ok(())
}

/// A free lock goes to the first in its queue: that process is due from now on (a
/// worker or the scheduler picks it up), and nobody else may take the lock first.
fn wake(conn: &Connection, name: &str, now: &str) -> Result<(), StoreError> {
    if holder(conn, name)?.is_some() {
        return Ok(());
    }
    let Some((first, _)) = first_waiter(conn, name)? else {
        return Ok(());
    };
    let woke = conn
        .prepare_cached(
            "UPDATE lock_waiters SET woken_at = ?3 WHERE name = ?1 AND process_id = ?2 AND woken_at IS NULL",
        )?
        .execute(params![name, first, now])?;
    if woke == 1 {
        conn.prepare_cached(
            "UPDATE processes SET run_after = ?2 WHERE process_id = ?1 AND status = 'waiting' AND (run_after IS NULL OR run_after > ?2)",
        )?
        .execute([&first, now])?;
    }
    Ok(())
}

/// Lets go of the locks of a process that `which` names, and wakes the first in line
/// for each.
fn release(conn: &Connection, process_id: &str, which: Held<'_>) -> Result<(), StoreError> {
    let now = crate::clock::now_text();
    let sql = match which {
        Held::Step(_) => "SELECT name, step FROM locks WHERE process_id = ?1 AND step = ?2",
        Held::All => "SELECT name, step FROM locks WHERE process_id = ?1",
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
    let names: Vec<(String, Option<String>)> = match which {
        Held::Step(s) => stmt
            .query_map([process_id, s], row)?
            .collect::<Result<_, _>>()?,
        _ => stmt
            .query_map([process_id], row)?
            .collect::<Result<_, _>>()?,
    };
    drop(stmt);
    for (name, held_for) in &names {
        conn.prepare_cached("DELETE FROM locks WHERE name = ?1")?
            .execute([name])?;
        append(
            conn,
            "lock.released",
            process_id,
            json!({"lock": name, "step": held_for}),
        )?;
        wake(conn, name, &now)?;
    }
    Ok(())
}

/// What a committed step means for the locks of its process: a process that ended
/// lets go of every lock; a step that ended (done, or its process came to rest failed
/// or waiting) lets go of its step locks; a process that does not rest waiting leaves
/// every queue. A process that rests waiting in a queue is due only once its lock freed
/// for it, never by a timer.
pub fn settle(
    conn: &Connection,
    process_id: &str,
    step: &str,
    step_status: StepStatus,
    status: ProcessStatus,
) -> Result<(), StoreError> {
    if status.is_finished() {
        release(conn, process_id, Held::All)?;
    } else if path::in_branch(step) {
        // A branch step lets go of its locks when it ends, fails or waits; the queue is
        // its process's, settled when the process comes to rest.
        if step_status.is_done() || matches!(step_status, StepStatus::Failed | StepStatus::Waiting)
        {
            release(conn, process_id, Held::Step(step))?;
        }
        return Ok(());
    } else if step_status.is_done()
        || matches!(status, ProcessStatus::Failed | ProcessStatus::Waiting)
    {
        // A branch step at rest (awaiting input or a callback) keeps its locks while
        // its process fails or waits, as a top-level step at rest does.
        release(conn, process_id, Held::Step(step))?;
    }
    if status != ProcessStatus::Waiting {
        // It went on (a step skipped by hand, say) or ended: it waits for no lock, and
        // must not keep one from the next in line.
        let queued: Vec<String> = conn
            .prepare_cached("SELECT name FROM lock_waiters WHERE process_id = ?1")?
            .query_map([process_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if !queued.is_empty() {
            conn.prepare_cached("DELETE FROM lock_waiters WHERE process_id = ?1")?
                .execute([process_id])?;
            let now = crate::clock::now_text();
            for name in queued {
                wake(conn, &name, &now)?;
            }
        }
        return Ok(());
    }
    let woken: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT MAX(woken_at) FROM lock_waiters WHERE process_id = ?1 HAVING COUNT(*) > 0",
        )?
        .query_row([process_id], |r| r.get(0))
        .optional()?;
    if let Some(woken) = woken {
        // Queued: due when the lock frees for it (at once, if it already did).
        let due = woken.map(|_| crate::clock::now_text());
        super::processes::set_run_after(conn, process_id, due.as_deref())?;
    }
    Ok(())
}

/// Every lock that is held or queued for, with its queue in order.
pub fn list(conn: &Connection) -> Result<Vec<LockRow>, StoreError> {
    let mut rows: Vec<LockRow> = conn
        .prepare_cached(
            "SELECT l.name, l.process_id, p.workflow, l.step, l.since FROM locks l LEFT JOIN processes p ON p.process_id = l.process_id
             UNION SELECT DISTINCT w.name, NULL, NULL, NULL, NULL FROM lock_waiters w WHERE w.name NOT IN (SELECT name FROM locks)
             ORDER BY 1",
        )?
        .query_map([], |r| {
            Ok(LockRow {
                name: r.get(0)?,
                process_id: r.get(1)?,
                workflow: r.get(2)?,
                step: r.get(3)?,
                since: r.get(4)?,
                waiters: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT w.process_id, COALESCE(p.workflow, ''), w.since, w.woken_at FROM lock_waiters w LEFT JOIN processes p ON p.process_id = w.process_id WHERE w.name = ?1 ORDER BY w.seq",
    )?;
    for row in &mut rows {
        row.waiters = stmt
            .query_map([&row.name], |r| {
                Ok(Waiter {
                    process_id: r.get(0)?,
                    workflow: r.get(1)?,
                    since: r.get(2)?,
                    woken_at: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    Ok(rows)
}
