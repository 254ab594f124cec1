//! Callback steps (DESIGN §14): a token is minted and recorded (its hash), the step's
//! `run` (if any) gets it, then the process rests `awaiting_callback` until an answer
//! comes (`orch process callback`, or the HTTP API), its deadline passes, or it is
//! aborted.
//!
//! Each time the step's turn comes the runner asks the store where the step stands,
//! so every path lands right: an answer that came in is taken (also one that came while
//! `run` still ran, or before a crash); a wait whose deadline passed fails the step
//! (`callback timed out after 2h`); a step that never handed out a token, or whose
//! `run` did not finish (its orch died), hands out a new one; a token handed out
//! before stays good until the step ends, so an external system that got it from a
//! `run` cut short by a crash can still answer.

use std::time::Instant;

use serde_json::{Value, json};

use super::{Attempt, Current, Engine, Final, StepEnd};
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{CallbackSpec, StepDef, format_exact};
use crate::engine::token;
use crate::error::Error;
use crate::store::callbacks::NewCallback;

/// What a callback step's `run` gets: the token, and the URL that answers it when
/// `orch serve` has a public address.
pub(super) struct Handout {
    token: String,
    url: Option<String>,
}

/// What stands in for a token wherever a step's output is kept.
const MASK: &str = "********";

impl Handout {
    pub(super) fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![("ORCH_CALLBACK_TOKEN".to_string(), self.token.clone())];
        if let Some(u) = &self.url {
            env.push(("ORCH_CALLBACK_URL".to_string(), u.clone()));
        }
        env
    }

    pub(super) fn mask(&self, text: &str) -> String {
        text.replace(&self.token, MASK)
    }

    pub(super) fn mask_bytes<'b>(&self, chunk: &'b [u8]) -> std::borrow::Cow<'b, [u8]> {
        let needle = self.token.as_bytes();
        if !chunk.windows(needle.len()).any(|w| w == needle) {
            return chunk.into();
        }
        self.mask(&String::from_utf8_lossy(chunk))
            .into_bytes()
            .into()
    }

    /// A patch the step printed, without the token in any of its strings.
    fn mask_patch(&self, patch: Value) -> Value {
        let text = patch.to_string();
        if !text.contains(&self.token) {
            return patch;
        }
        serde_json::from_str(&self.mask(&text)).unwrap_or_else(|_| json!({}))
    }
}

/// The answer URL under `orch serve`'s public address.
fn answer_url(base: &str, token: &str) -> String {
    format!("{}/api/v1/callbacks/{token}", base.trim_end_matches('/'))
}

