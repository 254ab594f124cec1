//! `orch process list|show|retry|resume|abort|skip`: what a process did and waits for
//! (here), and taking it over to run it on or end it (`take_over`).

mod callback;
mod take_over;

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::Ctx;
use super::answers::AnswerArgs;
use super::drive::{self, next_hint};
use super::lookup::workflow_names;
use super::pending::Pending;
use super::waits::{CallbackWait, LockWait};
use crate::domain::process::ProcessStatus;
use crate::engine::merge;
use crate::engine::owner;
use crate::error::{Error, Result};
use crate::store::processes::{self, ProcessRow, StepRow};
use crate::ui::{Paint, table};

#[derive(Debug, Subcommand)]
pub enum ProcessCommand {
    /// List processes, newest first
    List(ListArgs),
    /// Show a process: its steps, the failure and what to do next
    Show(ShowArgs),
    /// Re-run the failed or waiting step and continue
    #[command(after_help = RETRY_EXAMPLES)]
    Retry(RetryArgs),
    /// Answer a suspended process's input and continue
    #[command(after_help = RESUME_EXAMPLES)]
    Resume(ResumeArgs),
    /// Stop a process for good
    Abort {
        /// The process id (or a unique prefix of it)
        id: String,
    },
    /// Mark the failed step as done by hand and continue
    Skip(SkipArgs),
    /// Answer a callback step with its token (or report its progress)
    #[command(after_help = callback::EXAMPLES)]
    Callback(callback::CallbackArgs),
    /// Run a process in this orch (used by --detach)
    #[command(hide = true)]
    Drive { id: String },
}

const RETRY_EXAMPLES: &str = "Examples:
  orch process retry 01a2285b --plan          what would run, and what changed in the file
  orch process retry 01a2285b                 re-run the failed step with the stored definition
  orch process retry 01a2285b --use-current   re-run it with the workflow file as it is now";

const RESUME_EXAMPLES: &str = "Examples:
  orch process show 01a2285b                  the pending message and the fields it asks for
  orch process resume 01a2285b --input applied=true
  orch process resume 01a2285b --form         answer at prompts (on a terminal)";

/// The process statuses `process list --status` takes.
const STATUSES: [&str; 8] = [
    "created",
    "running",
    "suspended",
    "awaiting_callback",
    "waiting",
    "failed",
    "aborted",
    "completed",
];

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only processes in this status
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(STATUSES))]
    pub status: Option<String>,
    /// Only runs of this workflow (its name)
    #[arg(long, value_name = "NAME")]
    pub workflow: Option<String>,
    /// Only processes of this subscription (its id)
    #[arg(long, value_name = "ID")]
    pub subscription: Option<String>,
    /// Only processes started at or after this time (RFC 3339)
    #[arg(long)]
    pub since: Option<String>,
    /// At most this many processes
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: i64,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The process id (or a unique prefix of it)
    pub id: String,
    /// Print the current state as JSON
    #[arg(long)]
    pub state: bool,
    /// Print the state after this step and what the step changed
    #[arg(long, value_name = "NAME")]
    pub step: Option<String>,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The failed or waiting process (its id, or a unique prefix of it)
    pub id: String,
    /// Show what would run without running it
    #[arg(long)]
    pub plan: bool,
    /// Use the workflow file as it is now instead of the definition the process started with
    #[arg(long)]
    pub use_current: bool,
    /// Ask for secrets the process needs again (else ORCH_SECRET_<NAME> is read)
    #[arg(long)]
    pub form: bool,
    /// Hand the process to the workers instead of running it here
    #[arg(long, conflicts_with_all = ["plan", "form"])]
    pub queue: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The suspended process (its id, or a unique prefix of it)
    pub id: String,
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// Use the workflow file as it is now instead of the definition the process started with
    #[arg(long)]
    pub use_current: bool,
    /// Record the answer and hand the process to the workers instead of running it here
    #[arg(long)]
    pub queue: bool,
}

#[derive(Debug, Args)]
pub struct SkipArgs {
    /// The failed or waiting process (its id, or a unique prefix of it)
    pub id: String,
    /// Add key=value to the state (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = super::parse_key_value)]
    pub set: Vec<(String, String)>,
}

pub fn run(ctx: &mut Ctx, cmd: ProcessCommand) -> Result<()> {
    match cmd {
        ProcessCommand::List(a) => list(ctx, a),
        ProcessCommand::Show(a) => show(ctx, a),
        ProcessCommand::Retry(a) => take_over::retry(ctx, a),
        ProcessCommand::Resume(a) => take_over::resume(ctx, a),
        ProcessCommand::Abort { id } => take_over::abort(ctx, &id),
        ProcessCommand::Skip(a) => take_over::skip(ctx, a),
        ProcessCommand::Callback(a) => callback::callback(ctx, a),
        ProcessCommand::Drive { id } => {
            let p = ctx.process(&id)?;
            let def = ctx.stored_definition(&p)?;
            let secrets = take_over::secrets_needed(ctx, &p, &def, false)?;
            let opts = drive::Options::default();
            drive::drive(ctx, &p.process_id, &def, None, secrets, opts)
        }
    }
}

fn is_stale(p: &ProcessRow) -> bool {
    owner::is_stale(p)
}

