//! `resume_waiting`: retries every waiting process now, each claimed as a worker claims
//! it (so it never races another orch) and driven as a worker drives it. Its report
//! lists what it retried.

use serde_json::json;

use super::builtin::{BuiltinTask, TaskFuture};
use super::{TaskEnv, outcome_word, waiting};
use crate::engine::runner::Engine;
use crate::store::workers::Runnable;

pub const TASK: BuiltinTask = BuiltinTask {
    name: "resume_waiting",
    description: "Retry every waiting process",
    step: "Retry waiting processes",
    run,
};

fn run<'a>(engine: &'a mut Engine<'_>, env: &'a TaskEnv<'_>) -> TaskFuture<'a> {
    Box::pin(async move {
        let waiting = waiting::all(engine.store).await?.len();
        // Each process that waits now is retried once: one that waits again after its
        // retry came to rest after this run began, and is left for the next.
        let began = crate::clock::now_text();
        let config = crate::worker::Config {
            project: env.project,
            db: engine.db.clone(),
            user: engine.user.clone(),
            step_timeout: engine.default_timeout,
            kill_grace: engine.grace,
            log: env.log,
            verbose: false,
            lease: engine.lease,
            children: engine.children,
            callback_url: engine.callback_url.clone(),
            vault: None,
        };
        let mut retried = Vec::new();
        while !*engine.cancel.borrow() {
            let which = Runnable::WaitingBefore(&began);
            let Some(o) =
                crate::worker::claim_and_drive(engine.store, &config, which, engine.cancel.clone())
                    .await?
            else {
                break;
            };
            let outcome = match (o.end, &o.error) {
                (Some(f), _) => outcome_word(f).to_string(),
                (None, e) => format!("error: {}", e.as_deref().unwrap_or_default()),
            };
            retried.push(json!({"id": o.process_id, "workflow": o.workflow, "outcome": outcome}));
        }
        let skipped = waiting.saturating_sub(retried.len());
        Ok(json!({"retried": retried, "skipped": skipped}))
    })
}
