//! The full list of steps a process runs: the target's own steps around the user's.
//!
//! Computed from the stored definition every time, never stored: steps are matched by
//! name against the log, so the plan and the log can never disagree about positions.

use crate::domain::lifecycle::Lifecycle;
use crate::domain::path;
use crate::domain::process::StepStatus;
use crate::domain::workflow::{StepDef, Target, WorkflowDef};
use crate::store::processes::StepRow;

/// The first step of every process: it records the form and takes the workflow's locks.
pub const START: &str = "Start";

#[derive(Debug, Clone, PartialEq)]
pub enum Planned<'a> {
    /// Records the initial form.
    Start,
    /// Creates the subscription (status initial).
    CreateSubscription,
    /// Checks usability and sets insync = false.
    Lock,
    /// Sets insync = true again.
    Unlock,
    SetStatus(Lifecycle),
    User(&'a StepDef),
    /// Marks the process completed.
    Done,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStep<'a> {
    pub name: String,
    pub step: Planned<'a>,
}

impl PlannedStep<'_> {
    /// How `workflow show` describes the step.
    pub fn describe(&self) -> String {
        match &self.step {
            Planned::Start => "records the form".into(),
            Planned::CreateSubscription => "creates the subscription (initial)".into(),
            Planned::Lock => "checks usability, marks the subscription out of sync".into(),
            Planned::Unlock => "marks the subscription in sync".into(),
            Planned::SetStatus(l) => format!("sets the lifecycle to {l}"),
            Planned::Done => "completes the process".into(),
            Planned::User(s) => {
                let mut d = s.kind.label();
                if let Some(c) = &s.condition {
                    d.push_str(&format!(" if {c}"));
                }
                if !s.locks.is_empty() {
                    d.push_str(&format!(", holding {}", s.locks.join(", ")));
                }
                d
            }
        }
    }

    pub fn is_user(&self) -> bool {
        matches!(self.step, Planned::User(_))
    }
}

/// The name an abort is logged under: the process's last top-level step (an abort is
/// the process's own step, never one of a branch), or `Start` before any.
pub fn abort_step_name(log: &[StepRow]) -> String {
    log.iter()
        .rev()
        .find(|s| s.branch.is_none())
        .map_or_else(|| START.to_string(), |s| s.name.clone())
}

/// The attempt number a step gets when it runs next: one more than its attempts in `log`.
/// An input step that suspended, or a callback step that rested awaiting its answer,
/// was not tried and failed: it is answered within the attempt that asked.
pub fn next_attempt(log: &[StepRow], name: &str) -> i64 {
    next_attempt_in(log, None, name)
}

/// [`next_attempt`] for a step of the branch at `branch` (None: the top level).
pub fn next_attempt_in(log: &[StepRow], branch: Option<&str>, name: &str) -> i64 {
    log.iter()
        .filter(|s| {
            s.name == name
                && s.in_branch(branch)
                && !matches!(s.status, StepStatus::Suspend | StepStatus::AwaitingCallback)
        })
        .count() as i64
        + 1
}

/// The planned steps the log has not finished yet, in plan order (matched by name
/// among the top-level steps; steps inside branches are the groups' business).
pub fn remaining<'p, 'a>(
    planned: &'p [PlannedStep<'a>],
    log: &[StepRow],
) -> Vec<&'p PlannedStep<'a>> {
    planned
        .iter()
        .filter(|p| {
            !log.iter()
                .any(|r| r.branch.is_none() && r.name == p.name && r.is_done())
        })
        .collect()
}

/// The lifecycle orch's own step `name` sets (`Set status active` of a create), if it
/// is one of `def`'s.
pub fn status_set_by(def: &WorkflowDef, name: &str) -> Option<Lifecycle> {
    plan(def).into_iter().find_map(|p| match p.step {
        Planned::SetStatus(l) if p.name == name => Some(l),
        _ => None,
    })
}

pub fn set_status_name(l: Lifecycle) -> String {
    format!("Set status {l}")
}

