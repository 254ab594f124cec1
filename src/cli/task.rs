//! `orch task list|run`. Tasks are workflows with `target = "system"`; every project also
//! has the built-in tasks. `task run` is `workflow run` restricted to tasks.

use std::collections::HashMap;
use std::path::PathBuf;

use clap::Subcommand;
use serde_json::{Value, json};

use super::Ctx;
use super::workflow::RunArgs;
use crate::definition::workflow::check_schedule;
use crate::definition::{Diagnostic, Seg, Source};
use crate::domain::workflow::{ScheduleDef, Target, WorkflowDef, parse_duration};
use crate::error::{Error, Kind, Result};
use crate::key_path;
use crate::tasks::builtin;
use crate::ui::table;

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// List the project's tasks and the built-in ones, with their schedules
    List,
    /// Run a task now (the options and exit codes of `workflow run`)
    Run(RunArgs),
}

pub fn run(ctx: &mut Ctx, cmd: TaskCommand) -> Result<()> {
    match cmd {
        TaskCommand::List => list(ctx),
        TaskCommand::Run(args) => start(ctx, args),
    }
}

/// A task as `task list`, `schedule list` and the scheduler see it.
pub struct Task {
    pub def: WorkflowDef,
    /// The workflow file, or `built-in`.
    pub source: String,
    pub schedule: Option<ScheduleDef>,
}

/// Every task: the workflow files with `target = "system"`, then the built-ins with the
/// schedules orch.toml gives them. Problems in broken files come back as diagnostics.
pub fn catalog(ctx: &Ctx) -> Result<(Vec<Task>, Vec<Diagnostic>)> {
    let (defs, mut diags) = super::workflow::read_all(ctx)?;
    let mut tasks: Vec<Task> = defs
        .into_iter()
        .filter(|(d, _)| d.target == Target::System)
        .map(|(def, source)| Task {
            schedule: def.schedule.clone(),
            def,
            source,
        })
        .collect();
    let (mut schedules, problems) = config_schedules(ctx)?;
    diags.extend(problems);
    for t in builtin::TASKS {
        tasks.push(Task {
            def: builtin::definition(t),
            source: builtin::SOURCE.to_string(),
            schedule: schedules.remove(t.name),
        });
    }
    Ok((tasks, diags))
}

/// orch.toml's `[schedule.NAME]` tables, which schedule built-in tasks, and its
/// `task_retention`, checked and placed in the file.
pub fn config_schedules(ctx: &Ctx) -> Result<(HashMap<String, ScheduleDef>, Vec<Diagnostic>)> {
    let config = &ctx.project.config;
    let mut found = HashMap::new();
    let mut diags = Vec::new();
    if config.schedule.is_empty() && config.task_retention.is_none() {
        return Ok((found, diags));
    }
    let file = crate::project::CONFIG_FILE;
    let src = Source::read(&ctx.project.root.join(file), PathBuf::from(file))?;
    let mut err = |path: Vec<Seg>, message: String| diags.push(src.diagnostic(&path, message));
    for (name, raw) in &config.schedule {
        let at = key_path!["schedule", name.as_str()];
        if builtin::find(name).is_none() {
            let names: Vec<&str> = builtin::TASKS.iter().map(|t| t.name).collect();
            err(
                at,
                format!(
                    "`{name}` is not a built-in task (built-ins: {}); a task of the project takes a [schedule] table in its workflow file",
                    names.join(", ")
                ),
            );
            continue;
        }
        if let Some(def) = check_schedule(raw, &at, &mut err) {
            found.insert(name.clone(), def);
        }
    }
    if let Some(text) = &config.task_retention {
        if let Err(e) = parse_duration(text) {
            err(key_path!["task_retention"], e);
        }
    }
    Ok((found, diags))
}

/// The JSON of a schedule: `{"cron", "every", "timezone"}` with `every` as written.
pub fn schedule_json(s: &ScheduleDef) -> Value {
    json!({
        "cron": s.cron,
        "every": s.every.map(crate::schedule::format_every),
        "timezone": s.cron.as_ref().map(|_| s.timezone.clone().unwrap_or_else(|| "UTC".into())),
    })
}

/// `cron 0 3 * * * (UTC)`, `every 1h`, or `-`.
pub fn schedule_text(s: Option<&ScheduleDef>) -> String {
    match s.map(crate::schedule::Spec::from_def) {
        Some(Ok(spec)) => spec.describe(),
        Some(Err(_)) => "invalid".into(),
        None => "-".into(),
    }
}

fn list(ctx: &mut Ctx) -> Result<()> {
    let (tasks, diags) = catalog(ctx)?;
    for d in &diags {
        ctx.printer.warn(&d.to_string());
    }
    if ctx.printer.is_json() {
        let items: Vec<Value> = tasks
            .iter()
            .map(|t| {
                json!({
                    "name": t.def.name, "description": t.def.description, "source": t.source,
                    "builtin": t.source == builtin::SOURCE,
                    "schedule": t.schedule.as_ref().map(schedule_json),
                })
            })
            .collect();
        return ctx.printer.json(&items);
    }
    let mut t = table::new(
        &["NAME", "SCHEDULE", "SOURCE", "DESCRIPTION"],
        ctx.printer.stdout_tty,
    );
    for task in &tasks {
        t.add_row(vec![
            task.def.name.clone(),
            schedule_text(task.schedule.as_ref()),
            task.source.clone(),
            task.def.description.clone(),
        ]);
    }
    ctx.printer.out(&table::render(&t))
}

fn start(ctx: &mut Ctx, args: RunArgs) -> Result<()> {
    let def = match super::workflow::find(ctx, &args.name) {
        Ok((def, _)) => def,
        Err(e) if e.kind == Kind::NotFound => {
            let (tasks, _) = catalog(ctx)?;
            let names = tasks.iter().map(|t| t.def.name.as_str());
            let mut e = Error::not_found(format!("no task named `{}`", args.name));
            if let Some(near) = crate::suggest::did_you_mean(&args.name, names) {
                e = e.with_hint(near);
            }
            return Err(e.with_hint("`orch task list` shows the tasks"));
        }
        Err(e) => return Err(e),
    };
    if def.target != Target::System {
        return Err(Error::usage(format!(
            "`{}` is a {} workflow, not a task",
            def.name, def.target
        ))
        .with_hint(format!("run it with `orch workflow run {}`", def.name)));
    }
    super::workflow::start(ctx, args)
}
