//! `resume_waiting`: retries every waiting process now, each claimed like `process
//! retry` claims it, so it never races another orch. Its report lists what it retried.

use serde_json::json;

use super::builtin::{BuiltinTask, TaskFuture};
use super::{TaskEnv, outcome_word, waiting};
use crate::engine::runner::Engine;

pub const TASK: BuiltinTask = BuiltinTask {
    name: "resume_waiting",
    description: "Retry every waiting process",
    step: "Retry waiting processes",
    run,
};

fn run<'a>(engine: &'a mut Engine<'_>, env: &'a TaskEnv<'_>) -> TaskFuture<'a> {
    Box::pin(async move {
        let mut retried = Vec::new();
        let mut skipped = 0;
        for p in waiting::all(engine.store).await? {
            if *engine.cancel.borrow() {
                break;
            }
            let id = p.process_id.as_str();
            (env.log)(&format!("retrying waiting process {id} ({})", p.workflow));
            let outcome = match waiting::retry(engine, env, id).await {
                Ok(Some(f)) => outcome_word(f).to_string(),
                Ok(None) => {
                    skipped += 1;
                    continue;
                }
                Err(e) => format!("error: {}", e.message),
            };
            (env.log)(&format!("process {id} ({}): {outcome}", p.workflow));
            retried.push(json!({"id": id, "workflow": p.workflow, "outcome": outcome}));
        }
        Ok(json!({"retried": retried, "skipped": skipped}))
    })
}
