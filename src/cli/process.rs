//! `orch process list|show|retry|resume|abort|skip`, and the code that drives a
//! process from the command line (claiming it, Ctrl-C, progress lines, exit codes).

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::Ctx;
use super::answers::{self, AnswerArgs};
use crate::domain::workflow::{StepKind, WorkflowDef};
use crate::engine::merge;
use crate::engine::owner;
use crate::engine::runner::{Engine, Final};
use crate::error::{Error, Result};
use crate::forms::FormPage;
use crate::store::processes::{self, ProcessRow, StepRow};
use crate::store::{self};
use crate::ui::progress::StepProgress;
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
const STATUSES: [&str; 7] = [
    "created",
    "running",
    "suspended",
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
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The suspended process (its id, or a unique prefix of it)
    pub id: String,
    #[command(flatten)]
    pub answers: AnswerArgs,
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
        ProcessCommand::Retry(a) => retry(ctx, a),
        ProcessCommand::Resume(a) => resume(ctx, a),
        ProcessCommand::Abort { id } => abort(ctx, &id),
        ProcessCommand::Skip(a) => skip(ctx, a),
        ProcessCommand::Drive { id } => {
            let p = find(ctx, &id)?;
            let def = stored_definition(ctx, &p)?;
            let secrets = secrets_needed(ctx, &p, &def, false)?;
            drive_and_report(ctx, &p.process_id, &def, None, secrets)
        }
    }
}

pub fn find(ctx: &mut Ctx, id: &str) -> Result<ProcessRow> {
    match processes::find(&ctx.store()?.conn, id)? {
        processes::Find::One(p) => Ok(*p),
        processes::Find::None => Err(Error::not_found(format!("no process {id}"))
            .with_hint("`orch process list` shows the processes")),
        processes::Find::Ambiguous => {
            Err(Error::usage(format!("`{id}` matches several processes"))
                .with_hint("give more characters of the id"))
        }
    }
}

fn is_stale(p: &ProcessRow) -> bool {
    owner::is_stale(p)
}

fn stored_definition(ctx: &mut Ctx, p: &ProcessRow) -> Result<WorkflowDef> {
    processes::load_definition(&ctx.store()?.conn, &p.definition_hash)?.ok_or_else(|| {
        Error::internal(format!(
            "the definition of process {} is missing",
            p.process_id
        ))
    })
}

/// The process JSON of DESIGN §9.
pub fn process_json(p: &ProcessRow, steps: Option<&[StepRow]>) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("stale".into(), Value::Bool(is_stale(p)));
        if let Some(steps) = steps {
            obj.insert("state".into(), p.state.clone());
            obj.insert(
                "steps".into(),
                serde_json::to_value(steps).unwrap_or_default(),
            );
        }
    }
    v
}

pub fn print_process_json(ctx: &mut Ctx, id: &str) -> Result<()> {
    if !ctx.printer.is_json() {
        return Ok(());
    }
    let conn = &ctx.store()?.conn;
    let p =
        processes::get(conn, id)?.ok_or_else(|| Error::not_found(format!("no process {id}")))?;
    let steps = processes::steps(conn, id)?;
    ctx.printer.json(&process_json(&p, Some(&steps)))
}

fn list(ctx: &mut Ctx, a: ListArgs) -> Result<()> {
    let wanted_workflow = a.workflow.clone();
    let filter = processes::Filter {
        status: a.status,
        workflow: a.workflow,
        subscription_id: a.subscription,
        since: a.since,
        tasks: None,
        limit: a.limit.max(0),
    };
    let rows = processes::list(&ctx.store()?.conn, &filter)?;
    if let (true, Some(name)) = (rows.is_empty(), &wanted_workflow) {
        unknown_workflow_hint(ctx, name);
    }
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
            p.status.clone()
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
    let Ok((defs, _)) = super::workflow::read_all(ctx) else {
        return;
    };
    if super::workflow::names_of(&defs).any(|n| n == name) {
        return;
    }
    if let Some(near) = crate::suggest::did_you_mean(name, super::workflow::names_of(&defs)) {
        ctx.printer
            .hint(&format!("no workflow is named `{name}`; {near}"));
    }
}

