//! The step runner: drives a process from its next unfinished step until it completes,
//! suspends, waits, fails or is interrupted, committing each step in one transaction.
//!
//! The runner does not know about terminals: it reports through [`Observer`]. It holds
//! the connection only between awaits, never across one.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::builtins::{self, BuiltinOutcome};
use super::command::{self, CommandSpec, Outcome};
use super::merge;
use super::plan::{Planned, PlannedStep, plan};
use crate::domain::workflow::{StepDef, StepKind, WorkflowDef};
use crate::error::{Error, Kind};
use crate::store::processes::{StepCommit, StepRow};
use crate::store::{self, processes};

/// How a drive ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Final {
    Completed,
    Suspended,
    Waiting,
    Failed,
    Interrupted,
}

impl Final {
    /// The exit status of DESIGN §9 for this outcome, `None` for success.
    pub fn error_kind(self) -> Option<Kind> {
        match self {
            Final::Completed => None,
            Final::Suspended => Some(Kind::Suspended),
            Final::Waiting => Some(Kind::Waiting),
            Final::Failed => Some(Kind::StepFailed),
            Final::Interrupted => Some(Kind::Interrupted),
        }
    }
}

/// What the runner tells whoever watches it (a progress bar, log lines, nothing).
pub trait Observer: Send {
    fn step_started(&mut self, _name: &str, _attempt: i64) {}
    fn step_finished(&mut self, _step: &StepRow, _took: Duration) {}
    fn stderr(&mut self, _chunk: &[u8]) {}
    fn retrying(&mut self, _name: &str, _next_attempt: i64, _delay: Duration) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// Everything a drive needs besides the process.
pub struct Engine<'a> {
    pub conn: &'a mut Connection,
    pub root: PathBuf,
    pub db_path: PathBuf,
    pub user: String,
    pub default_timeout: Option<Duration>,
    pub grace: Duration,
    pub observer: &'a mut dyn Observer,
    pub cancel: watch::Receiver<bool>,
}

/// Size limits for what a step prints.
const MAX_STDOUT: usize = 16 * 1024 * 1024;
const STDERR_TAIL: usize = 64 * 1024;
const STORED_TAIL: usize = 8 * 1024;

struct Attempt {
    status: &'static str,
    patch: Value,
    error: Option<String>,
    output: Option<String>,
}

impl Attempt {
    fn ok(patch: Value) -> Attempt {
        Attempt {
            status: "success",
            patch,
            error: None,
            output: None,
        }
    }
    fn failed(error: impl Into<String>) -> Attempt {
        Attempt {
            status: "failed",
            patch: json!({}),
            error: Some(error.into()),
            output: None,
        }
    }
}

