//! `orch schedule list`: every scheduled task with its last and next run.

use clap::Subcommand;
use serde_json::{Value, json};

use super::Ctx;
use super::task::schedule_json;
use crate::error::Result;
use crate::schedule::{NextRun, Spec};
use crate::ui::table;

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// List the scheduled tasks with their last and next run (times in UTC)
    List,
}

pub fn run(ctx: &mut Ctx, cmd: ScheduleCommand) -> Result<()> {
    match cmd {
        ScheduleCommand::List => list(ctx),
    }
}

fn list(ctx: &mut Ctx) -> Result<()> {
    let (tasks, diags) = ctx.tasks()?;
    for d in &diags {
        ctx.printer.warn(&d.to_string());
    }
    let now = crate::schedule::now()?;
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for t in &tasks {
        let Some(def) = &t.schedule else {
            continue;
        };
        let Ok(spec) = Spec::from_def(def) else {
            continue;
        };
        let name = t.def.name.as_str();
        let row = ctx
            .db(async |s| s.schedule(name).await)?
            .unwrap_or_default();
        let next = spec.next_due(crate::schedule::last_run(row.last_run_at.as_deref(), now));
        let last_status = match &row.last_process {
            Some(id) => ctx.db(async |s| s.process(id).await)?.map(|p| p.status),
            None => None,
        };
        let next_at = next.at(now).map(crate::clock::format);
        let mut item = json!({
            "name": t.def.name, "source": t.source,
            "last_run_at": row.last_run_at, "next_run_at": next_at, "due": next.is_due(now),
            "last_process": row.last_process, "last_status": last_status,
        });
        if let (Some(obj), Value::Object(s)) = (item.as_object_mut(), schedule_json(def)) {
            obj.extend(s);
        }
        items.push(item);
        let shown_next = match next {
            NextRun::Now if row.last_run_at.is_some() => {
                "now (its last run is in the future: the clock moved back)".to_string()
            }
            NextRun::Now => "now (never ran)".to_string(),
            NextRun::Never => "never".to_string(),
            NextRun::At(t) if t <= now => format!("{} (due)", seconds(t)),
            NextRun::At(t) => seconds(t),
        };
        rows.push(vec![
            t.def.name.clone(),
            spec.describe(),
            row.last_run_at
                .as_deref()
                .and_then(crate::clock::parse)
                .map(seconds)
                .unwrap_or_else(|| "-".into()),
            shown_next,
            match (&row.last_process, last_status) {
                (Some(id), Some(status)) => format!("{id} ({status})"),
                (Some(id), None) => format!("{id} (deleted)"),
                _ => "-".into(),
            },
        ]);
    }
    if ctx.printer.is_json() {
        return ctx.printer.json(&items);
    }
    if items.is_empty() {
        ctx.printer.nothing(
            "no task is scheduled",
            Some("schedule a task with a [schedule] table in its workflow file (cron = \"0 3 * * *\" or every = \"1h\"), or a built-in with [schedule.NAME] in orch.toml"),
        );
        return Ok(());
    }
    let mut t = table::new(
        &["TASK", "SCHEDULE", "LAST RUN", "NEXT RUN", "LAST PROCESS"],
        ctx.printer.stdout_tty,
    );
    for r in rows {
        t.add_row(r);
    }
    ctx.printer.out(&table::render(&t))
}

/// A time to the second, in UTC.
pub fn seconds(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