fn show(ctx: &mut Ctx, a: ShowArgs) -> Result<()> {
    let p = find(ctx, &a.id)?;
    let steps = processes::steps(&ctx.store()?.conn, &p.process_id)?;
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
    let status = if stale {
        format!(
            "{} (stale: the orch that ran it is gone; retry takes it over)",
            p.status
        )
    } else {
        p.status.clone()
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
            s.status.clone(),
            s.attempt.to_string(),
            duration_between(&s.started_at, &s.finished_at),
            s.created_by.clone(),
        ]);
    }
    pr.out(&table::render(&t))?;
    if let Some(last) = steps
        .iter()
        .rev()
        .find(|s| s.status == "failed" || s.status == "waiting")
    {
        if matches!(p.status.as_str(), "failed" | "waiting") {
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
    match p.status.as_str() {
        "failed" => Some(format!(
            "fix the cause, then `orch process retry {id}` (or `orch process skip {id}`, `orch process abort {id}`)"
        )),
        "waiting" => Some(format!(
            "`orch process retry {id}` when the transient cause is gone"
        )),
        "suspended" => Some(format!(
            "`orch process resume {id} --form` (or --input key=value)"
        )),
        "running" if is_stale(p) => Some(format!("`orch process retry {id}` takes it over")),
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

/// Claims a process for this orch: refuses a live owner, takes over a stale one.
fn claim(ctx: &mut Ctx, id: &str, allowed: &[&str]) -> Result<ProcessRow> {
    match owner::claim(&mut ctx.store()?.conn, id, allowed)? {
        owner::Claim::Claimed(p) => Ok(*p),
        owner::Claim::Missing => Err(Error::not_found(format!("no process {id}"))),
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

fn allowed_verb(allowed: &[&str]) -> &'static str {
    if allowed.contains(&"suspended") {
        "resumed"
    } else {
        "retried"
    }
}

fn retry(ctx: &mut Ctx, a: RetryArgs) -> Result<()> {
    let p = find(ctx, &a.id)?;
    let stored = stored_definition(ctx, &p)?;
    let current = super::workflow::find(ctx, &p.workflow).ok();
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
        let steps = processes::steps(&ctx.store()?.conn, &p.process_id)?;
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
    claim(ctx, &p.process_id, &["failed", "waiting"])?;
    if a.use_current && changed {
        let store = ctx.store()?;
        let hash =
            processes::save_definition(&store.conn, &def, current.as_ref().map(|c| c.1.as_str()))?;
        store.conn.execute(
            "UPDATE processes SET definition_hash = ?2 WHERE process_id = ?1",
            [&p.process_id, &hash],
        )?;
    }
    let outcome = drive_and_report(ctx, &p.process_id, &def, None, secrets);
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
    let steps = processes::steps(&ctx.store()?.conn, &p.process_id)?;
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
    let p = find(ctx, &a.id)?;
    if p.status != "suspended" && !is_stale(&p) {
        return Err(Error::conflict(format!(
            "process {} is {}, not suspended; only a suspended process can be resumed",
            p.process_id, p.status
        ))
        .with_hint(
            next_hint(&p).unwrap_or_else(|| format!("`orch process show {}`", p.process_id)),
        ));
    }
    let def = stored_definition(ctx, &p)?;
    let given = a.answers.given()?;
    let steps = processes::steps(&ctx.store()?.conn, &p.process_id)?;
    let pending = steps
        .iter()
        .rev()
        .find(|s| s.status == "suspend")
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
    claim(ctx, &p.process_id, &["suspended"])?;
    let outcome = drive_and_report(ctx, &p.process_id, &def, Some(input), secrets);
    print_process_json(ctx, &p.process_id)?;
    outcome
}

fn abort(ctx: &mut Ctx, id: &str) -> Result<()> {
    let p = find(ctx, id)?;
    if matches!(p.status.as_str(), "completed" | "aborted") {
        return Err(Error::conflict(format!(
            "process {} is {} already",
            p.process_id, p.status
        )));
    }
    claim(
        ctx,
        &p.process_id,
        &["failed", "waiting", "suspended", "created"],
    )?;
    let user = ctx.user();
    let store = ctx.store()?;
    let tx = store::write_tx(&mut store.conn)?;
    let now = crate::clock::now_text();
    let row = StepRow {
        step_id: 0,
        name: p.last_step.clone().unwrap_or_else(|| "Start".into()),
        status: "abort".into(),
        attempt: 0,
        started_at: now.clone(),
        finished_at: now,
        error: Some(format!("aborted by {user}")),
        output: None,
        created_by: user.clone(),
        state_patch: json!({}),
    };
    let reason = format!("aborted by {user}");
    processes::commit_step(
        &tx,
        &processes::StepCommit {
            process_id: &p.process_id,
            subscription_id: p.subscription_id.as_deref(),
            step: &row,
            state: &p.state,
            status: "aborted",
            failed_reason: Some(&reason),
            duration_ms: 0,
        },
    )?;
    processes::set_owner(&tx, &p.process_id, None)?;
    tx.commit()?;
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
    let p = find(ctx, &a.id)?;
    let steps = processes::steps(&ctx.store()?.conn, &p.process_id)?;
    let Some(failed) = steps
        .iter()
        .rev()
        .find(|s| matches!(s.status.as_str(), "failed" | "waiting"))
        .cloned()
    else {
        return Err(Error::conflict(format!(
            "process {} has no failed step to skip",
            p.process_id
        )));
    };
    let def = stored_definition(ctx, &p)?;
    claim(ctx, &p.process_id, &["failed", "waiting"])?;
    let user = ctx.user();
    let patch = answers::loose(
        a.set
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    );
    {
        let store = ctx.store()?;
        let tx = store::write_tx(&mut store.conn)?;
        let mut state = p.state.clone();
        merge::apply(&mut state, &Value::Object(patch));
        let diff = merge::diff(&p.state, &state);
        let now = crate::clock::now_text();
        let row = StepRow {
            step_id: 0,
            name: failed.name.clone(),
            status: "skipped".into(),
            attempt: failed.attempt + 1,
            started_at: now.clone(),
            finished_at: now,
            error: Some(format!("skipped by hand by {user}")),
            output: None,
            created_by: user.clone(),
            state_patch: diff,
        };
        processes::commit_step(
            &tx,
            &processes::StepCommit {
                process_id: &p.process_id,
                subscription_id: p.subscription_id.as_deref(),
                step: &row,
                state: &state,
                status: "running",
                failed_reason: None,
                duration_ms: 0,
            },
        )?;
        tx.commit()?;
    }
    ctx.printer
        .status(&format!("step `{}` marked done by {user}", failed.name));
    let secrets = secrets_needed(ctx, &p, &def, false)?;
    let outcome = drive_and_report(ctx, &p.process_id, &def, None, secrets);
    print_process_json(ctx, &p.process_id)?;
    outcome
}

/// Re-launches orch in the background to drive a created process.
///
/// Secrets go to the child in its environment (`ORCH_SECRET_<NAME>`), never on its
/// command line, where any user could read them.
pub fn detach(ctx: &mut Ctx, id: &str, secrets: &Map<String, Value>) -> Result<()> {
    let exe = std::env::current_exe()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--dir")
        .arg(&ctx.project.root)
        .arg("--db")
        .arg(ctx.db_path())
        .arg("--user")
        .arg(ctx.user())
        .arg("-q")
        .args(["process", "drive", id])
        .envs(secrets.iter().map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (crate::forms::secret_env_var(k), text)
        }))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd.spawn()
        .map_err(|e| Error::failure(format!("cannot start orch in the background: {e}")))?;
    if ctx.printer.is_json() {
        return ctx
            .printer
            .json(&json!({"id": id, "status": "created", "detached": true}));
    }
    ctx.printer.out(&format!("{id}\n"))?;
    ctx.printer
        .hint(&format!("follow it with `orch process show {id}`"));
    Ok(())
}

/// orch.toml's `step_timeout`.
pub(super) fn default_timeout(ctx: &Ctx) -> Result<Option<Duration>> {
    ctx.project
        .config
        .step_timeout
        .as_deref()
        .map(crate::domain::workflow::parse_duration)
        .transpose()
        .map_err(|e| Error::usage(format!("orch.toml: step_timeout: {e}")))
}

/// A flag that turns true on Ctrl-C or SIGTERM; call inside a runtime, abort the handle
/// when done.
pub(super) fn cancel_on_signals() -> (
    tokio::sync::watch::Receiver<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let signals = tokio::spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
        }
        let _ = tx.send(true);
    });
    (rx, signals)
}