pub fn plan(def: &WorkflowDef) -> Vec<PlannedStep<'_>> {
    let step = |name: &str, step: Planned<'static>| PlannedStep {
        name: name.to_string(),
        step,
    };
    let mut out = vec![step(START, Planned::Start)];
    match def.target {
        Target::Create => out.push(step("Create subscription", Planned::CreateSubscription)),
        Target::Modify | Target::Terminate | Target::Validate => {
            out.push(step("Lock subscription", Planned::Lock))
        }
        Target::System => {}
    }
    for s in &def.steps {
        out.push(PlannedStep {
            name: s.name.clone(),
            step: Planned::User(s),
        });
    }
    match def.target {
        Target::Create => {
            let l = def.end_status();
            out.push(step(&set_status_name(l), Planned::SetStatus(l)));
        }
        Target::Terminate => {
            let l = Lifecycle::Terminated;
            out.push(step(&set_status_name(l), Planned::SetStatus(l)));
            out.push(step("Unlock subscription", Planned::Unlock));
        }
        Target::Modify | Target::Validate => out.push(step("Unlock subscription", Planned::Unlock)),
        Target::System => {}
    }
    out.push(step("Done", Planned::Done));
    out
}
/// The steps a `skip` marks as done by hand: the last failed or waiting step at the
/// top level or, when that is a group, the steps its branches rest at (the failed
/// ones, else the waiting ones), so the group goes on from there and its finished
/// branches keep what they did. A group's own row is skipped only when no branch step
/// rests (it waited for a lock of its own).
pub fn steps_to_skip(
    process_id: &str,
    log: &[StepRow],
) -> Result<Vec<StepRow>, crate::error::Error> {
    let top = log
        .iter()
        .rev()
        .find(|s| s.branch.is_none() && s.status.is_retryable())
        .cloned()
        .ok_or_else(|| {
            crate::error::Error::conflict(format!(
                "process {process_id} has no failed step to skip"
            ))
            .with_hint(format!(
                "`orch process show {process_id}` says what it waits for: a suspended process is answered with `orch process resume {process_id}`"
            ))
        })?;
    if top.name == START {
        // It takes the workflow's locks: marked done, the workflow would run on
        // without them, beside the process that holds them.
        return Err(crate::error::Error::conflict(format!(
            "process {process_id} waits at `{START}`, which takes the workflow's locks; it cannot be skipped"
        ))
        .with_hint(format!(
            "it goes on when the lock frees (`orch locks` names the holder), or `orch process abort {process_id}` gives up"
        )));
    }
    // The latest row of each step inside the group, in log order (found by step, so a
    // group of thousands of branches is not searched once per row).
    let mut latest: Vec<&StepRow> = Vec::new();
    let mut at: std::collections::HashMap<(&str, &str), usize> = Default::default();
    let inside_group = |r: &&StepRow| {
        r.branch
            .as_deref()
            .is_some_and(|b| path::under(b, &top.name))
    };
    for row in log.iter().filter(inside_group) {
        let key = (row.name.as_str(), row.branch.as_deref().unwrap_or_default());
        match at.get(&key) {
            Some(&i) => latest[i] = row,
            None => {
                at.insert(key, latest.len());
                latest.push(row);
            }
        }
    }
    // A nested group's own row rests because its branches do: skip those instead.
    let is_group = |r: &StepRow| {
        let at = r.path();
        latest
            .iter()
            .any(|o| o.branch.as_deref().is_some_and(|b| path::under(b, &at)))
    };
    let resting = |status: StepStatus| -> Vec<StepRow> {
        latest
            .iter()
            .filter(|r| r.status == status && !is_group(r))
            .map(|r| (*r).clone())
            .collect()
    };
    let failed = resting(StepStatus::Failed);
    let inside = if failed.is_empty() {
        resting(StepStatus::Waiting)
    } else {
        failed
    };
    Ok(if inside.is_empty() { vec![top] } else { inside })
}
