//! `validate_subscriptions`: starts every validate workflow on every in-sync
//! subscription of its products where it is usable now, one after the other, and
//! reports how each ended. A subscription that is locked or unusable is counted as
//! skipped with the reason, never forced.

use serde_json::{Value, json};

use super::builtin::{BuiltinTask, TaskFuture};
use super::{TaskEnv, outcome_word};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::workflow::Target;
use crate::engine::runner::{Engine, Final};
use crate::engine::start::{self, NewRun};
use crate::engine::subscription as engine_subscription;
use crate::store::subscriptions::Filter;

pub const TASK: BuiltinTask = BuiltinTask {
    name: "validate_subscriptions",
    description: "Run every validate workflow on every in-sync subscription where it is usable",
    step: "Validate subscriptions",
    run,
};

fn run<'a>(engine: &'a mut Engine<'_>, env: &'a TaskEnv<'_>) -> TaskFuture<'a> {
    Box::pin(async move {
        let (defs, problems) = env.project.workflows()?;
        for d in &problems {
            (env.log)(&format!("skipping a broken workflow file: {d}"));
        }
        let mut results: Vec<Value> = Vec::new();
        let mut skipped: Vec<Value> = Vec::new();
        let (mut passed, mut failed) = (0, 0);
        for (def, source) in defs.iter().filter(|(d, _)| d.target == Target::Validate) {
            for tag in &def.products {
                let filter = Filter {
                    status: Lifecycle::ALL.into_iter().filter(|l| l.is_live()).collect(),
                    product: Some(tag.clone()),
                    insync: Some(true),
                    limit: i64::MAX,
                    ..Default::default()
                };
                let mut found = engine.store.subscriptions(&filter).await?;
                found.reverse();
                for s in found.iter().filter(|s| s.product_tag == *tag) {
                    if *engine.cancel.borrow() {
                        return Ok(report(passed, failed, results, skipped, true));
                    }
                    let sid = s.subscription_id.as_str();
                    if let Err(e) = engine_subscription::usable(engine.store, def, s, None).await {
                        skipped.push(json!({"subscription_id": sid, "workflow": def.name, "reason": e.message}));
                        continue;
                    }
                    let user = engine.user.clone();
                    let created = start::create(
                        engine.store,
                        &NewRun {
                            def,
                            source: Some(source),
                            subscription_id: Some(sid),
                            customer_id: None,
                            user: &user,
                            state: &json!({}),
                            owner: Some(crate::engine::owner::me()),
                            lease: engine.lease,
                            parent: None,
                        },
                    )
                    .await;
                    let id = match created {
                        Ok(id) => id,
                        // Taken by another orch since the check: not ours to run.
                        Err(e) => {
                            skipped.push(json!({"subscription_id": sid, "workflow": def.name, "reason": e.message}));
                            continue;
                        }
                    };
                    (env.log)(&format!(
                        "validating {sid} ({}) with {}",
                        s.description, def.name
                    ));
                    let outcome = match engine.drive(&id, def, Default::default()).await {
                        Ok(f) => f,
                        Err(e) => {
                            (env.log)(&format!("process {id}: {}", e.message));
                            Final::Failed
                        }
                    };
                    if outcome == Final::Completed {
                        passed += 1;
                    } else {
                        failed += 1;
                    }
                    (env.log)(&format!("process {id}: {}", outcome_word(outcome)));
                    results.push(json!({
                        "subscription_id": sid, "workflow": def.name, "process_id": id,
                        "outcome": outcome_word(outcome),
                    }));
                }
            }
        }
        Ok(report(passed, failed, results, skipped, false))
    })
}

fn report(passed: i64, failed: i64, runs: Vec<Value>, skipped: Vec<Value>, stopped: bool) -> Value {
    json!({
        "validated": passed,
        "failed": failed,
        "skipped": skipped,
        "runs": runs,
        "stopped_early": stopped,
    })
}
