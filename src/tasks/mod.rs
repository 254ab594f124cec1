//! Tasks: workflows with `target = "system"`, run by hand (`orch task run`) or by the
//! scheduler, plus the built-in tasks every project has (see [`builtin`]).
//!
//! [`drive`] is where a process is run whatever it is: a built-in task's run is recorded
//! here, any other workflow goes through the engine. The command line and the scheduler
//! both call it, so a built-in task can be started, retried and scheduled like any task.

pub mod builtin;
mod cleanup_tasks;
mod resume_waiting;
mod validate_subscriptions;
pub mod waiting;

use jiff::Timestamp;

use crate::domain::workflow::WorkflowDef;
use crate::engine::runner::{Answers, Engine, Final};
use crate::error::Result;
use crate::project::Project;

/// What a task sees besides the engine: the project, the time its decisions use (age
/// limits), and where to report what it does.
pub struct TaskEnv<'a> {
    pub project: &'a Project,
    pub now: Timestamp,
    pub log: &'a (dyn Fn(&str) + Sync),
}

/// Drives a claimed process until it completes, suspends, waits, fails or is
/// interrupted. On an error the process is released (no owner, failed) so it stays
/// retryable instead of looking like it still runs.
pub async fn drive(
    engine: &mut Engine<'_>,
    env: &TaskEnv<'_>,
    id: &str,
    def: &WorkflowDef,
    input: Answers,
) -> Result<Final> {
    let outcome = match builtin::for_definition(def) {
        Some(task) => builtin::run(engine, env, task, id).await,
        None => engine.drive(id, def, input).await,
    };
    if let Err(e) = &outcome {
        // Best effort: the store may be what failed.
        let _ = engine
            .store
            .fail_process(id, crate::engine::owner::me(), &e.message)
            .await;
    }
    outcome
}

/// How an outcome reads in logs and reports.
pub fn outcome_word(f: Final) -> &'static str {
    match f {
        Final::Completed => "completed",
        Final::Suspended => "suspended",
        Final::AwaitingCallback => "awaiting a callback",
        Final::Waiting => "waiting",
        Final::Failed => "failed",
        Final::Interrupted => "interrupted",
        Final::Aborted => "aborted",
    }
}
