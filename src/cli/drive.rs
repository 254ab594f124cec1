//! Running a process from the command line, whichever command claimed it (`workflow
//! run`, `task run`, `process retry|resume|skip`): the runtime, Ctrl-C and SIGTERM, the
//! step lines, the report of how it ended and its exit code (DESIGN §9), and `--detach`.
//!
//! The engine knows nothing of terminals; this is where its outcome meets the operator.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::{Ctx, Settings};
use crate::domain::process::StepStatus;
use crate::domain::workflow::WorkflowDef;
use crate::engine::owner;
use crate::engine::runner::{Engine, Final, Observer, Quiet, Recorded};
use crate::error::{Error, Result};
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
            db: store.location().for_steps(),
            drain,
            lease: self.lease,
            user: self.user.clone(),
            default_timeout: self.step_timeout,
            grace: self.grace,
            observer,
            cancel,
            secrets,
        }
    }
}

/// A flag that turns true on Ctrl-C or SIGTERM; call inside a runtime, abort the handle
/// when done.
pub fn cancel_on_signals() -> (
    tokio::sync::watch::Receiver<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let signals = tokio::spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
        }
        let _ = tx.send(true);
    });
    (rx, signals)
}

/// Drives a claimed process, reports how it ended and turns that into the exit code of
/// DESIGN §9.
pub fn drive(
    ctx: &mut Ctx,
    id: &str,
    def: &WorkflowDef,
    input: Option<Map<String, Value>>,
    secrets: Map<String, Value>,
) -> Result<()> {
    let mut observer = StepProgress::new(ctx.printer.clone());
    let project = ctx.project.clone();
    let printer = ctx.printer.clone();
    let log = |m: &str| printer.status(m);
    let env = crate::tasks::TaskEnv {
        project: &project,
        now: crate::schedule::now()?,
        log: &log,
    };
    let settings = ctx.settings.clone();
    let outcome = ctx.db(async |store| {
        let (cancel, signals) = cancel_on_signals();
        let mut engine =
            settings.engine(project.root.clone(), store, &mut observer, cancel, secrets);
        let renew = keep_leases(store, settings.lease);
        let r = tokio::select! {
            r = crate::tasks::drive(&mut engine, &env, id, def, input) => r,
            e = renew => Err(e),
        };
        signals.abort();
        r
    })?;
    drop(observer);
    report(ctx, id, outcome)
}

/// Commits a step a command decided (`process abort`, `process skip`) through the
/// engine's own commit, so the rules of every step hold for it.
pub fn record(ctx: &mut Ctx, process: &mut ProcessRow, r: Recorded<'_>) -> Result<StepStatus> {
    let settings = ctx.settings.clone();
    let root = ctx.project.root.clone();
    ctx.db(async |store| {
        let (_keep, cancel) = tokio::sync::watch::channel(false);
        let mut quiet = Quiet;
        let mut engine = settings.engine(root, store, &mut quiet, cancel, Map::new());
        engine.record(process, r).await
    })
}

/// Renews this orch's leases while it drives, at a third of their length, so no other
/// orch takes its processes over; returns only when the store cannot be reached.
pub async fn keep_leases(store: &Store, lease: std::time::Duration) -> Error {
    loop {
        tokio::time::sleep(lease / 3).await;
        if let Err(e) = store.renew_leases(owner::me(), lease).await {
            return e.into();
        }
    }
}

/// Says how a drive ended and what to do next.
fn report(ctx: &Ctx, id: &str, outcome: Final) -> Result<()> {
    let p = &ctx.printer;
    match outcome {
        Final::Completed => p.status(&format!("process {id} completed")),
        Final::Suspended => {
            p.status(&format!("process {id} is suspended, awaiting input"));
            p.hint(&format!(
                "`orch process resume {id} --form` (or --input key=value)"
            ));
        }
        Final::Waiting => {
            p.status(&format!(
                "process {id} is waiting after a transient failure"
            ));
            p.hint(&format!("`orch process retry {id}` when the cause is gone"));
        }
        Final::Failed => {
            p.status(&format!("process {id} failed"));
            p.hint(&format!(
                "see `orch process show {id}`; fix the cause, then `orch process retry {id}`"
            ));
        }
        Final::Interrupted => {
            p.status(&format!("process {id} interrupted; it stays retryable"));
            p.hint(&format!("`orch process retry {id}`"));
        }
    }
    match outcome.error_kind() {
        None => Ok(()),
        Some(kind) => Err(Error::silent(kind)),
    }
}

/// Re-launches orch in the background to drive a created process.
///
/// Secrets go to the child in its environment (`ORCH_SECRET_<NAME>`), never on its
/// command line, where any user could read them.
pub fn detach(ctx: &mut Ctx, id: &str, secrets: &Map<String, Value>) -> Result<()> {
    let exe = std::env::current_exe()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--dir")
        .arg(&ctx.project.root)
        .arg("--db")
        .arg(ctx.db_path())
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
        return ctx
            .printer
            .json(&json!({"id": id, "status": "created", "detached": true}));
    }
    ctx.printer.out(&format!("{id}\n"))?;
    ctx.printer
        .hint(&format!("follow it with `orch process show {id}`"));
    Ok(())
}

/// The process JSON of DESIGN §9.
pub fn process_json(p: &ProcessRow, steps: Option<&[StepRow]>) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("stale".into(), Value::Bool(owner::is_stale(p)));
        if let Some(steps) = steps {
            obj.insert("state".into(), p.state.clone());
            obj.insert(
                "steps".into(),
                serde_json::to_value(steps).unwrap_or_default(),
            );
        }
    }
    v
}

/// With `-o json`, the last thing a command that drove a process prints: the process.
pub fn print_process_json(ctx: &mut Ctx, id: &str) -> Result<()> {
    if !ctx.printer.is_json() {
        return Ok(());
    }
    let (p, steps) = ctx.db(async |s| {
        let p = s
            .process(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("no process {id}")))?;
        Ok::<_, Error>((p, s.steps(id).await?))
    })?;
    ctx.printer.json(&process_json(&p, Some(&steps)))
}
