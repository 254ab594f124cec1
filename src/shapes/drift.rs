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
    if out.is_empty() {
        out.push("header or form changed".to_string());
    }
    out
}

/// Why a workflow file that could not be read is no use any more, as the end of
/// "workflow `NAME` …": removed, or broken (with the first line of why).
pub fn unreadable(e: &Error) -> String {
    match e.kind {
        Kind::NotFound => "is no longer in workflows/".to_string(),
        _ => format!(
            "no longer reads from workflows/ ({})",
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
) -> Vec<String> {
    match current {
        Ok(c) if c.hash() != started_with => definition_changes(stored, c),
        Ok(_) => Vec::new(),
        Err(e) => vec![format!("the workflow file {}", unreadable(e))],
    }
}
