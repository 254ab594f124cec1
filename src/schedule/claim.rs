//! Claiming a due run: read the schedule row, decide whether the run is due, then move
//! the row on with a conditional update that also creates the process that runs it. Two schedulers on one database never both run the same due run, and a
//! scheduler that dies after the claim leaves a process that `process retry` takes over.

use jiff::Timestamp;

use super::Spec;
use crate::domain::workflow::WorkflowDef;
use crate::engine::owner;
use crate::error::Result;
use crate::store::processes::NewProcess;
use crate::store::{Store, schedules};

/// A scheduled task as the scheduler sees it.
pub struct Scheduled<'a> {
    pub def: &'a WorkflowDef,
    /// Where the definition came from (a file, or `built-in`).
    pub source: &'a str,
    pub spec: &'a Spec,
    /// The first state of the run: its form answered with the defaults.
    pub state: &'a serde_json::Value,
}

/// Whether the run of the task `name` is due at `now` (the claim checks it again).
pub async fn is_due(store: &Store, name: &str, spec: &Spec, now: Timestamp) -> Result<bool> {
    let seen = store.schedule(name).await?.and_then(|r| r.last_run_at);
    Ok(spec
        .next_due(super::last_run(seen.as_deref(), now))
        .is_due(now))
}

/// Claims the run of `task` if it is due at `now`; returns the id of the process that
/// runs it (created with this orch as its owner) when this caller won the run.
pub async fn claim_due(
    store: &Store,
    task: &Scheduled<'_>,
    now: Timestamp,
    user: &str,
    lease: std::time::Duration,
) -> Result<Option<String>> {
    let name = task.def.name.as_str();
    let seen = store.schedule(name).await?.and_then(|r| r.last_run_at);
    let last = super::last_run(seen.as_deref(), now);
    if !task.spec.next_due(last).is_due(now) {
        return Ok(None);
    }
    let slot = task.spec.run_slot(last, now);
    let next = task
        .spec
        .next_due(Some(slot))
        .at(now)
        .map(crate::clock::format);
    let id = crate::clock::new_id();
    // The claim is a compare-and-set on the `last_run_at` read above: of several
    // schedulers that saw this run due, one wins, and it creates the process in the
    // same transaction.
    let won = store
        .claim_schedule(
            &schedules::Claimed {
                workflow: name,
                seen_last_run_at: seen.as_deref(),
                last_run_at: &crate::clock::format(slot),
                next_run_at: next.as_deref(),
                process_id: &id,
                claimed_by: owner::me(),
            },
            &NewProcess {
                process_id: &id,
                def: task.def,
                source: Some(task.source),
                subscription_id: None,
                customer_id: None,
                created_by: user,
                state: task.state,
                owner: Some(owner::me()),
                lease,
                parent: None,
            },
        )
        .await?;
    Ok(won.then_some(id))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::testing::{TestStore, both};

    /// Any task will do; a built-in's definition is at hand.
    fn task_def() -> WorkflowDef {
        crate::tasks::builtin::definition(&crate::tasks::builtin::TASKS[0])
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// Runs a fake clock from `from` in `tick` steps for `span`, claiming at each tick;
    /// returns the times at which a run was claimed.
    fn simulate(
        t: &TestStore,
        store: &Store,
        spec: &Spec,
        from: &str,
        span: u64,
        tick: u64,
    ) -> Vec<Timestamp> {
        let def = task_def();
        let task = Scheduled {
            def: &def,
            source: "built-in",
            spec,
            state: &serde_json::json!({}),
        };
        let start = at(from);
        let mut runs = Vec::new();
        for s in (0..span).step_by(tick as usize) {
            let now = start.checked_add(Duration::from_secs(s)).unwrap();
            if t.run(claim_due(
                store,
                &task,
                now,
                "tester",
                std::time::Duration::from_secs(15),
            ))
            .unwrap()
            .is_some()
            {
                runs.push(now);
            }
        }
        runs
    }

    fn db() -> (tempfile::TempDir, TestStore) {
        let dir = tempfile::tempdir().unwrap();
        let t = TestStore::new(dir.path());
        (dir, t)
    }

    fn every_minute_runs_once_per_minute_across_an_hour() {
        let (_dir, t) = db();
        let s = &t.store;
        let spec = Spec::Every(Duration::from_secs(60));
        // Ticks of 7s do not divide a minute: runs land on the first tick of each minute.
        let runs = simulate(&t, s, &spec, "2024-01-01T00:00:00Z", 3600, 7);
        assert_eq!(runs.len(), 60, "{runs:?}");
        for (i, r) in runs.iter().enumerate() {
            let minute = r.duration_since(at("2024-01-01T00:00:00Z")).as_secs() / 60;
            assert_eq!(minute, i as i64, "run {i} at {r}");
        }
        let filter = crate::store::processes::Filter {
            workflow: Some(task_def().name),
            limit: 1000,
            ..Default::default()
        };
        let processes = t.run(s.processes(&filter)).unwrap();
        assert_eq!(processes.len(), 60);
    }

    fn cron_every_five_minutes_across_an_hour() {
        let (_dir, t) = db();
        let s = &t.store;
        let spec = Spec::from_def(&crate::domain::workflow::ScheduleDef {
            cron: Some("*/5 * * * *".into()),
            every: None,
            timezone: None,
        })
        .unwrap();
        // Never ran: due at once (00:02), then 00:05, 00:10, … 00:55.
        let runs = simulate(&t, s, &spec, "2024-01-01T00:02:00Z", 3600 - 120, 10);
        assert_eq!(runs.len(), 1 + 11, "{runs:?}");
        assert_eq!(runs[1], at("2024-01-01T00:05:00Z"));
    }

    fn a_missed_schedule_runs_once_when_the_scheduler_returns() {
        let (_dir, t) = db();
        let s = &t.store;
        let spec = Spec::Every(Duration::from_secs(60));
        assert_eq!(
            simulate(&t, s, &spec, "2024-01-01T00:00:00Z", 1, 1).len(),
            1
        );
        // Five hours later, ticking for 30s: one run, not three hundred.
        assert_eq!(
            simulate(&t, s, &spec, "2024-01-01T05:00:00Z", 30, 1).len(),
            1
        );
    }

    fn a_last_run_in_the_future_does_not_stall_the_schedule() {
        let (_dir, t) = db();
        let s = &t.store;
        let spec = Spec::Every(Duration::from_secs(3600));
        assert_eq!(
            simulate(&t, s, &spec, "2030-01-01T00:00:00Z", 1, 1).len(),
            1
        );
        // The clock was wrong then; now it is years earlier.
        assert_eq!(
            simulate(&t, s, &spec, "2024-01-01T00:00:00Z", 60, 1).len(),
            1
        );
    }

    fn a_run_is_claimed_once_by_two_connections() {
        let (_dir, t) = db();
        let s = &t.store;
        let other = t.another();
        let spec = Spec::Every(Duration::from_secs(60));
        let now = "2024-01-01T00:00:00Z";
        let a = simulate(&t, s, &spec, now, 1, 1);
        let b = simulate(&t, &other, &spec, now, 1, 1);
        assert_eq!(a.len() + b.len(), 1);
    }

    both!(
        every_minute_runs_once_per_minute_across_an_hour,
        cron_every_five_minutes_across_an_hour,
        a_missed_schedule_runs_once_when_the_scheduler_returns,
        a_last_run_in_the_future_does_not_stall_the_schedule,
        a_run_is_claimed_once_by_two_connections,
    );
}
