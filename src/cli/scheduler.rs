//! `orch scheduler run`: the foreground service that runs due tasks and retries waiting
//! processes with backoff, one log line per event on stderr, until Ctrl-C or SIGTERM.
//!
//! Each pass re-reads the workflow files, so their edits apply without a restart
//! (orch.toml is read once, at start). Due runs are claimed in the database (see
//! `schedule::claim`), so several schedulers may share one database. On a signal the
//! step in flight is stopped and recorded as failed; its process stays retryable.

use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::Ctx;
use super::drive::cancel_on_signals;
use super::lookup::Task;
use crate::domain::workflow::WorkflowDef;
use crate::engine::runner::{Final, Observer, Quiet};
use crate::error::{Error, Kind, Result};
use crate::forms::FormType;
use crate::schedule::claim::{self, Scheduled, claim_due};
use crate::schedule::{NextRun, Spec};
use crate::store::Store;
use crate::store::workers::{EngineState, Runnable};
use crate::tasks::{self, TaskEnv, outcome_word, waiting};
use crate::ui::Printer;
use crate::ui::progress::StepProgress;

const RUN_HELP: &str = "\
Each event is one line on stderr: a task started or finished (with its process id and \
outcome), a waiting process retried. Schedules come from [schedule] tables in workflow \
files and [schedule.NAME] tables in orch.toml (for built-in tasks). A schedule that never \
ran is due at once; one that was missed while no scheduler ran runs once, not once per miss. \
Schedulers sharing a database never run the same due task twice.

Waiting processes are retried a minute after they start waiting, then with a doubling \
delay of at most an hour; one waiting for a lock is retried when the lock frees for it \
(the scheduler wakes on every commit). A process awaiting a callback past its deadline is \
picked up too: its step fails (`callback timed out after …`).

Exit codes: 0 when it ran what was due (how each process ended is in its log line and \
in `orch process list`: a process that failed or waits is not the scheduler's failure), \
1 when it could not start or run one (a store error, a broken task: a workflow file \
that does not load may be one, and so is a form its defaults do not answer), 130 when --once \
was interrupted; without --once, 0 after a clean stop on Ctrl-C or SIGTERM. With -o json, \
--once prints {\"ran\": [{\"id\", \"workflow\", \"outcome\", \"error\"}]} as `orch worker --once` does.";

#[derive(Debug, Subcommand)]
pub enum SchedulerCommand {
    /// Run due tasks and retry waiting processes until Ctrl-C or SIGTERM
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run what is due now, then exit (for cron or CI)
    #[arg(long)]
    pub once: bool,
    /// Leave waiting processes alone
    #[arg(long)]
    pub no_retry_waiting: bool,
}

pub fn run(ctx: &mut Ctx, cmd: SchedulerCommand) -> Result<()> {
    match cmd {
        SchedulerCommand::Run(args) => serve(ctx, args),
    }
}

/// The longest sleep between passes, so new files and waiting processes are seen.
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// The shortest time between passes, however many events wake the scheduler.
const MIN_PASS: Duration = Duration::from_millis(200);

fn serve(ctx: &mut Ctx, args: RunArgs) -> Result<()> {
    ctx.store()?;
    let ctx: &Ctx = ctx;
    let (store, rt) = ctx.opened()?;
    let mut observer: Box<dyn Observer> = if ctx.printer.verbose > 0 {
        Box::new(StepProgress::lines(ctx.printer.clone()))
    } else {
        Box::new(Quiet)
    };
    let worst = rt.block_on(async {
        let (cancel, signals) = cancel_on_signals();
        let mut s = Scheduler {
            ctx,
            store,
            observer: observer.as_mut(),
            cancel: cancel.clone(),
            retry_waiting: !args.no_retry_waiting,
            worst: None,
            problems: String::new(),
            said_paused: false,
            // Only `--once` prints what it ran; a scheduler that runs on keeps no list
            // that would grow with every run for as long as it runs.
            ran: args.once.then(Vec::new),
        };
        let result = s.serve(args.once).await;
        signals.abort();
        result.map(|()| (s.worst, s.ran.unwrap_or_default()))
    });
    let (worst, ran) = worst?;
    if !args.once {
        return Ok(());
    }
    log(
        &ctx.printer,
        &format!(
            "scheduler: done, {}",
            crate::ui::count(
                ran.iter().filter(|r| !r.id.is_null()).count() as i64,
                "run",
                "runs"
            )
        ),
    );
    if ctx.printer.is_json() {
        ctx.printer.json(&json!({ "ran": ran }))?;
    }
    match worst {
        None => Ok(()),
        Some(kind) => Err(Error::silent(kind)),
    }
}

/// One line on stderr, stamped with the time.
fn log(printer: &Printer, message: &str) {
    let now = crate::clock::now().strftime("%Y-%m-%dT%H:%M:%SZ");
    printer.status(&format!("{now} {message}"));
}

/// How bad an outcome is for the exit code of `--once`.
fn severity(kind: Kind) -> u8 {
    match kind {
        Kind::Waiting => 1,
        Kind::Suspended => 2,
        Kind::StepFailed => 3,
        Kind::Interrupted => 5,
        _ => 4,
    }
}

struct Scheduler<'a> {
    ctx: &'a Ctx,
    store: &'a Store,
    observer: &'a mut dyn Observer,
    cancel: tokio::sync::watch::Receiver<bool>,
    retry_waiting: bool,
    /// The worst outcome so far (`--once` exits with it).
    worst: Option<Kind>,
    /// The definition problems last reported, so a broken file is reported once.
    problems: String,
    /// The engine was paused at the last pass (said once, not every pass).
    said_paused: bool,
    /// What this scheduler ran (or could not start), for `--once -o json`; None
    /// without `--once`.
    ran: Option<Vec<Ran>>,
}

