//! Locks on shared resources (DESIGN §14), as the store hands them out.
//!
//! A lock is a name (`ipam:pool-a`) held by a process: for the whole run (a workflow
//! lock, from `Start` to `Done`) or for one step. It belongs to the process, not to
//! the orch that runs it, so a takeover keeps it. A process that cannot take a lock
//! queues for it; when it frees, the first in the queue is made due (its `run_after`
//! is set), and nobody else may take the lock before that one did. Child workflows
//! that name a lock their parent holds take turns for it within the parent's hold
//! ([`within`]).

use serde::Serialize;

/// The lock a child workflow takes when the lock it names is held by its parent (or a
/// parent of that), the `holder`: the parent's hold is not the child's to take, nor to
/// wait for (the parent waits for the child), but the children under it still take
/// turns, as any processes do, for the lock within that hold.
pub fn within(name: &str, holder: &str) -> String {
    format!("{name} (within the hold of {holder})")
}

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
    /// The step of the process itself that holds it: a sibling branch's (None when
    /// another process holds it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sibling: Option<String>,
}

impl Blocker {
    /// The reason a waiting step gives.
    pub fn reason(&self) -> String {
        if let Some(step) = &self.sibling {
            return format!(
                "waiting for lock `{}`, held by step `{step}` of this process since {}",
                self.lock, self.since
            );
        }
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

/// Which locks of a process a release lets go of.
#[derive(Debug, Clone, Copy)]
pub enum Held<'a> {
    /// Those held for this step (its path).
    Step(&'a str),
    /// All of them.
    All,
}

/// Who stands in the way of a lock, as a store's `take` finds it: its holder, or the
/// first process queued for it.
pub struct Holder {
    pub process_id: String,
    pub since: String,
    /// The step it holds the lock for (None: for its whole run, or queued).
    pub step: Option<String>,
    pub holds: bool,
}

impl Holder {
    /// Whether the process asking for the lock for `step` holds it already: for its
    /// whole run, or for this very step (run again after a crash).
    pub fn is_ours(&self, process_id: &str, step: Option<&str>) -> bool {
        self.process_id == process_id && (self.step.is_none() || self.step.as_deref() == step)
    }

    /// A hold a child workflow of its process runs within: a workflow lock, held from
    /// `Start` to `Done`, around the step that waits for the child. A step lock is
    /// held by a `run`, `input`, `builtin` or `callback` step (of a sibling branch),
    /// never by the step that waits for the child: a child waits for it as anyone does.
    pub fn covers_children(&self) -> bool {
        self.holds && self.step.is_none()
    }

    /// Its own workflow lock, asked for again by a step of `process_id` inside a
    /// branch: sibling branches take turns for it within the process's hold.
    pub fn shared_by_branches(&self, process_id: &str, step: Option<&str>) -> bool {
        self.process_id == process_id
            && self.covers_children()
            && step.is_some_and(crate::domain::path::in_branch)
    }

    /// Another process queued for it first.
    pub fn queued(process_id: String, since: String) -> Holder {
        Holder {
            process_id,
            since,
            step: None,
            holds: false,
        }
    }

    /// What the process `asking` is told about lock `lock`: a holder that is `asking`
    /// itself holds it for a sibling branch's step.
    pub fn blocker(self, lock: &str, workflow: String, asking: &str) -> Blocker {
        let sibling = if self.process_id == asking {
            self.step
        } else {
            None
        };
        Blocker {
            lock: lock.to_string(),
            workflow,
            process_id: self.process_id,
            since: self.since,
            holds: self.holds,
            sibling,
        }
    }
}
