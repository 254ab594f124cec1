//! The step runner: drives a process from its next unfinished step until it completes,
//! suspends, waits, fails or is interrupted, committing each step in one transaction.
//!
//! The runner does not know about terminals: it reports through [`Observer`]. It talks
//! to the store only through the seam, and every step it runs is written by one call,
//! [`Store::commit_step`]. `shell_step` starts a `run` step's shell and reads back what
//! it did, `callback` runs callback steps, `locks` takes the locks of a workflow or a
//! step before it starts.

mod callback;
mod locks;
mod shell_step;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::ahead::Ahead;
use super::builtins::{self, BuiltinOutcome};
use super::command::Gated;
use super::merge;
use super::plan::{Planned, next_attempt, plan, remaining};
use super::subscription::{self, Author};
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{StepDef, StepKind, Target, WorkflowDef};
use crate::error::{Error, Kind};
use crate::store::Store;
use crate::store::processes::{ProcessRow, StepCommit, StepRow};
use crate::store::subscriptions::Change;

/// How a drive ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Final {
    Completed,
    Suspended,
    /// At rest until an external system answers a callback step.
    AwaitingCallback,
    Waiting,
    Failed,
    Interrupted,
    /// Aborted while this orch ran it: someone asked for it (`process abort`), and
    /// the step running then was stopped.
    Aborted,
}

impl Final {
    /// The exit status of DESIGN §9 for this outcome, `None` for success.
    pub fn error_kind(self) -> Option<Kind> {
        match self {
            Final::Completed => None,
            Final::Suspended | Final::AwaitingCallback => Some(Kind::Suspended),
            Final::Waiting => Some(Kind::Waiting),
            Final::Failed => Some(Kind::StepFailed),
            Final::Interrupted => Some(Kind::Interrupted),
            // Someone else acted on the process (DESIGN §9: exit 7).
            Final::Aborted => Some(Kind::Conflict),
        }
    }
}

/// What the runner tells whoever watches it (a progress bar, log lines, nothing).
///
/// Steps are named by their path (DESIGN §13): the branches of a group run at once,
/// so several steps may have started and not finished.
pub trait Observer: Send {
    /// A drive starts with this many steps still to run.
    fn steps_left(&mut self, _count: usize) {}
    fn step_started(&mut self, _path: &str, _attempt: i64) {}
    fn step_finished(&mut self, _step: &StepRow, _took: Duration) {}
    fn stderr(&mut self, _path: &str, _chunk: &[u8]) {}
    fn retrying(&mut self, _path: &str, _next_attempt: i64, _delay: Duration) {}
    /// A callback step without `run` handed out this token: no command took it to
    /// the external system, so whoever drives the process shows it, once.
    fn callback_token(&mut self, _path: &str, _token: &str) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// The observer of an engine, behind a lock: the branches of a group report through it
/// while they run together. It is never held across an `.await`.
pub struct Watch<'a>(std::sync::Mutex<&'a mut dyn Observer>);

impl<'a> Watch<'a> {
    pub fn new(observer: &'a mut dyn Observer) -> Self {
        Watch(std::sync::Mutex::new(observer))
    }

    pub fn with(&self, f: impl FnOnce(&mut dyn Observer)) {
        let mut o = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut **o);
    }
}

/// What a `workflow` step does with the child process it starts (DESIGN §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Children {
    /// Drive it here, within the parent's drive (a command run by hand, which may be
    /// the only orch there is).
    Drive,
    /// Queue it for the workers and let the parent rest until it comes to rest (a
    /// worker, whose slot the waiting parent should not hold).
    Queue,
}

/// Answers to pending input steps, by step path (DESIGN §13: `Push every device [3] /
/// Confirm`; a top-level step's path is its name).
pub type Answers = std::collections::BTreeMap<String, Map<String, Value>>;

/// The database as steps get it in `ORCH_DB`, with the password its address holds
/// (read once, when the engine is made): a step that prints its environment prints the
/// address, and what is stored of the step has that password masked.
#[derive(Debug, Clone)]
pub struct StepDb {
    pub address: String,
    /// The password, as a secret to mask (`db`), when the address holds one.
    password: Option<Map<String, Value>>,
}

impl StepDb {
    /// The database of `store`, as its steps get it.
    pub fn of(store: &Store) -> StepDb {
        let address = store.location().for_steps();
        let password = crate::store::postgres::is_postgres(&address)
            .then(|| crate::store::postgres::ConnInfo::password_in(&address))
            .flatten()
            .map(|p| std::iter::once(("db".to_string(), Value::String(p))).collect());
        StepDb { address, password }
    }

    /// The password the address holds, if any.
    fn password(&self) -> Option<&str> {
        self.password.as_ref()?.get("db")?.as_str()
    }
}

/// What orch's own `Set status …` step changes, run or skipped by hand: the lifecycle,
/// and for a create (which has no unlock step) the new subscription put in sync.
fn set_status_patch(def: &WorkflowDef, l: crate::domain::lifecycle::Lifecycle) -> Value {
    let mut sub = json!({ "status": l });
    if def.target == Target::Create {
        sub["insync"] = json!(true);
    }
    json!({ "subscription": sub })
}

/// Everything a drive needs besides the process.
pub struct Engine<'a> {
    pub store: &'a Store,
    pub root: PathBuf,
    /// What steps get in `ORCH_DB`: the store this engine writes to.
    pub db: StepDb,
    pub user: String,
    pub default_timeout: Option<Duration>,
    pub grace: Duration,
    pub observer: Watch<'a>,
    pub cancel: watch::Receiver<bool>,
    /// Turns true when this orch stops taking work (a worker's SIGTERM): the step in
    /// flight finishes and commits, then its process rests, resumable.
    pub drain: watch::Receiver<bool>,
    /// How long this orch's lease on a process lasts before it must be renewed.
    pub lease: Duration,
    /// Set in a worker: when its leases may have run out (see `lease`). No step starts
    /// after that, and a step still running then is stopped.
    pub lease_clock: Option<super::lease::LeaseClock>,
    /// Aborts asked for of the processes this orch runs, as its lease renewals see
    /// them: the step running is stopped and the process aborted.
    pub aborts: super::abort_request::AbortWatch,
    /// Secret answers: handed to `run` steps on stdin with the state, never stored.
    pub secrets: Map<String, Value>,
    pub children: Children,
    /// Where `orch serve` is reached from outside (orch.toml's `[serve] public_url`):
    /// callback steps hand their `run` the answer URL under it.
    pub callback_url: Option<String>,
}

