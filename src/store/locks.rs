//! Locks on shared resources (DESIGN §14), as the store hands them out.
//!
//! A lock is a name (`ipam:pool-a`) held by a process: for the whole run (a workflow
//! lock, from `Start` to `Done`) or for one step. It belongs to the process, not to
//! the orch that runs it, so a takeover keeps it. A process that cannot take a lock
//! queues for it; when it frees, the first in the queue is made due (its `run_after`
//! is set), and nobody else may take the lock before that one did.

use serde::Serialize;

/// What stands in the way of a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub lock: String,
    /// The process that holds it, or (when `holds` is false) that queued for it first.
    pub process_id: String,
    pub workflow: String,
    /// Since when it holds it (or queues for it).
    pub since: String,
    pub holds: bool,
}

impl Blocker {
    /// The reason a waiting step gives.
    pub fn reason(&self) -> String {
        if self.holds {
            format!(
                "waiting for lock `{}`, held by process {} ({}) since {}",
                self.lock, self.process_id, self.workflow, self.since
            )
        } else {
            format!(
                "waiting for lock `{}`: process {} ({}) queued for it first, since {}",
                self.lock, self.process_id, self.workflow, self.since
            )
        }
    }
}

/// How taking locks went: all of them, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    Taken,
    /// The first lock that could not be taken; the process queues for it.
    Blocked(Blocker),
}

/// A process queued for a lock.
#[derive(Debug, Clone, Serialize)]
pub struct Waiter {
    pub process_id: String,
    pub workflow: String,
    pub since: String,
    /// When the lock freed for it (it is due); None while it still waits.
    pub woken_at: Option<String>,
}

/// A lock with its holder (if held) and the processes queued for it, in order.
#[derive(Debug, Clone, Serialize)]
pub struct LockRow {
    pub name: String,
    pub process_id: Option<String>,
    pub workflow: Option<String>,
    /// The step it is held for; None for a workflow lock (or when free).
    pub step: Option<String>,
    pub since: Option<String>,
    pub waiters: Vec<Waiter>,
}
