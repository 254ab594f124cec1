//! The groups of a process (DESIGN §13): each top-level `parallel` or `foreach` step
//! that ran, with its branches and where each stands, as `process show` (text and
//! JSON) and the API show them.

use std::collections::{HashMap, HashSet};

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
    /// The status of a process that rests inside the group (none of its joins ran):
    /// `waiting` after a pause or a stop, say, rather than `running`.
    pub resting: Option<String>,
    pub branches: Vec<scope::BranchView>,
}

impl Group {
    /// Where the group stands: its join's row, else the process's rest, else running.
    pub fn status_word(&self) -> &str {
        self.status
            .as_deref()
            .or(self.resting.as_deref())
            .unwrap_or("running")
    }

    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "status": self.status_word(),
            "branches": self.branches,
        })
    }
}

/// The top-level groups that ran, each with its branches: from the definition and the
/// state at the fork while the group has not ended (so branches that have not run yet
/// are listed), from the log once it has (the state has moved on since).
pub fn groups(p: &ProcessRow, def: &WorkflowDef, steps: &[StepRow]) -> Vec<Group> {
    let top_done = |name: &str| {
        steps
            .iter()
            .any(|r| r.branch.is_none() && r.name == name && r.is_done())
    };
    // The group a running process is in now, though none of its branches has committed
    // a step yet: its branches are under way.
    let current = (p.status == crate::domain::process::ProcessStatus::Running
        && steps.iter().any(|r| r.name == crate::engine::plan::START))
    .then(|| def.steps.iter().find(|s| !top_done(&s.name)))
    .flatten()
    .map(|s| s.name.as_str());
    let mut out = Vec::new();
    for step in def.steps.iter().filter(|s| s.kind.is_group()) {
        let own: Vec<&StepRow> = steps
            .iter()
            .filter(|r| r.branch.is_none() && r.name == step.name)
            .collect();
        let inside = steps
            .iter()
            .any(|r| r.branch.as_deref().is_some_and(|b| in_group(b, &step.name)));
        if own.is_empty() && !inside && current != Some(step.name.as_str()) {
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
        if !done && current == Some(step.name.as_str()) {
            under_way(&mut branches, step.kind.max_parallel());
        }
        let resting = (own.is_empty()
            && p.status != crate::domain::process::ProcessStatus::Running)
            .then(|| p.status.to_string());
        out.push(Group {
            name: step.name.clone(),
            status: own.last().map(|r| r.status.to_string()),
            resting,
            branches,
        });
    }
    out
}

/// A running group's branches that have committed no step yet but hold one of its
/// `width` places are under way (their first step runs now, or ran when the orch that
/// ran them died), not waiting their turn: branches start in order, as places free up.
pub fn under_way(branches: &mut [scope::BranchView], width: usize) {
    let busy = branches
        .iter()
        .filter(|b| b.status == BranchStatus::Started)
        .count();
    for b in branches
        .iter_mut()
        .filter(|b| b.status == BranchStatus::NotStarted)
        .take(width.saturating_sub(busy))
    {
        b.status = BranchStatus::Started;
    }
}

/// Whether a branch path lies in the top-level group `group`.
pub fn in_group(branch: &str, group: &str) -> bool {
    path::top_level([group], branch).is_some() && branch != group
}

/// The branches of a group that have rows in the log, with where each stands. One pass
/// over the log: a group of thousands of branches is shown as fast as it ran.
fn logged_branches(group: &str, steps: &[StepRow]) -> Vec<scope::BranchView> {
    // Each branch with the last row in it (or in a group nested in it).
    let mut last: HashMap<String, &StepRow> = HashMap::new();
    for r in steps {
        let Some(b) = r.branch.as_deref().filter(|b| in_group(b, group)) else {
            continue;
        };
        last.insert(path::branch_of(group, b), r);
    }
    let mut seen: Vec<(String, &StepRow)> = last.into_iter().collect();
    seen.sort_by_key(|(b, _)| path::natural_key(b));
    seen.into_iter()
        .map(|(b, last)| {
            let status = match last.status {
                s if s.is_done() => BranchStatus::Done,
                crate::domain::process::StepStatus::Failed => BranchStatus::Failed,
                crate::domain::process::StepStatus::Waiting => BranchStatus::Waiting,
                crate::domain::process::StepStatus::Suspend => BranchStatus::Suspended,
                crate::domain::process::StepStatus::AwaitingCallback => {
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

/// One entry of a process's steps as `process show` and the dashboard list them:
/// top-level steps in log order, and each group once, where it first ran, with all of
/// its rows.
pub enum Entry<'a> {
    Step(&'a StepRow),
    Group(GroupRows<'a>),
}

/// A group's rows: its own (each attempt's join), then its branches, each with its
/// steps in the order they ran, and the branches that have no row yet.
pub struct GroupRows<'a> {
    pub group: &'a Group,
    pub own: Vec<&'a StepRow>,
    pub branches: Vec<BranchRows<'a>>,
}

/// A branch of a group: its label, where it stands, and its rows.
pub struct BranchRows<'a> {
    /// Its path (`G / a`, `G [1]`).
    pub path: String,
    pub label: String,
    pub status: BranchStatus,
    pub rows: Vec<&'a StepRow>,
    /// The step it runs or will run next, when the definition says.
    pub next: Option<String>,
}

impl BranchRows<'_> {
    /// A row's path below its group (`a / Push`, `[1] / Push`).
    pub fn in_group(group: &str, row: &StepRow) -> String {
        below(group, &row.path())
    }

    /// A row's path below this branch (`Push`, or `Inner [1] / Step` when groups nest).
    pub fn in_branch(&self, row: &StepRow) -> String {
        below(&self.path, &row.path())
    }
}

/// `path` without its leading `prefix` and the separator after it.
fn below(prefix: &str, path: &str) -> String {
    path.get(prefix.len()..)
        .unwrap_or_default()
        .trim_start_matches(path::SEP)
        .trim_start()
        .to_string()
}

/// The steps of a process in the order they are shown (see [`Entry`]).
pub fn timeline<'a>(steps: &'a [StepRow], groups: &'a [Group]) -> Vec<Entry<'a>> {
    let group_of = |r: &StepRow| -> Option<&'a Group> {
        match r.branch.as_deref() {
            None => groups.iter().find(|g| g.name == r.name),
            Some(b) => groups.iter().find(|g| in_group(b, &g.name)),
        }
    };
    let mut out = Vec::new();
    let mut shown: Vec<&str> = Vec::new();
    for r in steps {
        let Some(g) = group_of(r) else {
            out.push(Entry::Step(r));
            continue;
        };
        if shown.contains(&g.name.as_str()) {
            continue;
        }
        shown.push(&g.name);
        out.push(Entry::Group(group_rows(g, steps)));
    }
    // The group a running process is in before any of its rows: last, as it is now.
    for g in groups.iter().filter(|g| !shown.contains(&g.name.as_str())) {
        out.push(Entry::Group(group_rows(g, steps)));
    }
    out
}

fn group_rows<'a>(g: &'a Group, steps: &'a [StepRow]) -> GroupRows<'a> {
    let own = steps
        .iter()
        .filter(|s| s.branch.is_none() && s.name == g.name)
        .collect();
    let mut inner: Vec<(String, &StepRow)> = steps
        .iter()
        .filter_map(|s| {
            let b = s.branch.as_deref().filter(|b| in_group(b, &g.name))?;
            Some((path::branch_of(&g.name, b), s))
        })
        .collect();
    // Branch by branch, each branch's steps in the order they ran.
    inner.sort_by_key(|(b, _)| path::natural_key(b));
    let views: HashMap<&str, &scope::BranchView> =
        g.branches.iter().map(|v| (v.path.as_str(), v)).collect();
    let mut branches: Vec<(String, BranchRows<'a>)> = Vec::new();
    for (b, row) in inner {
        match branches.last_mut() {
            Some((last, rows)) if *last == b => rows.rows.push(row),
            _ => {
                let view = views.get(b.as_str()).copied();
                let label = view.map_or_else(
                    || {
                        b[g.name.len()..]
                            .trim_start_matches(path::SEP)
                            .trim()
                            .to_string()
                    },
                    |v| v.label.clone(),
                );
                let status = view.map_or(BranchStatus::Started, |v| v.status);
                let rows = BranchRows {
                    path: b.clone(),
                    label,
                    status,
                    rows: vec![row],
                    next: view.and_then(|v| v.next.clone()),
                };
                branches.push((b, rows));
            }
        }
    }
    let mut branches: Vec<BranchRows<'a>> = branches.into_iter().map(|(_, b)| b).collect();
    // Then those with no row yet: under way on their first step, or waiting their turn.
    let logged: HashSet<String> = branches.iter().map(|b| b.path.clone()).collect();
    branches.extend(
        g.branches
            .iter()
            .filter(|b| !logged.contains(&b.path))
            .map(|b| BranchRows {
                path: b.path.clone(),
                label: b.label.clone(),
                status: b.status,
                rows: Vec::new(),
                next: b.next.clone(),
            }),
    );
    GroupRows {
        group: g,
        own,
        branches,
    }
}