/// Why a process rests when its orch stops taking work between its steps.
const DRAINED: &str = "its orch stopped taking work; the next step runs when it is picked up again";
const DRAINED_AGAIN: &str = "it runs again when the process is picked up";
/// The error of a step stopped because its orch's lease ran out while it ran.
const LAPSE_STOPPED: &str = "stopped: this orch's lease ran out while the step ran; it runs again";
/// Why a process rests when its orch's lease may have run out between its steps.
const LEASE_LAPSED: &str = "its orch could not renew its lease in time (the database answered too slowly); the next step runs when it is picked up again";

/// Whether a waiting process's reason says its orch let go of it for the next one to
/// pick up (it stopped taking work, or its lease ran out): it is due at once, and no
/// transient cause needs to go first.
pub fn rests_for_the_next_orch(reason: &str) -> bool {
    [DRAINED, LEASE_LAPSED].contains(&reason)
        || reason.ends_with(DRAINED_AGAIN)
        || reason.starts_with(LAPSE_STOPPED)
}

/// Size limits for what a step prints.
const MAX_STDOUT: usize = 16 * 1024 * 1024;
const STDERR_TAIL: usize = 64 * 1024;
const STORED_TAIL: usize = 8 * 1024;

pub(super) struct Attempt {
    pub(super) status: StepStatus,
    pub(super) patch: Value,
    pub(super) error: Option<String>,
    pub(super) output: Option<String>,
}

impl Attempt {
    pub(super) fn ok(patch: Value) -> Attempt {
        Attempt {
            status: StepStatus::Success,
            patch,
            error: None,
            output: None,
        }
    }
    pub(super) fn with_status(status: StepStatus) -> Attempt {
        Attempt {
            status,
            ..Attempt::ok(json!({}))
        }
    }
    pub(super) fn failed(error: impl Into<String>) -> Attempt {
        Attempt {
            status: StepStatus::Failed,
            patch: json!({}),
            error: Some(error.into()),
            output: None,
        }
    }
}

/// One step attempt, ready to be committed.
pub(super) struct StepEnd<'s> {
    pub(super) name: &'s str,
    pub(super) attempt: i64,
    pub(super) started: Instant,
    pub(super) outcome: Attempt,
    /// The process status if the attempt stands.
    pub(super) process_status: ProcessStatus,
    /// Who may change which keys of `state.subscription` (orch's own steps may set
    /// insync and the dates).
    author: Author,
    /// A subscription the step creates.
    creates: Option<Box<Change>>,
    /// The log row holds the whole state (Start), so folding the log from `{}` gives
    /// the state after any step.
    whole_state: bool,
    /// A `waiting` step waits for child processes: it is due when one comes to rest.
    pub(super) awaits_children: bool,
    /// When a process resting `waiting` after this step is due again, if not after
    /// the usual backoff: the delay its retry policy asks for.
    pub(super) retry_in: Option<Duration>,
    /// Its retry policy has another attempt if this one fails, including when the
    /// subscription it leaves is found invalid at the commit: the process runs on.
    /// Which attempt of how many this one is.
    pub(super) tries_again: Option<(i64, i64)>,
    /// Who the log row names (an abort asked for by another user); None: the user
    /// this engine runs steps for.
    pub(super) by: Option<String>,
}

impl<'s> StepEnd<'s> {
    pub(super) fn new(name: &'s str, attempt: i64, started: Instant, outcome: Attempt) -> Self {
        let process_status = outcome.status.process_status();
        StepEnd {
            name,
            attempt,
            started,
            outcome,
            process_status,
            author: Author::Step,
            creates: None,
            whole_state: false,
            retry_in: None,
            awaits_children: false,
            tries_again: None,
            by: None,
        }
    }

    fn by_orch(mut self) -> Self {
        self.author = Author::Orch;
        self
    }
}

/// The process being driven, or one branch of it: its id and subscription, and the
/// state between steps (of the process, or of the branch).
pub(super) struct Current {
    pub(super) process_id: String,
    workflow: String,
    pub(super) subscription_id: Option<String>,
    pub(super) customer_id: Option<String>,
    pub(super) target: Target,
    /// Shared with the commit in flight, so handing it to the store copies nothing;
    /// changed in place once the commit let go of it.
    pub(super) state: Arc<Value>,
    /// Steps of this process that ended `waiting` so far (the retry delay doubles).
    waits: usize,
    /// The store put the process at rest after a step (the engine is paused, or this
    /// orch stops): the drive ends there. In a branch: the branch stops there.
    pub(super) rested: bool,
    /// The path of the branch being driven; None: the process's own steps.
    pub(super) branch: Option<String>,
    /// The last step that ended, as the log says it: its path, status and error.
    pub(super) last: Option<(String, StepStatus, Option<String>)>,
    /// The last step ended waiting for child processes.
    pub(super) awaits_children: bool,
    /// The last step ended waiting for a lock (`Some`), held by a sibling branch of
    /// this process (`Some(true)`).
    pub(super) awaits_lock: Option<bool>,
    /// The branches of this drive running now (their paths), shared by every scope of
    /// it: a branch step waiting for a lock its sibling holds waits while that sibling
    /// runs, since its step ends soon and lets go.
    pub(super) running: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// The status the last commit left the process in.
    pub(super) committed: ProcessStatus,
    /// The workflow says `blocked_by_in_use = false`: its subscription may be
    /// terminated while live subscriptions use it (the operator chose so).
    terminate_in_use: bool,
    /// An abort of the process was asked for, as the process row said when it was
    /// read or a commit wrote it: no next step starts.
    pub(super) abort_asked: bool,
    /// The status the process rested in before a claim that starts no step
    /// ([`ProcessRow::claimed_from`]).
    claimed_from: Option<ProcessStatus>,
}

impl Current {
    /// Takes the process's state; [`Current::give_back`] returns it.
    fn of(process: &mut ProcessRow) -> Current {
        Current {
            process_id: process.process_id.clone(),
            workflow: process.workflow.clone(),
            subscription_id: process.subscription_id.clone(),
            customer_id: process.customer_id.clone(),
            target: process.target,
            state: Arc::new(std::mem::take(&mut process.state)),
            waits: 0,
            rested: false,
            branch: None,
            last: None,
            awaits_children: false,
            awaits_lock: None,
            running: Default::default(),
            committed: process.status,
            terminate_in_use: false,
            abort_asked: process.abort_requested.is_some(),
            claimed_from: process.claimed_from,
        }
    }

    fn give_back(self, process: &mut ProcessRow) {
        process.state = Arc::unwrap_or_clone(self.state);
        process.subscription_id = self.subscription_id;
    }

