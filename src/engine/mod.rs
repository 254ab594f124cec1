//! The workflow engine: plans, runs and records steps.
//!
//! `plan` says which steps a workflow has, `runner` drives a process through them,
//! `group` runs the branches of `parallel` and `foreach` steps (`scope` says which
//! branches a group has and where each stands, `join` merges their changes), `child`
//! runs `workflow` steps as child processes, `abort` ends a process and its children,
//! `command` runs the `run` steps' programs (`ahead` starts their shells before their
//! turn), `builtins` the built-in steps, `merge` applies step output to the state,
//! `owner` tells who runs a process, `skip` reads the keys a skip by hand sets.

pub mod abort;
pub mod abort_request;
pub mod ahead;
pub mod answer;
#[cfg(test)]
mod branch_tests;
pub mod builtins;
mod child;
pub mod choices;
pub mod command;
mod group;
pub mod join;
pub mod lease;
pub mod lifeline;
pub mod merge;
pub mod owner;
pub mod plan;
pub mod runner;
pub mod scope;
pub mod secrets;
mod shell;
pub mod skip;
pub mod start;
pub mod subscription;
#[cfg(test)]
mod tests;
pub mod token;

/// How every step stopped by Ctrl-C or SIGTERM in the command that drove it begins its
/// error, and so its process's `failed_reason`: such a process is resumed (DESIGN §9:
/// "the process stays resumable") by running the stopped step again, as a retry does.
pub const INTERRUPTED: &str = "interrupted (Ctrl-C or SIGTERM)";

/// Whether a failed process's reason says it was interrupted rather than failed.
pub fn was_interrupted(failed_reason: Option<&str>) -> bool {
    failed_reason.is_some_and(|r| r.starts_with(INTERRUPTED))
}

/// Waits until the flag `rx` watches is raised (a cancel, a drain). A flag nobody can
/// raise any more (its sender is gone, as a command's drain flag is from the start)
/// never is: this then waits for ever, rather than ending at once as
/// `watch::Receiver::wait_for` does with an error.
pub async fn raised(rx: &mut tokio::sync::watch::Receiver<bool>) {
    if rx.wait_for(|up| *up).await.is_err() {
        std::future::pending::<()>().await;
    }
}
