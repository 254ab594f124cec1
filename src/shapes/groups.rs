//! The groups of a process (DESIGN §13): each top-level `parallel` or `foreach` step
//! that ran, with its branches and where each stands, as `process show` (text and
//! JSON) and the API show them.

use serde_json::{Value, json};

use crate::domain::path;
use crate::domain::workflow::WorkflowDef;
use crate::engine::scope::{self, BranchStatus};
use crate::store::processes::{ProcessRow, StepRow};

/// A top-level group step and its branches, as the log says.
pub struct Group {
    pub name: String,
    /// Its latest own row (the join), if it has one.
    pub status: Option<String>,
    pub branches: Vec<scope::BranchView>,
}

impl Group {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "status": self.status.as_deref().unwrap_or("running"),
            "branches": self.branches,
        })
    }
}

/// The top-level groups that ran, each with its branches: from the definition and the
/// state at the fork while the group has not ended (so branches that have not run yet
/// are listed), from the log once it has (the state has moved on since).
pub fn groups(p: &ProcessRow, def: &WorkflowDef, steps: &[StepRow]) -> Vec<Group> {
    let mut out = Vec::new();
    for step in def.steps.iter().filter(|s| s.kind.is_group()) {
        let own: Vec<&StepRow> = steps
            .iter()
            .filter(|r| r.branch.is_none() && r.name == step.name)
            .collect();
        let inside = steps
            .iter()
            .any(|r| r.branch.as_deref().is_some_and(|b| in_group(b, &step.name)));
        if own.is_empty() && !inside {
            continue;
        }
        let done = own.iter().any(|r| r.is_done());
        let mut branches = if done {
            Vec::new()
        } else {
            scope::views(step, &step.name, &p.state, steps).unwrap_or_default()
        };
        if branches.is_empty() {
            branches = logged_branches(&step.name, steps);
        }
        out.push(Group {
            name: step.name.clone(),
            status: own.last().map(|r| r.status.to_string()),
            branches,
        });
    }
    out
}

/// Whether a branch path lies in the top-level group `group`.
pub fn in_group(branch: &str, group: &str) -> bool {
    path::top_level([group], branch).is_some() && branch != group
}

/// The branches of a group that have rows in the log, with where each stands.
fn logged_branches(group: &str, steps: &[StepRow]) -> Vec<scope::BranchView> {
    let mut seen: Vec<String> = Vec::new();
    for r in steps {
        let Some(b) = r.branch.as_deref().filter(|b| in_group(b, group)) else {
            continue;
        };
        let own = branch_of(group, b);
        if !seen.contains(&own) {
            seen.push(own);
        }
    }
    seen.sort_by_key(|b| path::natural_key(b));
    seen.into_iter()
        .map(|b| {
            let last = steps
                .iter()
                .rev()
                .find(|r| r.branch.as_deref().is_some_and(|p| path::within(p, &b)));
            let status = match last.map(|r| r.status) {
                Some(s) if s.is_done() => BranchStatus::Done,
                Some(crate::domain::process::StepStatus::Failed) => BranchStatus::Failed,
                Some(crate::domain::process::StepStatus::Waiting) => BranchStatus::Waiting,
                Some(crate::domain::process::StepStatus::Suspend) => BranchStatus::Suspended,
                Some(crate::domain::process::StepStatus::AwaitingCallback) => {
                    BranchStatus::AwaitingCallback
                }
                _ => BranchStatus::Started,
            };
            scope::BranchView {
                label: b[group.len()..]
                    .trim_start_matches(path::SEP)
                    .trim()
                    .to_string(),
                path: b,
                status,
                next: None,
                error: None,
            }
        })
        .collect()
}

/// The branch of top-level group `group` that the (deeper) branch path `b` is in.
pub fn branch_of(group: &str, b: &str) -> String {
    let rest = &b[group.len()..];
    if let Some(after) = rest.strip_prefix(path::SEP) {
        // `G / Branch …`
        let name = after.split(path::SEP).next().unwrap_or(after);
        path::parallel_branch(group, name)
    } else {
        // `G [i] …`
        let end = rest.find(']').map_or(rest.len(), |i| i + 1);
        format!("{group}{}", &rest[..end])
    }
}
