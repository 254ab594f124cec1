//! The seam's promises under concurrency, on both stores: two orchs taking one
//! subscription, two workers claiming from one queue, a follower's page of events.
//! On SQLite one writer at a time keeps them; on PostgreSQL row locks, conditional
//! updates and `SKIP LOCKED` must, with the connections really interleaved.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::Lock;
use super::events::Filter as EventFilter;
use super::processes::{NewProcess, StepCommit, StepRow};
use super::products::ProductChange;
use super::subscriptions::{Change, Subscription};
use super::workers::Runnable;
use crate::definition::Source;
use crate::domain::lifecycle::Lifecycle;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::subscription::Flat;
use crate::domain::workflow::WorkflowDef;
use crate::testing::{TestStore, both};

const NODE: &str = r#"
name = "Node"
type = "Node"
tag = "NODE"
status = "active"
root = { key = "node", block = "NodeBlock" }
[blocks.NodeBlock]
fields.name = { type = "string" }
"#;

fn workflow(text: &str) -> WorkflowDef {
    crate::definition::workflow::parse(&Source::new("w.toml", text.to_string()))
        .unwrap_or_else(|d| panic!("{d:?}"))
}

fn new_process<'a>(
    id: &'a str,
    def: &'a WorkflowDef,
    subscription: Option<&'a str>,
) -> NewProcess<'a> {
    static EMPTY: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    NewProcess {
        process_id: id,
        def,
        source: None,
        subscription_id: subscription,
        customer_id: Some("acme"),
        created_by: "test",
        state: EMPTY.get_or_init(|| json!({})),
        owner: None,
        lease: Duration::from_secs(15),
        parent: None,
    }
}

/// The orch that writes the steps of the processes these tests commit.
const OWNER: &str = "test-host/1/0";

/// [`new_process`], held by [`OWNER`] (as the engine holds what it runs), so that its
/// step commits pass the store's fencing.
fn owned_process<'a>(
    id: &'a str,
    def: &'a WorkflowDef,
    subscription: Option<&'a str>,
) -> NewProcess<'a> {
    NewProcess {
        owner: Some(OWNER),
        ..new_process(id, def, subscription)
    }
}

/// The commit of step `a` of process `id` by [`OWNER`], finished now with `step`
/// status, leaving the process `status`; callers change what their test is about.
fn step_commit(id: &str, step: StepStatus, status: ProcessStatus) -> StepCommit {
    let now = crate::clock::now_text();
    StepCommit {
        process_id: id.to_string(),
        owner: OWNER.into(),
        subscription_id: None,
        step: StepRow {
            step_id: 0,
            name: "a".into(),
            status: step,
            attempt: 1,
            started_at: now.clone(),
            finished_at: now,
            error: None,
            output: None,
            created_by: "test".into(),
            branch: None,
            state_patch: json!({}),
        },
        state: None,
        status,
        failed_reason: None,
        took: Duration::ZERO,
        subscription: None,
        retry_in: None,
        rest: None,
        awaits_children: false,
        claimed_from: None,
        paused_rest: None,
    }
}

