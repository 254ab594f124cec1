//! Processes and their step log, as the store hands them out and takes them in.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::subscriptions::Change;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{Target, WorkflowDef};

/// A process as stored; `state` is filled in by single reads, empty in lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// Who queued it again last (a retry, an answer or a skip for the workers); None:
    /// nobody did since it was created.
    #[serde(skip)]
    pub queued_by: Option<String>,
    /// An abort asked for while a live orch ran it, not carried out yet (its owner
    /// carries it out); shown by `crate::shapes`.
    #[serde(skip)]
    pub abort_requested: Option<AbortRequest>,
    /// Set on the row [`crate::engine::owner::claim_to_end`] hands out: the status the
    /// process rested in when this orch claimed it to act on it without running a step.
    /// That claim says nothing of running, so the step recorded next names this status
    /// as the one the process went from. None for a row as stored.
    #[serde(skip)]
    pub claimed_from: Option<ProcessStatus>,
    #[serde(skip)]
    pub state: Value,
}

/// Who asked to abort a running process, and when (`process abort` of a process a
/// live orch runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbortRequest {
    pub by: String,
    pub at: String,
}

impl ProcessRow {
    /// Who a worker runs it for: who queued it last, else who created it.
    pub fn requester(&self) -> &str {
        self.queued_by.as_deref().unwrap_or(&self.created_by)
    }
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
    pub lease: Duration,
    /// The parent process and the path of its step that starts this one.
    pub parent: Option<(&'a str, &'a str)>,
}

impl NewProcess<'_> {
    /// The `data` of its `process.started` event.
    pub fn started_event(&self) -> Value {
        let mut data = serde_json::json!({"workflow": self.def.name, "target": self.def.target.as_str(), "created_by": self.created_by});
        if let Some((parent, step)) = self.parent {
            data["parent_id"] = parent.into();
            data["parent_step"] = step.into();
        }
        data
    }
}

/// A process looked up by id or by a prefix of its id.
pub enum Find {
    One(Box<ProcessRow>),
    None,
    /// The first few ids (up to six) the prefix starts.
    Ambiguous(Vec<String>),
}

/// How a committed step changes its process. It owns what it writes, so a store may
/// hand it to a committer that writes the steps of several processes at once.
pub struct StepCommit {
    pub process_id: String,
    /// The orch writing it; the store refuses the step unless this orch holds the
    /// process (it may have lost its lease and the process to another).
    pub owner: String,
    pub subscription_id: Option<String>,
    pub step: StepRow,
    /// The state after the step (unchanged for a failed step); None: the step's patch
    /// is the whole state (a `Start` step). Shared, not copied: the engine goes on
    /// with it once the commit is done.
    pub state: Option<Arc<Value>>,
    /// The process status after the step.
    pub status: ProcessStatus,
    pub failed_reason: Option<String>,
    /// How long the step ran.
    pub took: Duration,
    /// The validated subscription change the step made, written in the same transaction.
    /// Boxed: most steps make none, and a commit is moved through several futures on its
    /// way to the store, each holding it whole.
    pub subscription: Option<Box<Change>>,
    /// For a process left `waiting`: how long until a worker may pick it up again
    /// (None: only by hand, or when what it waits for frees).
    pub retry_in: Option<Duration>,
    /// Put a process that would go on running at rest instead (`waiting`, due at once,
    /// with this reason): its orch is stopping.
    pub rest: Option<String>,
    /// A process left `waiting` waits for its children: it is due again when one of
    /// them comes to rest (at once if none is still queued or running).
    pub awaits_children: bool,
    /// The status the process rested in before a claim that starts no step (an abort,
    /// an answer recorded for the workers): its status event goes from there, not from
    /// `running` (see [`ProcessRow::claimed_from`]).
    pub claimed_from: Option<ProcessStatus>,
    /// For a failed attempt its step's retry policy follows with another: the reason the
    /// process rests with instead, if the store finds the engine paused (see
    /// [`StepCommit::rest_for_pause`]).
    pub paused_rest: Option<String>,
}

/// What a commit gives back: the status the process is left in, and the step row.
pub struct Committed {
    pub status: ProcessStatus,
    pub step: StepRow,
    /// An abort of the process was asked for (read with the row the commit writes):
    /// its orch starts no next step.
    pub abort_asked: bool,
}

/// What a step's commit left, before the step row is handed back.
#[derive(Debug, Clone, Copy)]
pub struct Left {
    pub status: ProcessStatus,
    pub abort_asked: bool,
}