    /// A branch of this scope, at `branch`, starting from `state`.
    pub(super) fn for_branch(&self, branch: String, state: Value) -> Current {
        Current {
            process_id: self.process_id.clone(),
            workflow: self.workflow.clone(),
            subscription_id: self.subscription_id.clone(),
            customer_id: self.customer_id.clone(),
            target: self.target,
            state: Arc::new(state),
            waits: 0,
            rested: false,
            branch: Some(branch),
            last: None,
            awaits_children: false,
            awaits_lock: None,
            running: Arc::clone(&self.running),
            committed: self.committed,
            terminate_in_use: self.terminate_in_use,
            abort_asked: self.abort_asked,
            claimed_from: self.claimed_from,
        }
    }

    /// Marks this scope's branch running until the guard drops.
    pub(super) fn running_guard(&self) -> RunningBranch {
        let path = self.branch.clone().unwrap_or_default();
        if let Ok(mut set) = self.running.lock() {
            set.insert(path.clone());
        }
        RunningBranch {
            set: Arc::clone(&self.running),
            path,
        }
    }

    /// Whether the branch of the step at `step_path` is running in this drive.
    pub(super) fn runs_branch_of(&self, step_path: &str) -> bool {
        let Some((branch, _)) = step_path.rsplit_once(crate::domain::path::SEP) else {
            return false;
        };
        self.running.lock().is_ok_and(|set| set.contains(branch))
    }

    /// The path of a step of this scope.
    pub(super) fn path_of(&self, name: &str) -> String {
        crate::domain::path::join(self.branch.as_deref(), name)
    }
}

/// When the step in flight at a takeover began, as near as the log tells: a drive
/// starts a step as soon as the one before it in the same scope (`branch`, or the
/// process's own steps) is committed. The note of the takeover then spans the time the
/// step was cut off for, not the instant of the note. Now, when the log has no such step.
fn in_flight_since(log: &[crate::store::processes::StepRow], branch: Option<&str>) -> Instant {
    let committed = log
        .iter()
        .rev()
        .find(|s| s.branch.as_deref() == branch)
        // A branch's first step began when its group did.
        .or_else(|| log.last())
        .and_then(|s| crate::clock::parse(&s.finished_at));
    let now = Instant::now();
    committed
        .and_then(|t| {
            let ago = crate::clock::now().duration_since(t);
            now.checked_sub(std::time::Duration::try_from(ago).ok()?)
        })
        .unwrap_or(now)
}

/// A step whose outcome was decided outside the runner: a built-in task's steps, a
/// process aborted or a step skipped by hand. It is committed like every step, so the
/// rules of DESIGN §5 and §6 (subscription validation, secrets kept out, the events)
/// hold for it too.
pub struct Recorded<'a> {
    pub name: &'a str,
    pub attempt: i64,
    pub started: Instant,
    pub status: StepStatus,
    pub patch: Value,
    pub error: Option<String>,
    pub output: Option<String>,
    /// The process status if the step stands.
    pub process_status: ProcessStatus,
    /// The log row holds the whole state (a `Start` step).
    pub whole_state: bool,
    /// The branch the step ran in (an answer to an input step inside a branch).
    pub branch: Option<String>,
    /// Orch's own step, skipped by hand doing its part (see [`Skip`]): it may set what
    /// only orch sets (`insync`).
    pub by_orch: bool,
    /// Who the log row names; None: the engine's user.
    pub by: Option<&'a str>,
}

impl<'a> Recorded<'a> {
    /// A step that ended as `status`, leaving the process as that status implies.
    pub fn new(name: &'a str, attempt: i64, status: StepStatus) -> Self {
        Recorded {
            name,
            attempt,
            started: Instant::now(),
            status,
            patch: json!({}),
            error: None,
            output: None,
            process_status: status.process_status(),
            whole_state: false,
            branch: None,
            by_orch: false,
            by: None,
        }
    }
}

/// What a step skipped by hand records: the keys `--set` gives (with what the branches
/// of a conflicting join keep), and for orch's own `Set status …` its part too, so a
/// skipped lifecycle step still moves the subscription on.
pub struct Skip {
    pub patch: Value,
    /// The keys of a conflicting join left as they were.
    pub left: Vec<super::join::Conflict>,
    pub by_orch: bool,
}