/// An active Node subscription, made by a completed create process; returns its id.
fn active_node(t: &TestStore) -> String {
    let s = &t.store;
    let def = crate::definition::product::parse(&Source::new("p.toml", NODE.to_string()))
        .unwrap_or_else(|d| panic!("{d:?}"));
    t.run(s.apply_products(&[ProductChange::Put {
        def: &def,
        source: None,
    }]))
    .unwrap();
    let product = t.run(s.product_by_name("Node")).unwrap().unwrap();
    let create = workflow(
        "name = \"create\"\ntarget = \"create\"\nproducts = [\"NODE\"]\n[[step]]\nname = \"a\"\nbuiltin = \"noop\"\n",
    );
    let pid = crate::clock::new_id();
    let sid = crate::clock::new_id();
    assert!(matches!(
        t.run(s.create_process(&owned_process(&pid, &create, None), None))
            .unwrap(),
        Lock::Taken
    ));
    let now = crate::clock::now_text();
    let sub = Subscription {
        subscription_id: sid.clone(),
        product_id: product.product_id,
        product_name: "Node".into(),
        product_tag: "NODE".into(),
        product_type: "Node".into(),
        root_key: "node".into(),
        customer_id: "acme".into(),
        description: "Node r1".into(),
        status: Lifecycle::Active,
        insync: true,
        start_date: None,
        end_date: None,
        note: None,
        tree: json!({"name": "r1"}),
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let done = t.run(s.commit_step(StepCommit {
        subscription_id: Some(sid.clone()),
        state: Some(Arc::new(json!({}))),
        subscription: Some(Box::new(Change {
            new: sub,
            old: None,
            flat: Flat::default(),
        })),
        ..step_commit(&pid, StepStatus::Success, ProcessStatus::Completed)
    }));
    assert_eq!(done.unwrap().status, ProcessStatus::Completed);
    sid
}

/// Two orchs start a workflow on one subscription at the same moment: one takes it,
/// the other is refused (it is locked by the first), and only one process exists.
fn two_orchs_racing_for_one_subscription_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestStore::new(dir.path());
    let other = t.another();
    let modify = workflow(
        "name = \"modify\"\ntarget = \"modify\"\nproducts = [\"NODE\"]\n[[step]]\nname = \"a\"\nbuiltin = \"noop\"\n",
    );
    for _ in 0..5 {
        let sid = active_node(&t);
        let (a, b) = (crate::clock::new_id(), crate::clock::new_id());
        let (pa, pb) = (
            new_process(&a, &modify, Some(&sid)),
            new_process(&b, &modify, Some(&sid)),
        );
        let (first, second) = t.run(async {
            tokio::join!(
                t.store.create_process(&pa, Some(&modify)),
                other.create_process(&pb, Some(&modify)),
            )
        });
        let outcomes = [first.unwrap(), second.unwrap()];
        let taken = outcomes.iter().filter(|o| matches!(o, Lock::Taken)).count();
        assert_eq!(taken, 1, "{outcomes:?}");
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Lock::Refused(r) if r.reason.contains("locked by process"))),
            "{outcomes:?}"
        );
        let loser = if matches!(outcomes[0], Lock::Taken) {
            &b
        } else {
            &a
        };
        assert!(t.run(t.store.process(loser)).unwrap().is_none());
        let held = t.run(t.store.subscription(&sid)).unwrap().unwrap();
        assert!(!held.insync, "the winner holds it out of sync");
    }
}

/// Two workers claim from one queue at once: every queued process goes to exactly one
/// of them.
fn two_workers_never_claim_one_process_twice() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestStore::new(dir.path());
    let other = t.another();
    let task =
        workflow("name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"a\"\nbuiltin = \"noop\"\n");
    let ids: Vec<String> = (0..20).map(|_| crate::clock::new_id()).collect();
    for id in &ids {
        t.run(t.store.create_process(&new_process(id, &task, None), None))
            .unwrap();
    }
    let lease = Duration::from_secs(15);
    let mut claimed: Vec<String> = Vec::new();
    for _ in 0..10 {
        let (a, b) = t.run(async {
            tokio::join!(
                t.store.claim_runnable("host/1/1", lease, 3, Runnable::Any),
                other.claim_runnable("host/2/2", lease, 3, Runnable::Any),
            )
        });
        let (a, b) = (a.unwrap(), b.unwrap());
        for c in a.iter().chain(&b) {
            assert_eq!(c.process.status, ProcessStatus::Created);
            claimed.push(c.process.process_id.clone());
        }
    }
    let unique: HashSet<&String> = claimed.iter().collect();
    assert_eq!(unique.len(), claimed.len(), "a process was claimed twice");
    assert_eq!(unique.len(), ids.len(), "a queued process was left behind");
    for id in &ids {
        let p = t.run(t.store.process(id)).unwrap().unwrap();
        assert_eq!(p.status, ProcessStatus::Running);
        assert!(p.owner.is_some() && p.lease_until.is_some(), "{p:?}");
    }
}

/// A worker never takes over a process it runs itself, even when the process's lease
/// ran out (its heartbeat was late): only another orch may, so one process never runs
/// twice in one worker.
fn a_worker_never_takes_over_its_own_process() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestStore::new(dir.path());
    let task =
        workflow("name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"a\"\nbuiltin = \"noop\"\n");
    let id = crate::clock::new_id();
    t.run(t.store.create_process(&new_process(&id, &task, None), None))
        .unwrap();
    let me = "host/1/1";
    let short = Duration::from_millis(1);
    let first = t
        .run(t.store.claim_runnable(me, short, 5, Runnable::Any))
        .unwrap();
    assert_eq!(first.len(), 1);
    std::thread::sleep(Duration::from_millis(20));
    let again = t
        .run(t.store.claim_runnable(me, short, 5, Runnable::Any))
        .unwrap();
    assert!(
        again.is_empty(),
        "took over its own process: {:?}",
        again.len()
    );
    let other = t
        .run(t.store.claim_runnable("host/2/2", short, 5, Runnable::Any))
        .unwrap();
    assert_eq!(other.len(), 1, "another worker takes over the lapsed lease");
    assert_eq!(other[0].taken_over_from.as_deref(), Some(me));
}

