//! `orch process list|show|retry|resume|abort|skip`: what a process did, and taking it
//! over to run it on (claiming it; the driving itself is `drive`).

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::Ctx;
use super::answers::{self, AnswerArgs};
use super::drive::{drive, print_process_json, process_json, record};
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{StepKind, WorkflowDef};
use crate::engine::merge;
use crate::engine::owner;
use crate::engine::runner::Recorded;
use crate::error::{Error, Result};
use crate::forms::FormPage;
use crate::store::processes::{self, ProcessRow, StepRow};
use crate::ui::{Paint, table};

#[derive(Debug, Subcommand)]
pub enum ProcessCommand {
    /// List processes, newest first
    List(ListArgs),
    /// Show a process: its steps, the failure and what to do next
    Show(ShowArgs),
    /// Re-run the failed or waiting step and continue
    Retry(RetryArgs),
    /// Answer a suspended process's input and continue
    Resume(ResumeArgs),
    /// Stop a process for good
    Abort { id: String },
    /// Mark the failed step as done by hand and continue
    Skip(SkipArgs),
    /// Run a process in this orch (used by --detach)
    #[command(hide = true)]
    Drive { id: String },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub workflow: Option<String>,
    #[arg(long)]
    pub subscription: Option<String>,
    /// Only processes started at or after this time (RFC 3339)
    #[arg(long)]
    pub since: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
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
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    pub id: String,
    #[command(flatten)]
    pub answers: AnswerArgs,
}

#[derive(Debug, Args)]
pub struct SkipArgs {
    pub id: String,
    /// Add key=value to the state (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = super::parse_key_value)]
    pub set: Vec<(String, String)>,
}

pub fn run(ctx: &mut Ctx, cmd: ProcessCommand) -> Result<()> {
    match cmd {
        ProcessCommand::List(a) => list(ctx, a),
        ProcessCommand::Show(a) => show(ctx, a),
        ProcessCommand::Retry(a) => retry(ctx, a),
        ProcessCommand::Resume(a) => resume(ctx, a),
        ProcessCommand::Abort { id } => abort(ctx, &id),
        ProcessCommand::Skip(a) => skip(ctx, a),
        ProcessCommand::Drive { id } => {
            let p = ctx.process(&id)?;
            let def = ctx.stored_definition(&p)?;
            let secrets = secrets_needed(ctx, &p, &def, false)?;
            drive(ctx, &p.process_id, &def, None, secrets)
        }
    }
}

fn is_stale(p: &ProcessRow) -> bool {
    owner::is_stale(p)
}

fn list(ctx: &mut Ctx, a: ListArgs) -> Result<()> {
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
        tasks: None,
        limit: a.limit.max(0),
    };
    let rows = ctx.db(async |s| s.processes(&filter).await)?;
    if ctx.printer.is_json() {
        let items: Vec<Value> = rows.iter().map(|p| process_json(p, None)).collect();
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

fn show(ctx: &mut Ctx, a: ShowArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    let steps = ctx.steps(&p.process_id)?;
    if let Some(name) = &a.step {
        return show_step(ctx, &p, &steps, name);
    }
    if a.state {
        return ctx.printer.json_pretty(&p.state);
    }
    if ctx.printer.is_json() {
        return ctx.printer.json(&process_json(&p, Some(&steps)));
    }
    let pr = &ctx.printer;
    let stale = is_stale(&p);
    let mut out = format!("process {}\n", p.process_id);
    out.push_str(&format!("  workflow:  {} ({})\n", p.workflow, p.target));
    out.push_str(&format!(
        "  status:    {}{}\n",
        p.status,
        if stale {
            " (stale: the orch that ran it is gone; retry takes it over)"
        } else {
            ""
        }
    ));
    if let Some(s) = &p.subscription_id {
        out.push_str(&format!("  subscription: {s}\n"));
    }
    out.push_str(&format!(
        "  started:   {} by {}\n",
        p.started_at, p.created_by
    ));
    out.push_str(&format!("  modified:  {}\n", p.last_modified_at));
    if let Some(r) = &p.failed_reason {
        out.push_str(&format!("  reason:    {r}\n"));
    }
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
        if matches!(p.status, ProcessStatus::Failed | ProcessStatus::Waiting) {
            let mut detail = format!(
                "\n{} {}: {}\n",
                pr.paint("failed step", Paint::Red),
                last.name,
                last.error.clone().unwrap_or_default()
            );
            if let Some(o) = &last.output {
                detail.push_str("  stderr (tail):\n");
                for line in o
                    .lines()
                    .rev()
                    .take(20)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                {
                    detail.push_str(&format!("    {line}\n"));
                }
            }
            pr.out(&detail)?;
        }
    }
    if let Some(h) = next_hint(&p) {
        pr.hint(&h);
    }
    Ok(())
}

