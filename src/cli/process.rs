//! `orch process list|show|retry|resume|abort|skip`: what a process did and waits for
//! (here), and taking it over to run it on or end it (`take_over`).

mod abort;
mod callback;
pub(super) mod show;
mod take_over;

use clap::{Args, Subcommand};

use super::Ctx;
use super::answers::AnswerArgs;
use super::drive;
use super::lookup::workflow_names;
use crate::engine::owner;
use crate::error::{Error, Result};
use crate::store::processes::{self, ProcessRow};
use crate::ui::table;

#[derive(Debug, Subcommand)]
pub enum ProcessCommand {
    /// List processes, newest first
    List(ListArgs),
    /// Show a process: its steps, the failure and what to do next
    Show(ShowArgs),
    /// Re-run the failed or waiting step and continue
    #[command(after_help = RETRY_EXAMPLES)]
    Retry(RetryArgs),
    /// Answer a suspended process's input and continue
    #[command(after_help = RESUME_EXAMPLES)]
    Resume(ResumeArgs),
    /// Stop a process for good (one a live orch runs: ask that orch, and wait)
    #[command(after_help = abort::HELP)]
    Abort(abort::AbortArgs),
    /// Mark the failed step as done by hand and continue
    Skip(SkipArgs),
    /// Answer a callback step with its token (or report its progress)
    #[command(after_help = callback::EXAMPLES)]
    Callback(callback::CallbackArgs),
    /// Run a process in this orch (used by --detach)
    #[command(hide = true)]
    Drive { id: String },
}

const RETRY_EXAMPLES: &str = "Examples:
  orch process retry 01a2285b --plan          what would run, and what changed in the file
  orch process retry 01a2285b                 re-run the failed step with the stored definition
  orch process retry 01a2285b --use-current   re-run it with the workflow file as it is now";

const RESUME_EXAMPLES: &str = "Examples:
  orch process show 01a2285b                  the pending message and the fields it asks for
  orch process resume 01a2285b --input applied=true
  orch process resume 01a2285b --form         answer at prompts (on a terminal)";

/// The process statuses `process list --status` takes.
const STATUSES: [&str; 8] = [
    "created",
    "running",
    "suspended",
    "awaiting_callback",
    "waiting",
    "failed",
    "aborted",
    "completed",
];

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only processes in these statuses (repeatable, or comma-separated)
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(STATUSES))]
    pub status: Vec<String>,
    /// Only runs of this workflow (its name)
    #[arg(long, value_name = "NAME")]
    pub workflow: Option<String>,
    /// Only processes of this subscription (its id)
    #[arg(long, value_name = "ID")]
    pub subscription: Option<String>,
    /// Only processes started at or after this time (RFC 3339, a day, or how long ago: 2h)
    #[arg(long)]
    pub since: Option<String>,
    /// Only the child processes of this process (its id, or a unique prefix of it)
    #[arg(long, value_name = "ID")]
    pub parent: Option<String>,
    /// At most this many processes
    #[arg(long, value_name = "N", default_value_t = 50, allow_hyphen_values = true, value_parser = super::parse_count::<1>)]
    pub limit: i64,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The process id (or a unique prefix of it)
    pub id: String,
    /// Print the current state as JSON (with --step, the state after that step)
    #[arg(long)]
    pub state: bool,
    /// Print the state after this step and what the step changed
    #[arg(long, value_name = "NAME")]
    pub step: Option<String>,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The failed or waiting process (its id, or a unique prefix of it)
    pub id: String,
    /// Show what would run without running it
    #[arg(long)]
    pub plan: bool,
    /// Use the workflow file as it is now instead of the definition the process started with
    #[arg(long)]
    pub use_current: bool,
    /// Ask for secrets the process needs again (else ORCH_SECRET_<NAME> is read)
    #[arg(long)]
    pub form: bool,
    /// Hand the process to the workers instead of running it here
    #[arg(long, conflicts_with_all = ["plan", "form"])]
    pub queue: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The suspended process (its id, or a unique prefix of it)
    pub id: String,
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// Use the workflow file as it is now instead of the definition the process started with
    #[arg(long)]
    pub use_current: bool,
    /// Record the answer and hand the process to the workers instead of running it here
    #[arg(long)]
    pub queue: bool,
}

#[derive(Debug, Args)]
pub struct SkipArgs {
    /// The failed or waiting process (its id, or a unique prefix of it)
    pub id: String,
    /// Add key=value to the state (repeatable); a dotted key sets inside an object
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = super::parse_key_value)]
    pub set: Vec<(String, String)>,
}