/// A page of events names how far the log was looked at, also when the filter left
/// every event out, and `--kind` globs match the same kinds on both stores.
fn a_page_of_events_says_how_far_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestStore::new(dir.path());
    let s = &t.store;
    active_node(&t);
    let all = t.run(s.events(&EventFilter::default())).unwrap();
    let last = all.last().unwrap().seq;
    let kinds = |globs: &[&str]| -> Vec<String> {
        let f = EventFilter {
            kinds: globs.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        };
        t.run(s.events(&f))
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect()
    };
    assert_eq!(kinds(&["subscription.*"]), ["subscription.created"]);
    assert_eq!(
        kinds(&["process.[cs]*"]),
        ["process.started", "process.completed"]
    );
    assert_eq!(
        kinds(&["*.?reated"]),
        ["product.created", "subscription.created"]
    );
    assert!(kinds(&["PROCESS.*"]).is_empty(), "globs are case sensitive");
    let none = EventFilter {
        kinds: vec!["nothing.*".into()],
        ..Default::default()
    };
    let page = t.run(s.events_page(&none)).unwrap();
    assert!(page.events.is_empty() && !page.more);
    assert_eq!(page.scanned_to, last);
    let two = EventFilter {
        limit: Some(2),
        ..Default::default()
    };
    let page = t.run(s.events_page(&two)).unwrap();
    assert_eq!(page.events.len(), 2);
    assert!(page.more);
    assert_eq!(page.scanned_to, page.events[1].seq);
}

/// A step's stderr may hold any byte; what orch made text of it commits on both
/// stores. PostgreSQL cannot keep NUL in text: it reads back as U+FFFD.
fn a_step_error_with_nul_commits() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestStore::new(dir.path());
    let task =
        workflow("name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"a\"\nbuiltin = \"noop\"\n");
    let id = crate::clock::new_id();
    t.run(
        t.store
            .create_process(&owned_process(&id, &task, None), None),
    )
    .unwrap();
    let said = "bad\0bytes \u{fffd} here";
    let commit = step_commit(&id, StepStatus::Failed, ProcessStatus::Failed);
    t.run(t.store.commit_step(StepCommit {
        step: StepRow {
            error: Some(said.into()),
            output: Some(said.into()),
            ..commit.step
        },
        failed_reason: Some(said.into()),
        ..commit
    }))
    .unwrap();
    let kept = match t.store.kind() {
        "postgresql" => said.replace('\0', "\u{fffd}"),
        _ => said.to_string(),
    };
    let steps = t.run(t.store.steps(&id)).unwrap();
    assert_eq!(steps[0].error.as_deref(), Some(kept.as_str()));
    assert_eq!(steps[0].output.as_deref(), Some(kept.as_str()));
    let p = t.run(t.store.process(&id)).unwrap().unwrap();
    assert_eq!(p.failed_reason.as_deref(), Some(kept.as_str()));
}

/// Group commit: a step that cannot commit (its process is not the committer's) fails
/// alone; the steps that finished with it in the same batch commit.
fn a_failing_step_in_a_group_commit_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestStore::new(dir.path());
    // PostgreSQL's committer is a task on the runtime that starts it.
    t.run(async { t.store.start_group_commit() }).unwrap();
    let task =
        workflow("name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"a\"\nbuiltin = \"noop\"\n");
    let ids: Vec<String> = (0..6).map(|_| crate::clock::new_id()).collect();
    for (i, id) in ids.iter().enumerate() {
        // The third process is nobody's: its commit must be refused.
        let p = if i == 2 {
            new_process(id, &task, None)
        } else {
            owned_process(id, &task, None)
        };
        t.run(t.store.create_process(&p, None)).unwrap();
    }
    let commit = |id: &String| {
        let c = step_commit(id, StepStatus::Success, ProcessStatus::Running);
        StepCommit {
            step: StepRow {
                state_patch: json!({"done": true}),
                ..c.step
            },
            ..c
        }
    };
    let results = t.run(futures_util::future::join_all(
        ids.iter().map(|id| t.store.commit_step(commit(id))),
    ));
    for (i, (id, r)) in ids.iter().zip(&results).enumerate() {
        let steps = t.run(t.store.steps(id)).unwrap();
        if i == 2 {
            assert!(
                matches!(r, Err(super::StoreError::NotOwner { .. })),
                "the stray commit: {:?}",
                r.as_ref().map(|c| c.status)
            );
            assert!(steps.is_empty(), "a refused step was written");
        } else {
            assert!(
                r.is_ok(),
                "commit {i} failed with the stray one: {:?}",
                r.as_ref().err()
            );
            assert_eq!(steps.len(), 1, "step of process {i}");
        }
    }
}

