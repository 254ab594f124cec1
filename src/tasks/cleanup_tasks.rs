//! `cleanup_tasks`: deletes completed task runs (processes of `system` workflows) older
//! than orch.toml's `task_retention`, with their steps. Events stay: the event log is the
//! project's history and consumers may not have read them yet.

use serde_json::json;

use super::TaskEnv;
use super::builtin::{BuiltinTask, TaskFuture};
use crate::domain::workflow::parse_duration;
use crate::engine::runner::Engine;
use crate::error::Error;

/// How long completed task runs are kept when orch.toml does not say.
pub const DEFAULT_RETENTION: &str = "30d";

pub const TASK: BuiltinTask = BuiltinTask {
    name: "cleanup_tasks",
    description: "Delete completed task runs older than task_retention (orch.toml, default 30d)",
    step: "Delete old task runs",
    run,
};

fn run<'a>(engine: &'a mut Engine<'_>, env: &'a TaskEnv<'_>) -> TaskFuture<'a> {
    Box::pin(async move {
        let text = env
            .project
            .config
            .task_retention
            .as_deref()
            .unwrap_or(DEFAULT_RETENTION);
        let keep = parse_duration(text).map_err(|e| {
            Error::usage(format!("orch.toml: task_retention: {e}"))
                .with_hint("write it like `task_retention = \"30d\"`")
        })?;
        let cutoff = env.now.checked_sub(keep).map_err(|e| {
            Error::usage(format!(
                "orch.toml: task_retention `{text}` is too long: {e}"
            ))
        })?;
        let cutoff = crate::clock::format(cutoff);
        let (runs, steps) = engine.store.delete_task_runs(&cutoff).await?;
        (env.log)(&format!(
            "deleted {} ({}) last changed before {cutoff}",
            crate::ui::count(runs as i64, "completed task run", "completed task runs"),
            crate::ui::count(steps as i64, "step", "steps")
        ));
        Ok(json!({"deleted_runs": runs, "deleted_steps": steps, "older_than": cutoff}))
    })
}