impl Engine<'_> {
    fn cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// Runs the process from its first unfinished step.
    ///
    /// `input` answers a pending input step; `def` is the definition to use (the stored
    /// one unless the caller chose the current file).
    pub async fn drive(
        &mut self,
        process_id: &str,
        def: &WorkflowDef,
        mut input: Option<Map<String, Value>>,
    ) -> Result<Final, Error> {
        let mut process = processes::get(self.conn, process_id)?
            .ok_or_else(|| Error::not_found(format!("no process {process_id}")))?;
        let mut state = std::mem::take(&mut process.state);
        let subscription_id = process.subscription_id.clone();
        let log = processes::steps(self.conn, process_id)?;
        let done: HashSet<&str> = log
            .iter()
            .filter(|s| matches!(s.status.as_str(), "success" | "skipped" | "complete"))
            .map(|s| s.name.as_str())
            .collect();
        let planned = plan(def);
        let remaining: Vec<&PlannedStep<'_>> = planned
            .iter()
            .filter(|p| !done.contains(p.name.as_str()))
            .collect();

        for step in remaining {
            if self.cancelled() {
                return self.interrupt(process_id, &step.name, &state, subscription_id.as_deref());
            }
            let attempt = log.iter().filter(|s| s.name == step.name).count() as i64 + 1;
            let result = match &step.step {
                Planned::Start => {
                    self.commit(
                        process_id,
                        subscription_id.as_deref(),
                        &step.name,
                        attempt,
                        Instant::now(),
                        &mut state,
                        Attempt::ok(json!({})),
                        "running",
                        true,
                    )?;
                    continue;
                }
                Planned::Done => {
                    let a = Attempt {
                        status: "complete",
                        ..Attempt::ok(json!({}))
                    };
                    self.commit(
                        process_id,
                        subscription_id.as_deref(),
                        &step.name,
                        attempt,
                        Instant::now(),
                        &mut state,
                        a,
                        "completed",
                        false,
                    )?;
                    return Ok(Final::Completed);
                }
                Planned::CreateSubscription
                | Planned::Lock
                | Planned::Unlock
                | Planned::SetStatus(_) => {
                    let a = Attempt::failed(
                        "subscription targets are not supported by this build of orch",
                    );
                    self.commit(
                        process_id,
                        subscription_id.as_deref(),
                        &step.name,
                        attempt,
                        Instant::now(),
                        &mut state,
                        a,
                        "failed",
                        false,
                    )?;
                    return Ok(Final::Failed);
                }
                Planned::User(user_step) => {
                    self.user_step(
                        process_id,
                        subscription_id.as_deref(),
                        user_step,
                        attempt,
                        &mut state,
                        &mut input,
                    )
                    .await?
                }
            };
            if let Some(f) = result {
                return Ok(f);
            }
        }
        // Every step, Done included, already ran (a retry of a completed process).
        Ok(Final::Completed)
    }

    /// Runs one user step with its retry policy; `Some` ends the drive.
    async fn user_step(
        &mut self,
        process_id: &str,
        subscription_id: Option<&str>,
        step: &StepDef,
        first_attempt: i64,
        state: &mut Value,
        input: &mut Option<Map<String, Value>>,
    ) -> Result<Option<Final>, Error> {
        let started = Instant::now();
        if let Some(cond) = &step.condition {
            match crate::expr::eval_bool(cond, &json!({ "state": state })) {
                Ok(true) => {}
                Ok(false) => {
                    let a = Attempt {
                        status: "skipped",
                        ..Attempt::ok(json!({}))
                    };
                    self.commit(
                        process_id,
                        subscription_id,
                        &step.name,
                        first_attempt,
                        started,
                        state,
                        a,
                        "running",
                        false,
                    )?;
                    return Ok(None);
                }
                Err(e) => {
                    let a = Attempt::failed(format!("`if` expression failed: {e}"));
                    self.commit(
                        process_id,
                        subscription_id,
                        &step.name,
                        first_attempt,
                        started,
                        state,
                        a,
                        "failed",
                        false,
                    )?;
                    return Ok(Some(Final::Failed));
                }
            }
        }
        let attempts = step.retry.as_ref().map_or(1, |r| r.attempts.max(1)) as i64;
        for (n, attempt) in (1..=attempts).zip(first_attempt..) {
            let started = Instant::now();
            self.observer.step_started(&step.name, attempt);
            let outcome = match &step.kind {
                StepKind::Run { run } => {
                    self.run_command(process_id, subscription_id, step, run, attempt, state)
                        .await
                }
                StepKind::Builtin { builtin, with } => match builtins::run(builtin, with, state) {
                    BuiltinOutcome::Patch(p) => Attempt::ok(p),
                    BuiltinOutcome::Fail(m) => Attempt::failed(m),
                    BuiltinOutcome::Sleep(d) => {
                        let mut cancel = self.cancel.clone();
                        tokio::select! {
                            _ = tokio::time::sleep(d) => Attempt::ok(json!({})),
                            _ = cancel.wait_for(|c| *c) => Attempt::failed("interrupted"),
                        }
                    }
                },
                StepKind::Input { fields, .. } => match input.take() {
                    Some(answers) => {
                        let mut patch = Map::new();
                        for f in fields {
                            if let Some(v) = answers.get(&f.name) {
                                patch.insert(f.name.clone(), v.clone());
                            }
                        }
                        Attempt::ok(Value::Object(patch))
                    }
                    None => {
                        let a = Attempt {
                            status: "suspend",
                            ..Attempt::ok(json!({}))
                        };
                        self.commit(
                            process_id,
                            subscription_id,
                            &step.name,
                            attempt,
                            started,
                            state,
                            a,
                            "suspended",
                            false,
                        )?;
                        return Ok(Some(Final::Suspended));
                    }
                },
            };
            let interrupted = self.cancelled();
            let last = n == attempts || interrupted;
            let process_status = match (outcome.status, last) {
                ("success", _) => "running",
                ("waiting", true) => "waiting",
                (_, true) => "failed",
                (_, false) => "running",
            };
            let status = outcome.status;
            self.commit(
                process_id,
                subscription_id,
                &step.name,
                attempt,
                started,
                state,
                outcome,
                process_status,
                false,
            )?;
            if status == "success" {
                return Ok(None);
            }
            if interrupted {
                return Ok(Some(Final::Interrupted));
            }
            if last {
                return Ok(Some(if status == "waiting" {
                    Final::Waiting
                } else {
                    Final::Failed
                }));
            }
            let delay = step
                .retry
                .as_ref()
                .map_or(Duration::ZERO, |r| r.delay_before(n as u32 + 1));
            self.observer.retrying(&step.name, attempt + 1, delay);
            let mut cancel = self.cancel.clone();
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = cancel.wait_for(|c| *c) => {}
            }
        }
        Ok(Some(Final::Failed))
    }

    async fn run_command(
        &mut self,
        process_id: &str,
        subscription_id: Option<&str>,
        step: &StepDef,
        run: &str,
        attempt: i64,
        state: &Value,
    ) -> Attempt {
        let mut env = vec![
            ("ORCH_PROCESS_ID".to_string(), process_id.to_string()),
            ("ORCH_STEP".to_string(), step.name.clone()),
            ("ORCH_ATTEMPT".to_string(), attempt.to_string()),
            ("ORCH_DB".to_string(), self.db_path.display().to_string()),
            ("ORCH_USER".to_string(), self.user.clone()),
            ("ORCH_DIR".to_string(), self.root.display().to_string()),
        ];
        if let Ok(name) = processes::workflow_name(self.conn, process_id) {
            env.push(("ORCH_WORKFLOW".to_string(), name.unwrap_or_default()));
        }
        if let Some(s) = subscription_id {
            env.push(("ORCH_SUBSCRIPTION_ID".to_string(), s.to_string()));
        }
        let timeout = step.timeout.or(self.default_timeout);
        let spec = CommandSpec {
            command: run.to_string(),
            cwd: self.root.clone(),
            env,
            stdin: serde_json::to_vec(state).unwrap_or_default(),
            timeout,
            grace: self.grace,
            max_stdout: MAX_STDOUT,
            stderr_tail: STDERR_TAIL,
            linger: Duration::from_millis(200),
        };
        let observer = &mut *self.observer;
        let mut on_stderr = |chunk: &[u8]| observer.stderr(chunk);
        let mut cancel = self.cancel.clone();
        let cancelled = async move {
            let _ = cancel.wait_for(|c| *c).await;
        };
        let result = match command::run(spec, Some(&mut on_stderr), cancelled).await {
            Ok(r) => r,
            Err(e) => return Attempt::failed(format!("cannot start `{run}`: {e}")),
        };
        let output = tail_text(&result.stderr_tail);
        let mut a = match result.outcome {
            Outcome::Exited(0) => interpret_stdout(&result),
            Outcome::Exited(75) => Attempt {
                status: "waiting",
                patch: json!({}),
                error: Some(
                    "the step is waiting (exit 75, a transient failure); retry later".into(),
                ),
                output: None,
            },
            Outcome::Exited(code) => Attempt::failed(format!("`{run}` exited with status {code}")),
            Outcome::Signaled(sig) => {
                Attempt::failed(format!("`{run}` was killed by signal {sig}"))
            }
            Outcome::TimedOut => Attempt::failed(format!(
                "`{run}` timed out after {}",
                crate::domain::workflow::format_duration(timeout.unwrap_or_default())
            )),
            Outcome::Cancelled => {
                Attempt::failed("interrupted (Ctrl-C or SIGTERM); the step was stopped")
            }
        };
        a.output = output;
        a
    }

    #[allow(clippy::too_many_arguments)]
    fn commit(
        &mut self,
        process_id: &str,
        subscription_id: Option<&str>,
        name: &str,
        attempt: i64,
        started: Instant,
        state: &mut Value,
        outcome: Attempt,
        process_status: &str,
        is_start: bool,
    ) -> Result<(), Error> {
        let took = started.elapsed();
        let finished = crate::clock::now();
        let started_at = finished
            .checked_sub(jiff::SignedDuration::try_from(took).unwrap_or_default())
            .unwrap_or(finished);
        // Start's patch is the whole initial state, so folding the log from `{}` gives
        // the state after any step. The state is patched in place: copying a large
        // state for every step would cost more than the step. A failed commit ends
        // the drive, so a state patched ahead of its commit is never used.
        let patch = if is_start {
            state.clone()
        } else if outcome.status == "success" {
            merge::apply_diff(state, &outcome.patch)
        } else {
            json!({})
        };
        let row = StepRow {
            step_id: 0,
            name: name.to_string(),
            status: outcome.status.to_string(),
            attempt,
            started_at: crate::clock::format(started_at),
            finished_at: crate::clock::format(finished),
            error: outcome.error.clone(),
            output: outcome.output,
            created_by: self.user.clone(),
            state_patch: patch,
        };
        let failed_reason = match process_status {
            "failed" | "waiting" => outcome.error.as_deref(),
            _ => None,
        };
        let tx = store::write_tx(self.conn)?;
        processes::commit_step(
            &tx,
            &StepCommit {
                process_id,
                subscription_id,
                step: &row,
                state,
                status: process_status,
                failed_reason,
                duration_ms: took.as_millis(),
            },
        )?;
        if matches!(
            process_status,
            "completed" | "failed" | "waiting" | "suspended"
        ) {
            processes::set_owner(&tx, process_id, None)?;
        }
        tx.commit()?;
        self.observer.step_finished(&row, took);
        Ok(())
    }

    fn interrupt(
        &mut self,
        process_id: &str,
        name: &str,
        state: &Value,
        subscription_id: Option<&str>,
    ) -> Result<Final, Error> {
        let mut state = state.clone();
        self.commit(
            process_id,
            subscription_id,
            name,
            0,
            Instant::now(),
            &mut state,
            Attempt::failed("interrupted before the step started"),
            "failed",
            false,
        )?;
        Ok(Final::Interrupted)
    }
}

