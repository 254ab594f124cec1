//! The branches of a group as data: which branches a group has at its fork, the state
//! each starts from, and what the step log says of each (DESIGN §13).
//!
//! Nothing here runs a step. The runner forks with [`branches`]; views, `retry --plan`
//! and `resume` rebuild a branch's state from the log with [`branch_state`], the same
//! way a retry after a crash does: the state at the fork (the state of the scope the
//! group runs in, which no step changes until the join), plus the branch's item, plus
//! the patches its own steps logged.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::merge;
use crate::domain::path;
use crate::domain::process::StepStatus;
use crate::domain::workflow::{StepDef, StepKind};
use crate::store::processes::StepRow;

/// One branch of a group at its fork.
#[derive(Debug, Clone)]
pub struct Branch<'d> {
    /// Its path: `Configure both ends / B side`, `Push every device [3]`.
    pub path: String,
    /// How it is told apart in its group: `B side`, `[3]`.
    pub label: String,
    pub steps: &'d [StepDef],
    /// A `foreach` branch's item: the key it goes under (`as`), the item, its index.
    pub item: Option<(&'d str, Value, usize)>,
}

impl Branch<'_> {
    /// The state the branch starts from: the fork's, with its item.
    pub fn start(&self, fork: &Value) -> Value {
        let mut state = fork.clone();
        if let (Some((key, item, i)), Some(obj)) = (&self.item, state.as_object_mut()) {
            obj.insert(key.to_string(), item.clone());
            obj.insert(format!("{key}_index"), json!(i));
        }
        state
    }
}

/// The branches of the group step `group` (its path is `at`), forked from `fork`: the
/// static ones of `parallel`, or one per item of the list `foreach` gives. `Err` says
/// why there are none to run (the list is not a list).
pub fn branches<'d>(group: &'d StepDef, at: &str, fork: &Value) -> Result<Vec<Branch<'d>>, String> {
    match &group.kind {
        StepKind::Parallel { parallel, .. } => Ok(parallel
            .iter()
            .map(|b| Branch {
                path: path::parallel_branch(at, &b.name),
                label: b.name.clone(),
                steps: &b.steps,
                item: None,
            })
            .collect()),
        StepKind::Foreach {
            foreach,
            item,
            steps,
            ..
        } => {
            let items = crate::expr::eval(foreach, &json!({ "state": fork }))
                .map_err(|e| format!("`foreach` expression `{foreach}` failed: {e}"))?;
            let items = match items {
                Value::Array(a) => a,
                Value::Null => {
                    return Err(format!(
                        "`foreach = \"{foreach}\"` gives nothing (is the key missing from the state?); it must give a list"
                    ));
                }
                other => {
                    return Err(format!(
                        "`foreach = \"{foreach}\"` gives {}, not a list",
                        describe(&other)
                    ));
                }
            };
            Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| Branch {
                    path: path::foreach_branch(at, i),
                    label: format!("[{i}]"),
                    steps,
                    item: Some((item.as_str(), v, i)),
                })
                .collect())
        }
        _ => Ok(Vec::new()),
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "an object",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "a list",
        Value::Null => "nothing",
    }
}

/// The rows of `log` that ran in the branch at `branch` itself (not in groups nested in
/// it), oldest first.
pub fn rows_of<'l>(log: &'l [StepRow], branch: &str) -> impl Iterator<Item = &'l StepRow> {
    log.iter()
        .filter(move |r| r.branch.as_deref() == Some(branch))
}

/// How many steps a running process has in flight, as its log tells (`engine status`
/// counts them): one, or, while a group runs, one for each of [`branch_steps_in_flight`].
pub fn steps_in_flight(
    def: &crate::domain::workflow::WorkflowDef,
    state: &Value,
    log: &[StepRow],
) -> usize {
    let planned = super::plan::plan(def);
    super::plan::remaining(&planned, log)
        .first()
        .map_or(1, |next| {
            branch_steps_in_flight(def, &next.name, state, log)
                .len()
                .max(1)
        })
}

/// The branch steps (branch path, step name) a running process has in flight when its
/// next top-level step, `next`, is a group: in each branch that has not finished, the
/// step it is at, unless that step came to rest (suspended, awaiting a callback,
/// failed), as many branches as `max_parallel` lets run, down nested groups. Empty when
/// `next` is not a group. A step that waits (between the tries of its retry policy, or
/// for a lock) counts as in flight.
pub fn branch_steps_in_flight(
    def: &crate::domain::workflow::WorkflowDef,
    next: &str,
    state: &Value,
    log: &[StepRow],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(step) = def
        .steps
        .iter()
        .find(|s| s.name == next && s.kind.is_group())
    {
        // Each branch's own rows, found in one pass rather than once per branch.
        let mut own: HashMap<&str, Vec<&StepRow>> = HashMap::new();
        for r in log {
            if let Some(b) = r.branch.as_deref().filter(|b| path::under(b, &step.name)) {
                own.entry(b).or_default().push(r);
            }
        }
        group_in_flight(step, &step.name, state, &own, 0, &mut out);
    }
    out
}

