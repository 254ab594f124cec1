//! `orch process abort`: a process at rest (or whose orch is gone) is aborted here; one
//! that a live orch runs at this moment is aborted by that orch, since only the owner
//! of a process writes its steps. This command records the request on the process,
//! then waits (up to `--wait`) for the owner to stop the step in flight and abort it.

use std::time::{Duration, Instant};

use clap::Args;

use super::take_over;
use crate::cli::Ctx;
use crate::cli::drive::{self, print_process_json};
use crate::domain::process::ProcessStatus;
use crate::domain::workflow::{format_duration, parse_duration};
use crate::engine::owner;
use crate::error::{Error, Kind, Result};
use crate::store::processes::ProcessRow;

pub const HELP: &str = "A process at rest (failed, waiting, suspended, awaiting a callback, created) is aborted at once, and so is a running one whose orch is gone. A process that a live orch runs at this moment (a worker, or `workflow run`, `process retry` or `process resume` in another terminal) is aborted by that orch: the request is recorded on the process, and the orch sees it at its next lease renewal (a third of its lease), stops the step that runs as Ctrl-C does (SIGTERM to the step's process group, its grace, then SIGKILL) and aborts the process. This command waits for that up to --wait (exit 5 if it passes: the request stays, and the orch still aborts it).

Examples:
  orch process abort 01a2285b                 abort it, waiting for the orch that runs it
  orch process abort 01a2285b --no-wait       ask the orch that runs it, and return at once
  orch process abort 01a2285b --wait 2m       wait longer for a step slow to stop";

#[derive(Debug, Args)]
pub struct AbortArgs {
    /// The process id (or a unique prefix of it)
    pub id: String,
    /// How long to wait for the orch that runs the process to abort it: the default
    /// covers a lease renewal of the default 15s lease and a step's grace (5s)
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub wait: Duration,
    /// Only record the request on a running process, and return at once
    #[arg(long, conflicts_with = "wait")]
    pub no_wait: bool,
}

/// How often the process is read while its orch aborts it.
const POLL: Duration = Duration::from_millis(100);

pub fn abort(ctx: &mut Ctx, a: AbortArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    let Some(holder) = owner::running_live(&p).map(str::to_string) else {
        return take_over::abort(ctx, &p);
    };
    let id = p.process_id.clone();
    let user = ctx.user().to_string();
    if !ctx.db(async |s| s.request_abort(&id, &user).await)? {
        // It came to rest (or finished) since it was read: aborted here as any
        // process at rest is (or refused, as an abort of a finished one is).
        let now = ctx.process(&id)?;
        return take_over::abort(ctx, &now);
    }
    let who = owner::describe(&holder);
    let step = running_step(ctx, &p)?;
    if a.no_wait {
        ctx.printer.status(&format!(
            "abort requested; {who} stops `{step}` and aborts the process at its next lease renewal"
        ));
        ctx.printer
            .hint(&format!("follow it with `orch process show {id}`"));
        return print_process_json(ctx, &id);
    }
    ctx.printer.status(&format!(
        "abort requested; waiting for {who} to stop `{step}`"
    ));
    let until = Instant::now() + a.wait;
    loop {
        let now = ctx.process(&id)?;
        if now.status == ProcessStatus::Aborted {
            return said_by_owner(ctx, &now);
        }
        if now.status.is_finished() {
            return Err(Error::conflict(format!(
                "process {id} {} before {who} saw the abort request",
                now.status
            ))
            .with_hint(format!("see what it did with `orch process show {id}`")));
        }
        if owner::running_live(&now).is_none() {
            // At rest before its orch saw the request, or its orch died: ended here,
            // as any process at rest or left by a dead orch is.
            match take_over::abort(ctx, &now) {
                Err(e) if e.kind == Kind::Conflict => {
                    // Its orch carried the request out first (it saw it as the
                    // process came to rest), or a live orch took the process again.
                    let again = ctx.process(&id)?;
                    if again.status == ProcessStatus::Aborted {
                        return said_by_owner(ctx, &again);
                    }
                    if owner::running_live(&again).is_none() {
                        return Err(e);
                    }
                }
                done => return done,
            }
        }
        if Instant::now() >= until {
            return Err(Error::new(
                Kind::Waiting,
                format!(
                    "process {id} is still running: {who} did not abort it within {}",
                    format_duration(a.wait)
                ),
            )
            .with_hint(format!(
                "the request stays: {who} aborts it when it sees it (at its next lease renewal, or before its next step); follow it with `orch process show {id}`"
            ))
            .with_hint(
                "a step that ignores SIGTERM is killed once its grace is over; `--wait` waits longer"
                    .to_string(),
            ));
        }
        std::thread::sleep(POLL);
    }
}

/// The step the orch that runs `p` runs now (the first it has not finished).
fn running_step(ctx: &mut Ctx, p: &ProcessRow) -> Result<String> {
    let steps = ctx.steps(&p.process_id)?;
    let step = drive::with_engine(ctx, async |engine| engine.abort_step(p, &steps).await)?;
    Ok(step.name)
}

/// Says an abort its orch carried out as an abort at rest is said, with the children
/// it aborted with the process.
fn said_by_owner(ctx: &mut Ctx, p: &ProcessRow) -> Result<()> {
    let mut children = Vec::new();
    let mut parents = vec![p.clone()];
    while let Some(parent) = parents.pop() {
        for child in ctx.db(async |s| s.children(&parent, None).await)? {
            if child.status == ProcessStatus::Aborted {
                parents.push(child.clone());
                children.push(child);
            }
        }
    }
    take_over::said_aborted(ctx, p, &children, &[])
}