/// Applies the stdout protocol: nothing, or one JSON object.
fn interpret_stdout(r: &command::CommandResult) -> Attempt {
    if r.stdout_truncated {
        return Attempt::failed(format!(
            "the step printed {} bytes on stdout, more than the {} MiB a state patch may have",
            r.stdout_total,
            MAX_STDOUT / 1024 / 1024
        ));
    }
    let text = &r.stdout;
    if text.iter().all(u8::is_ascii_whitespace) {
        return Attempt::ok(json!({}));
    }
    match serde_json::from_slice::<Value>(text) {
        Ok(v @ Value::Object(_)) => Attempt::ok(v),
        Ok(other) => Attempt::failed(format!(
            "stdout must be one JSON object (a merge patch for the state), got {}; print logs on stderr",
            match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "null",
            }
        )),
        Err(e) => Attempt::failed(format!(
            "stdout is not a JSON object ({e}): `{}`; print logs on stderr, and at most one JSON object on stdout",
            preview(text)
        )),
    }
}

fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]);
    let mut s: String = text
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect();
    if bytes.len() > 120 {
        s.push('…');
    }
    s
}

fn tail_text(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    let start = bytes.len().saturating_sub(STORED_TAIL);
    Some(
        String::from_utf8_lossy(&bytes[start..])
            .trim_end()
            .to_string(),
    )
}
