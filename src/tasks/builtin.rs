//! The built-in tasks: a registry of Rust functions that run as tasks of every project.
//!
//! Each built-in is a [`BuiltinTask`]: a name, a description, the name of the one step
//! its runs log, and a function that does the work and returns a JSON report (merged into
//! the run's state). Its definition is a `system` workflow of that one step, so a run is
//! a process like any other: listed, shown, retried, cleaned up.
//!
//! To add a built-in, write a module with a `pub const TASK: BuiltinTask` and add it to
//! [`TASKS`]. `task list`, `task run`,
//! `workflow show`, `[schedule.NAME]` in orch.toml and the scheduler pick it up.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::TaskEnv;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{StepDef, StepKind, Target, WorkflowDef};
use crate::engine::INTERRUPTED;
use crate::engine::plan::next_attempt;
use crate::engine::runner::{Engine, Final, Recorded};
use crate::error::{Error, Result};

/// The work of a built-in: its report, or the error that fails the run.
pub type TaskFuture<'a> = Pin<Box<dyn Future<Output = Result<Value>> + 'a>>;

pub struct BuiltinTask {
    pub name: &'static str,
    pub description: &'static str,
    /// The step its runs show in their log, between `Start` and `Done`.
    pub step: &'static str,
    pub run: for<'a, 'e, 'v> fn(&'a mut Engine<'e>, &'a TaskEnv<'v>) -> TaskFuture<'a>,
}

/// Every built-in task. Add new ones here.
pub const TASKS: &[BuiltinTask] = &[
    super::resume_waiting::TASK,
    super::cleanup_tasks::TASK,
    super::validate_subscriptions::TASK,
];

/// Where a built-in's definition says it comes from.
pub const SOURCE: &str = "built-in";

pub fn find(name: &str) -> Option<&'static BuiltinTask> {
    TASKS.iter().find(|t| t.name == name)
}

/// The workflow definition of a built-in: a task of one builtin step.
pub fn definition(task: &BuiltinTask) -> WorkflowDef {
    WorkflowDef {
        name: task.name.to_string(),
        target: Target::System,
        description: task.description.to_string(),
        products: Vec::new(),
        status: None,
        usable_when: None,
        blocked_by_in_use: None,
        usable_while_out_of_sync: false,
        form: Vec::new(),
        steps: vec![StepDef {
            name: task.step.to_string(),
            kind: StepKind::Builtin {
                builtin: task.name.to_string(),
                with: Default::default(),
            },
            condition: None,
            timeout: None,
            retry: None,
            locks: Vec::new(),
        }],
        schedule: None,
        locks: Vec::new(),
    }
}

/// The built-in a definition stands for, if it is one. Workflow files cannot name a
/// built-in task (the names are reserved and their builtins unknown to the file parser),
/// so only a built-in's own definition matches.
pub fn for_definition(def: &WorkflowDef) -> Option<&'static BuiltinTask> {
    let task = find(&def.name)?;
    let is_it = def.target == Target::System
        && matches!(def.steps.as_slice(), [StepDef { kind: StepKind::Builtin { builtin, .. }, .. }] if builtin == task.name);
    is_it.then_some(task)
}

/// Runs a built-in task's process from its first unfinished step, committing `Start`,
/// the task's step and `Done` through the engine like any step.
pub async fn run(
    engine: &mut Engine<'_>,
    env: &TaskEnv<'_>,
    task: &BuiltinTask,
    id: &str,
) -> Result<Final> {
    let log = engine.store.steps(id).await?;
    let done = |name: &str| log.iter().any(|s| s.name == name && s.is_done());
    let left = ["Start", task.step, "Done"]
        .iter()
        .filter(|n| !done(n))
        .count();
    engine.observer.with(|o| o.steps_left(left));
    let attempt = |name: &str| next_attempt(&log, name);
    let mut process = engine
        .store
        .process(id)
        .await?
        .ok_or_else(|| Error::not_found(format!("no process {id}")))?;
    if !done("Start") {
        let start = Recorded {
            whole_state: true,
            ..Recorded::new("Start", attempt("Start"), StepStatus::Success)
        };
        engine.record(&mut process, start).await?;
    }
    if !done(task.step) {
        let step = Recorded::new(task.step, attempt(task.step), StepStatus::Success);
        if *engine.cancel.borrow() {
            let failed = failed(step, format!("{INTERRUPTED} before the step started"), None);
            engine.record(&mut process, failed).await?;
            return Ok(Final::Interrupted);
        }
        engine
            .observer
            .with(|o| o.step_started(task.step, step.attempt));
        let result = (task.run)(engine, env).await;
        let interrupted = *engine.cancel.borrow();
        match (result, interrupted) {
            (Ok(report), false) => {
                let ok = Recorded {
                    patch: report,
                    ..step
                };
                engine.record(&mut process, ok).await?;
            }
            (Ok(report), true) => {
                let message = format!("{INTERRUPTED}; run the task again to finish");
                let failed = failed(step, message, Some(report.to_string()));
                engine.record(&mut process, failed).await?;
                return Ok(Final::Interrupted);
            }
            (Err(e), _) => {
                engine
                    .record(&mut process, failed(step, e.message, None))
                    .await?;
                return Ok(if interrupted {
                    Final::Interrupted
                } else {
                    Final::Failed
                });
            }
        }
    }
    let end = Recorded::new("Done", attempt("Done"), StepStatus::Complete);
    engine.record(&mut process, end).await?;
    Ok(Final::Completed)
}

/// The task's step, failed with `error` (and what it had reported, if anything).
fn failed<'a>(step: Recorded<'a>, error: String, output: Option<String>) -> Recorded<'a> {
    Recorded {
        status: StepStatus::Failed,
        process_status: ProcessStatus::Failed,
        error: Some(error),
        output,
        ..step
    }
}
