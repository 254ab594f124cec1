//! Driving one claimed process inside a worker: its stored definition, its secrets
//! from the worker's environment, a takeover noted in its log, then the engine.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Config;
use crate::domain::process::StepStatus;
use crate::engine::abort_request::AbortWatch;
use crate::engine::lease::LeaseClock;
use crate::engine::runner::{Engine, Final, Observer, Recorded, Watch};
use crate::engine::{owner, secrets};
use crate::error::Result;
use crate::store::Store;
use crate::store::processes::StepRow;
use crate::store::workers::ClaimedProcess;

/// How the drive of one process ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub process_id: String,
    pub workflow: String,
    /// None: the drive stopped on an error (said in `error`); the process was released.
    pub end: Option<Final>,
    pub error: Option<String>,
    /// The drive stopped on an error and the process could not be let go of either
    /// (the database did not answer): it stays `running` under this worker's lease.
    pub left_running: bool,
}

/// Drives a claimed process until it comes to rest, and says how it ended.
pub async fn one(
    store: &Store,
    config: &Config<'_>,
    claimed: ClaimedProcess,
    cancel: watch::Receiver<bool>,
    drain: watch::Receiver<bool>,
    lease_clock: Option<LeaseClock>,
    aborts: AbortWatch,
) -> Outcome {
    let id = claimed.process.process_id.clone();
    let workflow = claimed.process.workflow.clone();
    let started = Instant::now();
    let drain_rx = drain.clone();
    let result = drive(store, config, claimed, cancel, drain, lease_clock, aborts).await;
    if let (Some(vault), Ok(Final::Completed)) = (config.vault, &result) {
        vault.forget(&id);
    }
    let took = crate::domain::workflow::format_duration(started.elapsed());
    let (end, error, left_running) = match result {
        Ok(Final::Aborted) => {
            // Someone asked for it while it ran: said as the command that ran it says it.
            let how = match store.steps(&id).await {
                Ok(steps) => crate::engine::abort::aborted_how(&steps),
                Err(_) => "aborted".to_string(),
            };
            (config.log)(&format!("process {id} ({workflow}) was {how} ({took})"));
            (Some(Final::Aborted), None, false)
        }
        Ok(f) => {
            let mut line = format!(
                "process {id} ({workflow}): {} ({took})",
                crate::tasks::outcome_word(f)
            );
            if let Some(why) = why_at_rest(store, &id, f).await {
                line.push_str(&format!(": {why}"));
            }
            (config.log)(&line);
            (Some(f), None, false)
        }
        Err(e) => {
            (config.log)(&format!("process {id} ({workflow}): error: {}", e.message));
            let released = release(store, config, &id, &e, drain_rx).await;
            (None, Some(e.message), !released)
        }
    };
    Outcome {
        process_id: id,
        workflow,
        end,
        error,
        left_running,
    }
}

/// Why a drive that ended `failed` failed (a step's error, a callback's timeout), or
/// one that ended `waiting` waits (a lock, a transient failure, the paused engine), to
/// say beside it; None for any other end, or when the database does not say.
pub async fn why_at_rest(store: &Store, id: &str, end: Final) -> Option<String> {
    if !matches!(end, Final::Failed | Final::Waiting) {
        return None;
    }
    let p = store.process(id).await.ok()??;
    p.failed_reason
        .map(|r| crate::ui::printable(&r).into_owned())
}

/// How long a process whose drive the database cut short rests before it runs again.
const AFTER_OUTAGE: Duration = Duration::from_secs(2);

/// Lets go of a process whose drive stopped on an error rather than at a rest: held
/// still, its lease would be renewed by the heartbeat for ever and nobody would run it
/// again. After the database went away (the step in flight was rolled back) it rests
/// `waiting`, due again shortly, and runs that step again; after any other error it
/// rests `failed` with the error, to retry by hand. Tried until the database answers
/// or the worker stops; a worker that stops first leaves it to a takeover once its
/// lease runs out (false).
async fn release(
    store: &Store,
    config: &Config<'_>,
    id: &str,
    e: &crate::error::Error,
    mut stopping: watch::Receiver<bool>,
) -> bool {
    let outage = crate::store::is_unavailable(e) || e.kind == crate::error::Kind::Busy;
    let mut wait = Duration::from_millis(50);
    loop {
        let done = if outage {
            let reason = format!(
                "the database went away mid-step ({}); the step runs again",
                e.message
            );
            store
                .rest_process(id, owner::me(), &reason, Some(AFTER_OUTAGE))
                .await
                .map(drop)
        } else {
            store.fail_process(id, owner::me(), &e.message).await
        };
        match done {
            Ok(()) => return true,
            Err(again) if again.is_transient() && !*stopping.borrow() => {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopping.wait_for(|s| *s) => {}
                }
                wait = (wait * 2).min(super::OUTAGE_POLL_MAX);
            }
            Err(last) => {
                (config.log)(&format!(
                    "process {id}: could not let go of it ({last}); another worker takes it over once its lease runs out"
                ));
                return false;
            }
        }
    }
}

