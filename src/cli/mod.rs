//! The command line: clap structures (they live only here, in the file of their noun),
//! and the dispatch from a parsed command to its module.
//!
//! The noun files (`workflow`, `process`, `subscription`, `task`, …) do not call each
//! other: what several of them need lives beside them, in `context` (the settings and
//! the database), `lookup` (finding a process, workflow, subscription or product by id,
//! prefix or name), `start` (starting a workflow run) and `drive` (running a process
//! to rest and reporting how it ended).

mod answers;
mod completions;
mod context;
mod db;
mod drive;
mod engine;
mod events;
mod init;
mod locks;
mod lookup;
mod mermaid;
mod pending;
mod process;
mod product;
mod product_create;
mod product_force;
mod schedule;
mod scheduler;
mod serve;
mod start;
mod subscription;
mod task;
mod token;
mod worker;
mod workflow;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use context::{Access, Ctx, Settings, os_user};

use crate::error::Result;
use crate::ui::{ColorChoice, Format, Printer};

#[derive(Debug, Parser)]
#[command(
    name = "orch",
    version,
    about = "A workflow orchestrator for network and infrastructure services",
    long_about = "orch stores products, subscriptions and the full process history in SQLite, \
runs workflows step by step with each step committed durably, asks for input with forms, \
and lets an operator retry a failed step or resume a suspended process.",
    after_help = "Exit codes: 0 ok, 1 error, 2 bad usage or input, 3 a step failed, 4 suspended \
awaiting input or a callback, 5 waiting (transient, or for a lock), 6 not found (or no orch \
project here), 7 conflict, 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Project folder (default: the nearest ancestor with orch.toml, else the current folder)
    #[arg(long, global = true, env = "ORCH_DIR", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…)
    /// (default: orch.toml's `db`, else orch.db in the project)
    #[arg(long, global = true, env = "ORCH_DB", value_name = "FILE|URL")]
    pub db: Option<PathBuf>,
    /// Output format of data on stdout
    #[arg(
        short,
        long,
        global = true,
        value_enum,
        value_name = "FORMAT",
        default_value = "table"
    )]
    pub output: Format,
    /// Print only data and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more detail (stream step output with -v)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to use colours (NO_COLOR is honoured with auto)
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: ColorChoice,
    /// Who runs the command, recorded in the log (default: the OS user)
    #[arg(long, global = true, env = "ORCH_USER")]
    pub user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty project: orch.toml, products/, workflows/ and the database
    Init(init::InitArgs),
    /// The database: apply migrations, show status, check for damage, back up
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Product definitions: load, create, list, show
    #[command(subcommand)]
    Product(product::ProductCommand),
    /// Workflows: list, show, check, run
    #[command(subcommand)]
    Workflow(workflow::WorkflowCommand),
    /// Processes: list, show, retry, resume, abort, skip
    #[command(subcommand)]
    Process(process::ProcessCommand),
    /// Subscriptions: list, show, the workflows that can run on one
    #[command(subcommand)]
    Subscription(subscription::SubscriptionCommand),
    /// Events: list, follow as they commit, feed named consumers
    Events(events::EventsArgs),
    /// Tasks (system workflows and the built-in ones): list, run
    #[command(subcommand)]
    Task(task::TaskCommand),
    /// Schedules of tasks: list
    #[command(subcommand)]
    Schedule(schedule::ScheduleCommand),
    /// The scheduler: run due tasks and retry waiting processes
    #[command(subcommand)]
    Scheduler(scheduler::SchedulerCommand),
    /// Workers: run queued processes, many at once; list the workers
    Worker(worker::WorkerArgs),
    /// The engine switch: pause every new step, resume, status
    #[command(subcommand)]
    Engine(engine::EngineCommand),
    /// Locks on shared resources: who holds each, since when, who waits for it
    Locks(locks::LocksArgs),
    /// Serve the JSON API and the dashboard, with a worker
    Serve(serve::ServeArgs),
    /// Tokens of the API and the dashboard: create, list, revoke
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

impl Command {
    /// Whether the command makes data from nothing, and so may turn a missing or
    /// empty database file into a new database. The others only read, or change what
    /// is there already; `db check` and `db backup` take the database as it is.
    fn access(&self) -> Access {
        let writes = match self {
            Command::Init(_) | Command::Scheduler(_) | Command::Serve(_) => true,
            Command::Token(c) => matches!(c, token::TokenCommand::Create(_)),
            Command::Worker(w) => w.command.is_none(),
            Command::Engine(c) => !matches!(c, engine::EngineCommand::Status),
            Command::Db(db::DbCommand::Check | db::DbCommand::Backup(_)) => {
                return Access::AsIs;
            }
            Command::Db(db::DbCommand::Migrate) => return Access::Migrate,
            Command::Db(_) => false,
            Command::Product(c) => matches!(
                c,
                product::ProductCommand::Load(_) | product::ProductCommand::Create(_)
            ),
            Command::Workflow(c) => matches!(c, workflow::WorkflowCommand::Run(_)),
            Command::Task(c) => matches!(c, task::TaskCommand::Run(_)),
            _ => false,
        };
        match (writes, self.only_reads()) {
            (true, _) => Access::Write,
            (false, true) => Access::Look,
            (false, false) => Access::Read,
        }
    }

