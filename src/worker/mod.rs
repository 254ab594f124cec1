//! A worker: one OS process that runs many processes from the queue at once (DESIGN
//! §12).
//!
//! It claims what is runnable (queued processes, waiting ones whose time has come, and
//! running ones whose owner's lease ran out), up to its concurrency, and drives each
//! as a future of its own on one thread; `run` steps stay child processes with all the
//! engine's protections. Commits of processes that finish steps together are written
//! together (the store's group commit). A heartbeat renews its leases; a worker that
//! dies is taken over by another once they run out.
//!
//! Stopping (SIGTERM, Ctrl-C, or the end of `--once`): it claims nothing more, lets
//! each running step finish and commit (each process then rests, due at once, for the
//! next worker), and after the grace period stops the steps still running as Ctrl-C
//! does. Nothing is left running.

mod drive;
mod heartbeat;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::engine::lease::LeaseClock;
use crate::engine::owner;
use crate::error::Result;
use crate::project::Project;
use crate::store::Store;
use crate::store::workers::{EngineState, Runnable};

pub use drive::{Outcome, SECRETS_STEP, why_at_rest};

/// The longest wait between claims while the database is busy or out of reach.
const OUTAGE_POLL_MAX: Duration = Duration::from_secs(2);

/// How long a stopping worker waits for the database once its steps were stopped: the
/// processes it cut short write that they rest, and it writes that it stopped. A
/// database that answers takes milliseconds; one that does not (frozen, or cut off by
/// the network) would otherwise hold the stop for a timeout per write, one after the
/// other. What is left unwritten is taken over once its lease runs out.
const LAST_WORD: Duration = Duration::from_secs(5);

/// How a worker runs, flags resolved.
#[derive(Debug, Clone)]
pub struct Options {
    /// The most processes it runs at once.
    pub concurrency: usize,
    /// Drain what is runnable, then stop.
    pub once: bool,
    /// How long its lease on a process lasts; renewed at a third of that.
    pub lease: Duration,
    /// How long running steps get to finish when it stops.
    pub grace: Duration,
    /// Turns true to end the grace at once (a second Ctrl-C or SIGTERM): the steps
    /// still running are stopped as when the grace runs out.
    pub hurry: Option<watch::Receiver<bool>>,
    /// How often it looks for new work when idle.
    pub poll: Duration,
}

/// What the engines of a worker need besides the store.
pub struct Config<'a> {
    pub project: &'a Project,
    /// Where steps reach the store (`ORCH_DB`).
    pub db: crate::engine::runner::StepDb,
    pub user: String,
    pub step_timeout: Option<Duration>,
    /// Between SIGTERM and SIGKILL of a stopped step.
    pub kill_grace: Duration,
    /// One line per event of note (a process picked up, finished, taken over).
    pub log: &'a (dyn Fn(&str) + Sync),
    /// Also a line per step.
    pub verbose: bool,
    /// The lease of what its engines create (the worker's own `--lease`).
    pub lease: Duration,
    /// What a `workflow` step does with its children: a worker queues them (a parent
    /// waiting for them must not hold a slot); the scheduler and `resume_waiting`, which
    /// may be the only orch there is, drive them.
    pub children: crate::engine::runner::Children,
    /// Where callback answers are posted from outside (`[serve] public_url`).
    pub callback_url: Option<String>,
    /// Secrets handed over in memory by the server that queued the processes (`orch
    /// serve`); they win over the environment's `ORCH_SECRET_<NAME>`.
    pub vault: Option<&'a Vault>,
}

/// Secrets of queued processes, kept in memory only, by process id: `orch serve` puts
/// the secrets a request gave here and its worker takes them when it runs the process.
/// They stay until the process completes or is aborted (a later retry or resume needs
/// them again), and are gone when the server stops, as secrets should be.
#[derive(Default)]
pub struct Vault(std::sync::Mutex<std::collections::HashMap<String, Map<String, Value>>>);