/// Drives a claimed process and turns the outcome into the exit code of DESIGN §9.
pub fn drive_and_report(
    ctx: &mut Ctx,
    id: &str,
    def: &WorkflowDef,
    input: Option<Map<String, Value>>,
    secrets: Map<String, Value>,
) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the runtime: {e}")))?;
    let root = ctx.project.root.clone();
    let db_path = ctx.db_path();
    let user = ctx.user();
    let default_timeout = default_timeout(ctx)?;
    let plan = crate::engine::plan::plan(def);
    let mut observer =
        StepProgress::new(ctx.printer.clone()).numbered(plan.into_iter().map(|s| s.name).collect());
    let project = ctx.project.clone();
    let printer = ctx.printer.clone();
    let log = |m: &str| printer.status(m);
    let env = crate::tasks::TaskEnv {
        project: &project,
        now: crate::schedule::now()?,
        log: &log,
    };
    let store = ctx.store()?;
    let outcome = rt.block_on(async {
        let (cancel, signals) = cancel_on_signals();
        let mut engine = Engine {
            conn: &mut store.conn,
            root,
            db_path,
            user,
            default_timeout,
            grace: Duration::from_secs(5),
            observer: &mut observer,
            cancel,
            secrets,
        };
        let r = crate::tasks::drive(&mut engine, &env, id, def, input).await;
        signals.abort();
        r
    })?;
    drop(observer);
    let p = &ctx.printer;
    match outcome {
        Final::Completed => p.status(&format!("process {id} completed")),
        Final::Suspended => {
            p.status(&format!("process {id} is suspended, awaiting input"));
            p.hint(&format!(
                "`orch process resume {id} --form` (or --input key=value)"
            ));
        }
        Final::Waiting => {
            p.status(&format!(
                "process {id} is waiting after a transient failure"
            ));
            p.hint(&format!("`orch process retry {id}` when the cause is gone"));
        }
        Final::Failed => {
            p.status(&format!("process {id} failed"));
            p.hint(&format!(
                "see `orch process show {id}`; fix the cause, then `orch process retry {id}`"
            ));
        }
        Final::Interrupted => {
            p.status(&format!("process {id} interrupted; it stays retryable"));
            p.hint(&format!("`orch process retry {id}`"));
        }
    }
    match outcome.error_kind() {
        None => Ok(()),
        Some(kind) => Err(Error::silent(kind)),
    }
}
