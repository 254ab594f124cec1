//! Engine tests of groups without the CLI: a real SQLite file, real `sh` steps. Each
//! drives a process with branches, stops it somewhere (a failure, a dropped drive as a
//! crash would leave it, a paused engine), drives it again and compares the log.

use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;

use super::runner::{Final, Quiet};
use super::tests::Bench;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::testing::both;

/// (path, status, attempt) of every row of the log.
fn log(b: &Bench, id: &str) -> Vec<(String, StepStatus, i64)> {
    b.steps(id)
        .into_iter()
        .map(|s| (s.path(), s.status, s.attempt))
        .collect()
}

/// How often each step path ran, from `ran.txt` (each step appends its path).
fn ran(b: &Bench) -> std::collections::BTreeMap<String, usize> {
    let text = std::fs::read_to_string(b.dir.path().join("ran.txt")).unwrap_or_default();
    let mut out = std::collections::BTreeMap::new();
    for l in text.lines() {
        *out.entry(l.to_string()).or_default() += 1;
    }
    out
}

fn foreach(steps_body: &str) -> String {
    format!(
        r#"
name = "t"
target = "system"
[[step]]
name = "Seed"
builtin = "set"
with = {{ values = {{ items = ["a", "b", "c"] }} }}
[[step]]
name = "Each"
foreach = "state.items"
steps = [ {steps_body} ]
"#
    )
}

fn a_failed_branch_runs_again_alone_from_its_failed_step() {
    let mut b = Bench::new();
    // Each step records `<step>-<item>` and fails while `broken-<item>` exists.
    let step = |name: &str| {
        format!(
            r#"{{ name = "{name}", run = "ITEM=$(sed -n 's/.*\"item\":\"\\([a-z]*\\)\".*/\\1/p'); echo \"$ORCH_STEP-$ITEM\" >> ran.txt; test ! -f \"broken-$ITEM\"" }}"#
        )
    };
    let def = Bench::workflow(&foreach(&format!("{}, {}", step("One"), step("Two"))));
    std::fs::write(b.dir.path().join("broken-b"), "").unwrap();
    let id = b.start(&def, None, json!({}));
    assert_eq!(b.drive(&id, &def), Final::Failed);
    let first = log(&b, &id);
    assert!(first.contains(&("Each [1] / One".into(), StepStatus::Failed, 1)));
    assert!(first.contains(&("Each [2] / Two".into(), StepStatus::Success, 1)));
    assert!(!first.iter().any(|r| r.0 == "Each [1] / Two"));
    assert_eq!(b.process(&id).status, ProcessStatus::Failed);
    // The process state is the state at the fork: the branches' steps are not in it.
    assert_eq!(b.process(&id).state, json!({"items": ["a", "b", "c"]}));

    std::fs::remove_file(b.dir.path().join("broken-b")).unwrap();
    assert_eq!(b.drive(&id, &def), Final::Completed);
    let second = log(&b, &id);
    // What ran the second time: only branch [1], from its failed step, then the join.
    let new: Vec<_> = second[first.len()..].to_vec();
    assert_eq!(
        new,
        [
            ("Each [1] / One".into(), StepStatus::Success, 2),
            ("Each [1] / Two".into(), StepStatus::Success, 1),
            ("Each".into(), StepStatus::Success, 2),
            ("Done".into(), StepStatus::Complete, 1),
        ]
    );
    let counts = ran(&b);
    assert_eq!(counts["One-b"], 2);
    for k in ["One-a", "One-c", "Two-a", "Two-b", "Two-c"] {
        assert_eq!(counts[k], 1, "{k}: {counts:?}");
    }
}

fn a_foreach_inside_a_parallel_branch_joins_into_its_branch_then_the_process() {
    let mut b = Bench::new();
    let def = Bench::workflow(
        r#"
name = "t"
target = "system"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { devices = ["r1", "r2"] } }
[[step]]
name = "Both"
[[step.parallel]]
name = "A side"
steps = [ { name = "Mark", builtin = "set", with = { values = { a = "done" } } } ]
[[step.parallel]]
name = "B side"
steps = [ { name = "Every device", foreach = "state.devices", as = "device", collect = "pushed",
            steps = [ { name = "Push", builtin = "set", with = { values = { to = "{{ state.device }}" } } } ] },
          { name = "Count", builtin = "render", with = { key = "count", template = "{{ state.pushed | length }}" } } ]
"#,
    );
    let id = b.start(&def, None, json!({}));
    assert_eq!(b.drive(&id, &def), Final::Completed);
    let p = b.process(&id);
    assert_eq!(p.state["a"], "done");
    assert_eq!(p.state["pushed"], json!([{"to": "r1"}, {"to": "r2"}]));
    assert_eq!(p.state["count"], "2");
    let paths: Vec<String> = log(&b, &id).into_iter().map(|r| r.0).collect();
    for path in [
        "Both / A side / Mark",
        "Both / B side / Every device [0] / Push",
        "Both / B side / Every device [1] / Push",
        "Both / B side / Every device",
        "Both / B side / Count",
        "Both",
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} not in {paths:?}");
    }
}

