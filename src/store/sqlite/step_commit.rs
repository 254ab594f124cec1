//! One step's commit on SQLite, in a transaction that may hold many (the group
//! committer's) or only it.
//!
//! A worker's committer spends its time here, one statement after another for every
//! step, so what a step does not need is not asked: whether the engine is paused is
//! read once per transaction ([`TxFacts`]), and the callbacks and locks of a process
//! that holds none are not settled.

use rusqlite::Connection;

use super::ops::from_now;
use super::{callbacks, locks, processes, subscriptions, workers};
use crate::domain::process::ProcessStatus;
use crate::store::processes::{Left, StepCommit};
use crate::store::{PAUSED, StoreResult};

/// What every step of one transaction would read alike, read by the first that asks.
#[derive(Default)]
pub struct TxFacts {
    paused: Option<bool>,
}

impl TxFacts {
    /// Whether the engine is paused. No step commit pauses or resumes it, so the
    /// answer holds for the whole transaction.
    fn paused(&mut self, tx: &Connection) -> StoreResult<bool> {
        if let Some(paused) = self.paused {
            return Ok(paused);
        }
        let paused = workers::paused(tx)?.is_some();
        self.paused = Some(paused);
        Ok(paused)
    }
}

/// Writes one step in the caller's transaction: the subscription change it made, its
/// log row and the process row, then lets go of the process or puts it at rest. Returns
/// the status the process is left in.
pub fn commit_one(tx: &Connection, c: &mut StepCommit, facts: &mut TxFacts) -> StoreResult<Left> {
    if c.rests_if_paused() && facts.paused(tx)? {
        c.rest_for_pause();
    }
    let mut abort_asked = false;
    let status = commit_leaving(tx, c, facts, &mut abort_asked)?;
    Ok(Left {
        status,
        abort_asked,
    })
}

/// [`commit_one`]; `abort_asked` is set when an abort of the process was asked for.
fn commit_leaving(
    tx: &Connection,
    c: &StepCommit,
    facts: &mut TxFacts,
    abort_asked: &mut bool,
) -> StoreResult<ProcessStatus> {
    if let Some(change) = &c.subscription {
        subscriptions::save(
            tx,
            &change.new,
            change.old.as_ref(),
            &change.flat,
            Some(&c.process_id),
        )?;
    }
    // A process about to rest awaiting a callback whose answer came in while its step
    // ran (or whose deadline passed while it ran) goes on running instead: its orch
    // takes the answer (or fails the step) at once.
    let status = if c.status == ProcessStatus::AwaitingCallback
        && callbacks::decided(tx, &c.process_id, &c.step.path())?
    {
        ProcessStatus::Running
    } else {
        c.status
    };
    let written = processes::commit_step(tx, c, status)?;
    *abort_asked = written.abort_asked;
    if status != ProcessStatus::Running {
        processes::release(tx, &c.process_id)?;
        if status == ProcessStatus::Waiting {
            let after = if c.awaits_children {
                processes::children_due(tx, &c.process_id)?
            } else {
                c.retry_in.map(from_now)
            };
            processes::set_run_after(tx, &c.process_id, after.as_deref())?;
        }
        processes::wake_parent(tx, &c.process_id)?;
        settle_waits(tx, c, status)?;
        if c.awaits_children && status != ProcessStatus::Waiting {
            // At rest for a child that awaits someone: due at once if a child came to
            // rest while this step ran; a callback's deadline is kept otherwise.
            if let Some(due) = processes::children_due(tx, &c.process_id)? {
                processes::set_run_after(tx, &c.process_id, Some(&due))?;
            }
        }
        return Ok(status);
    }
    if written.holds_waits {
        settle_waits(tx, c, status)?;
    }
    let rest = match &c.rest {
        Some(reason) => Some(reason.as_str()),
        None => facts.paused(tx)?.then_some(PAUSED),
    };
    if c.in_branch() {
        // The branch stops here, and its siblings after their steps in flight; the
        // engine rests the process once the whole group is at rest.
        return Ok(rest.map_or(c.status, |_| ProcessStatus::Waiting));
    }
    match rest {
        Some(reason) => {
            processes::rest(tx, &c.process_id, reason, Some(&crate::clock::now_text()))?;
            Ok(ProcessStatus::Waiting)
        }
        None => Ok(status),
    }
}

fn settle_waits(tx: &Connection, c: &StepCommit, status: ProcessStatus) -> StoreResult<()> {
    let path = c.step.path();
    callbacks::settle(
        tx,
        &c.process_id,
        &path,
        c.step.status,
        status,
        c.keeps_tokens(),
    )?;
    locks::settle(tx, &c.process_id, &path, c.step.status, status)
}
