//! Where forms get their choices when orch runs them (the command line's prompts and
//! flags, the API and the dashboard, and the child processes a `workflow` step starts):
//! `choices_from` commands, run in the project with a timeout, and subscriptions from
//! the store.
//!
//! A form is validated synchronously (`forms::collect`), so the command runs to its end
//! on the spot ([`command::run_blocking`]); the subscriptions come from the store, which
//! [`Choices`] waits for on the caller's runtime (a child's form asks it beforehand).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::domain::lifecycle::Lifecycle;
use crate::engine::command::{self, CommandSpec, Outcome};
use crate::error::Result as StoreResult;
use crate::forms::{self, Choice, ChoiceSource, FieldSpec, FormPage, FormType, Listed};
use crate::store::{Store, subscriptions};

/// How long a `choices_from` command may take: someone waits for the form, and a
/// request to `serve` gives up after 30 s, so two slow lists still fail by name there.
const CHOICES_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs a `choices_from` command with `answers` (the answers so far) on stdin, and
/// reads its list; `Err` says why there is none.
pub fn listed(
    root: &Path,
    db: &str,
    cmd: &str,
    answers: &Map<String, Value>,
) -> Result<Listed, String> {
    let mut env = vec![
        ("ORCH_DIR".into(), root.display().to_string()),
        ("ORCH_DB".into(), db.to_string()),
    ];
    // As a step's: a choices command may ask orch (`$ORCH_BIN subscription list …`).
    if let Some(exe) = super::runner::orch_bin() {
        env.push(("ORCH_BIN".into(), exe.to_string()));
    }
    let spec = CommandSpec {
        command: cmd.to_string(),
        cwd: root.to_path_buf(),
        env,
        stdin: serde_json::to_vec(answers).unwrap_or_default(),
        timeout: Some(CHOICES_TIMEOUT),
        grace: Duration::from_secs(2),
        max_stdout: 4 * 1024 * 1024,
        stderr_tail: 2048,
        linger: Duration::from_millis(100),
    };
    let cmd = command::shown(cmd);
    // Ctrl-C at a form (noted by the prompt's handler) stops a slow list at once.
    let r = command::run_blocking(spec, &forms::terminal::was_interrupted)
        .map_err(|e| format!("cannot run `{cmd}`: {e}"))?;
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
            let choices = forms::parse_choices(&r.stdout).map_err(|e| format!("`{cmd}`: {e}"))?;
            let said = Some(stderr).filter(|s| !s.is_empty());
            Ok(Listed { choices, said })
        }
        Outcome::Exited(code) => Err(why(format!("`{cmd}` exited with status {code}"))),
        Outcome::Signaled(sig) => Err(why(format!("`{cmd}` was killed by signal {sig}"))),
        Outcome::TimedOut => Err(format!(
            "`{cmd}` did not finish within {}s",
            CHOICES_TIMEOUT.as_secs()
        )),
        Outcome::Cancelled => Err(format!("`{cmd}` was interrupted")),
    }
}

/// The subscriptions a `subscription` field offers: of its `product_tag`, in its
/// `status` (default: any live one).
pub fn subscription_filter(field: &FieldSpec) -> subscriptions::Filter {
    let status = if field.status.is_empty() {
        Lifecycle::ALL
            .iter()
            .copied()
            .filter(|l| l.is_live())
            .collect()
    } else {
        field.status.clone()
    };
    subscriptions::Filter {
        status,
        product: field.product_tag.clone(),
        limit: 10_000,
        ..Default::default()
    }
}

/// Subscriptions as choices: the id, labelled with description, product and status.
pub fn subscription_choices(found: Vec<subscriptions::Subscription>) -> Vec<Choice> {
    found
        .into_iter()
        .rev()
        .map(|s| {
            let label = format!("{} ({}, {})", s.description, s.product_name, s.status);
            Choice::new(s.subscription_id, Some(label))
        })
        .collect()
}

/// Where forms get their choices: `choices_from` commands run in the project directory,
/// and subscriptions come from the store.
pub struct Choices<'a> {
    pub root: &'a Path,
    pub store: &'a Store,
    /// Forms are asked outside any async code (a command's prompts, a blocking task of
    /// the server), so the store is waited for here.
    pub runtime: Runtime<'a>,
}

/// The runtime the store's calls run on, as the caller has it.
pub enum Runtime<'a> {
    /// A command's single-threaded runtime: only `Runtime::block_on` drives its tasks
    /// (a PostgreSQL connection is one), so a `Handle` would wait forever.
    Command(&'a tokio::runtime::Runtime),
    /// The server's multi-threaded runtime, whose own threads drive its tasks.
    Server(tokio::runtime::Handle),
}

impl ChoiceSource for Choices<'_> {
    fn choices_from(
        &self,
        _field: &FieldSpec,
        cmd: &str,
        answers: &Map<String, Value>,
    ) -> std::result::Result<Listed, String> {
        listed(self.root, &self.store.location().for_steps(), cmd, answers)
    }

    fn subscriptions(&self, field: &FieldSpec) -> std::result::Result<Vec<Choice>, String> {
        let filter = subscription_filter(field);
        let query = self.store.subscriptions(&filter);
        let found = match &self.runtime {
            Runtime::Command(rt) => rt.block_on(query),
            // Inside the runtime (the server validates forms on a blocking task that
            // waits on the store): wait on a thread of its own, as a runtime cannot be
            // waited on from within itself.
            Runtime::Server(handle) if tokio::runtime::Handle::try_current().is_ok() => {
                std::thread::scope(|s| s.spawn(|| handle.block_on(query)).join())
                    .map_err(|_| "listing the subscriptions failed".to_string())?
            }
            Runtime::Server(handle) => handle.block_on(query),
        }
        .map_err(|e| e.to_string())?;
        Ok(subscription_choices(found))
    }
}

/// Form choices for a form checked inside async code (a child's, a scheduled run's):
/// commands run on the spot, subscriptions fetched beforehand with [`prefetch`].
pub struct Prefetched<'a> {
    root: &'a Path,
    db: String,
    subscriptions: HashMap<String, Vec<Choice>>,
}

/// Fetches what the subscription fields of `pages` may pick, so the form can then be
/// checked synchronously; `db` is the database as steps see it (`ORCH_DB`).
pub async fn prefetch<'a>(
    store: &Store,
    root: &'a Path,
    db: String,
    pages: &[FormPage],
) -> StoreResult<Prefetched<'a>> {
    let mut subscriptions = HashMap::new();
    for f in pages.iter().flat_map(|p| &p.fields) {
        if f.field_type == FormType::Subscription {
            let found = store.subscriptions(&subscription_filter(f)).await?;
            subscriptions.insert(f.name.clone(), subscription_choices(found));
        }
    }
    Ok(Prefetched {
        root,
        db,
        subscriptions,
    })
}

impl ChoiceSource for Prefetched<'_> {
    fn choices_from(
        &self,
        _field: &FieldSpec,
        cmd: &str,
        answers: &Map<String, Value>,
    ) -> std::result::Result<Listed, String> {
        listed(self.root, &self.db, cmd, answers)
    }

    fn subscriptions(&self, field: &FieldSpec) -> std::result::Result<Vec<Choice>, String> {
        Ok(self
            .subscriptions
            .get(&field.name)
            .cloned()
            .unwrap_or_default())
    }
}
