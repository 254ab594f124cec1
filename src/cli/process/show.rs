//! `orch process show`: what a process did and waits for. Steps of branches are shown
//! under their group (DESIGN §13), each branch's steps together, with the branches
//! that have not run yet; the children a process started are listed after its steps.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{ShowArgs, is_stale};
use crate::cli::Ctx;
use crate::cli::drive::next_hint;
use crate::cli::pending::Pending;
use crate::domain::process::ProcessStatus;
use crate::domain::workflow::WorkflowDef;
use crate::engine::merge;
use crate::engine::scope;
use crate::error::{Error, Result};
use crate::shapes::Detail;
use crate::shapes::groups::{BranchRows, Entry, Group, groups, timeline};
use crate::shapes::waits::{CallbackWait, ChildrenWait, LockWait};
use crate::store::processes::{ProcessRow, StepRow};
use crate::ui::{Paint, table};

pub fn show(ctx: &mut Ctx, a: ShowArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    let steps = ctx.steps(&p.process_id)?;
    let def = ctx.stored_definition(&p)?;
    if let Some(name) = &a.step {
        return show_step(ctx, &p, &def, &steps, name, a.state);
    }
    if a.state {
        return ctx.printer.json_pretty(&p.state);
    }
    if ctx.printer.is_json() {
        let v = detail_json(ctx, &p, &steps, &def)?;
        return ctx.printer.json(&v);
    }
    let pending = Pending::answerable(&p, &def, &steps);
    let children = ctx.db(async |s| s.children(&p, Some(&def)).await)?;
    let groups = groups(&p, &def, &steps);
    let callback = ctx.db(async |s| CallbackWait::of(s, &p, &steps).await)?;
    let lock = ctx.db(async |s| LockWait::of(s, &p).await)?;
    let rest = ctx.db(async |s| ChildrenWait::of(s, &p).await)?;
    let pr = &ctx.printer;
    let stale = is_stale(&p);
    let status = if stale {
        format!(
            "{} (stale: the orch that ran it is gone; retry takes it over)",
            p.status
        )
    } else if callback.as_ref().is_some_and(|c| c.timed_out) {
        format!("{} (timed out)", p.status)
    } else {
        p.status.to_string()
    };
    let mut fields = vec![
        ("workflow", format!("{} ({})", p.workflow, p.target)),
        ("status", status),
    ];
    if let Some(s) = &p.subscription_id {
        fields.push(("subscription", s.clone()));
    }
    if let Some(parent) = &p.parent_id {
        let step = p.parent_step.as_deref().unwrap_or("?");
        fields.push(("parent", format!("{parent} (step `{step}`)")));
    }
    fields.push(("started", format!("{} by {}", p.started_at, p.created_by)));
    fields.push(("modified", p.last_modified_at.clone()));
    if let Some(r) = &p.failed_reason {
        fields.push(("reason", r.clone()));
    }
    // When a transient failure is tried again by itself: the rest of the waiting
    // lies in the JSON's `run_after` alone otherwise.
    if let (ProcessStatus::Waiting, Some(due)) = (p.status, &p.run_after) {
        fields.push((
            "due",
            format!(
                "{due} (a worker tries it again then; `orch process retry {}` does now)",
                p.process_id
            ),
        ));
    }
    if let Some(asked) = p
        .abort_requested
        .as_ref()
        .filter(|_| !p.status.is_finished())
    {
        let id = &p.process_id;
        let then = match crate::engine::owner::running_live(&p) {
            Some(o) => format!(
                "{} aborts it at its next lease renewal",
                crate::engine::owner::describe(o)
            ),
            // The orch that held it died before it saw the request: nobody carries
            // it out until an orch picks the process up.
            None if is_stale(&p) => format!(
                "{} is gone; the next orch that picks it up aborts it before any step, or `orch process abort {id}` does now",
                p.owner
                    .as_deref()
                    .map_or_else(|| "its orch".to_string(), crate::engine::owner::describe)
            ),
            None => format!("nobody runs it now; `orch process abort {id}` aborts it"),
        };
        fields.push((
            "abort",
            format!("requested by {} at {}; {then}", asked.by, asked.at),
        ));
    }
    let out = format!("process {}\n{}", p.process_id, crate::ui::labelled(&fields));
    pr.out(&out)?;
    let mut t = table::new(
        &["STEP", "STATUS", "ATTEMPT", "DURATION", "BY"],
        pr.stdout_tty,
    );
    for line in lines(&steps, &groups) {
        t.add_row(line);
    }
    pr.out(&table::render(&t))?;
    if !children.is_empty() {
        let mut t = table::new(&["CHILD", "WORKFLOW", "STATUS", "STEP"], pr.stdout_tty);
        for c in &children {
            t.add_row(vec![
                c.process_id.clone(),
                c.workflow.clone(),
                c.status.to_string(),
                c.parent_step.clone().unwrap_or_default(),
            ]);
        }
        pr.out(&format!("\n{}", table::render(&t)))?;
    }
    if let Some(last) = crate::shapes::failed_step(&steps) {
        if lock.is_none() && matches!(p.status, ProcessStatus::Failed | ProcessStatus::Waiting) {
            // A waiting step has not failed: it waits (a transient failure, a child,
            // a sibling branch).
            let label = match last.status {
                crate::domain::process::StepStatus::Waiting => {
                    pr.paint("waiting step", Paint::Yellow)
                }
                _ => pr.paint("failed step", Paint::Red),
            };
            let mut detail = format!(
                "\n{} {}: {}\n",
                label,
                last.path(),
                crate::ui::printable(last.error.as_deref().unwrap_or_default())
            );
            if let Some(o) = &last.output {
                detail.push_str("  stderr (tail):\n");
                for line in crate::ui::last_lines(o, 20) {
                    detail.push_str(&format!("    {line}\n"));
                }
            }
            pr.out(&detail)?;
        }
    }
    if !pending.is_empty() {
        for w in &pending {
            let mut detail = format!(
                "\n{} {}\n",
                pr.paint("waiting for input at step", Paint::Yellow),
                w.step
            );
            // Rendered from the state, which a step wrote.
            if let Some(m) = w.message_text() {
                for line in crate::ui::printable(&m).lines() {
                    detail.push_str(&format!("  {line}\n"));
                }
            }
            detail.push_str("  fields:\n");
            for line in w.field_lines() {
                detail.push_str(&format!("    {}\n", crate::ui::printable(&line)));
            }
            pr.out(&detail)?;
        }
        // A branch may wait on a callback while another awaits input.
        if let Some(w) = &callback {
            pr.out(&format!("\n{}\n", pr.paint(&w.describe(), Paint::Yellow)))?;
        }
        for w in &pending {
            pr.hint(&w.hint(&p.process_id));
        }
        if let Some(w) = callback.as_ref().filter(|w| !w.timed_out && !w.answered) {
            pr.hint(&w.hint(&p.process_id));
        }
        // The branch beside them that waits goes on as a waiting process does.
        if p.status == ProcessStatus::Waiting {
            match &lock {
                Some(w) => {
                    pr.out(&format!("\n{}\n", pr.paint(&w.describe(), Paint::Yellow)))?;
                    pr.hint(&w.hint(&p.process_id));
                }
                None => {
                    if let Some(h) = next_hint(&p) {
                        pr.hint(&h);
                    }
                }
            }
        }
        return Ok(());
    }
    if let Some(w) = &callback {
        pr.out(&format!("\n{}\n", pr.paint(&w.describe(), Paint::Yellow)))?;
        pr.hint(&w.hint(&p.process_id));
        return Ok(());
    }
    if let Some(w) = &lock {
        pr.out(&format!("\n{}\n", pr.paint(&w.describe(), Paint::Yellow)))?;
        pr.hint(&w.hint(&p.process_id));
        return Ok(());
    }
    if let Some(rest) = &rest {
        let line = format!("its child processes rest: {}", rest.describe());
        pr.out(&format!("\n{}\n", pr.paint(&line, Paint::Yellow)))?;
        let verb = match p.status {
            ProcessStatus::Waiting => "retry",
            _ => "resume",
        };
        for h in rest.hints(&p.process_id, verb) {
            pr.hint(&h);
        }
        return Ok(());
    }
    if let Some(h) = next_hint(&p) {
        pr.hint(&h);
    }
    Ok(())
}

