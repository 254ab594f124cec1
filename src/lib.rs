//! orch: a CLI-first workflow orchestrator for network and infrastructure services.
//!
//! The binary is a thin shell around [`run`]; everything else lives in modules named
//! after what they do: `cli` (argument parsing and commands), `definition` (the TOML
//! files), `domain` (products, subscriptions, workflows as data), `engine` (the step
//! runner), `forms`, `store` (SQLite) and `ui` (printing).

pub mod bounded;
pub mod bytes;
pub mod cli;
pub mod clock;
pub mod definition;
pub mod depth;
pub mod domain;
pub mod engine;
pub mod error;
pub mod expr;
pub mod forms;
#[cfg(test)]
mod fuzz;
pub mod numbers;
pub mod project;
pub mod schedule;
pub mod serve;
pub mod shapes;
pub mod signals;
pub mod store;
pub mod suggest;
pub mod tasks;
#[cfg(test)]
mod testing;
/// The test server and `both!` name themselves so (see `store::postgres::testing`).
#[cfg(test)]
use store::postgres::testing as pg_testing;
pub mod ui;
pub mod unmatched;
pub mod worker;

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn main_entry() -> std::process::ExitCode {
    use clap::Parser;
    // A parent may leave SIGCHLD ignored, and `exec` keeps it so: the kernel would then
    // reap each step's shell itself, and orch could not learn how the step ended.
    // SAFETY: the first thing the binary does, before it starts any thread; setting a
    // signal's default disposition touches no memory of ours.
    unsafe { libc::signal(libc::SIGCHLD, libc::SIG_DFL) };
    // An empty ORCH_DIR, ORCH_DB or ORCH_USER reads as unset, as in most tools, rather
    // than as a flag given without its value.
    for var in ["ORCH_DIR", "ORCH_DB", "ORCH_USER"] {
        if std::env::var_os(var).is_some_and(|v| v.is_empty()) {
            // SAFETY: the first thing the binary does, before it starts any thread.
            unsafe { std::env::remove_var(var) };
        }
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let e = cli::plain_usage(e, std::env::args_os());
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
            let _ = e.print();
            return std::process::ExitCode::from(code);
        }
    };
    let color = cli.global.color;
    let quiet = cli.global.quiet;
    match cli::execute(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            if !e.silent {
                ui::Printer::new(ui::Format::Table, quiet, 0, color).error(&e);
            }
            std::process::ExitCode::from(e.exit_code())
        }
    }
}