impl Engine<'_> {
    /// Commits a step decided outside the runner through the runner's own commit;
    /// `process` carries the state before the step and gets the state after it.
    pub async fn record(
        &self,
        process: &mut ProcessRow,
        r: Recorded<'_>,
    ) -> Result<StepStatus, Error> {
        let mut cur = Current::of(process);
        // An answer recorded in a branch patches the branch's state, which is not at
        // hand here: the answers are logged as they are, and the process state is left
        // alone.
        let process_state = r
            .branch
            .is_some()
            .then(|| std::mem::replace(&mut cur.state, Arc::new(json!({}))));
        cur.branch = r.branch.clone();
        let mut end = StepEnd::new(
            r.name,
            r.attempt,
            r.started,
            Attempt {
                status: r.status,
                patch: r.patch,
                error: r.error,
                output: r.output,
            },
        );
        end.process_status = r.process_status;
        end.whole_state = r.whole_state;
        end.by = r.by.map(str::to_string);
        if r.by_orch {
            end = end.by_orch();
        }
        let status = self.commit(&mut cur, end).await;
        if let Some(state) = process_state {
            cur.state = state;
        }
        cur.give_back(process);
        status
    }

    /// What each of `to_skip` records when skipped by hand with `set`
    /// ([`super::join::skip_patch`]), with the conflicting keys it leaves as they were.
    /// A change the subscription refuses is an error before anything is written, so a
    /// refused skip leaves the process as it was; `given` says where `set` came from.
    pub async fn skip_patches(
        &self,
        process: &ProcessRow,
        def: &WorkflowDef,
        log: &[StepRow],
        to_skip: &[StepRow],
        set: &Value,
        given: &str,
    ) -> Result<Vec<Skip>, Error> {
        let mut out = Vec::with_capacity(to_skip.len());
        for failed in to_skip {
            let (mut patch, left) = super::join::skip_patch(def, log, &process.state, failed, set);
            let own = failed
                .branch
                .is_none()
                .then(|| super::plan::status_set_by(def, &failed.name))
                .flatten();
            if let Some(lifecycle) = own {
                merge::apply(&mut patch, &set_status_patch(def, lifecycle));
            }
            let author = if own.is_some() {
                Author::Orch
            } else {
                Author::Step
            };
            if failed.branch.is_none() {
                let mut probe = process.clone();
                if let Some(why) = self.refuses_skip(&mut probe, &patch, author).await? {
                    return Err(Error::usage(format!(
                        "`{}` was not skipped: {why}",
                        failed.path()
                    ))
                    .with_fields(subscription::problem_fields(&why))
                    .with_hint(match own {
                        Some(l) => format!(
                            "skipped, `{}` still makes the subscription {l}, which it must be valid as: give what it lacks {given} (`subscription.<root key>.<field>`); the process is as it was",
                            failed.name
                        ),
                        None => format!("fix the values given {given}; the process is as it was"),
                    }));
                }
            }
            out.push(Skip {
                patch,
                left,
                by_orch: own.is_some(),
            });
        }
        Ok(out)
    }

    /// Why recording `patch` for a top-level step skipped by hand would be refused: the
    /// subscription change it makes does not validate.
    async fn refuses_skip(
        &self,
        process: &mut ProcessRow,
        patch: &Value,
        author: Author,
    ) -> Result<Option<String>, Error> {
        if patch.get("subscription").is_none() {
            return Ok(None);
        }
        let cur = Current::of(process);
        let mut new_state = (*cur.state).clone();
        merge::apply(&mut new_state, patch);
        let verdict = self
            .check_subscription(&cur, &new_state, author, false)
            .await;
        cur.give_back(process);
        Ok(verdict?.err())
    }

    /// Records in the step log that this orch took the process over from `from`, whose
    /// lease ran out or which died: the step that was in flight (the first that is not
    /// done) gets a failed attempt, and runs again as the next one.
    pub async fn note_takeover(
        &self,
        process: &mut ProcessRow,
        def: &WorkflowDef,
        from: &str,
    ) -> Result<(), Error> {
        let log = self.store.steps(&process.process_id).await?;
        let planned = plan(def);
        let Some(next) = remaining(&planned, &log).first().map(|s| s.name.clone()) else {
            return Ok(());
        };
        let said = format!(
            "{} stopped before this step was committed (its lease ran out or it died); taken over by {}, the step runs again",
            super::owner::describe(from),
            super::owner::describe(super::owner::me()),
        );
        // In a group, each branch step that was in flight is noted where it runs, so
        // it runs again as its next attempt (`ORCH_ATTEMPT`), as a top-level step does.
        for (branch, name) in super::scope::branch_steps_in_flight(def, &next, &process.state, &log)
        {
            let attempt = super::plan::next_attempt_in(&log, Some(&branch), &name);
            let note = Recorded {
                error: Some(said.clone()),
                process_status: ProcessStatus::Running,
                started: in_flight_since(&log, Some(&branch)),
                branch: Some(branch),
                ..Recorded::new(&name, attempt, StepStatus::Waiting)
            };
            self.record(process, note).await?;
        }
        let note = Recorded {
            error: Some(said),
            process_status: ProcessStatus::Running,
            started: in_flight_since(&log, None),
            // Waiting, as a step a draining worker stopped: it did not fail, it was cut
            // off, and a token it handed out still answers (an external system may hold
            // it).
            ..Recorded::new(&next, next_attempt(&log, &next), StepStatus::Waiting)
        };
        self.record(process, note).await?;
        Ok(())
    }

    /// Hands a process this orch took over from `from` (dead, or its lease ran out) to
    /// the workers, as `process retry --queue` and a retry through the API do: the step
    /// that was in flight is noted as cut off ([`Self::note_takeover`]), and the process
    /// rests as `waiting`, due at once, for a worker to run that step again as its next
    /// attempt.
    pub async fn rest_taken_over(
        &self,
        id: &str,
        def: &WorkflowDef,
        from: &str,
    ) -> Result<(), Error> {
        if let Some(mut p) = self.store.process(id).await? {
            self.note_takeover(&mut p, def, from).await?;
        }
        self.store
            .rest_process(
                id,
                super::owner::me(),
                "taken over from an orch that is gone, for the workers",
                Some(Duration::ZERO),
            )
            .await?;
        Ok(())
    }

    pub(super) fn cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    pub(super) fn draining(&self) -> bool {
        *self.drain.borrow()
    }

    /// Whether an abort of the process `cur` drives was asked for: seen by a lease
    /// renewal, or by the last commit.
    pub(super) fn abort_due(&self, cur: &Current) -> bool {
        cur.abort_asked || self.aborts.asked(&cur.process_id).is_some()
    }

    pub(super) fn lease_lapsed(&self) -> bool {
        self.lease_clock.as_ref().is_some_and(|c| c.lapsed())
    }

    /// Puts the process at rest between steps because this orch stops taking work (or,
    /// after a group, because the engine is paused or this orch's lease may have run
    /// out); it is due at once, so another orch picks it up.
    pub(super) async fn rest(&self, cur: &Current) -> Result<(), Error> {
        let reason = if self.draining() {
            DRAINED
        } else if self.lease_lapsed() {
            LEASE_LAPSED
        } else {
            crate::store::PAUSED
        };
        self.store
            .rest_process(
                &cur.process_id,
                super::owner::me(),
                reason,
                Some(Duration::ZERO),
            )
            .await?;
        Ok(())
    }

    /// Runs the process from its first unfinished step.
    ///
    /// `input` answers a pending input step; `def` is the definition to use (the stored
    /// one unless the caller chose the current file).
    pub async fn drive(
        &self,
        process_id: &str,
        def: &WorkflowDef,
        input: Answers,
    ) -> Result<Final, Error> {
        match self.drive_steps(process_id, def, input).await? {
            // Come to rest with an abort asked for meanwhile (its step failed as the
            // request came, say): the request is carried out now, not left for
            // whoever retries or resumes the process.
            rested @ (Final::Failed
            | Final::Interrupted
            | Final::Suspended
            | Final::AwaitingCallback
            | Final::Waiting) => self.abort_rested_as_asked(process_id, rested).await,
            done => Ok(done),
        }
    }

    /// [`Engine::drive`] up to where the process ends or rests.
    async fn drive_steps(
        &self,
        process_id: &str,
        def: &WorkflowDef,
        mut input: Answers,
    ) -> Result<Final, Error> {
        let mut process = self
            .store
            .process(process_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("no process {process_id}")))?;
        if process.abort_requested.is_some() && process.status == ProcessStatus::Running {
            // Asked for while it rested, or before this orch took it: no step runs.
            return self.abort_as_asked(process_id, None).await;
        }
        let mut cur = Current {
            target: def.target,
            terminate_in_use: def.blocked_by_in_use == Some(false),
            ..Current::of(&mut process)
        };
        let log = self.store.steps(process_id).await?;
        cur.waits = log
            .iter()
            .filter(|s| s.branch.is_none() && s.status == StepStatus::Waiting)
            .count();
        let planned = plan(def);
        let remaining = remaining(&planned, &log);
        self.observer.with(|o| o.steps_left(remaining.len()));

        let mut ahead = Ahead::default();
        for (i, step) in remaining.iter().enumerate() {
            if cur.rested {
                return Ok(Final::Waiting);
            }
            if self.abort_due(&cur) {
                return self.abort_as_asked(&cur.process_id, None).await;
            }
            if self.draining() {
                self.rest(&cur).await?;
                return Ok(Final::Waiting);
            }
            if self.lease_lapsed() {
                // Another orch may take it over at any moment: start nothing, and if it
                // is still this orch's, let it go, due at once.
                self.store
                    .rest_process(
                        &cur.process_id,
                        super::owner::me(),
                        LEASE_LAPSED,
                        Some(Duration::ZERO),
                    )
                    .await?;
                return Ok(Final::Waiting);
            }
            if self.cancelled() {
                let end = StepEnd::new(
                    &step.name,
                    0,
                    Instant::now(),
                    Attempt::failed(format!("{} before the step started", super::INTERRUPTED)),
                );
                self.commit(&mut cur, end).await?;
                return Ok(Final::Interrupted);
            }
            let attempt = next_attempt(&log, &step.name);
            let shell = ahead.take(i).await;
            ahead.fill(i, |j| self.start_shell(&cur, remaining.get(j), &log));
            let started = Instant::now();
            // orch's own steps are shown running as the user's are (a user step says so
            // itself, once per attempt).
            if !matches!(step.step, Planned::User(_)) {
                self.observer.with(|o| o.step_started(&step.name, attempt));
            }
            let end = match &step.step {
                Planned::Start => {
                    if let Some(f) = self
                        .lock(&mut cur, None, &step.name, &def.locks, attempt)
                        .await?
                    {
                        return Ok(f);
                    }
                    StepEnd {
                        whole_state: true,
                        ..StepEnd::new(&step.name, attempt, started, Attempt::ok(json!({})))
                    }
                }
                Planned::Done => StepEnd::new(
                    &step.name,
                    attempt,
                    started,
                    Attempt::with_status(StepStatus::Complete),
                ),
                Planned::CreateSubscription => {
                    self.create_subscription(&cur, def, &step.name, attempt)
                        .await?
                }
                Planned::Lock => {
                    let loaded = match &cur.subscription_id {
                        Some(id) => self
                            .store
                            .subscription(id)
                            .await?
                            .map(|s| Attempt::ok(json!({ "subscription": s.to_json() })))
                            .unwrap_or_else(|| {
                                Attempt::failed(format!("subscription {id} does not exist"))
                            }),
                        None => Attempt::failed("the process has no subscription to lock"),
                    };
                    StepEnd::new(&step.name, attempt, started, loaded).by_orch()
                }
                Planned::Unlock => StepEnd::new(
                    &step.name,
                    attempt,
                    started,
                    Attempt::ok(json!({"subscription": {"insync": true}})),
                )
                .by_orch(),
                Planned::SetStatus(l) => StepEnd::new(
                    &step.name,
                    attempt,
                    started,
                    Attempt::ok(set_status_patch(def, *l)),
                )
                .by_orch(),
                Planned::User(user_step) => {
                    match self
                        .user_step(&mut cur, user_step, attempt, &mut input, shell, &log)
                        .await?
                    {
                        Some(Final::Aborted) => {
                            return self.abort_as_asked(&cur.process_id, Some(started)).await;
                        }
                        Some(f) => return Ok(f),
                        None => continue,
                    }
                }
            };
            match self.commit(&mut cur, end).await? {
                StepStatus::Complete => return Ok(Final::Completed),
                StepStatus::Failed => return Ok(Final::Failed),
                _ => {}
            }
        }
        // Every step, Done included, already ran (a retry of a completed process).
        Ok(Final::Completed)
    }

    /// `Create subscription`: a new subscription of the product the form picked (or
    /// the only product the workflow names), for the process's customer. A store error
    /// ends the drive; a product that is not there fails the step.
    async fn create_subscription<'s>(
        &self,
        cur: &Current,
        def: &WorkflowDef,
        name: &'s str,
        attempt: i64,
    ) -> Result<StepEnd<'s>, Error> {
        let started = Instant::now();
        let product = match cur.state.get("product").and_then(Value::as_str) {
            Some(p) => Ok(p.to_string()),
            None => self.only_product(def).await?,
        };
        let customer = cur.customer_id.as_deref().unwrap_or("default");
        let id = crate::clock::new_id();
        let created = match product {
            Ok(p) => subscription::create(self.store, &id, &p, customer).await?,
            Err(e) => Err(e),
        };
        Ok(match created {
            Ok(p) => {
                let doc = p.new.to_json();
                let mut end = StepEnd::new(
                    name,
                    attempt,
                    started,
                    Attempt::ok(json!({ "subscription": doc })),
                )
                .by_orch();
                end.creates = Some(Box::new(p));
                end
            }
            Err(e) => StepEnd::new(name, attempt, started, Attempt::failed(e)),
        })
    }

    /// The one product a create workflow can instantiate, or why there is none.
    async fn only_product(&self, def: &WorkflowDef) -> Result<Result<String, String>, Error> {
        let mut found = match super::start::products_on_offer(self.store, def).await? {
            Ok(found) => found,
            // The step's error is one line: the hint goes after the reason.
            Err(e) => return Ok(Err(e.in_one_line())),
        };
        Ok(match found.len() {
            1 => Ok(found.remove(0).def.name),
            _ => {
                let names: Vec<String> = found.into_iter().map(|p| p.def.name).collect();
                Err(format!(
                    "several products match ({}); the form's `product` answer picks one",
                    names.join(", ")
                ))
            }
        })
    }

    /// Validates `state.subscription` after a step that changed it (or after one of
    /// orch's own steps), returning the change to store. The inner error is why the
    /// step fails; the outer one a store error that ends the drive.
    async fn check_subscription(
        &self,
        cur: &Current,
        new_state: &Value,
        author: Author,
        creating: bool,
    ) -> Result<Result<Option<Change>, String>, Error> {
        if let (false, Some(id), Author::Step, None, Some(_)) = (
            creating,
            &cur.subscription_id,
            author,
            new_state.get("subscription"),
            cur.state.get("subscription"),
        ) {
            // The next step that saves it would find a document without its fields and
            // blame them, not the removal.
            return Ok(Err(format!(
                "state.subscription: a step cannot remove the subscription ({id}) from the state; set the keys it changes instead"
            )));
        }
        if let (false, None, Author::Step, Some(doc)) = (
            creating,
            &cur.subscription_id,
            author,
            new_state.get("subscription"),
        ) {
            if cur.state.get("subscription") != Some(doc) {
                // Neither saved nor validated, it would look like a change that
                // happened.
                return Ok(Err(format!(
                    "state.subscription: this process has no subscription (its workflow's target is `{}`), so a step cannot set one; a `create` workflow makes subscriptions and a `modify` workflow changes them",
                    cur.target.as_str()
                )));
            }
        }
        let (false, Some(id), Some(doc)) = (
            creating,
            &cur.subscription_id,
            new_state.get("subscription"),
        ) else {
            return Ok(Ok(None));
        };
        if author == Author::Step && cur.state.get("subscription") == Some(doc) {
            return Ok(Ok(None));
        }
        let change =
            match subscription::prepare(self.store, id, doc, author, cur.terminate_in_use).await? {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            };
        if let Some(c) = &change {
            let before = c.old.as_ref().map(|o| o.status);
            if cur.target == Target::Validate && before != Some(c.new.status) {
                return Ok(Err(
                    "subscription.status: a validate workflow never changes the lifecycle".into(),
                ));
            }
        }
        Ok(Ok(change))
    }

    /// A step cannot put a secret into the stored state: not under its own name, nor
    /// copied into another key.
    fn scrub_patch(&self, patch: &mut Value) {
        if let Some(obj) = patch.as_object_mut() {
            for k in self.secrets.keys() {
                obj.remove(k);
            }
        }
        super::secrets::mask_value(patch, &self.secrets);
        if let Some(password) = &self.db.password {
            super::secrets::mask_value(patch, password);
        }
    }

    /// Masks secret values in text that is stored (errors, the stderr tail).
    fn scrub_text(&self, mut text: String) -> String {
        for v in self.secrets.values() {
            if let Some(s) = v.as_str() {
                text = super::secrets::mask(&text, s);
            }
        }
        // A step that prints its environment prints `ORCH_DB`, which holds the
        // database's password when the address does: it is never stored either.
        if let Some(password) = self.db.password() {
            text = super::secrets::mask(&text, password);
        }
        // A NUL is kept as U+FFFD, as a PostgreSQL text column must have it: the log
        // reads the same on both stores.
        if text.contains('\0') {
            text = text.replace('\0', "\u{fffd}");
        }
        text
    }

    /// Runs one user step of the scope `cur` (the process, or a branch) with its
    /// retry policy; `Some` ends the drive (the branch).
    pub(super) async fn user_step(
        &self,
        cur: &mut Current,
        step: &StepDef,
        first_attempt: i64,
        input: &mut Answers,
        mut shell: Option<Gated>,
        log: &[StepRow],
    ) -> Result<Option<Final>, Error> {
        let started = Instant::now();
        if let Some(cond) = &step.condition {
            let outcome = match crate::expr::eval_bool(cond, &json!({ "state": &*cur.state })) {
                Ok(true) => None,
                Ok(false) => Some(Attempt::with_status(StepStatus::Skipped)),
                Err(e) => Some(Attempt::failed(format!("`if` expression failed: {e}"))),
            };
            if let Some(outcome) = outcome {
                let end = StepEnd::new(&step.name, first_attempt, started, outcome);
                let status = self.commit(cur, cur.scoped(end)).await?;
                if cur.rested {
                    return Ok(Some(Final::Waiting));
                }
                return Ok((status == StepStatus::Failed).then_some(Final::Failed));
            }
        }
        match &step.kind {
            StepKind::Parallel { .. } | StepKind::Foreach { .. } => {
                return Box::pin(self.group(cur, step, first_attempt, input, log)).await;
            }
            StepKind::Workflow { .. } => {
                return Box::pin(self.child_step(cur, step, first_attempt, log)).await;
            }
            _ => {}
        }
        // Inside a branch, the lock is held for the step's path: a sibling branch
        // wanting it waits, as another process does.
        let path = cur.path_of(&step.name);
        if let Some(f) = self
            .lock(cur, Some(&path), &step.name, &step.locks, first_attempt)
            .await?
        {
            return Ok(Some(f));
        }
        if let StepKind::Callback { run, callback } = &step.kind {
            return self
                .callback_step(cur, step, run.as_deref(), callback, first_attempt)
                .await;
        }
        let attempts = step.retry.as_ref().map_or(1, |r| r.attempts.max(1)) as i64;
        // Attempts its policy made before the process rested between two of them.
        let used = if attempts > 1 {
            policy_attempts_used(log, cur.branch.as_deref(), &step.name).min(attempts - 1)
        } else {
            0
        };
        for (n, attempt) in (used + 1..=attempts).zip(first_attempt..) {
            let started = Instant::now();
            // Ctrl-C while it waited to try again: this attempt never ran, and the
            // log says so rather than that a running step was stopped.
            let stopped_before = n > used + 1 && self.cancelled() && !self.draining();
            self.observer.with(|o| o.step_started(&path, attempt));
            let outcome = match &step.kind {
                _ if stopped_before => Attempt::failed(format!(
                    "{} while waiting to try again; attempt {attempt} did not run",
                    super::INTERRUPTED
                )),
                StepKind::Run { run } => {
                    self.run_command(cur, step, run, attempt, shell.take(), None)
                        .await
                }
                StepKind::Callback { .. } => {
                    Attempt::failed("a callback step reached the run loop (a bug in orch)")
                }
                StepKind::Builtin { builtin, with } => {
                    match builtins::run(builtin, with, &cur.state) {
                        BuiltinOutcome::Patch(p) => Attempt::ok(p),
                        BuiltinOutcome::Fail(m) => Attempt::failed(m),
                        BuiltinOutcome::Sleep(d) => {
                            let mut cancel = self.cancel.clone();
                            tokio::select! {
                                _ = tokio::time::sleep(d) => Attempt::ok(json!({})),
                                _ = super::raised(&mut cancel) => Attempt::failed(format!("{}; the step was stopped", super::INTERRUPTED)),
                                _ = self.aborts.until_asked(&cur.process_id) => Attempt::with_status(StepStatus::Abort),
                            }
                        }
                    }
                }
                StepKind::Input { fields, .. } => match input.remove(&path) {
                    Some(answers) => {
                        let mut patch = Map::new();
                        for f in fields {
                            if let Some(v) = answers.get(&f.name) {
                                patch.insert(f.name.clone(), v.clone());
                            }
                        }
                        Attempt::ok(Value::Object(patch))
                    }
                    None if cur.branch.is_some() && still_suspended(log, cur, &step.name) => {
                        // Asked before and not answered this time: the branch waits
                        // on without logging the question again.
                        cur.last = Some((path.clone(), StepStatus::Suspend, None));
                        return Ok(Some(Final::Suspended));
                    }
                    None => Attempt::with_status(StepStatus::Suspend),
                },
                StepKind::Parallel { .. }
                | StepKind::Foreach { .. }
                | StepKind::Workflow { .. } => Attempt::failed(
                    "a group or workflow step reached the leaf runner; this is a bug",
                ),
            };
            if outcome.status == StepStatus::Abort {
                // Stopped for an abort asked for meanwhile: nothing of the attempt is
                // logged; the process's abort is.
                return Ok(Some(Final::Aborted));
            }
            let interrupted = self.cancelled();
            let last = n == attempts || interrupted;
            let mut end = StepEnd::new(&step.name, attempt, started, outcome);
            if interrupted && self.draining() {
                // A worker stopping after its grace period (or asked a second time)
                // stops the step; the process waits, due at once, and the step runs
                // again wherever it is picked up.
                end.outcome.status = StepStatus::Waiting;
                end.outcome.error = Some(format!(
                    "stopped when its orch stopped taking work and the grace period ran out (or it was asked again to stop); {DRAINED_AGAIN}"
                ));
                end.process_status = ProcessStatus::Waiting;
            }
            let delay = step
                .retry
                .as_ref()
                .map_or(Duration::ZERO, |r| r.delay_before(n as u32 + 1));
            // Under a worker, a long wait for the next attempt is spent at rest: no slot
            // is held, and the process can be aborted meanwhile.
            let again = !last && end.outcome.status.is_retryable();
            // A worker stopping rests it too, however short the wait: the next worker
            // keeps the delay and counts the attempts made.
            let rests = again
                && (delay >= POLICY_REST || self.draining())
                && self.children == Children::Queue
                && cur.branch.is_none();
            if rests {
                let error = end.outcome.error.take().unwrap_or_default();
                end.outcome.error = Some(format!(
                    "{error}{}{POLICY_MARK} in {} (attempt {n} of {attempts})",
                    if error.is_empty() { "" } else { "; " },
                    crate::domain::workflow::format_duration(delay)
                ));
                end.outcome.status = StepStatus::Waiting;
                end.process_status = ProcessStatus::Waiting;
                end.retry_in = Some(delay);
            } else if again {
                // Another attempt follows: the process keeps running meanwhile.
                end.process_status = ProcessStatus::Running;
            }
            end.tries_again = (!last && !rests).then_some((n, attempts));
            let status = self.commit(cur, cur.scoped(end)).await?;
            if cur.rested {
                return Ok(Some(Final::Waiting));
            }
            match status {
                StepStatus::Success => return Ok(None),
                StepStatus::Suspend => return Ok(Some(Final::Suspended)),
                _ if interrupted => return Ok(Some(Final::Interrupted)),
                StepStatus::Waiting if rests => return Ok(Some(Final::Waiting)),
                StepStatus::Waiting if last => return Ok(Some(Final::Waiting)),
                _ if last => return Ok(Some(Final::Failed)),
                _ => {}
            }
            if self.abort_due(cur) {
                return Ok(Some(Final::Aborted));
            }
            self.observer
                .with(|o| o.retrying(&path, attempt + 1, delay));
            let waited = Instant::now();
            let mut cancel = self.cancel.clone();
            let mut drain = self.drain.clone();
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = super::raised(&mut cancel) => {}
                _ = super::raised(&mut drain) => {}
                _ = self.aborts.until_asked(&cur.process_id) => {
                    return Ok(Some(Final::Aborted));
                }
            }
            // Paused meanwhile: the next attempt is a step that does not start.
            let paused = !self.draining()
                && !self.cancelled()
                && self.store.engine_state().await?.paused_at.is_some();
            if self.draining() || paused {
                if cur.branch.is_some() || (!paused && self.children != Children::Queue) {
                    self.rest(cur).await?;
                    return Ok(Some(Final::Waiting));
                }
                // Stopped while waiting to try again: the process rests until the next
                // attempt is due (at once when the engine runs again), and the attempts
                // its policy made still count.
                let left = if paused {
                    Duration::ZERO
                } else {
                    delay.saturating_sub(waited.elapsed())
                };
                let why = if paused {
                    paused_between_attempts(n, attempts)
                } else {
                    format!(
                        "{DRAINED_WAIT}; {POLICY_MARK} in {} (attempt {n} of {attempts})",
                        crate::domain::workflow::format_duration(left)
                    )
                };
                let mut end = StepEnd::new(
                    &step.name,
                    attempt + 1,
                    Instant::now(),
                    Attempt {
                        status: StepStatus::Waiting,
                        error: Some(why),
                        ..Attempt::ok(json!({}))
                    },
                );
                end.process_status = ProcessStatus::Waiting;
                end.retry_in = Some(left);
                self.commit(cur, cur.scoped(end)).await?;
                return Ok(Some(Final::Waiting));
            }
        }
        Ok(Some(Final::Failed))
    }

    /// Commits one step attempt: its log row, the process row, the subscription it
    /// changed and their events, in one transaction. Returns the step's final status,
    /// which is `failed` when the subscription the step left behind is invalid.
    pub(super) async fn commit(
        &self,
        cur: &mut Current,
        mut end: StepEnd<'_>,
    ) -> Result<StepStatus, Error> {
        let took = end.started.elapsed();
        let finished = crate::clock::now();
        let started_at = finished
            .checked_sub(jiff::SignedDuration::try_from(took).unwrap_or_default())
            .unwrap_or(finished);
        let mut pending = end.creates.take();
        // A step skipped by hand may set keys (`process skip --set`); every other
        // attempt that did not succeed changes nothing.
        let patch = if !matches!(
            end.outcome.status,
            StepStatus::Success | StepStatus::Skipped | StepStatus::AwaitingCallback
        ) {
            json!({})
        } else {
            self.scrub_patch(&mut end.outcome.patch);
            // A step that changes the subscription is validated, in a branch too: a
            // change found invalid only at the join would fail a step that retry never
            // runs again. A branch's changes are saved at the join, where they are merged
            // (DESIGN §13).
            let subscription_step = end.outcome.patch.get("subscription").is_some()
                || (cur.branch.is_none() && (end.author == Author::Orch || pending.is_some()));
            if !subscription_step {
                // The common case: patched in place, since copying a large state for
                // every step would cost more than the step. A failed commit ends the
                // drive, so a state patched ahead of its commit is never used.
                merge::apply_diff(Arc::make_mut(&mut cur.state), &end.outcome.patch)
            } else {
                // The subscription is validated before anything is kept: work on a copy.
                let mut new_state = (*cur.state).clone();
                merge::apply(&mut new_state, &end.outcome.patch);
                match self
                    .check_subscription(cur, &new_state, end.author, pending.is_some())
                    .await?
                {
                    Ok(p) => {
                        if p.is_some() && cur.branch.is_none() {
                            pending = p.map(Box::new);
                        }
                        if let (Some(p), Some(obj)) = (&pending, new_state.as_object_mut()) {
                            obj.insert("subscription".into(), p.new.to_json());
                        }
                        let d = merge::diff(&cur.state, &new_state);
                        cur.state = Arc::new(new_state);
                        d
                    }
                    Err(reason) => {
                        end.outcome = Attempt::failed(reason);
                        // A branch's failure is the join's to weigh.
                        end.process_status = if end.tries_again.is_some() || cur.branch.is_some() {
                            ProcessStatus::Running
                        } else {
                            ProcessStatus::Failed
                        };
                        pending = None;
                        json!({})
                    }
                }
            }
        };
        // Start logs the whole state: it moves into the row for the commit and back
        // after it, so a large initial state is not held twice.
        let patch = if end.whole_state {
            Arc::unwrap_or_clone(std::mem::take(&mut cur.state))
        } else {
            patch
        };
        let outcome = end.outcome;
        let row = StepRow {
            step_id: 0,
            name: end.name.to_string(),
            status: outcome.status,
            attempt: end.attempt,
            started_at: crate::clock::format(started_at),
            finished_at: crate::clock::format(finished),
            error: outcome.error.map(|e| self.scrub_text(e)),
            output: outcome.output.map(|o| self.scrub_text(o)),
            created_by: end.by.clone().unwrap_or_else(|| self.user.clone()),
            branch: cur.branch.clone(),
            state_patch: patch,
        };
        if let Some(p) = &pending {
            cur.subscription_id = Some(p.new.subscription_id.clone());
        }
        let failed_reason = match end.process_status {
            ProcessStatus::Failed | ProcessStatus::Waiting | ProcessStatus::Aborted => {
                row.error.clone()
            }
            // Suspended for its children: the reason names them (`shapes::waits_for_children`).
            ProcessStatus::Suspended | ProcessStatus::AwaitingCallback if end.awaits_children => {
                row.error.clone()
            }
            _ => None,
        };
        if row.status == StepStatus::Waiting && cur.branch.is_none() {
            cur.waits += 1;
        }
        let draining = *self.drain.borrow();
        let stopped_at_lapse = row.error.as_deref() == Some(LAPSE_STOPPED);
        // Only an attempt that did not succeed rests between two of its policy's.
        let paused_rest = end
            .tries_again
            .filter(|_| cur.branch.is_none() && row.status.is_retryable())
            .map(|(n, of)| paused_between_attempts(n, of));
        let committed = self
            .store
            .commit_step(StepCommit {
                process_id: cur.process_id.clone(),
                owner: super::owner::me().to_string(),
                subscription_id: cur.subscription_id.clone(),
                step: row,
                state: (!end.whole_state).then(|| cur.state.clone()),
                status: end.process_status,
                failed_reason,
                took,
                subscription: pending,
                // A rest its retry policy asked for keeps its delay when the orch
                // stops taking work: the next attempt is due when the policy says.
                retry_in: Some(
                    if (draining && end.retry_in.is_none()) || stopped_at_lapse {
                        Duration::ZERO
                    } else {
                        end.retry_in
                            .unwrap_or_else(|| crate::domain::process::retry_delay(cur.waits))
                    },
                ),
                rest: (draining && end.retry_in.is_none()).then(|| DRAINED.to_string()),
                awaits_children: end.awaits_children,
                claimed_from: cur.claimed_from,
                paused_rest,
            })
            .await?;
        cur.rested = end.process_status == ProcessStatus::Running
            && committed.status != ProcessStatus::Running;
        cur.committed = committed.status;
        cur.abort_asked |= committed.abort_asked;
        let mut row = committed.step;
        cur.last = Some((row.path(), row.status, row.error.clone()));
        cur.awaits_children = end.awaits_children;
        cur.awaits_lock = None;
        self.observer.with(|o| o.step_finished(&row, took));
        if end.whole_state {
            cur.state = Arc::new(std::mem::take(&mut row.state_patch));
        }
        Ok(outcome.status)
    }
}