/// A run as `--once -o json` prints it, in the shape of `orch worker --once`'s: the
/// process (null when the run could not start), its workflow, how it ended (null on an
/// error) and the error.
#[derive(serde::Serialize)]
struct Ran {
    id: Value,
    workflow: String,
    outcome: Option<&'static str>,
    error: Option<String>,
}

impl Scheduler<'_> {
    /// Notes a run for `--once -o json`.
    fn record(&mut self, ran: Ran) {
        if let Some(list) = &mut self.ran {
            list.push(ran);
        }
    }

    fn log(&self, message: &str) {
        log(&self.ctx.printer, message);
    }

    fn cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    fn note(&mut self, kind: Option<Kind>) {
        if let Some(k) = kind {
            if self.worst.is_none_or(|w| severity(k) > severity(w)) {
                self.worst = Some(k);
            }
        }
    }

    async fn serve(&mut self, once: bool) -> Result<()> {
        if !once {
            self.log(&format!(
                "scheduler started on {} (pid {})",
                self.store.location().describe(),
                std::process::id()
            ));
        }
        loop {
            let now = crate::schedule::now()?;
            let wake = self.pass(now).await;
            if self.cancelled() {
                self.note(Some(Kind::Interrupted).filter(|_| once));
                self.log("scheduler stopped (Ctrl-C or SIGTERM)");
                return Ok(());
            }
            if once {
                return Ok(());
            }
            let now = crate::schedule::now()?;
            let sleep = wake
                .map(|w| Duration::try_from(w.duration_since(now)).unwrap_or_default())
                .unwrap_or(MAX_SLEEP)
                .clamp(MIN_PASS, MAX_SLEEP);
            // A commit may make a process due before then (a lock that frees for the
            // next in line): new events wake the scheduler early.
            let seq = self.store.last_seq().await.unwrap_or(i64::MAX);
            let mut cancel = self.cancel.clone();
            tokio::select! {
                _ = self.store.wait_for_events(seq, sleep) => {}
                _ = crate::engine::raised(&mut cancel) => {}
            }
            tokio::time::sleep(MIN_PASS).await;
        }
    }

    /// Runs what is due at `now`; returns when the next thing falls due.
    async fn pass(&mut self, now: Timestamp) -> Option<Timestamp> {
        let tasks = match self.ctx.tasks() {
            Ok((tasks, diags)) => {
                // A file that does not load may be a scheduled task that never runs:
                // `--once` (run from cron) says so in its exit code.
                if !diags.is_empty() {
                    self.note(Some(Kind::Failure));
                }
                let problems: Vec<String> = diags.iter().map(ToString::to_string).collect();
                let problems = problems.join("\n");
                if problems != self.problems {
                    for p in problems.lines() {
                        self.ctx.printer.warn(p);
                    }
                    self.problems = problems;
                }
                tasks
            }
            Err(e) => {
                self.log(&format!("cannot read the tasks: {}", e.message));
                self.note(Some(Kind::Failure));
                Vec::new()
            }
        };
        let mut wake: Option<Timestamp> = None;
        let mut earliest = |t: Timestamp| {
            if wake.is_none_or(|w| t < w) {
                wake = Some(t);
            }
        };
        // A paused engine starts nothing: a due task stays due until it runs again.
        let paused = matches!(
            self.store.engine_state().await,
            Ok(EngineState {
                paused_at: Some(_),
                ..
            })
        );
        if paused && !self.said_paused {
            self.log("the engine is paused: no task starts until `orch engine resume`");
        }
        self.said_paused = paused;
        for task in &tasks {
            if self.cancelled() {
                return None;
            }
            let Some(Ok(spec)) = task.schedule.as_ref().map(Spec::from_def) else {
                continue;
            };
            if !paused {
                self.run_if_due(task, &spec, now).await;
            }
            let stored = self
                .store
                .schedule(&task.def.name)
                .await
                .ok()
                .flatten()
                .and_then(|r| r.last_run_at);
            let last = crate::schedule::last_run(stored.as_deref(), now);
            if let NextRun::At(t) = spec.next_due(last) {
                earliest(t);
            }
        }
        if self.retry_waiting {
            // Each waiting process at most once a pass, whichever clock `now` is.
            let began = crate::clock::now_text();
            while !self.cancelled() {
                if !self.retry_next(now, &began).await {
                    break;
                }
            }
            if self.cancelled() {
                return None;
            }
            match waiting::retry_times(self.store).await {
                Ok(list) => list
                    .into_iter()
                    .filter(|(_, at)| *at > now)
                    .for_each(|(_, at)| earliest(at)),
                Err(e) => self.log(&format!("cannot list waiting processes: {}", e.message)),
            }
        }
        wake
    }

    async fn run_if_due(&mut self, task: &Task, spec: &Spec, now: Timestamp) {
        let name = &task.def.name;
        let state = match self.first_state(task, spec, now).await {
            Ok(Some(state)) => state,
            Ok(None) => return,
            Err(why) => {
                self.log(&format!("task {name} not started: {why}"));
                self.note(Some(Kind::Failure));
                self.record(Ran {
                    id: Value::Null,
                    workflow: name.clone(),
                    outcome: None,
                    error: Some(why),
                });
                return;
            }
        };
        let scheduled = Scheduled {
            def: &task.def,
            source: &task.source,
            spec,
            state: &state,
        };
        let user = self.ctx.user().to_string();
        let id = match claim_due(self.store, &scheduled, now, &user, self.ctx.settings.lease).await
        {
            Ok(Some(id)) => id,
            Ok(None) => return,
            Err(e) => {
                self.log(&format!("task {name} not started: {}", e.message));
                self.note(Some(Kind::Failure));
                return;
            }
        };
        self.log(&format!("task {name} started: process {id}"));
        let started = Instant::now();
        let outcome = self.drive(&id, &task.def, now).await;
        let took = crate::domain::workflow::format_duration(started.elapsed());
        match outcome {
            Ok(f) => {
                self.log(&format!(
                    "task {name} finished: process {id} {} ({took})",
                    outcome_word(f)
                ));
            }
            Err(ref e) => {
                self.log(&format!(
                    "task {name} finished: process {id} error: {}",
                    e.message
                ));
                self.note(Some(Kind::Failure));
            }
        }
        self.record(Ran {
            id: Value::String(id),
            workflow: name.clone(),
            outcome: outcome.as_ref().ok().map(|f| outcome_word(*f)),
            error: outcome.err().map(|e| e.message),
        });
    }

    /// The first state of a due run: the task's form answered with its defaults and
    /// checked as `task run` checks answers (secrets come from the environment when a
    /// step needs them, as for a queued run). None when the run is not due; Err says
    /// why it cannot start (no process is created, and the run stays due).
    async fn first_state(
        &self,
        task: &Task,
        spec: &Spec,
        now: Timestamp,
    ) -> std::result::Result<Option<Value>, String> {
        let def = &task.def;
        if def.form.is_empty() {
            return Ok(Some(json!({})));
        }
        let due = claim::is_due(self.store, &def.name, spec, now).await;
        if !due.map_err(|e| e.message)? {
            return Ok(None);
        }
        let mut pages = def.form.clone();
        for field in pages.iter_mut().flat_map(|page| page.fields.iter_mut()) {
            if field.field_type == FormType::Secret {
                field.required = false;
            }
        }
        let root = &self.ctx.project.root;
        let db = self.store.location().for_steps();
        let choices = crate::engine::choices::prefetch(self.store, root, db, &pages)
            .await
            .map_err(|e| e.message)?;
        let answers = crate::forms::collect(&pages, &Map::new(), &json!({}), &choices, None)
            .map_err(|e| {
                format!(
                    "its form cannot be answered with its defaults ({e}); give each required field of {} a valid `default`, or make it optional",
                    task.source
                )
            })?;
        let (answers, _secrets) = super::answers::split_secrets(&pages, answers);
        Ok(Some(crate::engine::start::initial_state(answers)))
    }

    /// Claims and retries one waiting process whose time has come, as a worker
    /// would; false when there is none.
    async fn retry_next(&mut self, now: Timestamp, began: &str) -> bool {
        let ctx = self.ctx;
        let quiet = |_: &str| {};
        let config = crate::worker::Config {
            project: &ctx.project,
            db: crate::engine::runner::StepDb::of(self.store),
            user: ctx.user().to_string(),
            step_timeout: ctx.settings.step_timeout,
            kill_grace: ctx.settings.grace,
            log: &quiet,
            verbose: false,
            lease: ctx.settings.lease,
            children: crate::engine::runner::Children::Drive,
            callback_url: ctx.settings.callback_url.clone(),
            vault: None,
        };
        let outcome = crate::worker::claim_and_drive(
            self.store,
            &config,
            Runnable::WaitingDueAt {
                at: &crate::clock::format(now),
                rested_before: began,
            },
            self.cancel.clone(),
        )
        .await;
        let o = match outcome {
            Ok(Some(o)) => o,
            Ok(None) => return false,
            Err(e) => {
                self.log(&format!("cannot retry waiting processes: {}", e.message));
                self.note(Some(Kind::Failure));
                return false;
            }
        };
        let (id, workflow) = (&o.process_id, &o.workflow);
        let line = match (o.end, &o.error) {
            (Some(f), _) => {
                let mut line = format!("process {id} ({workflow}) retried: {}", outcome_word(f));
                if let Some(why) = crate::worker::why_at_rest(self.store, id, f).await {
                    line.push_str(&format!(": {why}"));
                }
                line
            }
            (None, e) => format!(
                "process {id} ({workflow}) retried: error: {}",
                e.as_deref().unwrap_or_default()
            ),
        };
        self.record(Ran {
            id: Value::String(o.process_id.clone()),
            workflow: o.workflow.clone(),
            outcome: o.end.map(outcome_word),
            error: o.error.clone(),
        });
        self.log(&line);
        if o.end.is_none() {
            self.note(Some(Kind::Failure));
        }
        true
    }

    /// Drives a claimed task run.
    async fn drive(&mut self, id: &str, def: &WorkflowDef, now: Timestamp) -> Result<Final> {
        let ctx = self.ctx;
        let env_log = |m: &str| log(&ctx.printer, m);
        let env = TaskEnv {
            project: &ctx.project,
            now,
            log: &env_log,
        };
        let mut engine = ctx.settings.engine(
            ctx.project.root.clone(),
            self.store,
            &mut *self.observer,
            self.cancel.clone(),
            Default::default(),
        );
        let lease = ctx.settings.lease;
        let asked = crate::engine::abort_request::AbortRequests::default();
        engine.aborts = asked.watch();
        tokio::select! {
            r = tasks::drive(&mut engine, &env, id, def, Default::default()) => r,
            e = crate::engine::lease::keep(self.store, lease, &asked) => Err(e),
        }
    }
}