async fn drive(
    store: &Store,
    config: &Config<'_>,
    claimed: ClaimedProcess,
    cancel: watch::Receiver<bool>,
    drain: watch::Receiver<bool>,
    lease_clock: Option<LeaseClock>,
    aborts: AbortWatch,
) -> Result<Final> {
    let process = claimed.process;
    let id = process.process_id.clone();
    let def = store.definition_of(&process).await?;
    if let Some(from) = &claimed.taken_over_from {
        (config.log)(&format!(
            "process {id} ({}): taken over from {}",
            process.workflow,
            owner::describe(from)
        ));
    }
    let log = store.steps(&id).await?;
    // The steps run on behalf of whoever asked for this run, not of the worker.
    let user = process.requester().to_string();
    // Nobody can be asked here: secrets come from the worker's environment.
    let needed = secrets::needed(&def, &log);
    let mut found = secrets::from_env(&needed);
    if let Some(vault) = config.vault {
        found.extend(vault.get(&id));
    }
    let mut observer = StepLines {
        id: id.clone(),
        log: config.log,
        each_step: config.verbose,
    };
    let mut engine = Engine {
        store,
        root: config.project.root.clone(),
        db: config.db.clone(),
        user,
        default_timeout: config.step_timeout,
        grace: config.kill_grace,
        observer: Watch::new(&mut observer),
        cancel,
        drain,
        lease: config.lease,
        lease_clock,
        aborts,
        secrets: found,
        children: config.children,
        callback_url: config.callback_url.clone(),
    };
    // An optional secret nobody gave is left out, as a run by hand leaves it out.
    let missing: Vec<String> = needed
        .iter()
        .filter(|f| f.required && !engine.secrets.contains_key(&f.name))
        .map(|f| f.name.clone())
        .collect();
    if !missing.is_empty() {
        let attempt = crate::engine::plan::next_attempt(&log, SECRETS_STEP);
        let mut whole = read_whole(store, process).await?;
        return suspend_for_secrets(&mut engine, &mut whole, &missing, attempt).await;
    }
    if let Some(from) = &claimed.taken_over_from {
        let mut whole = read_whole(store, process).await?;
        engine.note_takeover(&mut whole, &def, from).await?;
    }
    let env = crate::tasks::TaskEnv {
        project: config.project,
        now: crate::clock::now(),
        log: config.log,
    };
    crate::tasks::drive(&mut engine, &env, &id, &def, Default::default()).await
}

/// The claimed process with its state: a claim lists processes without it (a state
/// may be megabytes), and a row recorded here, before the workflow's own steps (its
/// secrets asked for, a takeover noted), must keep the state it was queued with. The
/// workflow's drive reads the process itself.
async fn read_whole(
    store: &Store,
    listed: crate::store::processes::ProcessRow,
) -> Result<crate::store::processes::ProcessRow> {
    Ok(store.process(&listed.process_id).await?.unwrap_or(listed))
}

/// A queued process whose secrets the worker does not have rests, suspended, asking for
/// them: `process resume` gives them (or the worker's `ORCH_SECRET_<NAME>`).
async fn suspend_for_secrets(
    engine: &mut Engine<'_>,
    process: &mut crate::store::processes::ProcessRow,
    missing: &[String],
    attempt: i64,
) -> Result<Final> {
    let vars: Vec<String> = missing
        .iter()
        .map(|n| crate::forms::secret_env_var(n))
        .collect();
    let note = Recorded {
        error: Some(format!(
            "needs the secret {} that is never stored: set {} where the worker runs, or answer with `orch process resume {} --input {}=…`",
            missing.join(", "),
            vars.join(", "),
            process.process_id,
            missing[0],
        )),
        ..Recorded::new(SECRETS_STEP, attempt, StepStatus::Suspend)
    };
    engine.record(process, note).await?;
    Ok(Final::Suspended)
}

/// The name of the log entry of a process suspended for its secrets.
pub const SECRETS_STEP: &str = "Secrets";

/// With `-v` one line per finished step and one per line its program writes on stderr,
/// prefixed with its process (steps of many processes run at once); always the token of
/// a callback step without `run`.
struct StepLines<'a> {
    id: String,
    log: &'a (dyn Fn(&str) + Sync),
    each_step: bool,
}

impl Observer for StepLines<'_> {
    fn callback_token(&mut self, path: &str, token: &str) {
        // No `run` took the token anywhere: the worker's log is the one place it shows.
        (self.log)(&format!(
            "process {} step {path}: awaiting a callback with no `run` to hand its token on; answer with `orch process callback {} --token {token}`",
            self.id, self.id
        ));
    }

    fn stderr(&mut self, path: &str, chunk: &[u8]) {
        if !self.each_step {
            return;
        }
        // The engine hands over one line at a time, secrets and tokens already masked.
        let text = String::from_utf8_lossy(chunk);
        for line in crate::ui::printable(&text).lines() {
            (self.log)(&format!("process {} step {path} | {line}", self.id));
        }
    }

    fn step_finished(&mut self, step: &StepRow, took: Duration) {
        if !self.each_step {
            return;
        }
        (self.log)(&format!(
            "process {} step {}: {} ({})",
            self.id,
            step.name,
            step.status,
            crate::domain::workflow::format_duration(took)
        ));
    }
}
