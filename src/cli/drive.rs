//! Running a process from the command line, whichever command claimed it (`workflow
//! run`, `task run`, `process retry|resume|skip`): the runtime, Ctrl-C and SIGTERM, the
//! step lines, the report of how it ended and its exit code (DESIGN §9), and `--detach`.
//!
//! The engine knows nothing of terminals; this is where its outcome meets the operator.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::pending::Pending;
use super::{Ctx, Settings};
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{Target, WorkflowDef};
use crate::engine::owner;
use crate::engine::runner::{Answers, Children, Engine, Final, Observer, Quiet, Recorded, Watch};
use crate::error::{Error, Kind, Result};
use crate::shapes::waits::{CallbackWait, ChildrenWait, LockWait};
use crate::shapes::waits_for_children;
use crate::store::Store;
use crate::store::processes::{ProcessRow, StepRow};
use crate::ui::progress::StepProgress;

impl Settings {
    /// An engine with these settings, for a project rooted at `root`.
    pub fn engine<'a>(
        &self,
        root: PathBuf,
        store: &'a Store,
        observer: &'a mut dyn Observer,
        cancel: tokio::sync::watch::Receiver<bool>,
        secrets: Map<String, Value>,
    ) -> Engine<'a> {
        // A command never stops taking work half-way; only a worker drains.
        let (_, drain) = tokio::sync::watch::channel(false);
        Engine {
            store,
            root,
            db: crate::engine::runner::StepDb::of(store),
            drain,
            lease: self.lease,
            // A command renews its leases on its own thread between steps (see
            // `lease::keep`); only workers stop at a lapsed lease.
            lease_clock: None,
            aborts: crate::engine::abort_request::AbortWatch::none(),
            user: self.user.clone(),
            default_timeout: self.step_timeout,
            grace: self.grace,
            observer: Watch::new(observer),
            cancel,
            secrets,
            // Run by hand, the command may be the only orch there is: it drives the
            // children of the process too.
            children: Children::Drive,
            callback_url: self.callback_url.clone(),
        }
    }
}

/// A flag that turns true on Ctrl-C, SIGTERM or SIGHUP ([`crate::signals`]); call
/// inside a runtime, abort the handle when done.
pub fn cancel_on_signals() -> (
    tokio::sync::watch::Receiver<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let signals = tokio::spawn(async move {
        match crate::signals::Stops::listen() {
            Ok(mut stops) => stops.next().await,
            Err(_) => std::future::pending::<()>().await,
        }
        let _ = tx.send(true);
    });
    (rx, signals)
}

/// How a command wants its process driven.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--form`: at a terminal, an input step reached on the way is asked, and the
    /// process goes on, instead of stopping with exit 4.
    pub form: bool,
    /// The process runs the definition it started with while its workflow file says
    /// something else: a failure then points at `--use-current`.
    pub file_differs: bool,
    /// This command started the process (`workflow run`): the subscription a create
    /// workflow made is announced as created; a retry or resume only names it.
    pub started_here: bool,
    /// The orch whose process this command took over (it died, or its lease ran out
    /// mid-step): the step it left unfinished is logged as cut off (`waiting`), as a
    /// worker's takeover logs it, before the process runs on.
    pub taken_over_from: Option<String>,
}

/// The owner a claimed process was taken over from: it was `running` in an orch that
/// is gone (a claim takes such a process only when its owner is gone).
pub fn taken_over_from(seen: &ProcessRow) -> Option<String> {
    (seen.status == ProcessStatus::Running)
        .then(|| seen.owner.clone())
        .flatten()
}