impl Vault {
    fn map(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Map<String, Value>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds secrets for a process (over those it had).
    pub fn put(&self, process_id: &str, secrets: Map<String, Value>) {
        if !secrets.is_empty() {
            self.map()
                .entry(process_id.to_string())
                .or_default()
                .extend(secrets);
        }
    }

    pub fn get(&self, process_id: &str) -> Map<String, Value> {
        self.map().get(process_id).cloned().unwrap_or_default()
    }

    pub fn forget(&self, process_id: &str) {
        self.map().remove(process_id);
    }
}

/// What a worker did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// With `--once`: the processes it drove, with how each drive ended. A worker that
    /// runs on (`orch worker`, the server's) keeps none, only [`Report::runs`]: over
    /// weeks, a list of every drive would grow without end.
    pub ran: Vec<Outcome>,
    /// How many drives ended (or were left by a stop).
    pub runs: usize,
    /// How many drives stopped on an error (`end` is None).
    pub errors: usize,
    /// How many processes its stop left `running`, for a takeover, because the
    /// database did not answer.
    pub left_running: usize,
    /// Whether `ran` lists the drives (`--once`).
    keep: bool,
}

impl Report {
    /// The report of a worker that lists its drives (`--once`) or only counts them.
    fn new(keep: bool) -> Report {
        Report {
            keep,
            ..Report::default()
        }
    }

    fn ended(&mut self, in_flight: &mut BTreeMap<String, String>, outcome: Outcome) {
        in_flight.remove(&outcome.process_id);
        self.record(outcome);
    }

    fn record(&mut self, outcome: Outcome) {
        self.runs += 1;
        self.errors += usize::from(outcome.end.is_none());
        self.left_running += usize::from(outcome.left_running);
        if self.keep {
            self.ran.push(outcome);
        }
    }

    /// Counts the processes a stop left where they were, each as a drive that ended in
    /// an error, and says so.
    fn left(&mut self, in_flight: &BTreeMap<String, String>, log: &(dyn Fn(&str) + Sync)) {
        for (id, workflow) in in_flight {
            let error = format!(
                "left running: the database did not answer within {} of its step being stopped; another worker takes it over once its lease runs out",
                crate::domain::workflow::format_duration(LAST_WORD)
            );
            log(&format!("process {id} ({workflow}): {error}"));
            self.record(Outcome {
                process_id: id.clone(),
                workflow: workflow.clone(),
                end: None,
                error: Some(error),
                left_running: true,
            });
        }
    }
}