impl Current {
    /// A step ending in a branch leaves the process running whatever its outcome: the
    /// group decides at the join what the process does.
    pub(super) fn scoped<'s>(&self, mut end: StepEnd<'s>) -> StepEnd<'s> {
        if self.branch.is_some() {
            end.process_status = ProcessStatus::Running;
        }
        end
    }
}

/// The shortest wait between two attempts of a retry policy that a worker spends with
/// the process at rest rather than holding it.
const POLICY_REST: Duration = Duration::from_secs(10);

/// How a step's log row says its process rests until its retry policy's next attempt.
const POLICY_MARK: &str = "the next attempt of its retry policy is due";

/// Why a process rests when the engine's pause came between attempt `n` and the next
/// of its step's retry policy (of `of` attempts): the next attempt counts the ones made.
fn paused_between_attempts(n: i64, of: i64) -> String {
    format!(
        "{}; {POLICY_MARK} when it runs again (attempt {n} of {of})",
        crate::store::PAUSED
    )
}

/// Why a step's process rests when its orch stopped taking work while the step waited
/// for its next attempt.
const DRAINED_WAIT: &str = "its orch stopped taking work while the step waited to try again";

/// How many attempts of its retry policy the step `name` (in `branch`) made before its
/// process came to rest between two of them: as its latest row says
/// (`… (attempt 2 of 5)`), or none when that row is no such rest.
fn policy_attempts_used(log: &[StepRow], branch: Option<&str>, name: &str) -> i64 {
    log.iter()
        .rev()
        .find(|r| r.name == name && r.branch.as_deref() == branch)
        .filter(|r| r.status == StepStatus::Waiting)
        .and_then(|r| r.error.as_deref())
        .and_then(|e| e.rsplit_once(POLICY_MARK))
        .and_then(|(_, rest)| {
            rest.rsplit_once("(attempt ")?
                .1
                .split_once(" of ")?
                .0
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// A branch marked running in its drive (see [`Current::running_guard`]).
pub(super) struct RunningBranch {
    set: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    path: String,
}

impl Drop for RunningBranch {
    fn drop(&mut self) {
        if let Ok(mut set) = self.set.lock() {
            set.remove(&self.path);
        }
    }
}

/// Whether the last row of step `name` in the branch of `cur` says it waits for input.
fn still_suspended(log: &[StepRow], cur: &Current, name: &str) -> bool {
    log.iter()
        .rev()
        .find(|r| r.name == name && r.in_branch(cur.branch.as_deref()))
        .is_some_and(|r| r.status == StepStatus::Suspend)
}

/// This orch's executable, for steps that call back into it; looked up once.
pub(super) fn orch_bin() -> Option<&'static str> {
    static BIN: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::current_exe()
            .ok()
            .map(|p| p.display().to_string())
    })
    .as_deref()
}