/// Drives a claimed process until it comes to rest, reports how it ended and turns
/// that into the exit code of DESIGN §9.
pub fn drive(
    ctx: &mut Ctx,
    id: &str,
    def: &WorkflowDef,
    mut input: Answers,
    mut secrets: Map<String, Value>,
    mut opts: Options,
) -> Result<()> {
    // Tokens handed out by any round of the drive (it goes round again after `--form`).
    let mut tokens = Vec::new();
    loop {
        let round = Round {
            input: std::mem::take(&mut input),
            secrets: secrets.clone(),
            taken_over_from: opts.taken_over_from.take(),
        };
        let (outcome, handed) = drive_once(ctx, id, def, round)?;
        tokens.extend(handed);
        if matches!(outcome, Final::AwaitingCallback | Final::Suspended)
            && answered_meanwhile(ctx, id)?
        {
            // An answer came in while this command ran the process (another branch's
            // token, answered at the same time), and its answerer left it to us: go on
            // with it, unless someone else has taken the process meanwhile.
            let rest = [ProcessStatus::AwaitingCallback, ProcessStatus::Suspended];
            let lease = ctx.settings.lease;
            if let Ok(owner::Claim::Claimed(_)) =
                ctx.db(async |s| owner::claim(s, id, &rest, lease).await)
            {
                continue;
            }
        }
        if outcome == Final::Suspended && opts.form && crate::forms::can_prompt() {
            let (p, steps) = process_and_steps(ctx, id, true)?;
            let pending = Pending::all(&p, def, &steps);
            if !pending.is_empty() {
                // Each step that waits is asked in turn (the branches of a group).
                for w in &pending {
                    let (answers, more) =
                        super::pending::answer(w, ctx, &Map::new(), &w.state, true).map_err(|e| match e.kind {
                            Kind::Interrupted => Error::new(
                                Kind::Interrupted,
                                format!(
                                    "interrupted at a prompt; process {id} stays suspended at step `{}`",
                                    w.step
                                ),
                            )
                            .with_hint(w.hint(id)),
                            _ => e,
                        })?;
                    secrets.extend(more);
                    if !w.secrets_only {
                        input.insert(w.step.clone(), answers);
                    }
                }
                claim(ctx, id, &[ProcessStatus::Suspended], "resumed")?;
                continue;
            }
        }
        return report(ctx, id, def, outcome, &tokens, opts);
    }
}

/// Whether the process at rest holds an answer to one of its callbacks that no run
/// has taken yet.
fn answered_meanwhile(ctx: &mut Ctx, id: &str) -> Result<bool> {
    let (p, steps) = process_and_steps(ctx, id, true)?;
    if p.owner.is_some() {
        return Ok(false);
    }
    let wait = ctx.db(async |s| CallbackWait::of(s, &p, &steps).await)?;
    Ok(wait.is_some_and(|w| w.answered))
}

/// What one round of [`drive`] starts with.
struct Round {
    input: Answers,
    secrets: Map<String, Value>,
    taken_over_from: Option<String>,
}

fn drive_once(
    ctx: &mut Ctx,
    id: &str,
    def: &WorkflowDef,
    round: Round,
) -> Result<(Final, Vec<(String, String)>)> {
    let Round {
        input,
        secrets,
        taken_over_from,
    } = round;
    let plan = crate::engine::plan::plan(def);
    let mut observer =
        StepProgress::new(ctx.printer.clone()).numbered(plan.into_iter().map(|s| s.name).collect());
    let project = ctx.project.clone();
    let printer = ctx.printer.clone();
    let log = |m: &str| printer.status(m);
    let env = crate::tasks::TaskEnv {
        project: &project,
        now: crate::schedule::now()?,
        log: &log,
    };
    let settings = ctx.settings.clone();
    ctx.db(async |store| {
        let (cancel, signals) = cancel_on_signals();
        let mut engine =
            settings.engine(project.root.clone(), store, &mut observer, cancel, secrets);
        let asked = crate::engine::abort_request::AbortRequests::default();
        engine.aborts = asked.watch();
        let renew = crate::engine::lease::keep(store, settings.lease, &asked);
        let run = async {
            if let Some(from) = &taken_over_from
                && let Some(mut p) = store.process(id).await?
            {
                engine.note_takeover(&mut p, def, from).await?;
            }
            crate::tasks::drive(&mut engine, &env, id, def, input).await
        };
        let r = tokio::select! {
            r = run => r,
            e = renew => Err(e),
        };
        signals.abort();
        r
    })
    .map_err(|e| retry_when_back(e, id))
    .map(|outcome| (outcome, std::mem::take(&mut observer.handed_tokens)))
}