/// A crash drops the drive without a commit: on the next drive only the branch steps
/// that were in flight run again.
fn after_a_dropped_drive_only_the_branch_steps_in_flight_run_again() {
    let mut b = Bench::new();
    let step = |name: &str, wait: &str| {
        format!(
            r#"{{ name = "{name}", run = "ITEM=$(sed -n 's/.*\"item\":\"\\([a-z]*\\)\".*/\\1/p'); echo \"$ORCH_STEP-$ITEM\" >> ran.txt; {wait}" }}"#
        )
    };
    let def = Bench::workflow(&foreach(&format!(
        "{}, {}",
        step("Quick", "true"),
        step("Slow", "while [ ! -f go ]; do sleep 0.02; done")
    )));
    let id = b.start(&def, None, json!({}));
    {
        let mut quiet = Quiet;
        let (_keep, cancel) = watch::channel(false);
        let engine = b.engine(&mut quiet, cancel);
        let dir = b.dir.path().to_path_buf();
        let crashed = b.t.run(async {
            let drive = engine.drive(&id, &def, Default::default());
            let slow_started = async {
                loop {
                    let text = std::fs::read_to_string(dir.join("ran.txt")).unwrap_or_default();
                    if text.matches("Slow-").count() == 3 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            };
            tokio::select! {
                _ = drive => false,
                _ = slow_started => true,
            }
        });
        assert!(crashed, "the drive ended before the slow steps ran");
    }
    let before = log(&b, &id);
    assert_eq!(
        before.iter().filter(|r| r.0.ends_with("/ Quick")).count(),
        3,
        "{before:?}"
    );
    assert!(
        !before.iter().any(|r| r.0.ends_with("/ Slow")),
        "{before:?}"
    );
    std::fs::write(b.dir.path().join("go"), "").unwrap();
    assert_eq!(b.drive(&id, &def), Final::Completed);
    let counts = ran(&b);
    for item in ["a", "b", "c"] {
        assert_eq!(counts[&format!("Quick-{item}")], 1, "{counts:?}");
        assert_eq!(counts[&format!("Slow-{item}")], 2, "{counts:?}");
    }
}

/// Pausing the engine mid-group lets the steps in flight finish and starts no other:
/// the process rests `waiting`, and goes on from there once the engine runs again.
fn a_pause_mid_group_rests_the_process_between_branch_steps() {
    let mut b = Bench::new();
    let def = Bench::workflow(
        r#"
name = "t"
target = "system"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { items = ["a", "b", "c"] } }
[[step]]
name = "Each"
foreach = "state.items"
max_parallel = 1
steps = [ { name = "Work", run = "cat >/dev/null; echo $ORCH_STEP >> ran.txt; while [ ! -f go ]; do sleep 0.02; done" } ]
"#,
    );
    let id = b.start(&def, None, json!({}));
    let dir = b.dir.path().to_path_buf();
    let outcome = {
        let mut quiet = Quiet;
        let (_keep, cancel) = watch::channel(false);
        let engine = b.engine(&mut quiet, cancel);
        let store = &b.t.store;
        b.t.run(async {
            let drive = engine.drive(&id, &def, Default::default());
            let pause = async {
                while !dir.join("ran.txt").exists() {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                store.set_paused(Some("test")).await.unwrap();
                std::fs::write(dir.join("go"), "").unwrap();
            };
            let (outcome, ()) = tokio::join!(drive, pause);
            outcome.unwrap()
        })
    };
    assert_eq!(outcome, Final::Waiting);
    let p = b.process(&id);
    assert_eq!(p.status, ProcessStatus::Waiting);
    assert_eq!(p.failed_reason.as_deref(), Some(crate::store::PAUSED));
    assert_eq!(ran(&b)["Work"], 1, "no other branch started");
    b.t.run(b.t.store.set_paused(None)).unwrap();
    assert_eq!(b.drive(&id, &def), Final::Completed);
    assert_eq!(ran(&b)["Work"], 3);
    let works: Vec<_> = log(&b, &id)
        .into_iter()
        .filter(|r| r.0.ends_with("/ Work"))
        .collect();
    assert_eq!(works.len(), 3, "{works:?}");
}

fn an_empty_foreach_joins_at_once_and_a_list_that_is_not_one_fails_the_group() {
    let mut b = Bench::new();
    let def = Bench::workflow(
        r#"
name = "t"
target = "system"
[[step]]
name = "Each"
foreach = "state.items"
collect = "out"
steps = [ { name = "Work", builtin = "noop" } ]
"#,
    );
    let id = b.start(&def, None, json!({"items": []}));
    assert_eq!(b.drive(&id, &def), Final::Completed);
    assert_eq!(b.process(&id).state["out"], json!([]));
    let id = b.start(&def, None, json!({"items": "r1"}));
    assert_eq!(b.drive(&id, &def), Final::Failed);
    let reason = b.process(&id).failed_reason.unwrap_or_default();
    assert!(reason.contains("gives a string, not a list"), "{reason}");
}

both!(
    a_failed_branch_runs_again_alone_from_its_failed_step,
    a_foreach_inside_a_parallel_branch_joins_into_its_branch_then_the_process,
    after_a_dropped_drive_only_the_branch_steps_in_flight_run_again,
    a_pause_mid_group_rests_the_process_between_branch_steps,
    an_empty_foreach_joins_at_once_and_a_list_that_is_not_one_fails_the_group,
);