fn group_in_flight(
    group: &StepDef,
    at: &str,
    fork: &Value,
    own: &HashMap<&str, Vec<&StepRow>>,
    depth: usize,
    out: &mut Vec<(String, String)>,
) {
    let Ok(list) = branches(group, at, fork) else {
        return;
    };
    let mut started = 0;
    for b in &list {
        let rows = own.get(b.path.as_str()).map_or(&[][..], Vec::as_slice);
        let Some(step) = b
            .steps
            .iter()
            .find(|s| !rows.iter().any(|r| r.name == s.name && r.is_done()))
        else {
            continue; // finished
        };
        if started == group.kind.max_parallel() {
            break;
        }
        started += 1;
        let last = rows.iter().rev().find(|r| r.name == step.name);
        if last.is_some_and(|r| {
            matches!(
                r.status,
                StepStatus::Suspend | StepStatus::AwaitingCallback | StepStatus::Failed
            )
        }) {
            continue; // at rest until someone acts
        }
        if step.kind.is_group() && depth < 8 {
            let mut state = b.start(fork);
            for r in rows {
                merge::apply(&mut state, &r.state_patch);
            }
            let inner = path::join(Some(&b.path), &step.name);
            group_in_flight(step, &inner, &state, own, depth + 1, out);
        } else {
            out.push((b.path.clone(), step.name.clone()));
        }
    }
}

/// `state` with the patches of the branch's own rows applied.
pub fn fold(mut state: Value, log: &[StepRow], branch: &str) -> Value {
    for r in rows_of(log, branch) {
        merge::apply(&mut state, &r.state_patch);
    }
    state
}

/// The state of the branch at `target` as `log` leaves it, looked for among the groups
/// of `steps` (a scope at `scope`, whose state is `scope_state`); None when no group
/// there has that branch.
pub fn branch_state(
    steps: &[StepDef],
    scope: Option<&str>,
    scope_state: &Value,
    target: &str,
    log: &[StepRow],
) -> Option<Value> {
    for step in steps.iter().filter(|s| s.kind.is_group()) {
        let at = path::join(scope, &step.name);
        if !target.starts_with(&at) {
            continue;
        }
        let Ok(list) = branches(step, &at, scope_state) else {
            continue;
        };
        for b in list {
            if !path::within(target, &b.path) {
                continue;
            }
            let state = fold(b.start(scope_state), log, &b.path);
            if b.path == target {
                return Some(state);
            }
            return branch_state(b.steps, Some(&b.path), &state, target, log);
        }
    }
    None
}

/// Where a branch stands, as the log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchStatus {
    /// Every step is done: it never runs again.
    Done,
    Failed,
    Waiting,
    Suspended,
    AwaitingCallback,
    /// Some steps are done, and the rest has not ended yet.
    Started,
    /// Not a step has run.
    NotStarted,
}

impl BranchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BranchStatus::Done => "done",
            BranchStatus::Failed => "failed",
            BranchStatus::Waiting => "waiting",
            BranchStatus::Suspended => "suspended",
            BranchStatus::AwaitingCallback => "awaiting callback",
            BranchStatus::Started => "started",
            BranchStatus::NotStarted => "not started",
        }
    }
}

/// A branch as views and `retry --plan` show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BranchView {
    pub path: String,
    pub label: String,
    pub status: BranchStatus,
    /// The first step it has not finished: where a retry or resume starts it.
    pub next: Option<String>,
    /// The error of its last failed or waiting step.
    pub error: Option<String>,
}

/// The branches of `group` (at `at`, forked from `fork`) and where each stands. The
/// log is read once, not once per branch: a group of thousands of branches is shown
/// (and planned) as fast as it ran.
pub fn views(
    group: &StepDef,
    at: &str,
    fork: &Value,
    log: &[StepRow],
) -> Result<Vec<BranchView>, String> {
    // Each branch's own rows, and its last row (or of a group nested in it).
    let mut own: HashMap<&str, Vec<&StepRow>> = HashMap::new();
    let mut last: HashMap<String, &StepRow> = HashMap::new();
    for r in log {
        let Some(p) = r.branch.as_deref().filter(|p| path::under(p, at)) else {
            continue;
        };
        own.entry(p).or_default().push(r);
        last.insert(path::branch_of(at, p), r);
    }
    Ok(branches(group, at, fork)?
        .into_iter()
        .map(|b| {
            let rows = own.get(b.path.as_str()).map_or(&[][..], Vec::as_slice);
            let done = |name: &str| rows.iter().any(|r| r.name == name && r.is_done());
            let next = b
                .steps
                .iter()
                .find(|s| !done(&s.name))
                .map(|s| s.name.clone());
            let last = last.get(&b.path).copied();
            let status = match (&next, last.map(|r| r.status)) {
                (None, _) => BranchStatus::Done,
                (Some(_), None) => BranchStatus::NotStarted,
                (Some(_), Some(s)) => match s {
                    crate::domain::process::StepStatus::Failed => BranchStatus::Failed,
                    crate::domain::process::StepStatus::Waiting => BranchStatus::Waiting,
                    crate::domain::process::StepStatus::Suspend => BranchStatus::Suspended,
                    crate::domain::process::StepStatus::AwaitingCallback => {
                        BranchStatus::AwaitingCallback
                    }
                    _ => BranchStatus::Started,
                },
            };
            let error = match status {
                BranchStatus::Failed | BranchStatus::Waiting => last.and_then(|r| r.error.clone()),
                _ => None,
            };
            BranchView {
                path: b.path,
                label: b.label,
                status,
                next,
                error,
            }
        })
        .collect())
}
