//! A `run` step: how its shell is started (its command, directory and environment,
//! started ahead behind a gate when it can be), and how what it did is read back (its
//! exit, and its stdout as a state patch under the protocol of DESIGN §5).

use std::time::Duration;

use serde_json::{Value, json};

use super::callback;
use super::{
    Attempt, Current, Engine, LAPSE_STOPPED, MAX_STDOUT, STDERR_TAIL, STORED_TAIL, orch_bin,
};
use crate::domain::process::StepStatus;
use crate::domain::workflow::{StepDef, StepKind};
use crate::engine::ahead::Starting;
use crate::engine::command::{self, CommandSpec, Gated, Outcome};
use crate::engine::plan::{Planned, PlannedStep, next_attempt};
use crate::store::processes::StepRow;

impl Engine<'_> {
    /// How the shell of a `run` step is started: its command, directory and environment,
    /// without the stdin (the state is only final once the step before is committed).
    pub(super) fn launch_spec(
        &self,
        cur: &Current,
        step: &StepDef,
        run: &str,
        attempt: i64,
    ) -> CommandSpec {
        let mut env = vec![
            ("ORCH_PROCESS_ID".to_string(), cur.process_id.clone()),
            ("ORCH_STEP".to_string(), step.name.clone()),
            // Inside a branch, where: `Push every device [3] / Push`.
            ("ORCH_STEP_PATH".to_string(), cur.path_of(&step.name)),
            ("ORCH_WORKFLOW".to_string(), cur.workflow.clone()),
            ("ORCH_ATTEMPT".to_string(), attempt.to_string()),
            ("ORCH_DB".to_string(), self.db.address.clone()),
            ("ORCH_USER".to_string(), self.user.clone()),
            ("ORCH_DIR".to_string(), self.root.display().to_string()),
        ];
        if let Some(exe) = orch_bin() {
            env.push(("ORCH_BIN".to_string(), exe.to_string()));
        }
        if let Some(s) = &cur.subscription_id {
            env.push(("ORCH_SUBSCRIPTION_ID".to_string(), s.clone()));
        }
        CommandSpec {
            command: run.to_string(),
            cwd: self.root.clone(),
            env,
            stdin: Vec::new(),
            timeout: step.timeout.or(self.default_timeout),
            grace: self.grace,
            max_stdout: MAX_STDOUT,
            stderr_tail: STDERR_TAIL,
            linger: Duration::from_millis(200),
        }
    }

    /// Starts the shell of `next` ahead of its turn (see `ahead`) if it is a `run` step,
    /// for the environment it would get now; one that no longer fits when its turn
    /// comes is killed and replaced.
    pub(super) fn start_shell(
        &self,
        cur: &Current,
        next: Option<&&PlannedStep<'_>>,
        log: &[StepRow],
    ) -> Option<Starting> {
        let next = next?;
        let Planned::User(step) = &next.step else {
            return None;
        };
        let StepKind::Run { run } = &step.kind else {
            return None;
        };
        let spec = self.launch_spec(cur, step, run, next_attempt(log, &next.name));
        Some(tokio::task::spawn_blocking(move || command::start(&spec)))
    }

    /// Runs a `run` command; `handout` gives a callback step's token to it (in its
    /// environment) and keeps the token out of what is kept of its output.
    pub(super) async fn run_command(
        &self,
        cur: &Current,
        step: &StepDef,
        run: &str,
        attempt: i64,
        shell: Option<Gated>,
        handout: Option<&callback::Handout>,
    ) -> Attempt {
        let stdin = if self.secrets.is_empty() {
            serde_json::to_vec(&*cur.state)
        } else {
            let mut with_secrets = (*cur.state).clone();
            if let Some(obj) = with_secrets.as_object_mut() {
                obj.extend(self.secrets.clone());
            }
            serde_json::to_vec(&with_secrets)
        };
        let mut spec = CommandSpec {
            stdin: stdin.unwrap_or_default(),
            ..self.launch_spec(cur, step, run, attempt)
        };
        if let Some(h) = handout {
            spec.env.extend(h.env());
        }
        let timeout = spec.timeout;
        let shell = shell.filter(|s| s.fits(&spec));
        let path = cur.path_of(&step.name);
        let watch = &self.observer;
        // The live stream (`-v`) hides what the stored output hides: the callback
        // token and the secrets (stderr arrives line by line, so a value is whole).
        let mut on_stderr = |chunk: &[u8]| {
            let chunk = match handout {
                Some(h) => h.mask_bytes(chunk),
                None => std::borrow::Cow::Borrowed(chunk),
            };
            if self.secrets.is_empty() {
                watch.with(|o| o.stderr(&path, &chunk));
            } else {
                let text = self.scrub_text(String::from_utf8_lossy(&chunk).into_owned());
                watch.with(|o| o.stderr(&path, text.as_bytes()));
            }
        };
        let mut cancel = self.cancel.clone();
        let clock = self.lease_clock.clone();
        // Which stopped the step: Ctrl-C/SIGTERM, this orch's lease running out, or an
        // abort asked for.
        let lapsed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let noted = std::sync::Arc::clone(&lapsed);
        let aborted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let asked = std::sync::Arc::clone(&aborted);
        let aborts = self.aborts.clone();
        let process_id = cur.process_id.clone();
        let cancelled = async move {
            let lapse = async {
                match &clock {
                    Some(c) => c.until_lapsed().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = crate::engine::raised(&mut cancel) => {}
                _ = lapse => noted.store(true, std::sync::atomic::Ordering::SeqCst),
                _ = aborts.until_asked(&process_id) => asked.store(true, std::sync::atomic::Ordering::SeqCst),
            }
        };
        let result = async {
            let shell = match shell {
                Some(s) => s,
                None => command::start(&spec)?,
            };
            shell.run(spec, Some(&mut on_stderr), cancelled).await
        }
        .await;
        let shown = command::shown(run);
        let result = match result {
            Ok(r) => r,
            Err(e) => return Attempt::failed(format!("cannot start `{shown}`: {e}")),
        };
        let output = tail_text(&result.stderr_tail);
        let mut a = match result.outcome {
            Outcome::Exited(0) => interpret_stdout(&result),
            Outcome::Exited(75) => Attempt {
                status: StepStatus::Waiting,
                patch: json!({}),
                error: Some(
                    "the step is waiting (exit 75, a transient failure); retry later".into(),
                ),
                output: None,
            },
            Outcome::Exited(code) => {
                Attempt::failed(format!("`{shown}` exited with status {code}"))
            }
            Outcome::Signaled(sig) => {
                Attempt::failed(format!("`{shown}` was killed by signal {sig}"))
            }
            Outcome::TimedOut => Attempt::failed(format!(
                "`{shown}` timed out after {}",
                crate::domain::workflow::format_duration(timeout.unwrap_or_default())
            )),
            // Stopped (SIGTERM, the grace, SIGKILL) for an abort: the caller logs it.
            Outcome::Cancelled if aborted.load(std::sync::atomic::Ordering::SeqCst) => {
                Attempt::with_status(StepStatus::Abort)
            }
            Outcome::Cancelled if lapsed.load(std::sync::atomic::Ordering::SeqCst) => Attempt {
                // Another orch may be taking the process over: the step runs again
                // wherever the process goes on (this is written only if this orch
                // still holds it).
                status: StepStatus::Waiting,
                patch: json!({}),
                error: Some(LAPSE_STOPPED.into()),
                output: None,
            },
            Outcome::Cancelled => Attempt::failed(format!(
                "{}; the step was stopped",
                crate::engine::INTERRUPTED
            )),
        };
        a.output = output;
        if let Some(h) = handout {
            a.error = a.error.map(|e| h.mask(&e));
            a.output = a.output.map(|o| h.mask(&o));
        }
        a
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
    // A UTF-8 byte order mark is no part of the JSON text (RFC 8259 §8.1).
    let text = r
        .stdout
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&r.stdout);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Attempt::ok(json!({}));
    }
    if let Some(levels) = crate::depth::too_deep(text) {
        return Attempt::failed(format!(
            "stdout nests JSON {levels} levels deep, past the {} levels a state may nest; flatten the output, or print a deep document as a JSON string",
            crate::depth::MAX_DEPTH
        ));
    }
    // JSON text is UTF-8: a step printing Latin-1 (`café` from an old tool) is told so,
    // not that some code point is invalid.
    if let Err(e) = std::str::from_utf8(text) {
        let at = e.valid_up_to();
        let line = text[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        return Attempt::failed(format!(
            "stdout is not a JSON object: it is not UTF-8 text (byte 0x{:02x} on line {line} is no part of a UTF-8 character): `{}`; print JSON in UTF-8 (`iconv -f latin1 -t utf-8` converts Latin-1), and logs on stderr",
            text[at],
            preview(text)
        ));
    }
    match serde_json::from_slice::<Value>(text) {
        Ok(Value::Object(_)) if let Some(n) = crate::numbers::inexact_integer(text) => {
            Attempt::failed(format!(
                "stdout holds the whole number {n}, which orch cannot keep exactly (JSON numbers are kept as 64-bit integers or floats); print it as a string"
            ))
        }
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

/// The end of stderr kept in the step log; none for a step that wrote nothing but
/// blank lines, which would show as an empty `stderr (tail):` under its failure.
fn tail_text(bytes: &[u8]) -> Option<String> {
    let start = bytes.len().saturating_sub(STORED_TAIL);
    let text = String::from_utf8_lossy(&bytes[start..]);
    let text = text.trim_end();
    (!text.is_empty()).then(|| text.to_string())
}