impl Engine<'_> {
    /// Runs a callback step; `Some` ends the drive (awaiting, failed, waiting, …).
    pub(super) async fn callback_step(
        &self,
        cur: &mut Current,
        step: &StepDef,
        run: Option<&str>,
        spec: &CallbackSpec,
        attempt: i64,
    ) -> Result<Option<Final>, Error> {
        let path = cur.path_of(&step.name);
        self.observer.with(|o| o.step_started(&path, attempt));
        // At most twice: the second time takes an answer that came in while the step
        // was being committed as awaiting.
        for _ in 0..2 {
            let started = Instant::now();
            let wait = self.store.callback_wait(&cur.process_id, &path).await?;
            // An answer is taken once the step's `run` has finished (the wait began);
            // one that came while a `run` cut short by a crash ran waits for `run` to
            // run again, so what `run` prints still reaches the state.
            let run_done = run.is_none() || wait.waiting_since.is_some();
            let outcome = if let Some(answer) = wait.answer.filter(|_| run_done) {
                Attempt::ok(json!({ spec.result_key(&step.name): answer }))
            } else if wait.waiting_since.is_some() && wait.expired {
                Attempt::failed(format!(
                    "callback timed out after {}",
                    spec.timeout
                        .map_or_else(|| "its deadline".into(), format_exact)
                ))
            } else if wait.waiting_since.is_some() && cur.branch.is_some() {
                // Still in time, and logged as awaiting when it started to wait: the
                // branch rests on its tokens without logging the wait again.
                cur.last = Some((path, StepStatus::AwaitingCallback, None));
                return Ok(Some(Final::AwaitingCallback));
            } else if wait.waiting_since.is_some() {
                // Still in time: the process rests on the tokens it handed out.
                Attempt::with_status(StepStatus::AwaitingCallback)
            } else {
                self.hand_out(cur, step, run, spec, attempt).await?
            };
            if outcome.status == StepStatus::Abort {
                // Its `run` was stopped for an abort: the process's abort is logged.
                return Ok(Some(Final::Aborted));
            }
            let interrupted = self.cancelled();
            let status = self
                .commit(
                    cur,
                    cur.scoped(StepEnd::new(&step.name, attempt, started, outcome)),
                )
                .await?;
            if cur.rested {
                return Ok(Some(Final::Waiting));
            }
            return Ok(match status {
                StepStatus::Success => None,
                StepStatus::AwaitingCallback if cur.committed == ProcessStatus::Running => {
                    continue;
                }
                StepStatus::AwaitingCallback => Some(Final::AwaitingCallback),
                _ if interrupted => Some(Final::Interrupted),
                StepStatus::Waiting => Some(Final::Waiting),
                _ => Some(Final::Failed),
            });
        }
        Err(Error::internal(format!(
            "the answer to step `{}` of process {} was recorded but cannot be read",
            step.name, cur.process_id
        )))
    }

    /// Mints a token, records it, and runs the step's `run` with it: the attempt rests
    /// awaiting the answer unless `run` failed.
    async fn hand_out(
        &self,
        cur: &Current,
        step: &StepDef,
        run: Option<&str>,
        spec: &CallbackSpec,
        attempt: i64,
    ) -> Result<Attempt, Error> {
        let token = token::new()?;
        self.store
            .open_callback(&NewCallback {
                token_hash: &token::hash(&token),
                process_id: &cur.process_id,
                step: &cur.path_of(&step.name),
                attempt,
                timeout: spec.timeout,
            })
            .await?;
        let Some(run) = run else {
            let at = cur.path_of(&step.name);
            self.observer.with(|o| o.callback_token(&at, &token));
            return Ok(Attempt::with_status(StepStatus::AwaitingCallback));
        };
        let handout = Handout {
            url: self.callback_url.as_deref().map(|b| answer_url(b, &token)),
            token,
        };
        let mut a = self
            .run_command(cur, step, run, attempt, None, Some(&handout))
            .await;
        if a.status == StepStatus::Success {
            a.status = StepStatus::AwaitingCallback;
            a.patch = handout.mask_patch(std::mem::take(&mut a.patch));
        }
        Ok(a)
    }
}

impl Engine<'_> {
    /// Fails each callback step in `timed_out` (waits whose deadline passed, one per
    /// branch that waits) as a worker does when it finds it so (`callback timed out
    /// after 2h`); the last row leaves the process failed, for a retry to run those
    /// steps again with new tokens. The caller has claimed `process`.
    pub async fn time_out_waits(
        &self,
        process: &mut crate::store::processes::ProcessRow,
        def: &crate::domain::workflow::WorkflowDef,
        steps: &[crate::store::processes::StepRow],
        timed_out: &[crate::shapes::waits::CallbackWait],
    ) -> Result<(), Error> {
        let last = timed_out.len().saturating_sub(1);
        for (i, wait) in timed_out.iter().enumerate() {
            let at = crate::domain::path::locate(&def.steps, None, &wait.step);
            let timeout = match at.map(|(s, _)| &s.kind) {
                Some(crate::domain::workflow::StepKind::Callback { callback, .. }) => {
                    callback.timeout
                }
                _ => None,
            };
            let branch = wait.branch.as_deref();
            let attempt = crate::engine::plan::next_attempt_in(steps, branch, &wait.name);
            let mut recorded = super::Recorded {
                error: Some(format!(
                    "callback timed out after {}",
                    timeout.map_or_else(|| "its deadline".into(), format_exact)
                )),
                branch: wait.branch.clone(),
                ..super::Recorded::new(&wait.name, attempt, StepStatus::Failed)
            };
            if i < last {
                recorded.process_status = ProcessStatus::Running;
            }
            self.record(process, recorded).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_masked_everywhere_it_is_kept() {
        let h = Handout {
            token: "ab".repeat(32),
            url: Some(answer_url("https://orch.example/", &"ab".repeat(32))),
        };
        let line = format!("handing {} to the job system\n", h.token);
        assert_eq!(h.mask(&line), "handing ******** to the job system\n");
        assert!(!String::from_utf8_lossy(&h.mask_bytes(line.as_bytes())).contains(&h.token));
        assert_eq!(&*h.mask_bytes(b"nothing here"), b"nothing here");
        let patch = h.mask_patch(json!({"job": {"token": h.token.clone()}, "n": 1}));
        assert_eq!(patch, json!({"job": {"token": MASK}, "n": 1}));
        let env = h.env();
        assert_eq!(env[0].0, "ORCH_CALLBACK_TOKEN");
        assert_eq!(
            env[1].1,
            format!("https://orch.example/api/v1/callbacks/{}", "ab".repeat(32))
        );
    }
}