/// Runs the worker until `stop` turns true (or, with `once`, until nothing is left to
/// run), then drains as the module says.
pub async fn run(
    store: &Store,
    config: &Config<'_>,
    opts: &Options,
    mut stop: watch::Receiver<bool>,
) -> Result<Report> {
    let me = owner::me();
    store.start_group_commit()?;
    store
        .register_worker(me, opts.concurrency, opts.lease)
        .await?;
    let clock = LeaseClock::holding(opts.lease);
    let asked = crate::engine::abort_request::AbortRequests::default();
    let heartbeat = heartbeat::start(
        store.location().clone(),
        me,
        opts.lease,
        clock.clone(),
        asked.clone(),
    )
    .await?;
    (config.log)(&format!(
        "worker {} started: {} at once, lease {}, on {}",
        owner::describe(me),
        opts.concurrency,
        crate::domain::workflow::format_duration(opts.lease),
        store.location().describe()
    ));
    if let Ok(EngineState {
        paused_at: Some(at),
        ..
    }) = store.engine_state().await
    {
        (config.log)(&format!(
            "the engine is paused (since {at}): no process is claimed until `orch engine resume`"
        ));
    }
    let (drain_tx, drain) = watch::channel(false);
    let (cancel_tx, cancel) = watch::channel(false);
    let mut hurry = opts.hurry.clone();
    let mut running = FuturesUnordered::new();
    // The processes being driven, to name those a stop leaves behind.
    let mut in_flight = BTreeMap::new();
    let mut report = Report::new(opts.once);
    let mut stopping = false;
    let mut grace_over = tokio::time::Instant::now();
    let mut give_up = grace_over;
    let mut gave_up = false;
    // While the database does not answer: the wait before the next claim.
    let mut outage: Option<Duration> = None;
    // Whether the lease lapsed, said once per lapse.
    let mut lapsed_said = false;
    // The claim that failed and stopped the worker: its error is the worker's.
    let mut failed = None;
    loop {
        // A lease that lapsed (the database answered a renewal too slowly) is renewed
        // before anything is claimed: a process claimed meanwhile would find it lapsed,
        // rest at once and be claimed again, over and over.
        let lapsed = clock.lapsed();
        if lapsed && !lapsed_said && !stopping {
            (config.log)(
                "the lease lapsed (a renewal took too long): claiming again once it is renewed",
            );
        }
        lapsed_said = lapsed;
        if !stopping && !lapsed && running.len() < opts.concurrency {
            // The processes in flight go on while the claim waits for the store: a
            // claim may wait on a row one of them holds in an open transaction, which
            // only polling them lets them finish.
            let claim = store.claim_runnable(
                me,
                opts.lease,
                opts.concurrency - running.len(),
                Runnable::Any,
            );
            tokio::pin!(claim);
            let mut ended_meanwhile = false;
            let claimed = loop {
                tokio::select! {
                    biased;
                    claimed = &mut claim => break claimed,
                    Some(outcome) = running.next(), if !running.is_empty() => {
                        report.ended(&mut in_flight, outcome);
                        ended_meanwhile = true;
                    }
                    // A claim the database is slow to answer does not hold up a stop:
                    // abandoned, it rolls back (or, committed unseen, its processes are
                    // taken over when the lease runs out).
                    _ = stop.wait_for(|s| *s) => break Ok(Vec::new()),
                }
            };
            let claimed = match claimed {
                Ok(claimed) => {
                    if outage.take().is_some() {
                        (config.log)("the database answers again: claiming work");
                    }
                    claimed
                }
                // A database that is busy or out of reach for a while does not stop a
                // worker that runs on (`--once` stops, as any command would): it says
                // so once and tries again, less and less often.
                Err(e) if e.is_transient() && !opts.once => {
                    let wait = outage.get_or_insert_with(|| {
                        (config.log)(&format!(
                            "cannot claim work: {e}; trying again until the database answers"
                        ));
                        opts.poll
                    });
                    *wait = (*wait * 2).min(OUTAGE_POLL_MAX);
                    Vec::new()
                }
                // Any other failure to claim (any at all with `--once`) ends the worker
                // as a stop does: what it runs goes on to the end of its step and rests
                // for the next worker, instead of being cut off mid-step.
                Err(e) => {
                    (config.log)(&format!("cannot claim work: {e}; stopping"));
                    failed.get_or_insert(e);
                    Vec::new()
                }
            };
            // A process that ended while the claim read the queue may have made another
            // runnable (a parent its last child wakes) after the claim looked: only a
            // claim that saw nothing and overlapped nothing means there is no work.
            let idle = claimed.is_empty() && !ended_meanwhile && outage.is_none();
            for c in claimed {
                in_flight.insert(c.process.process_id.clone(), c.process.workflow.clone());
                running.push(drive::one(
                    store,
                    config,
                    c,
                    cancel.clone(),
                    drain.clone(),
                    Some(clock.clone()),
                    asked.watch(),
                ));
            }
            if opts.once && idle && running.is_empty() {
                break;
            }
            if failed.is_some() {
                stopping = true;
                let _ = drain_tx.send(true);
                grace_over = tokio::time::Instant::now() + opts.grace;
                heartbeat.draining(grace_over.into_std());
                if !running.is_empty() {
                    (config.log)(&format!(
                        "worker stopping: {} running, {} of grace",
                        running.len(),
                        crate::domain::workflow::format_duration(opts.grace)
                    ));
                }
            }
        }
        if stopping && running.is_empty() {
            break;
        }
        tokio::select! {
            Some(outcome) = running.next(), if !running.is_empty() => {
                report.ended(&mut in_flight, outcome);
            }
            // Looks for work again each poll, also while some runs: a slot that is
            // free takes a newly queued process without waiting for the others to end.
            _ = tokio::time::sleep(outage.unwrap_or(opts.poll)) => {}
            _ = stop.wait_for(|s| *s), if !stopping => {
                stopping = true;
                let _ = drain_tx.send(true);
                grace_over = tokio::time::Instant::now() + opts.grace;
                heartbeat.draining(grace_over.into_std());
                (config.log)(&format!(
                    "worker stopping: {} running, {} of grace",
                    running.len(),
                    crate::domain::workflow::format_duration(opts.grace)
                ));
            }
            _ = tokio::time::sleep_until(grace_over), if stopping && !*cancel.borrow() => {
                (config.log)("grace period over: stopping the steps still running");
                let _ = cancel_tx.send(true);
                give_up = tokio::time::Instant::now() + config.kill_grace + LAST_WORD;
            }
            Some(Ok(_)) = async {
                match hurry.as_mut() {
                    Some(h) => Some(h.wait_for(|h| *h).await.map(|_| ())),
                    None => None,
                }
            }, if stopping && !*cancel.borrow() => {
                (config.log)("asked again to stop: stopping the steps still running now");
                let _ = cancel_tx.send(true);
                give_up = tokio::time::Instant::now() + config.kill_grace + LAST_WORD;
            }
            _ = tokio::time::sleep_until(give_up), if *cancel.borrow() => {
                // Dropped, each drive stops its step's group; the processes stay
                // `running` under this worker's lease until it runs out.
                drop(running);
                report.left(&in_flight, config.log);
                gave_up = true;
                break;
            }
        }
    }
    heartbeat.stop();
    let stopped = if gave_up {
        Err("the database did not answer the processes' last writes".to_string())
    } else {
        match tokio::time::timeout(LAST_WORD, store.worker_stopped(me)).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "the database did not answer within {}",
                crate::domain::workflow::format_duration(LAST_WORD)
            )),
        }
    };
    if let Err(e) = stopped {
        // Nothing is lost: its row shows it gone once its lease has run out.
        (config.log)(&format!("could not record that the worker stopped: {e}"));
    }
    (config.log)(&format!(
        "worker {} stopped after {}",
        owner::describe(me),
        crate::ui::count(report.runs as i64, "run", "runs")
    ));
    if let Some(e) = failed {
        return Err(e.into());
    }
    Ok(report)
}

