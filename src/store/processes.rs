//! Processes and their step log, as the store hands them out and takes them in.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::subscriptions::Change;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{Target, WorkflowDef};

/// A process as stored; `state` is filled in by single reads, empty in lists.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessRow {
    #[serde(rename = "id")]
    pub process_id: String,
    pub workflow: String,
    pub target: Target,
    pub status: ProcessStatus,
    pub subscription_id: Option<String>,
    pub customer_id: Option<String>,
    pub is_task: bool,
    pub created_by: String,
    pub started_at: String,
    pub last_modified_at: String,
    pub failed_reason: Option<String>,
    pub last_step: Option<String>,
    pub definition_hash: String,
    pub owner: Option<String>,
    /// Until when the owner's lease holds; past it another orch may take over.
    pub lease_until: Option<String>,
    /// When a waiting process may be picked up again by a worker.
    pub run_after: Option<String>,
    /// The process whose `workflow` step started this one.
    pub parent_id: Option<String>,
    /// The path of that step in the parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_step: Option<String>,
    #[serde(skip)]
    pub state: Value,
}

/// One step attempt of the step log.
#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    #[serde(skip)]
    pub step_id: i64,
    pub name: String,
    pub status: StepStatus,
    pub attempt: i64,
    pub started_at: String,
    pub finished_at: String,
    pub error: Option<String>,
    pub output: Option<String>,
    pub created_by: String,
    /// The path of the branch the step ran in (`Push every device [3]`); None for a
    /// top-level step.
    pub branch: Option<String>,
    /// The patch applies to the state of the step's branch, or of the process.
    #[serde(skip)]
    pub state_patch: Value,
}

impl StepRow {
    /// Whether this attempt finished its step for good (a later run skips the step).
    pub fn is_done(&self) -> bool {
        self.status.is_done()
    }

    /// The step's path: its name, after its branch's path.
    pub fn path(&self) -> String {
        crate::domain::path::join(self.branch.as_deref(), &self.name)
    }

    /// Whether the step ran in `branch` (None: at the top level).
    pub fn in_branch(&self, branch: Option<&str>) -> bool {
        self.branch.as_deref() == branch
    }
}

/// A process to create.
pub struct NewProcess<'a> {
    pub process_id: &'a str,
    pub def: &'a WorkflowDef,
    /// Where the definition came from (a file, or `built-in`).
    pub source: Option<&'a str>,
    pub subscription_id: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub created_by: &'a str,
    pub state: &'a Value,
    /// The orch that drives it from the start; None leaves it `created` for another.
    pub owner: Option<&'a str>,
    /// How long the owner's lease lasts before it must be renewed.
    pub lease: std::time::Duration,
    /// The parent process and the path of its step that starts this one.
    pub parent: Option<(&'a str, &'a str)>,
}

/// A process looked up by id or by a prefix of its id.
pub enum Find {
    One(Box<ProcessRow>),
    None,
    Ambiguous,
}

/// How a committed step changes its process. It owns what it writes, so a store may
/// hand it to a committer that writes the steps of several processes at once.
pub struct StepCommit {
    pub process_id: String,
    pub subscription_id: Option<String>,
    pub step: StepRow,
    /// The state after the step (unchanged for a failed step); None: the step's patch
    /// is the whole state (a `Start` step). Shared, not copied: the engine goes on
    /// with it once the commit is done.
    pub state: Option<Arc<Value>>,
    /// The process status after the step.
    pub status: ProcessStatus,
    pub failed_reason: Option<String>,
    pub duration_ms: u128,
    /// The validated subscription change the step made, written in the same transaction.
    pub subscription: Option<Change>,
    /// For a process left `waiting`: how long until a worker may pick it up again
    /// (None: only by hand, or when what it waits for frees).
    pub retry_in: Option<std::time::Duration>,
    /// Put a process that would go on running at rest instead (`waiting`, due at once,
    /// with this reason): its orch is stopping.
    pub rest: Option<String>,
    /// A process left `waiting` waits for its children: it is due again when one of
    /// them comes to rest (at once if none is still queued or running).
    pub awaits_children: bool,
}

/// What a commit gives back: the status the process is left in, and the step row.
pub struct Committed {
    pub status: ProcessStatus,
    pub step: StepRow,
}

impl StepCommit {
    /// The state after the step.
    pub fn state(&self) -> &Value {
        self.state.as_deref().unwrap_or(&self.step.state_patch)
    }

    /// A process that stops running lets go of its owner in the step's transaction.
    pub fn releases_owner(&self) -> bool {
        self.status != ProcessStatus::Running
    }

    /// A step of a branch: its patch applies to the branch's state, which the process
    /// state's snapshot does not hold.
    pub fn in_branch(&self) -> bool {
        self.step.branch.is_some()
    }
}

/// Filters of `process list`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<ProcessStatus>,
    pub workflow: Option<String>,
    pub subscription_id: Option<String>,
    pub since: Option<String>,
    pub tasks: Option<bool>,
    /// Only the children of this process.
    pub parent_id: Option<String>,
    pub limit: i64,
}