/// A database that went away mid-drive left the process running without an orch:
/// the hint names the command that finishes it.
fn retry_when_back(e: Error, id: &str) -> Error {
    if !crate::store::is_unavailable(&e) || e.hints.iter().any(|h| h.contains(id)) {
        return e;
    }
    e.with_hint(format!(
        "once the database is back, `orch process retry {id}` finishes the process (the step in flight runs again)"
    ))
}

/// Commits a step a command decided (`process abort`, `process skip`) through the
/// engine's own commit, so the rules of every step hold for it.
pub fn record(ctx: &mut Ctx, process: &mut ProcessRow, r: Recorded<'_>) -> Result<StepStatus> {
    with_engine(ctx, async |engine| engine.record(process, r).await)
}

/// Runs `f` with an engine that drives nothing and shows nothing, for a command that
/// changes a process by hand (an abort, a skip) under the engine's rules.
pub fn with_engine<T>(ctx: &mut Ctx, f: impl AsyncFnOnce(&Engine<'_>) -> Result<T>) -> Result<T> {
    let settings = ctx.settings.clone();
    let root = ctx.project.root.clone();
    ctx.db(async |store| {
        let (_keep, cancel) = tokio::sync::watch::channel(false);
        let mut quiet = Quiet;
        let engine = settings.engine(root, store, &mut quiet, cancel, Map::new());
        f(&engine).await
    })
}

/// A process and its step log, read again after a drive.
/// The process, and its step log when `with_steps` (an empty list otherwise: the log
/// of a long workflow is the largest thing a drive would read at its end).
fn process_and_steps(
    ctx: &mut Ctx,
    id: &str,
    with_steps: bool,
) -> Result<(ProcessRow, Vec<StepRow>)> {
    ctx.db(async |s| {
        let p = s
            .process(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("no process {id}")))?;
        let steps = if with_steps {
            s.steps(id).await?
        } else {
            Vec::new()
        };
        Ok::<_, Error>((p, steps))
    })
}

/// The parent of the child process `p` when it rests waiting for its children, with
/// the command that moves it on now that `p` came to rest: nothing but a worker, a
/// retry or a resume does (DESIGN §13).
pub fn resting_parent(ctx: &mut Ctx, p: &ProcessRow) -> Result<Option<(ProcessRow, &'static str)>> {
    let Some(parent_id) = &p.parent_id else {
        return Ok(None);
    };
    let parent = ctx.db(async |s| s.process(parent_id).await)?;
    Ok(parent
        .filter(waits_for_children)
        .and_then(|q| match q.status {
            // Failed for this child (retried on its own): a retry of the parent finds
            // it at rest and goes on, but a failed process waits for a person to say so.
            ProcessStatus::Waiting | ProcessStatus::Failed => Some((q, "retry")),
            ProcessStatus::Suspended | ProcessStatus::AwaitingCallback => Some((q, "resume")),
            _ => None,
        }))
}

