//! `orch worker`: run queued processes, many at once, until stopped; `orch worker
//! list`: the workers that run and those that stopped lately.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

use super::Ctx;
use crate::domain::workflow::parse_duration;
use crate::engine::owner;
use crate::error::{Error, Result};
use crate::ui::table;
use crate::worker::{self, Config, Options};

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "A worker runs processes queued with `--queue`, waiting processes whose retry \
time has come, and processes whose orch died (once its lease ran out). Several workers may \
share one database. SIGTERM or Ctrl-C: it claims nothing more, lets each running step finish \
and commit (up to --grace, then stops them; a second one stops them at once), leaves every \
process resumable, and exits 0.\n\n\
Exit codes: 0 when it ran what was runnable (a process that failed or waits is the \
process's outcome, in the log and `orch process list`, not the worker's), 1 when it could \
not run one (a store error) or its stop left processes running because the database did not \
answer (they are taken over once their leases run out), 2 bad usage. With -o json, --once \
prints what it ran: {\"ran\": [{\"id\", \"workflow\", \"outcome\", \"error\"}]} (a worker that \
runs on keeps only a count of its runs, for the line it stops with).\n\n\
Examples:\n  orch worker --concurrency 32\n  orch worker --once            # run what is runnable now, then exit\n  orch worker list -o json"
)]
pub struct WorkerArgs {
    #[command(subcommand)]
    pub command: Option<WorkerCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum WorkerCommand {
    /// The workers that run or are stopping, and those that stopped or died in the last hour
    List,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// How many processes it runs at once
    #[arg(long, short = 'c', value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub concurrency: u32,
    /// Run what is runnable now (and what it leads to), then exit
    #[arg(long)]
    pub once: bool,
    /// How long its lease on a process lasts; another worker takes a process over once
    /// it ran out (renewed every third of it)
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    pub lease: Duration,
    /// How long running steps get to finish when it stops, before they are stopped
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub grace: Duration,
}

pub fn run(ctx: &mut Ctx, args: WorkerArgs) -> Result<()> {
    match args.command {
        Some(WorkerCommand::List) => list(ctx),
        None => serve(ctx, args.run),
    }
}

/// Refuses a `--lease` (of `orch worker` or `orch serve`) too short to be kept.
pub fn check_lease(lease: Duration) -> Result<()> {
    // The heartbeat renews every third of the lease: below 2 s, one slow commit of a
    // busy store can let the worker's own lease run out under it.
    if lease < Duration::from_secs(2) {
        return Err(Error::usage(format!(
            "--lease must be at least 2s, not {}",
            crate::domain::workflow::format_duration(lease)
        ))
        .with_hint("the default, 15s, suits most; a shorter lease only speeds up the takeover of a dead worker"));
    }
    Ok(())
}

fn serve(ctx: &mut Ctx, args: RunArgs) -> Result<()> {
    check_lease(args.lease)?;
    ctx.store()?;
    let ctx: &Ctx = ctx;
    let (store, rt) = ctx.opened()?;
    let printer = ctx.printer.clone();
    let log = move |m: &str| {
        let now = crate::clock::now().strftime("%Y-%m-%dT%H:%M:%SZ");
        printer.status(&format!("{now} {m}"));
    };
    let config = Config {
        project: &ctx.project,
        db: crate::engine::runner::StepDb::of(store),
        user: ctx.user().to_string(),
        step_timeout: ctx.settings.step_timeout,
        kill_grace: ctx.settings.grace,
        log: &log,
        verbose: ctx.printer.verbose > 0,
        lease: args.lease,
        children: crate::engine::runner::Children::Queue,
        callback_url: ctx.settings.callback_url.clone(),
        vault: None,
    };
    let opts = Options {
        concurrency: args.concurrency as usize,
        once: args.once,
        lease: args.lease,
        grace: args.grace,
        poll: Duration::from_millis(25),
        hurry: None,
    };
    let report = rt.block_on(async {
        let (stop, hurry, signals) = worker::stop_on_signals();
        let opts = Options {
            hurry: Some(hurry),
            ..opts
        };
        let r = worker::run(store, &config, &opts, stop).await;
        signals.abort();
        r
    })?;
    // What it ran, with `--once` (a worker that runs on keeps only a count of it).
    if args.once && ctx.printer.is_json() {
        let ran: Vec<_> = report
            .ran
            .iter()
            .map(|o| {
                json!({"id": o.process_id, "workflow": o.workflow,
                       "outcome": o.end.map(crate::tasks::outcome_word), "error": o.error})
            })
            .collect();
        ctx.printer.json(&json!({"ran": ran}))?;
    }
    // A stop that could not leave every process at rest is not a clean one, whatever
    // the processes then do under the worker that takes them over.
    if report.left_running > 0 {
        ctx.printer.hint(&format!(
            "{} left `running` under this worker's lease (named above); once it runs out ({}), another worker takes {} over: `orch worker list` shows it",
            match report.left_running {
                1 => "1 process is".to_string(),
                n => format!("{n} processes are"),
            },
            crate::domain::workflow::format_duration(args.lease),
            if report.left_running == 1 { "it" } else { "them" }
        ));
        return Err(Error::silent(crate::error::Kind::Failure));
    }
    if !args.once {
        return Ok(());
    }
    // How each process ended is its own (in the log and `process list`), not the
    // worker's: `--once` fails only when it could not run one (a store error).
    if report.errors > 0 {
        return Err(Error::silent(crate::error::Kind::Failure));
    }
    Ok(())
}

fn list(ctx: &mut Ctx) -> Result<()> {
    let workers = ctx.db(async |s| s.workers(crate::shapes::workers::RECENT).await)?;
    if ctx.printer.is_json() {
        let rows: Vec<_> = workers
            .iter()
            .map(crate::shapes::workers::to_json)
            .collect();
        return ctx.printer.json(&rows);
    }
    if workers.is_empty() {
        ctx.printer.nothing(
            "no worker ran in the last hour",
            Some("`orch worker` starts one"),
        );
        return Ok(());
    }
    let mut t = table::new(
        &[
            "WORKER",
            "STATE",
            "STARTED",
            "HEARTBEAT",
            "AT ONCE",
            "RUNNING",
        ],
        ctx.printer.stdout_tty,
    );
    for w in &workers {
        t.add_row(vec![
            owner::describe(&w.worker_id),
            match (owner::WorkerState::of(w), &w.grace_until) {
                // Until when its steps in flight may run: the time of day is enough.
                (owner::WorkerState::Stopping, Some(until)) => format!(
                    "stopping, grace to {}",
                    until.get(11..19).unwrap_or(until.as_str())
                ),
                (s, _) => s.as_str().to_string(),
            },
            table::time(&w.started_at, ctx.printer.stdout_tty),
            table::time(&w.heartbeat_at, ctx.printer.stdout_tty),
            w.concurrency.to_string(),
            if w.processes.is_empty() {
                "-".to_string()
            } else {
                w.processes.join(" ")
            },
        ]);
    }
    ctx.printer.out(&table::render(&t))
}