/// The process as `process show -o json` prints it (and the commands that drive one
/// print last): with what it waits for, its groups and its children.
pub fn detail_json(
    ctx: &mut Ctx,
    p: &ProcessRow,
    steps: &[StepRow],
    def: &WorkflowDef,
) -> Result<Value> {
    let pending = Pending::answerable(p, def, steps);
    let children = ctx.db(async |s| s.children(p, Some(def)).await)?;
    let groups = groups(p, def, steps);
    let callback = ctx.db(async |s| CallbackWait::of(s, p, steps).await)?;
    let lock = ctx.db(async |s| LockWait::of(s, p).await)?;
    let detail = Detail {
        pending: &pending,
        groups: &groups,
        children: &children,
        callback: callback.as_ref(),
        lock: lock.as_ref(),
    };
    Ok(serde_json::to_value(crate::shapes::process_detail(
        p, steps, &detail,
    ))?)
}

/// The rows of the steps table: top-level steps in log order, and at the first row of
/// each group, all of that group's rows (its own, then its branches' steps, branch by
/// branch), with the branches that have not run yet.
fn lines(steps: &[StepRow], groups: &[Group]) -> Vec<Vec<String>> {
    let row = |r: &StepRow, name: String| {
        vec![
            name,
            r.status.to_string(),
            r.attempt.to_string(),
            duration_between(&r.started_at, &r.finished_at),
            r.created_by.clone(),
        ]
    };
    let bare = |name: String, status: &str| {
        let mut cells = vec![name, status.to_string()];
        cells.resize(5, String::new());
        cells
    };
    let mut out = Vec::new();
    for entry in timeline(steps, groups) {
        let g = match entry {
            Entry::Step(r) => {
                out.push(row(r, r.name.clone()));
                continue;
            }
            Entry::Group(g) => g,
        };
        if g.own.is_empty() {
            out.push(bare(g.group.name.clone(), g.group.status_word()));
        }
        for s in &g.own {
            out.push(row(s, s.name.clone()));
        }
        for b in &g.branches {
            match (&b.next, b.status) {
                (Some(next), scope::BranchStatus::Started) if b.rows.is_empty() => {
                    out.push(bare(format!("  {} / {next}", b.label), "running"));
                }
                _ if b.rows.is_empty() => {
                    out.push(bare(format!("  {}", b.label), b.status.as_str()));
                }
                _ => {}
            }
            for s in &b.rows {
                let rel = BranchRows::in_group(&g.group.name, s);
                out.push(row(s, format!("  {rel}")));
            }
            // A branch of a running group that has finished steps runs its next one.
            if let (Some(next), scope::BranchStatus::Started, false, "running") =
                (&b.next, b.status, b.rows.is_empty(), g.group.status_word())
            {
                out.push(bare(format!("  {} / {next}", b.label), "running"));
            }
        }
    }
    out
}