impl StepCommit {
    /// Fencing: only the orch that holds the process may write its steps. One whose
    /// lease ran out while it worked finds the process taken over (`owner` is who
    /// holds it now, as the store read it), and writes nothing.
    pub fn fence(&self, owner: Option<String>) -> Result<(), super::StoreError> {
        if owner.as_deref() == Some(self.owner.as_str()) {
            return Ok(());
        }
        Err(super::StoreError::NotOwner {
            process_id: self.process_id.clone(),
            owner,
        })
    }

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

    /// Whether a paused engine would rest the process between two attempts of its
    /// step's retry policy: the attempt failed (or its step waits, exit 75), the next
    /// would start at once, and no other rest was asked for.
    pub fn rests_if_paused(&self) -> bool {
        self.paused_rest.is_some()
            && self.step.status.is_retryable()
            && self.status == ProcessStatus::Running
            && self.rest.is_none()
            && !self.in_branch()
    }

    /// Rests the process because the engine is paused, between two attempts of its
    /// step's retry policy. The log row is `waiting` and says which attempt it was, as
    /// a rest the policy's delay asked for does: the next attempt, when the engine runs
    /// again, counts the attempts made rather than starting the policy over. Should the
    /// transaction that found the pause be rolled back and the step written again, it
    /// stays at rest: the process is due at once, and its next attempt runs when the
    /// engine does.
    pub fn rest_for_pause(&mut self) {
        let Some(reason) = self.paused_rest.take() else {
            return;
        };
        self.step.status = StepStatus::Waiting;
        self.step.error = Some(match self.step.error.take() {
            Some(error) if !error.is_empty() => format!("{error}; {reason}"),
            _ => reason.clone(),
        });
        self.status = ProcessStatus::Waiting;
        self.failed_reason = Some(reason);
        self.retry_in = Some(Duration::ZERO);
    }
}

/// Filters of `process list`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Any of these statuses; empty: every status.
    pub status: Vec<ProcessStatus>,
    pub workflow: Option<String>,
    pub subscription_id: Option<String>,
    pub since: Option<String>,
    /// Only processes older than this id (ids sort by time): the next page.
    pub before: Option<String>,
    /// Only processes newer than this id: the page before. The nearest `limit` of
    /// them are read, oldest first, and listed newest first as every page is.
    pub after: Option<String>,
    pub tasks: Option<bool>,
    /// Only the children of this process.
    pub parent_id: Option<String>,
    pub limit: i64,
}

/// A page of processes, newest first, and whether more lie on either side of it.
#[derive(Debug)]
pub struct Page {
    pub rows: Vec<ProcessRow>,
    /// There are older processes (the next page, `before` the last row).
    pub older: bool,
    /// There are newer processes (the page before, `after` the first row).
    pub newer: bool,
}

impl Filter {
    /// The order a list query reads its rows in: newest first, but from `after` up
    /// (the page nearest to it), which [`crate::store::Store::processes`] turns round.
    pub fn order(&self) -> &'static str {
        match self.after {
            Some(_) => "ORDER BY process_id ASC",
            None => "ORDER BY process_id DESC",
        }
    }
}

/// The host and pid parts of an owner name (`host/pid/start`).
pub fn owner_parts(owner: &str) -> (Option<&str>, Option<i64>) {
    let mut parts = owner.split('/');
    (
        parts.next(),
        parts.next().and_then(|p| p.parse::<i64>().ok()),
    )
}

/// A state snapshot is rewritten once the patches logged since exceed its size, and
/// never more often than every this many bytes of patches.
pub const MIN_SNAPSHOT_BUDGET: i64 = 64 * 1024;
/// What one step row costs besides its patch, counted against the budget so that a
/// long run of tiny patches still gets a fresh snapshot now and then.
const STEP_COST: i64 = 64;

/// The budget of patch bytes a snapshot of `state_len` bytes allows until the next.
pub fn snapshot_budget(state_len: usize) -> i64 {
    (state_len as i64).max(MIN_SNAPSHOT_BUDGET)
}

impl StepCommit {
    /// Whether the step keeps its callback tokens open although it failed: it was
    /// interrupted (Ctrl-C, SIGTERM), which leaves the process resumable as a crash
    /// does, and its `run` may have handed a token out already. Running it again hands
    /// out another, while the one the external system has still answers.
    pub fn keeps_tokens(&self) -> bool {
        self.step.status == StepStatus::Failed
            && crate::engine::was_interrupted(self.step.error.as_deref())
    }

