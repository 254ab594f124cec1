//! `orch task list|run`. Tasks are workflows with `target = "system"`; every project also
//! has the built-in tasks. `task run` is `workflow run` restricted to tasks.

use clap::Subcommand;
use serde_json::{Value, json};

use super::Ctx;
use super::workflow::RunArgs;
use crate::domain::workflow::{ScheduleDef, Target};
use crate::error::{Error, Kind, Result};
use crate::tasks::builtin;
use crate::ui::table;

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// List the project's tasks and the built-in ones, with their schedules
    List,
    /// Run a task now (the options and exit codes of `workflow run`)
    #[command(
        mut_arg("subscription", |a| a.hide(true)),
        mut_arg("customer", |a| a.hide(true))
    )]
    Run(RunArgs),
}

pub fn run(ctx: &mut Ctx, cmd: TaskCommand) -> Result<()> {
    match cmd {
        TaskCommand::List => list(ctx),
        TaskCommand::Run(args) => start(ctx, args),
    }
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
    let (tasks, diags) = ctx.tasks()?;
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
    let (def, source) = match ctx.workflow(&args.name) {
        Ok(found) => found,
        Err(e) if e.kind == Kind::NotFound => {
            let (tasks, _) = ctx.tasks()?;
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
    super::start::start(ctx, &def, &source, args.request()?)
}
