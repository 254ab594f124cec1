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
use std::time::Instant;

use serde_json::{Value, json};

use super::TaskEnv;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{StepDef, StepKind, Target, WorkflowDef};
use crate::engine::merge;
use crate::engine::plan::next_attempt;
use crate::engine::runner::{Engine, Final};
use crate::error::{Error, Result};
use crate::store;
use crate::store::processes::{self, StepCommit, StepRow};

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
        }],
        schedule: None,
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
/// the task's step and `Done` like the engine commits steps.
pub async fn run(
    engine: &mut Engine<'_>,
    env: &TaskEnv<'_>,
    task: &BuiltinTask,
    id: &str,
) -> Result<Final> {
    let log = processes::steps(engine.conn, id)?;
    let done = |name: &str| log.iter().any(|s| s.name == name && s.is_done());
    let left = ["Start", task.step, "Done"]
        .iter()
        .filter(|n| !done(n))
        .count();
    engine.observer.steps_left(left);
    let attempt = |name: &str| next_attempt(&log, name);
    let mut state = processes::get(engine.conn, id)?
        .ok_or_else(|| Error::not_found(format!("no process {id}")))?
        .state;
    if !done("Start") {
        let step = Step::new("Start", attempt("Start"));
        let whole = state.clone();
        record(
            engine,
            id,
            step.ok(whole),
            &mut state,
            ProcessStatus::Running,
        )?;
    }
    if !done(task.step) {
        let step = Step::new(task.step, attempt(task.step));
        if *engine.cancel.borrow() {
            let failed = step.failed("interrupted before the step started".into(), None);
            record(engine, id, failed, &mut state, ProcessStatus::Failed)?;
            return Ok(Final::Interrupted);
        }
        engine.observer.step_started(task.step, step.attempt);
        let result = (task.run)(engine, env).await;
        let interrupted = *engine.cancel.borrow();
        match (result, interrupted) {
            (Ok(report), false) => record(
                engine,
                id,
                step.ok(report),
                &mut state,
                ProcessStatus::Running,
            )?,
            (Ok(report), true) => {
                let message = "interrupted (Ctrl-C or SIGTERM); run the task again to finish";
                let failed = step.failed(message.into(), Some(report.to_string()));
                record(engine, id, failed, &mut state, ProcessStatus::Failed)?;
                return Ok(Final::Interrupted);
            }
            (Err(e), _) => {
                record(
                    engine,
                    id,
                    step.failed(e.message, None),
                    &mut state,
                    ProcessStatus::Failed,
                )?;
                return Ok(if interrupted {
                    Final::Interrupted
                } else {
                    Final::Failed
                });
            }
        }
    }
    let end = Step::new("Done", attempt("Done"));
    let complete = Outcome {
        status: StepStatus::Complete,
        ..end.ok(json!({}))
    };
    record(engine, id, complete, &mut state, ProcessStatus::Completed)?;
    Ok(Final::Completed)
}

struct Step {
    name: &'static str,
    attempt: i64,
    started: Instant,
}

struct Outcome {
    name: &'static str,
    attempt: i64,
    started: Instant,
    status: StepStatus,
    patch: Value,
    error: Option<String>,
    output: Option<String>,
}

impl Step {
    fn new(name: &'static str, attempt: i64) -> Step {
        Step {
            name,
            attempt,
            started: Instant::now(),
        }
    }

    fn ok(&self, patch: Value) -> Outcome {
        Outcome {
            name: self.name,
            attempt: self.attempt,
            started: self.started,
            status: StepStatus::Success,
            patch,
            error: None,
            output: None,
        }
    }

    fn failed(&self, error: String, output: Option<String>) -> Outcome {
        Outcome {
            status: StepStatus::Failed,
            patch: json!({}),
            error: Some(error),
            output,
            ..self.ok(json!({}))
        }
    }
}

/// Commits one step row with the process row and its events, in one transaction.
fn record(
    engine: &mut Engine<'_>,
    id: &str,
    o: Outcome,
    state: &mut Value,
    process_status: ProcessStatus,
) -> Result<()> {
    let took = o.started.elapsed();
    let finished = crate::clock::now();
    let started_at = finished
        .checked_sub(jiff::SignedDuration::try_from(took).unwrap_or_default())
        .unwrap_or(finished);
    let mut after = state.clone();
    // Start's patch is the whole initial state, so the log folds from `{}`.
    let patch = if o.name == "Start" {
        state.clone()
    } else {
        merge::apply(&mut after, &o.patch);
        merge::diff(state, &after)
    };
    let row = StepRow {
        step_id: 0,
        name: o.name.to_string(),
        status: o.status,
        attempt: o.attempt,
        started_at: crate::clock::format(started_at),
        finished_at: crate::clock::format(finished),
        error: o.error,
        output: o.output,
        created_by: engine.user.clone(),
        state_patch: patch,
    };
    let tx = store::write_tx(engine.conn)?;
    processes::commit_step(
        &tx,
        &StepCommit {
            process_id: id,
            subscription_id: None,
            step: &row,
            state: &after,
            status: process_status,
            failed_reason: row
                .error
                .as_deref()
                .filter(|_| process_status == ProcessStatus::Failed),
            duration_ms: took.as_millis(),
        },
    )?;
    if process_status != ProcessStatus::Running {
        processes::set_owner(&tx, id, None)?;
    }
    tx.commit()?;
    *state = after;
    engine.observer.step_finished(&row, took);
    Ok(())
}