fn next_hint(p: &ProcessRow) -> Option<String> {
    let id = &p.process_id;
    match p.status {
        ProcessStatus::Failed => Some(format!(
            "fix the cause, then `orch process retry {id}` (or `orch process skip {id}`, `orch process abort {id}`)"
        )),
        ProcessStatus::Waiting => Some(format!(
            "`orch process retry {id}` when the transient cause is gone"
        )),
        ProcessStatus::Suspended => Some(format!(
            "`orch process resume {id} --form` (or --input key=value)"
        )),
        ProcessStatus::Running if is_stale(p) => {
            Some(format!("`orch process retry {id}` takes it over"))
        }
        _ => None,
    }
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
        return Err(Error::not_found(format!(
            "process {} has no step `{name}` in its log",
            p.process_id
        ))
        .with_hint(format!(
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

/// Claims a process for this orch: refuses a live owner, takes over a stale one.
fn claim(ctx: &mut Ctx, id: &str, allowed: &[ProcessStatus]) -> Result<ProcessRow> {
    let lease = ctx.settings.lease;
    match ctx.db(async |s| owner::claim(s, id, allowed, lease).await)? {
        owner::Claim::Claimed(p) => Ok(*p),
        owner::Claim::Missing => Err(Error::not_found(format!("no process {id}"))),
        owner::Claim::Paused => Err(crate::engine::start::paused()),
        owner::Claim::Owned(o) => Err(Error::conflict(format!(
            "process {id} is being run by {}",
            owner::describe(&o)
        ))
        .with_hint("wait for it to finish, or stop that orch first")),
        owner::Claim::Refused(p) => Err(Error::conflict(format!(
            "process {id} is {}, so it cannot be {}",
            p.status,
            allowed_verb(allowed)
        ))
        .with_hint(next_hint(&p).unwrap_or_else(|| format!("`orch process show {id}`")))),
    }
}

fn allowed_verb(allowed: &[ProcessStatus]) -> &'static str {
    if allowed.contains(&ProcessStatus::Suspended) {
        "resumed"
    } else {
        "retried"
    }
}

fn retry(ctx: &mut Ctx, a: RetryArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    let stored = ctx.stored_definition(&p)?;
    let current = ctx.workflow(&p.workflow).ok();
    let changed = current
        .as_ref()
        .is_some_and(|(c, _)| c.hash() != p.definition_hash);
    let def = match (&current, a.use_current) {
        (Some((c, _)), true) => c.clone(),
        (None, true) => {
            return Err(Error::not_found(format!(
                "workflow `{}` is no longer in workflows/",
                p.workflow
            ))
            .with_hint("retry without --use-current to use the stored definition"));
        }
        _ => stored.clone(),
    };
    if a.plan {
        let steps = ctx.steps(&p.process_id)?;
        let planned = crate::engine::plan::plan(&def);
        let would: Vec<String> = crate::engine::plan::remaining(&planned, &steps)
            .into_iter()
            .map(|s| s.name.clone())
            .collect();
        let changes = match &current {
            Some((c, _)) if changed => definition_changes(&stored, c),
            _ => Vec::new(),
        };
        if ctx.printer.is_json() {
            return ctx.printer.json(&json!({
                "id": p.process_id, "status": p.status, "would_run": would,
                "definition_changed": changed, "changes": changes,
                "uses": if a.use_current { "current" } else { "stored" },
            }));
        }
        let mut out = format!("process {} ({}) would run:\n", p.process_id, p.status);
        for s in &would {
            out.push_str(&format!("  {s}\n"));
        }
        if changed {
            out.push_str(&format!(
                "the workflow file changed since the process started ({}):\n",
                if a.use_current {
                    "using the current file"
                } else {
                    "using the stored definition; --use-current takes the file"
                }
            ));
            for c in &changes {
                out.push_str(&format!("  {c}\n"));
            }
        }
        return ctx.printer.out(&out);
    }
    if changed && !a.use_current {
        ctx.printer.warn(&format!(
            "workflow `{}` changed since this process started; retrying with the stored definition (--use-current takes the file)",
            p.workflow
        ));
    }
    let secrets = secrets_needed(ctx, &p, &def, a.form)?;
    claim(
        ctx,
        &p.process_id,
        &[ProcessStatus::Failed, ProcessStatus::Waiting],
    )?;
    if a.use_current && changed {
        let source = current.as_ref().map(|c| c.1.as_str());
        ctx.db(async |s| s.switch_definition(&p.process_id, &def, source).await)?;
    }
    let outcome = drive(ctx, &p.process_id, &def, None, secrets);
    print_process_json(ctx, &p.process_id)?;
    outcome
}

/// The secrets a process was given before (the initial form's and those of input
/// steps it passed), asked for again: they were never stored.
fn secrets_needed(
    ctx: &mut Ctx,
    p: &ProcessRow,
    def: &WorkflowDef,
    form: bool,
) -> Result<Map<String, Value>> {
    let steps = ctx.steps(&p.process_id)?;
    let fields = crate::engine::secrets::needed(def, &steps);
    answers::secrets_again(ctx, fields, form)
}

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

fn resume(ctx: &mut Ctx, a: ResumeArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    if p.status != ProcessStatus::Suspended && !is_stale(&p) {
        return Err(Error::conflict(format!(
            "process {} is {}, not suspended; only a suspended process can be resumed",
            p.process_id, p.status
        ))
        .with_hint(
            next_hint(&p).unwrap_or_else(|| format!("`orch process show {}`", p.process_id)),
        ));
    }
    let def = ctx.stored_definition(&p)?;
    let given = a.answers.given()?;
    let steps = ctx.steps(&p.process_id)?;
    let pending = steps
        .iter()
        .rev()
        .find(|s| s.status == StepStatus::Suspend)
        .and_then(|s| def.step(&s.name));
    let (input, mut secrets) = match pending.map(|s| (s, &s.kind)) {
        Some((
            step,
            StepKind::Input {
                title,
                message,
                fields,
            },
        )) => {
            let page = FormPage {
                title: title.clone().unwrap_or_else(|| step.name.clone()),
                description: message.clone(),
                fields: fields.clone(),
            };
            if !a.answers.form {
                if let Some(m) = message {
                    match crate::expr::render(m, &json!({ "state": p.state })) {
                        Ok(text) => ctx.printer.detail(text.trim_end()),
                        Err(e) => ctx
                            .printer
                            .warn(&format!("the step's message does not render: {e}")),
                    }
                }
            }
            let pages = std::slice::from_ref(&page);
            let all = answers::collect(ctx, pages, &given, &p.state, a.answers.form)?;
            answers::split_secrets(pages, all)
        }
        _ => (answers::loose(given), Map::new()),
    };
    secrets.extend(secrets_needed(ctx, &p, &def, a.answers.form)?);
    claim(ctx, &p.process_id, &[ProcessStatus::Suspended])?;
    let outcome = drive(ctx, &p.process_id, &def, Some(input), secrets);
    print_process_json(ctx, &p.process_id)?;
    outcome
}

fn abort(ctx: &mut Ctx, id: &str) -> Result<()> {
    let p = ctx.process(id)?;
    if p.status.is_finished() {
        return Err(Error::conflict(format!(
            "process {} is {} already",
            p.process_id, p.status
        )));
    }
    claim(
        ctx,
        &p.process_id,
        &[
            ProcessStatus::Failed,
            ProcessStatus::Waiting,
            ProcessStatus::Suspended,
            ProcessStatus::Created,
        ],
    )?;
    let user = ctx.user().to_string();
    let name = p.last_step.clone().unwrap_or_else(|| "Start".into());
    let mut process = p.clone();
    record(
        ctx,
        &mut process,
        Recorded {
            error: Some(format!("aborted by {user}")),
            ..Recorded::new(&name, 0, StepStatus::Abort)
        },
    )?;
    ctx.printer
        .status(&format!("process {} aborted", p.process_id));
    if let Some(s) = &p.subscription_id {
        ctx.printer.warn(&format!(
            "subscription {s} stays out of sync: nothing undid what the process did"
        ));
        ctx.printer.hint(&format!(
            "check it with its validate workflow (`orch subscription workflows {s}`)"
        ));
    }
    print_process_json(ctx, &p.process_id)
}

fn skip(ctx: &mut Ctx, a: SkipArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    let steps = ctx.steps(&p.process_id)?;
    let Some(failed) = steps
        .iter()
        .rev()
        .find(|s| s.status.is_retryable())
        .cloned()
    else {
        return Err(Error::conflict(format!(
            "process {} has no failed step to skip",
            p.process_id
        )));
    };
    let def = ctx.stored_definition(&p)?;
    claim(
        ctx,
        &p.process_id,
        &[ProcessStatus::Failed, ProcessStatus::Waiting],
    )?;
    let user = ctx.user().to_string();
    let patch = answers::loose(
        a.set
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    );
    let mut process = p.clone();
    let recorded = record(
        ctx,
        &mut process,
        Recorded {
            patch: Value::Object(patch),
            error: Some(format!("skipped by hand by {user}")),
            process_status: ProcessStatus::Running,
            ..Recorded::new(&failed.name, failed.attempt + 1, StepStatus::Skipped)
        },
    )?;
    if recorded != StepStatus::Skipped {
        // The change `--set` made was refused (an invalid subscription, say): the step
        // stays failed, with the reason in its log.
        let why = ctx
            .steps(&p.process_id)?
            .pop()
            .and_then(|s| s.error)
            .unwrap_or_default();
        print_process_json(ctx, &p.process_id)?;
        return Err(Error::new(
            crate::error::Kind::StepFailed,
            format!("`{}` was not skipped: {why}", failed.name),
        )
        .with_hint(format!(
            "fix the values given with --set, or `orch process retry {}`",
            p.process_id
        )));
    }
    ctx.printer
        .status(&format!("step `{}` marked done by {user}", failed.name));
    let secrets = secrets_needed(ctx, &p, &def, false)?;
    let outcome = drive(ctx, &p.process_id, &def, None, secrets);
    print_process_json(ctx, &p.process_id)?;
    outcome
}