    /// The `data` of its `step.finished` event, as stored. Written straight from the
    /// row (a committer writes one for every step).
    pub fn event_data(&self) -> String {
        #[derive(Serialize)]
        struct Data<'a> {
            name: &'a str,
            path: &'a str,
            status: StepStatus,
            attempt: i64,
            duration_ms: u64,
            error: Option<&'a str>,
            by: &'a str,
        }
        let s = &self.step;
        let data = Data {
            name: &s.name,
            path: &s.path(),
            status: s.status,
            attempt: s.attempt,
            duration_ms: self.took.as_millis() as u64,
            error: s.error.as_deref(),
            by: &s.created_by,
        };
        serde_json::to_string(&data).unwrap_or_else(|_| "{}".into())
    }

    /// What is left of the snapshot budget after this step's patch of `patch_len`
    /// bytes, its process left in `status`; None: write a snapshot with it (the first
    /// step, a process coming to rest, or a budget spent). A branch step's patch is not
    /// part of the process state's fold: it leaves the budget as it was.
    pub fn budget_left(
        &self,
        status: ProcessStatus,
        budget: Option<i64>,
        patch_len: usize,
    ) -> Option<i64> {
        if self.in_branch() {
            return Some(budget.unwrap_or(0));
        }
        let cost = patch_len as i64 + STEP_COST;
        budget
            .filter(|b| status == ProcessStatus::Running && cost <= *b)
            .map(|b| b - cost)
    }

    /// The `process.<status>` event of a step that moved its process from `previous`
    /// to `status`, one it rests in. A process claimed without a step is `running` in
    /// its row only while the claim holds it: it goes from the status it rested in.
    pub fn status_event(
        &self,
        previous: ProcessStatus,
        status: ProcessStatus,
    ) -> Option<(String, Value)> {
        let previous = match (previous, self.claimed_from) {
            (ProcessStatus::Running, Some(rested)) => rested,
            _ => previous,
        };
        (previous != status && status != ProcessStatus::Running).then(|| {
            (
                format!("process.{status}"),
                serde_json::json!({"from": previous, "to": status, "step": self.step.path(), "reason": self.failed_reason}),
            )
        })
    }
}

/// The event of a status set without a step, when the status changes.
pub fn status_event(
    previous: ProcessStatus,
    status: ProcessStatus,
    reason: Option<&str>,
) -> Option<(String, Value)> {
    (previous != status).then(|| {
        (
            format!("process.{status}"),
            serde_json::json!({"from": previous, "to": status, "reason": reason}),
        )
    })
}

/// The event of a claim that was taken: a takeover of a running process, or a
/// process that starts running again. A resting process claimed to act on it without
/// a step (`starts_no_step`: an abort, an answer recorded for the workers) does not run:
/// no event, the step recorded next says where it went from where it rested.
pub fn claim_event(
    seen_status: ProcessStatus,
    seen_owner: Option<&str>,
    owner: &str,
    starts_no_step: bool,
) -> Option<(&'static str, Value)> {
    if seen_status == ProcessStatus::Running {
        Some((
            "process.taken_over",
            serde_json::json!({"from": seen_owner, "by": owner}),
        ))
    } else {
        (!starts_no_step).then(|| {
            (
                "process.running",
                serde_json::json!({"from": seen_status, "to": "running", "by": owner}),
            )
        })
    }
}

/// The completed task runs last changed before the cutoff (`cutoff`: the placeholder)
/// that a cleanup may delete: a run goes only with the whole tree of processes it
/// belongs to (its parent, its parent's parent, … and all their children), so no kept
/// process is left with a parent or child that is gone. `is_task` is the store's
/// spelling of that test. A process whose parent is already gone roots its own tree.
pub fn deletable_task_runs(is_task: &str, cutoff: &str) -> String {
    format!(
        "WITH RECURSIVE
  old(process_id) AS (
    SELECT process_id FROM processes
    WHERE {is_task} AND status = 'completed' AND last_modified_at < {cutoff}),
  up(process_id, parent_id) AS (
    SELECT process_id, parent_id FROM processes WHERE process_id IN (SELECT process_id FROM old)
    UNION
    SELECT p.process_id, p.parent_id FROM processes p JOIN up ON p.process_id = up.parent_id),
  roots(root) AS (
    SELECT process_id FROM up
    WHERE parent_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM processes q WHERE q.process_id = up.parent_id)),
  tree(process_id, root) AS (
    SELECT root, root FROM roots
    UNION
    SELECT c.process_id, tree.root FROM processes c JOIN tree ON c.parent_id = tree.process_id),
  kept(root) AS (
    SELECT root FROM tree WHERE process_id NOT IN (SELECT process_id FROM old))
SELECT process_id FROM tree WHERE root NOT IN (SELECT root FROM kept)"
    )
}