pub fn run(ctx: &mut Ctx, cmd: ProcessCommand) -> Result<()> {
    match cmd {
        ProcessCommand::List(a) => list(ctx, a),
        ProcessCommand::Show(a) => show::show(ctx, a),
        ProcessCommand::Retry(a) => take_over::retry(ctx, a),
        ProcessCommand::Resume(a) => take_over::resume(ctx, a),
        ProcessCommand::Abort(a) => abort::abort(ctx, a),
        ProcessCommand::Skip(a) => take_over::skip(ctx, a),
        ProcessCommand::Callback(a) => callback::callback(ctx, a),
        ProcessCommand::Drive { id } => {
            // `--detach` leaves the process `created` and held by no one: this orch
            // takes it, so its steps commit under its lease (and a worker that got
            // there first keeps it).
            let found = ctx.process(&id)?;
            let p = drive::claim(
                ctx,
                &found.process_id,
                &[crate::domain::process::ProcessStatus::Created],
                "driven",
            )?;
            let def = ctx.stored_definition(&p)?;
            let secrets = take_over::secrets_needed(ctx, &p, &def, false)?;
            let opts = drive::Options::default();
            drive::drive(ctx, &p.process_id, &def, Default::default(), secrets, opts)
        }
    }
}

/// `--since`, as [`crate::clock::since`] reads it.
fn since(text: &str) -> Result<String> {
    crate::clock::since(text).ok_or_else(|| {
        Error::usage(format!("--since: `{text}` is not a time")).with_hint(
            "give an RFC 3339 time such as 2026-11-30T12:00:00Z, a day such as 2026-11-30, or how long ago, such as 2h",
        )
    })
}

fn is_stale(p: &ProcessRow) -> bool {
    owner::is_stale(p)
}

fn list(ctx: &mut Ctx, a: ListArgs) -> Result<()> {
    let wanted_workflow = a.workflow.clone();
    let parent_id = match &a.parent {
        Some(id) => Some(ctx.process(id)?.process_id),
        None => None,
    };
    // A prefix or a typo resolves (or fails, exit 6) as every other id argument does.
    let subscription_id = match &a.subscription {
        Some(id) => Some(ctx.subscription(id)?.subscription_id),
        None => None,
    };
    let filter = processes::Filter {
        status: a
            .status
            .iter()
            .map(|s| s.parse())
            .collect::<std::result::Result<_, _>>()
            .map_err(Error::usage)?,
        workflow: a.workflow,
        subscription_id,
        since: a.since.as_deref().map(since).transpose()?,
        before: None,
        after: None,
        tasks: None,
        parent_id,
        // One more than asked for tells whether the list was cut short.
        limit: a.limit.max(0).saturating_add(1),
    };
    let mut rows = ctx.db(async |s| s.processes(&filter).await)?;
    if rows.len() as i64 > a.limit.max(0) {
        rows.truncate(a.limit.max(0) as usize);
        ctx.printer.hint(&format!(
            "the newest {} shown, and more match: --limit N shows more",
            rows.len()
        ));
    }
    if let (true, Some(name)) = (rows.is_empty(), &wanted_workflow) {
        unknown_workflow_hint(ctx, name);
    }
    if ctx.printer.is_json() {
        let items: Vec<_> = rows
            .iter()
            .map(|p| crate::shapes::process(p, None))
            .collect();
        return ctx.printer.json(&items);
    }
    if rows.is_empty() {
        let filtered = !filter.status.is_empty()
            || filter.workflow.is_some()
            || filter.subscription_id.is_some()
            || filter.since.is_some()
            || filter.parent_id.is_some();
        if filtered {
            ctx.printer.nothing("no process matches the filters", None);
        } else {
            ctx.printer.nothing(
                "no processes yet",
                Some("`orch workflow run NAME` starts one; `orch workflow list` shows them"),
            );
        }
        return Ok(());
    }
    let mut t = table::new(
        &["ID", "WORKFLOW", "STATUS", "LAST STEP", "STARTED", "BY"],
        ctx.printer.stdout_tty,
    );
    for p in &rows {
        let status = if is_stale(p) {
            "running (stale)".to_string()
        } else {
            p.status.to_string()
        };
        t.add_row(vec![
            p.process_id.clone(),
            p.workflow.clone(),
            status,
            p.last_step.clone().unwrap_or_default(),
            table::time(&p.started_at, ctx.printer.stdout_tty),
            p.created_by.clone(),
        ]);
    }
    ctx.printer.out(&table::render(&t))
}

/// An empty list filtered by a workflow name that names no workflow: maybe a typo.
fn unknown_workflow_hint(ctx: &Ctx, name: &str) {
    let Ok((defs, _)) = ctx.workflows() else {
        return;
    };
    if workflow_names(&defs).any(|n| n == name) {
        return;
    }
    let next = crate::suggest::did_you_mean(name, workflow_names(&defs))
        .unwrap_or_else(|| "`orch workflow list` shows the workflows".to_string());
    ctx.printer
        .hint(&format!("no workflow is named `{name}`; {next}"));
}