/// Says how a drive ended and what to do next. With `-q` the outcome is an error
/// message (unless it completed): the failed step, its error and the end of its
/// stderr, with the process id, since no step line was shown.
/// `tokens` are those that callback steps without `run` handed out in this drive (one
/// per branch that has one), by step path: only this report shows them.
fn report(
    ctx: &mut Ctx,
    id: &str,
    def: &WorkflowDef,
    outcome: Final,
    tokens: &[(String, String)],
    opts: Options,
) -> Result<()> {
    // A completed drive has no failed, pending or waiting step to look for.
    let (p, steps) = process_and_steps(ctx, id, outcome != Final::Completed)?;
    let created = match (&p.subscription_id, def.target) {
        (Some(sid), Target::Create) => ctx.db(async |s| s.subscription(sid).await)?,
        _ => None,
    };
    let failed_step = steps.iter().rev().find(|s| s.status.is_retryable());
    let mut hints = Vec::new();
    let mut kind_at_rest = None;
    let (headline, detail) = match outcome {
        Final::Completed => {
            // A child answered by hand: nothing but a worker, a retry or a resume moves
            // its parent on, so say which.
            if let Some((parent, verb)) = resting_parent(ctx, &p)? {
                let parent_id = &parent.process_id;
                hints.push(format!(
                    "its parent process {parent_id} ({}) goes on with `orch process {verb} {parent_id}`{}",
                    parent.workflow,
                    if parent.status == ProcessStatus::Failed {
                        ", as it failed with this child"
                    } else {
                        " (a worker does by itself)"
                    }
                ));
            }
            (format!("process {id} completed"), None)
        }
        Final::Suspended | Final::AwaitingCallback
            if waits_for_children(&p) && Pending::all(&p, def, &steps).is_empty() =>
        {
            // Nothing goes on by itself: someone must answer a child (DESIGN §9, exit 4,
            // §13: the parent rests as its children do), then the parent goes on.
            let rest = ctx.db(async |s| ChildrenWait::of(s, &p).await)?;
            let named = match rest {
                Some(rest) => {
                    hints.extend(rest.hints(id, "resume"));
                    format!(": {}", rest.describe())
                }
                None => String::new(),
            };
            (
                format!(
                    "process {id} is {}: its child processes await input or a callback{named}",
                    p.status.in_words()
                ),
                None,
            )
        }
        Final::Suspended => {
            let pending = Pending::all(&p, def, &steps);
            let detail = match pending.as_slice() {
                [] => None,
                [one] => Some(format!("at step `{}`", one.step)),
                many => Some(format!(
                    "at {} steps: {}",
                    many.len(),
                    many.iter()
                        .map(|w| format!("`{}`", w.step))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            match pending.first() {
                None => hints.push(format!(
                    "`orch process resume {id} --form` (or --input key=value)"
                )),
                Some(w) if pending.len() == 1 => hints.push(w.hint(id)),
                Some(w) => hints.push(format!(
                    "`{}` answers one of them; `orch process resume {id} --form` asks each in turn",
                    w.resume_command(id)
                )),
            }
            (format!("process {id} is suspended, awaiting input"), detail)
        }
        Final::Waiting if waits_for_children(&p) => {
            match ctx.db(async |s| ChildrenWait::of(s, &p).await)? {
                None => {
                    hints.extend(crate::shapes::next_hint(&p));
                    (
                        format!("process {id} is waiting for its child processes"),
                        failed_step.map(step_failure),
                    )
                }
                Some(rest) => {
                    // Nothing goes on by itself: someone must answer a child (DESIGN §9,
                    // exit 4), or free the lock a child queues for; then the parent
                    // goes on.
                    if !rest.people.is_empty() {
                        kind_at_rest = Some(Kind::Suspended);
                    }
                    let what = match (rest.people.is_empty(), rest.locked.is_empty()) {
                        (true, _) => "which wait for locks their holders keep",
                        (false, true) => "which await input or a callback",
                        (false, false) => {
                            "which await input or a callback, or wait for locks their holders keep"
                        }
                    };
                    hints.extend(rest.hints(id, "retry"));
                    (
                        format!(
                            "process {id} is waiting for its child processes, {what}: {}",
                            rest.describe()
                        ),
                        None,
                    )
                }
            }
        }
        Final::AwaitingCallback => match ctx.db(async |s| CallbackWait::of(s, &p, &steps).await)? {
            Some(w) => {
                if tokens.is_empty() || w.answered || w.timed_out {
                    hints.push(w.hint(id));
                }
                (
                    format!("process {id} is awaiting a callback"),
                    Some(w.describe().replacen("waiting for a callback ", "", 1)),
                )
            }
            None => (format!("process {id} is awaiting a callback"), None),
        },
        Final::Waiting => match ctx.db(async |s| LockWait::of(s, &p).await)? {
            Some(w) => {
                hints.push(w.hint(id));
                (
                    format!("process {id} is waiting for a lock"),
                    Some(format!(
                        "at step `{}`: {}",
                        p.last_step.clone().unwrap_or_default(),
                        w.describe()
                    )),
                )
            }
            None if crate::store::rests_paused(p.failed_reason.as_deref()) => {
                hints.extend(crate::shapes::next_hint(&p));
                (
                    format!("process {id} is waiting: the engine is paused"),
                    None,
                )
            }
            None => {
                hints.push(format!("`orch process retry {id}` when the cause is gone"));
                (
                    format!("process {id} is waiting after a transient failure"),
                    failed_step.map(step_failure),
                )
            }
        },
        Final::Failed => {
            hints.push(format!(
                "see `orch process show {id}`; fix the cause, then `orch process retry {id}`"
            ));
            if opts.file_differs {
                hints.push(format!(
                    "the workflow file changed since the process started, and this ran the definition it started with; `orch process retry {id} --use-current` runs the file as it is now"
                ));
            }
            (
                format!("process {id} failed"),
                failed_step.map(step_failure),
            )
        }
        Final::Interrupted => {
            hints.push(crate::shapes::resume_interrupted_hint(id));
            (
                format!("process {id} interrupted; it stays resumable"),
                None,
            )
        }
        Final::Aborted => {
            hints.push(format!("see what it did with `orch process show {id}`"));
            (
                format!(
                    "process {id} was {}",
                    crate::engine::abort::aborted_how(&steps)
                ),
                None,
            )
        }
    };
    if outcome == Final::Waiting {
        // A branch beside the one that waits awaits input: it is answered in place.
        hints.extend(
            Pending::answerable(&p, def, &steps)
                .iter()
                .map(|w| w.hint(id)),
        );
    }
    if outcome != Final::Completed {
        // In the order of the workflow, not in the order branches happened to commit.
        let mut tokens = tokens.to_vec();
        tokens.sort_by_key(|(path, _)| crate::domain::path::natural_key(path));
        for (path, t) in tokens {
            hints.push(format!(
                "step `{path}` has no `run` to hand its token on, so here it is, once: the external system answers with `orch process callback {id} --token {t} --input-file answer.json` (or POST /api/v1/callbacks/{t})"
            ));
        }
    }
    let kind = kind_at_rest.or(outcome.error_kind());
    let pr = &ctx.printer;
    if let (Some(kind), true) = (kind, pr.quiet) {
        let mut e = Error::new(
            kind,
            match &detail {
                Some(d) => format!("{headline} {d}"),
                None => headline,
            },
        );
        // A group's row has no stderr of its own; its failed branch step has.
        let with_output = steps
            .iter()
            .rev()
            .find(|s| s.status.is_retryable() && s.output.is_some());
        if let Some(tail) = with_output.and_then(|s| s.output.as_deref()) {
            e = e.with_cause(format!(
                "its stderr ends with:\n{}",
                crate::ui::last_lines(tail, crate::ui::progress::STDERR_LINES).join("\n")
            ));
        }
        return Err(hints.into_iter().fold(e, Error::with_hint));
    }
    pr.status(&headline);
    if let (Some(s), false) = (&created, pr.is_json()) {
        let verb = if opts.started_here { " created" } else { "" };
        pr.status(&format!(
            "subscription {}{verb}: {}, {}",
            s.subscription_id, s.description, s.status
        ));
    }
    for h in &hints {
        pr.hint(h);
    }
    match kind {
        None => Ok(()),
        Some(kind) => Err(Error::silent(kind)),
    }
}

/// `at step `Ping`: `./ping.sh` exited with status 1`.
fn step_failure(s: &StepRow) -> String {
    match &s.error {
        Some(e) => format!("at step `{}`: {e}", s.path()),
        None => format!("at step `{}`", s.path()),
    }
}

/// Claims a process for this orch: refuses a live owner, takes over a stale one.
pub fn claim(ctx: &mut Ctx, id: &str, allowed: &[ProcessStatus], done: &str) -> Result<ProcessRow> {
    let lease = ctx.settings.lease;
    let outcome = ctx.db(async |s| owner::claim(s, id, allowed, lease).await)?;
    owner::claimed(outcome, id, done)
}

/// [`claim`] for a change that starts no step (an abort, an answer recorded for a
/// worker), which a paused engine does not stop.
pub fn claim_no_step(
    ctx: &mut Ctx,
    id: &str,
    allowed: &[ProcessStatus],
    done: &str,
) -> Result<ProcessRow> {
    let lease = ctx.settings.lease;
    let outcome = ctx.db(async |s| owner::claim_to_end(s, id, allowed, lease).await)?;
    owner::claimed(outcome, id, done)
}

pub use crate::shapes::next_hint;

/// Re-launches orch in the background to drive a created process.
///
/// Secrets go to the child in its environment (`ORCH_SECRET_<NAME>`), never on its
/// command line, where any user could read them; so does the database, whose address
/// may hold a password.
pub fn detach(ctx: &mut Ctx, id: &str, secrets: &Map<String, Value>) -> Result<()> {
    let exe = std::env::current_exe()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--dir")
        .arg(&ctx.project.root)
        .env("ORCH_DB", ctx.location().for_steps())
        .arg("--user")
        .arg(ctx.user())
        .arg("-q")
        .args(["process", "drive", id])
        .envs(secrets.iter().map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (crate::forms::secret_env_var(k), text)
        }))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd.spawn()
        .map_err(|e| Error::failure(format!("cannot start orch in the background: {e}")))?;
    if ctx.printer.is_json() {
        // The process as it was handed over (a script follows it with `process show`),
        // in the shape every command that starts one prints: with its state and steps.
        let (p, steps) = process_and_steps(ctx, id, true)?;
        let mut v = serde_json::to_value(crate::shapes::process(&p, Some(&steps)))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("detached".into(), true.into());
        }
        return ctx.printer.json(&v);
    }
    ctx.printer.out(&format!("{id}\n"))?;
    ctx.printer
        .hint(&format!("follow it with `orch process show {id}`"));
    Ok(())
}

/// Ends a command that drove a process: with `-o json` the process is printed, and
/// the drive's own failure is what the command ends with, also when the process cannot
/// be shown after it (the database went away: its error names the retry to run).
pub fn printed<T>(ctx: &mut Ctx, id: &str, outcome: Result<T>) -> Result<T> {
    let shown = print_process_json(ctx, id);
    let value = outcome?;
    shown?;
    Ok(value)
}

/// With `-o json`, the last thing a command that drove a process prints: the process.
pub fn print_process_json(ctx: &mut Ctx, id: &str) -> Result<()> {
    if !ctx.printer.is_json() {
        return Ok(());
    }
    let (p, steps) = process_and_steps(ctx, id, true)?;
    // As `process show -o json` says it: with what it waits for (`pending`, …).
    let v = match ctx.stored_definition(&p) {
        Ok(def) => super::process::show::detail_json(ctx, &p, &steps, &def)?,
        Err(_) => serde_json::to_value(crate::shapes::process(&p, Some(&steps)))?,
    };
    ctx.printer.json(&v)
}
