//! What differs between the definition a process started with and its workflow file
//! now. `process retry --plan` lists it and the dashboard's process page shows it
//! beside its two retries, in the same words.

use crate::domain::workflow::WorkflowDef;
use crate::error::{Error, Kind};

/// What differs between two versions of a workflow, step by step (matched by name).
fn definition_changes(old: &WorkflowDef, new: &WorkflowDef) -> Vec<String> {
    let mut out = Vec::new();
    for s in &new.steps {
        match old.step(&s.name) {
            None => out.push(format!("+ step `{}` added", s.name)),
            Some(o) if o != s => out.push(format!("~ step `{}` changed", s.name)),
            Some(_) => {}
        }
    }
    for s in &old.steps {
        if new.step(&s.name).is_none() {
            out.push(format!("- step `{}` removed", s.name));
        }
    }
    let order = |d: &WorkflowDef| d.steps.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    if out.is_empty() && order(old) != order(new) {
        out.push("steps reordered".to_string());
    }
    out.extend(header_changes(old, new));
    if out.is_empty() {
        out.push("header or form changed".to_string());
    }
    out
}

/// What differs in the keys above the steps, one line per key: a retry with
/// `--use-current` takes them too (a workflow's `locks`, its form, its usability).
fn header_changes(old: &WorkflowDef, new: &WorkflowDef) -> Vec<String> {
    let mut out = Vec::new();
    if old.locks != new.locks {
        let list = |l: &[String]| match l {
            [] => "none".to_string(),
            l => l
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
        };
        out.push(format!(
            "~ `locks` changed ({} → {})",
            list(&old.locks),
            list(&new.locks)
        ));
    }
    let keys = [
        ("target", old.target != new.target),
        ("description", old.description != new.description),
        ("products", old.products != new.products),
        ("status", old.status != new.status),
        ("usable_when", old.usable_when != new.usable_when),
        (
            "blocked_by_in_use",
            old.blocked_by_in_use != new.blocked_by_in_use,
        ),
        (
            "usable_while_out_of_sync",
            old.usable_while_out_of_sync != new.usable_while_out_of_sync,
        ),
        ("form", old.form != new.form),
        ("schedule", old.schedule != new.schedule),
    ];
    out.extend(
        keys.iter()
            .filter(|(_, differs)| *differs)
            .map(|(key, _)| format!("~ `{key}` changed")),
    );
    out
}

/// Why a workflow file that could not be read is no use any more, as the end of
/// "workflow `NAME` …": removed, or broken (with the first line of why). `folder` is
/// the project's folder of workflow files as messages name it (`workflows/`).
pub fn unreadable(e: &Error, folder: &str) -> String {
    match e.kind {
        Kind::NotFound => format!("is no longer in {folder}"),
        _ => format!(
            "no longer reads from {folder} ({})",
            e.message.lines().next().unwrap_or_default()
        ),
    }
}

/// What changed in the file, given the stored definition (whose hash is `started_with`)
/// and the file as it reads now, or why it does not: nothing when they are the same.
pub fn changes(
    stored: &WorkflowDef,
    started_with: &str,
    current: std::result::Result<&WorkflowDef, &Error>,
    folder: &str,
) -> Vec<String> {
    match current {
        Ok(c) if c.hash() != started_with => definition_changes(stored, c),
        Ok(_) => Vec::new(),
        Err(e) => vec![format!("the workflow file {}", unreadable(e, folder))],
    }
}