fn list(ctx: &mut Ctx, a: ListArgs) -> Result<()> {
    let wanted_workflow = a.workflow.clone();
    let filter = processes::Filter {
        status: a
            .status
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(Error::usage)?,
        workflow: a.workflow,
        subscription_id: a.subscription,
        since: a.since,
        before: None,
        tasks: None,
        limit: a.limit.max(0),
    };
    let rows = ctx.db(async |s| s.processes(&filter).await)?;
    if let (true, Some(name)) = (rows.is_empty(), &wanted_workflow) {
        unknown_workflow_hint(ctx, name);
    }
    if ctx.printer.is_json() {
        let items: Vec<Value> = rows
            .iter()
            .map(|p| crate::shapes::process(p, None))
            .collect();
        return ctx.printer.json(&items);
    }
    let mut t = table::new(
        &["ID", "WORKFLOW", "STATUS", "LAST STEP", "STARTED", "BY"],
        ctx.printer.stdout_tty,
    );
    for p in &rows {
        let status = if is_stale(p) {
            "running (stale)".to_string()
        } else {
            p.status.to_string()
        };
        t.add_row(vec![
            p.process_id.clone(),
            p.workflow.clone(),
            status,
            p.last_step.clone().unwrap_or_default(),
            p.started_at.chars().take(19).collect(),
            p.created_by.clone(),
        ]);
    }
    ctx.printer.out(&table::render(&t))
}

/// An empty list filtered by a workflow name that names no workflow: maybe a typo.
fn unknown_workflow_hint(ctx: &Ctx, name: &str) {
    let Ok((defs, _)) = ctx.workflows() else {
        return;
    };
    if workflow_names(&defs).any(|n| n == name) {
        return;
    }
    if let Some(near) = crate::suggest::did_you_mean(name, workflow_names(&defs)) {
        ctx.printer
            .hint(&format!("no workflow is named `{name}`; {near}"));
    }
}

fn show(ctx: &mut Ctx, a: ShowArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    let steps = ctx.steps(&p.process_id)?;
    if let Some(name) = &a.step {
        return show_step(ctx, &p, &steps, name);
    }
    if a.state {
        return ctx.printer.json_pretty(&p.state);
    }
    let pending = match p.status {
        ProcessStatus::Suspended => Pending::of(&p, &ctx.stored_definition(&p)?, &steps),
        _ => None,
    };
    let callback = CallbackWait::of(ctx, &p, &steps)?;
    let lock = LockWait::of(ctx, &p)?;
    if ctx.printer.is_json() {
        let mut v = crate::shapes::process_detail(&p, &steps, pending.as_ref());
        if let Some(w) = &callback {
            v["callback"] = w.to_json();
        }
        if let Some(w) = &lock {
            v["lock"] = w.to_json();
        }
        return ctx.printer.json(&v);
    }
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
    fields.push(("started", format!("{} by {}", p.started_at, p.created_by)));
    fields.push(("modified", p.last_modified_at.clone()));
    if let Some(r) = &p.failed_reason {
        fields.push(("reason", r.clone()));
    }
    let out = format!("process {}\n{}", p.process_id, crate::ui::labelled(&fields));
    pr.out(&out)?;
    let mut t = table::new(
        &["STEP", "STATUS", "ATTEMPT", "DURATION", "BY"],
        pr.stdout_tty,
    );
    for s in &steps {
        t.add_row(vec![
            s.name.clone(),
            s.status.to_string(),
            s.attempt.to_string(),
            duration_between(&s.started_at, &s.finished_at),
            s.created_by.clone(),
        ]);
    }
    pr.out(&table::render(&t))?;
    if let Some(last) = steps.iter().rev().find(|s| s.status.is_retryable()) {
        if lock.is_none() && matches!(p.status, ProcessStatus::Failed | ProcessStatus::Waiting) {
            let mut detail = format!(
                "\n{} {}: {}\n",
                pr.paint("failed step", Paint::Red),
                last.name,
                last.error.clone().unwrap_or_default()
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
    if let Some(w) = &pending {
        let mut detail = format!(
            "\n{} {}\n",
            pr.paint("waiting for input at step", Paint::Yellow),
            w.step
        );
        if let Some(m) = w.message_text() {
            for line in m.lines() {
                detail.push_str(&format!("  {line}\n"));
            }
        }
        detail.push_str("  fields:\n");
        for line in w.field_lines() {
            detail.push_str(&format!("    {line}\n"));
        }
        pr.out(&detail)?;
        pr.hint(&w.hint(&p.process_id));
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
    if let Some(h) = next_hint(&p) {
        pr.hint(&h);
    }
    Ok(())
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

fn show_step(ctx: &mut Ctx, p: &ProcessRow, steps: &[StepRow], name: &str) -> Result<()> {
    let Some(idx) = steps.iter().rposition(|s| s.name == name) else {
        let mut e = Error::not_found(format!(
            "process {} has no step `{name}` in its log",
            p.process_id
        ));
        if let Some(near) =
            crate::suggest::did_you_mean(name, steps.iter().map(|s| s.name.as_str()))
        {
            e = e.with_hint(near);
        }
        return Err(e.with_hint(format!(
            "`orch process show {}` lists its steps",
            p.process_id
        )));
    };
    let mut state = Value::Object(Map::new());
    for s in &steps[..=idx] {
        merge::apply(&mut state, &s.state_patch);
    }
    let s = &steps[idx];
    ctx.printer.json_pretty(&json!({
        "name": s.name, "status": s.status, "attempt": s.attempt,
        "started_at": s.started_at, "finished_at": s.finished_at, "error": s.error,
        "output": s.output, "changed": s.state_patch, "state": state,
    }))
}