    /// Whether the command reads the database and changes nothing in it: it may read a
    /// SQLite database in a place orch may not write as a snapshot (`Access::Look`). A
    /// stream (`events --follow`, `--consumer`) waits for commits, which a snapshot
    /// never shows, and a consumer records where it stands.
    fn only_reads(&self) -> bool {
        use process::ProcessCommand as P;
        use subscription::SubscriptionCommand as S;
        match self {
            Command::Db(c) => matches!(c, db::DbCommand::Status),
            Command::Process(c) => matches!(c, P::List(_) | P::Show(_)),
            Command::Subscription(c) => {
                matches!(c, S::List(_) | S::Show { .. } | S::Workflows { .. })
            }
            Command::Product(c) => matches!(
                c,
                product::ProductCommand::List | product::ProductCommand::Show { .. }
            ),
            Command::Events(e) => match &e.command {
                Some(events::EventsCommand::Consumers(c)) => c.remove.is_none(),
                None => !e.read.follow && e.read.consumer.is_none() && e.read.exec.is_none(),
            },
            Command::Token(c) => matches!(c, token::TokenCommand::List),
            Command::Task(c) => matches!(c, task::TaskCommand::List),
            Command::Schedule(c) => matches!(c, schedule::ScheduleCommand::List),
            Command::Workflow(c) => !matches!(c, workflow::WorkflowCommand::Run(_)),
            _ => false,
        }
    }
}

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Result<()> {
    if let Command::Completions(args) = &cli.command {
        return completions(args);
    }
    let access = cli.command.access();
    let mut cli = cli;
    let mut project = None;
    if let Command::Init(args) = &mut cli.command {
        // `--dir DIR init` (or ORCH_DIR) is `init DIR`: the folder need not exist yet.
        if args.path.is_none() {
            args.path = cli.global.dir.take();
        }
        // `init DIR` makes a project there: the one around the current folder, and
        // its orch.toml, are no business of it.
        if args.path.is_some() {
            project = Some(crate::project::Project::bare(std::env::current_dir()?));
        }
    }
    let mut ctx = Ctx::new(cli.global, access, project)?;
    if !matches!(cli.command, Command::Init(_)) {
        ctx.require_project()?;
    }
    let location = ctx.location().describe();
    let done = match cli.command {
        Command::Init(args) => init::run(&mut ctx, args),
        Command::Db(cmd) => db::run(&mut ctx, cmd),
        Command::Product(cmd) => product::run(&mut ctx, cmd),
        Command::Workflow(cmd) => workflow::run(&mut ctx, cmd),
        Command::Process(cmd) => process::run(&mut ctx, cmd),
        Command::Subscription(cmd) => subscription::run(&mut ctx, cmd),
        Command::Events(args) => events::run(&mut ctx, args),
        Command::Task(cmd) => task::run(&mut ctx, cmd),
        Command::Schedule(cmd) => schedule::run(&mut ctx, cmd),
        Command::Scheduler(cmd) => scheduler::run(&mut ctx, cmd),
        Command::Worker(args) => worker::run(&mut ctx, args),
        Command::Engine(cmd) => engine::run(&mut ctx, cmd),
        Command::Locks(args) => locks::run(&mut ctx, args),
        Command::Serve(args) => serve::run(&mut ctx, args),
        Command::Token(cmd) => token::run(&mut ctx, cmd),
        Command::Completions(_) => Ok(()),
    };
    done.map_err(|e| crate::store::naming_the_database(e, &location))
}

fn completions(args: &CompletionsArgs) -> Result<()> {
    let mut out = Vec::new();
    completions::write(args.shell, &mut out);
    Printer::new(Format::Table, false, 0, ColorChoice::Never).out(&String::from_utf8_lossy(&out))
}

/// For a misspelt option clap writes the usage as if the option it suggests had been
/// given (`Usage: orch workflow run --input <KEY=VALUE> <NAME>`), which reads as if that
/// option were required. Such an error gets the command's plain usage line instead.
pub fn plain_usage(
    mut err: clap::Error,
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> clap::Error {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() != ErrorKind::UnknownArgument || err.get(ContextKind::Usage).is_none() {
        return err;
    }
    let mut root = Cli::command();
    root.build();
    // The subcommand the error is about: follow the words that name subcommands.
    let mut cmd = root;
    for arg in args.into_iter().skip(1) {
        let Some(word) = arg.to_str() else { continue };
        if let Some(sub) = cmd.find_subcommand(word) {
            cmd = sub.clone();
        }
    }
    let usage = cmd.render_usage();
    err.insert(ContextKind::Usage, ContextValue::StyledStr(usage));
    err
}

/// Parses a count that is at least `MIN` (`--limit`, `--offset`): clap's own range check
/// would say "0 is not in 1..9223372036854775807".
pub fn parse_count<const MIN: i64>(s: &str) -> std::result::Result<i64, String> {
    let n: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number, got `{s}`"))?;
    if n < MIN {
        return Err(format!("must be at least {MIN}, got {n}"));
    }
    Ok(n)
}

/// Parses `key=value`.
pub fn parse_key_value(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected key=value, got `{s}`")),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every subcommand, positional argument and option says what it is for.
    #[test]
    fn every_argument_is_described() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if arg.is_hide_set() || builtin {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.is_hide_set() || sub.get_name() == "help" {
                    continue;
                }
                let path = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(path.clone());
                }
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "orch", &mut missing);
        assert!(missing.is_empty(), "not described: {missing:#?}");
    }
}