/// Claims one process of `which` kind, as a worker claims, and drives it; `None` when
/// there is none (or the engine is paused). The scheduler and `resume_waiting` retry
/// waiting processes through this, so every way a process is picked up claims alike.
pub async fn claim_and_drive(
    store: &Store,
    config: &Config<'_>,
    which: Runnable<'_>,
    cancel: watch::Receiver<bool>,
) -> Result<Option<Outcome>> {
    let Some(claimed) = store
        .claim_runnable(owner::me(), config.lease, 1, which)
        .await?
        .pop()
    else {
        return Ok(None);
    };
    let (_, drain) = watch::channel(false);
    let asked = crate::engine::abort_request::AbortRequests::default();
    let drive = drive::one(store, config, claimed, cancel, drain, None, asked.watch());
    // No heartbeat of its own here: the leases are renewed beside the drive.
    tokio::select! {
        outcome = drive => Ok(Some(outcome)),
        e = crate::engine::lease::keep(store, config.lease, &asked) => Err(e),
    }
}

/// The first Ctrl-C, SIGTERM or SIGHUP ([`crate::signals`]) stops a worker (`stop`: it claims nothing more and
/// gives its steps the grace), the second hurries it (`hurry`: the steps still running
/// are stopped now), as a user who presses Ctrl-C again means. `orch worker` and
/// `orch serve` (whose first signal also stops it taking requests) listen alike. To
/// be called within a runtime, which runs the listener until it is aborted.
pub fn stop_on_signals() -> (
    tokio::sync::watch::Receiver<bool>,
    tokio::sync::watch::Receiver<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let (hurry_tx, hurry) = tokio::sync::watch::channel(false);
    let signals = tokio::spawn(async move {
        // None can be listened to: the senders stay, so nothing stops.
        let Ok(mut stops) = crate::signals::Stops::listen() else {
            return std::future::pending::<()>().await;
        };
        for tx in [&stop_tx, &hurry_tx] {
            stops.next().await;
            let _ = tx.send(true);
        }
        // Both said: the receivers read true from here on, whatever else comes.
        std::future::pending::<()>().await
    });
    (stop, hurry, signals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(i: usize, end: Option<crate::engine::runner::Final>) -> Outcome {
        Outcome {
            process_id: format!("p{i}"),
            workflow: "t".into(),
            end,
            error: end.is_none().then(|| "the database went away".into()),
            left_running: false,
        }
    }

    /// A worker that runs on counts its drives and lists none of them; `--once` lists
    /// each.
    #[test]
    fn only_a_worker_run_once_lists_its_drives() {
        for keep in [false, true] {
            let mut report = Report::new(keep);
            let mut in_flight = BTreeMap::new();
            for i in 0..1000 {
                in_flight.insert(format!("p{i}"), "t".to_string());
                let end = (i % 10 != 0).then_some(crate::engine::runner::Final::Completed);
                report.ended(&mut in_flight, outcome(i, end));
            }
            assert!(in_flight.is_empty());
            assert_eq!((report.runs, report.errors), (1000, 100));
            assert_eq!(report.ran.len(), if keep { 1000 } else { 0 });
        }
    }
}
