//! `orch completions SHELL`: the shells' completion scripts (`completions/` holds
//! them). clap's generators offer every subcommand and flag, hidden ones too
//! (`process drive`, which `--detach` runs, and the tuning flags of `serve`), so the
//! scripts are made from a copy of the command line without them.

use clap::{ArgGroup, Command};

/// Writes the completion script of a shell; `completions/` holds these, and a test
/// checks they match.
pub fn write(shell: clap_complete::Shell, out: &mut Vec<u8>) {
    use clap::CommandFactory;
    let mut cmd = visible(super::Cli::command());
    clap_complete::generate(shell, &mut cmd, "orch", out);
}

/// `cmd` as a user sees it: without its hidden subcommands and arguments, at every
/// level. Made anew, since clap removes neither; what completions read is kept (names,
/// descriptions, aliases, arguments and their groups, how subcommands combine).
fn visible(cmd: Command) -> Command {
    let shown = |id: &clap::Id| {
        cmd.get_arguments()
            .any(|a| a.get_id() == id && !a.is_hide_set())
    };
    let mut new = Command::new(cmd.get_name().to_string())
        .about(cmd.get_about().cloned().unwrap_or_default())
        .visible_aliases(cmd.get_visible_aliases().map(str::to_string))
        .subcommand_required(cmd.is_subcommand_required_set())
        .args_conflicts_with_subcommands(cmd.is_args_conflicts_with_subcommands_set())
        .disable_help_subcommand(cmd.is_disable_help_subcommand_set())
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .groups(cmd.get_groups().map(|g| {
            ArgGroup::new(g.get_id().clone())
                .args(g.get_args().filter(|id| shown(id)).cloned())
                .multiple(g.clone().is_multiple())
                .required(g.is_required_set())
        }))
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .cloned()
                .map(visible),
        );
    if let Some(long) = cmd.get_long_about() {
        new = new.long_about(long.clone());
    }
    if let Some(v) = cmd.get_version() {
        new = new.version(v.to_string());
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(shell: clap_complete::Shell) -> String {
        let mut out = Vec::new();
        write(shell, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn completions_offer_no_hidden_command_or_flag() {
        use clap_complete::Shell;
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Elvish,
            Shell::PowerShell,
        ] {
            let text = script(shell);
            for hidden in ["drive", "header-timeout", "request-timeout"] {
                assert!(!text.contains(hidden), "{shell}: offers `{hidden}`");
            }
            // What is shown stays: a subcommand, a flag of it, and a global one.
            for shown in ["retry", "concurrency", "grace", "consumers"] {
                assert!(text.contains(shown), "{shell}: lost `{shown}`");
            }
        }
    }
}