fn duration_between(a: &str, b: &str) -> String {
    match (crate::clock::parse(a), crate::clock::parse(b)) {
        (Some(a), Some(b)) => {
            let d = b.duration_since(a);
            crate::domain::workflow::format_duration(Duration::try_from(d).unwrap_or_default())
        }
        _ => String::new(),
    }
}

/// `process show --step PATH`: the state after that step and what it changed; with
/// `--state`, only the state after it.
fn show_step(
    ctx: &mut Ctx,
    p: &ProcessRow,
    def: &WorkflowDef,
    steps: &[StepRow],
    name: &str,
    state_only: bool,
) -> Result<()> {
    let Some(idx) = steps.iter().rposition(|s| s.path() == name) else {
        // A step of its workflow that has not come yet is no typo: say so.
        if def.steps.iter().any(|s| s.name == name) {
            return Err(Error::not_found(format!(
                "step `{name}` of process {} has not run yet (the process is {})",
                p.process_id, p.status
            ))
            .with_hint(format!(
                "`orch process show {}` shows where it is",
                p.process_id
            )));
        }
        let mut e = Error::not_found(format!(
            "process {} has no step `{name}` in its log",
            p.process_id
        ));
        let paths: Vec<String> = steps.iter().map(StepRow::path).collect();
        if let Some(near) = crate::suggest::did_you_mean(name, paths.iter().map(String::as_str)) {
            e = e.with_hint(near);
        }
        return Err(e.with_hint(format!(
            "`orch process show {}` lists its steps; a step inside a branch is named by its path (`Group [0] / Step`)",
            p.process_id
        )));
    };
    let upto = &steps[..=idx];
    let mut state = Value::Object(Map::new());
    for s in upto.iter().filter(|s| s.branch.is_none()) {
        merge::apply(&mut state, &s.state_patch);
    }
    let s = &steps[idx];
    if let Some(branch) = &s.branch {
        if let Some(b) = scope::branch_state(&def.steps, None, &state, branch, upto) {
            state = b;
        }
    }
    if state_only {
        return ctx.printer.json_pretty(&state);
    }
    ctx.printer.json_pretty(&json!({
        "name": s.name, "path": s.path(), "branch": s.branch, "status": s.status,
        "attempt": s.attempt, "started_at": s.started_at, "finished_at": s.finished_at,
        "error": s.error, "output": s.output, "changed": s.state_patch, "state": state,
    }))
}