/// The events of one process, written between another's, are found in order, from a
/// point on and up to a limit; and still after its task run was cleaned up (SQLite
/// finds them by a chain through the process row, which the cleanup deletes).
fn the_events_of_a_process_outlive_its_cleaned_up_run() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestStore::new(dir.path());
    let s = &t.store;
    let task =
        workflow("name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"a\"\nbuiltin = \"noop\"\n");
    let (a, b) = (crate::clock::new_id(), crate::clock::new_id());
    for id in [&a, &b] {
        t.run(s.create_process(&owned_process(id, &task, None), None))
            .unwrap();
    }
    for status in [
        ProcessStatus::Running,
        ProcessStatus::Running,
        ProcessStatus::Completed,
    ] {
        for id in [&a, &b] {
            t.run(s.commit_step(step_commit(id, StepStatus::Success, status)))
                .unwrap();
        }
    }
    let of = |id: &str, since: i64, limit: Option<i64>| {
        let f = EventFilter {
            process_id: Some(id.to_string()),
            since,
            limit,
            ..Default::default()
        };
        t.run(s.events(&f)).unwrap()
    };
    let kinds = |events: &[super::events::Event]| -> Vec<String> {
        events.iter().map(|e| e.kind.clone()).collect()
    };
    let all = of(&a, 0, None);
    assert_eq!(
        kinds(&all),
        [
            "process.started",
            "step.finished",
            "step.finished",
            "step.finished",
            "process.completed"
        ]
    );
    assert!(
        all.iter()
            .all(|e| e.process_id.as_deref() == Some(a.as_str()))
    );
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq), "{all:?}");
    assert_eq!(of(&a, all[1].seq, None), all[2..]);
    assert_eq!(of(&a, 0, Some(2)), all[..2]);
    assert_eq!(t.run(s.steps(&a)).unwrap().len(), 3);
    assert_eq!(kinds(&of(&b, 0, None)), kinds(&all));

    let (runs, steps) = t.run(s.delete_task_runs("9999-01-01T00:00:00Z")).unwrap();
    assert_eq!((runs, steps), (2, 6));
    assert!(t.run(s.process(&a)).unwrap().is_none());
    assert_eq!(of(&a, 0, None), all, "the events of a cleaned-up run");
    assert!(of(&crate::clock::new_id(), 0, None).is_empty());
}

both!(
    the_events_of_a_process_outlive_its_cleaned_up_run,
    a_failing_step_in_a_group_commit_fails_alone,
    a_worker_never_takes_over_its_own_process,
    a_step_error_with_nul_commits,
    two_orchs_racing_for_one_subscription_one_wins,
    two_workers_never_claim_one_process_twice,
    a_page_of_events_says_how_far_it_looked,
);

/// The words [`super::naming_the_database`] looks for are how a refused write, a full
/// disk and a busy database are said.
#[test]
fn a_refused_write_begins_as_naming_the_database_expects() {
    let e = crate::error::Error::from(super::StoreError::ReadOnly("attempt to write".into()));
    let named = super::naming_the_database(e, "/srv/orch.db");
    assert_eq!(named.causes, ["the database is /srv/orch.db"]);
    // Said once: an error that names the file already is left as it is.
    let again = super::naming_the_database(named, "/srv/orch.db");
    assert_eq!(again.causes.len(), 1);
    let e = crate::error::Error::from(super::StoreError::DiskFull("disk is full".into()));
    let named = super::naming_the_database(e, "/srv/orch.db");
    assert_eq!(named.causes, ["the database is /srv/orch.db"]);
    let e = crate::error::Error::from(super::StoreError::Busy("database is locked".into()));
    let named = super::naming_the_database(e, "/srv/orch.db");
    assert_eq!(named.causes, ["the database is /srv/orch.db"]);
}
