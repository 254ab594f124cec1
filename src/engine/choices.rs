//! Where forms get their choices, for the command line and for the child processes a
//! `workflow` step starts: `choices_from` commands, run in the project directory, and
//! the subscriptions a `subscription` field may pick.
//!
//! A form is validated synchronously (`forms::collect`), so the command runs to its end
//! on the spot ([`command::run_blocking`]); the subscriptions come from the store, which
//! the caller asks beforehand or on the side.

use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};

use super::command::{self, CommandSpec, Outcome};
use crate::domain::lifecycle::Lifecycle;
use crate::forms::{self, Choice, FieldSpec, Listed};
use crate::store::subscriptions::{Filter, Subscription};

/// Runs a `choices_from` command with `answers` (the answers so far) on stdin, and
/// reads its list; `Err` says why there is none.
pub fn listed(
    root: &Path,
    db: &str,
    cmd: &str,
    answers: &Map<String, Value>,
) -> Result<Listed, String> {
    let spec = CommandSpec {
        command: cmd.to_string(),
        cwd: root.to_path_buf(),
        env: vec![
            ("ORCH_DIR".into(), root.display().to_string()),
            ("ORCH_DB".into(), db.to_string()),
        ],
        stdin: serde_json::to_vec(answers).unwrap_or_default(),
        timeout: Some(Duration::from_secs(30)),
        grace: Duration::from_secs(2),
        max_stdout: 4 * 1024 * 1024,
        stderr_tail: 2048,
        linger: Duration::from_millis(100),
    };
    let r = command::run_blocking(spec).map_err(|e| format!("cannot run `{cmd}`: {e}"))?;
    let stderr = String::from_utf8_lossy(&r.stderr_tail).trim().to_string();
    let why = |what: String| {
        if stderr.is_empty() {
            what
        } else {
            format!("{what}: {stderr}")
        }
    };
    match r.outcome {
        Outcome::Exited(0) => {
            let choices = forms::parse_choices(&r.stdout).map_err(|e| format!("`{cmd}` {e}"))?;
            let said = Some(stderr).filter(|s| !s.is_empty());
            Ok(Listed { choices, said })
        }
        Outcome::Exited(code) => Err(why(format!("`{cmd}` exited with status {code}"))),
        Outcome::Signaled(sig) => Err(why(format!("`{cmd}` was killed by signal {sig}"))),
        Outcome::TimedOut => Err(format!("`{cmd}` did not finish within 30s")),
        Outcome::Cancelled => Err(format!("`{cmd}` was interrupted")),
    }
}

/// The subscriptions a `subscription` field offers: of its `product_tag`, in its
/// `status` (default: any live one).
pub fn subscription_filter(field: &FieldSpec) -> Filter {
    let status = if field.status.is_empty() {
        Lifecycle::ALL
            .iter()
            .copied()
            .filter(|l| l.is_live())
            .collect()
    } else {
        field.status.clone()
    };
    Filter {
        status,
        product: field.product_tag.clone(),
        limit: 10_000,
        ..Default::default()
    }
}

/// Subscriptions as choices: the id, labelled with description, product and status.
pub fn subscription_choices(found: Vec<Subscription>) -> Vec<Choice> {
    found
        .into_iter()
        .rev()
        .map(|s| {
            let label = format!("{} ({}, {})", s.description, s.product_name, s.status);
            Choice::new(s.subscription_id, Some(label))
        })
        .collect()
}
