//! Callback tokens (DESIGN §14), as the store hands them out and takes them in.
//!
//! A token is only ever stored as its hash. It stays *open* until the step it belongs
//! to ends (answered, failed, timed out, aborted), so the external system can answer
//! it also after its orch died and another took the process over. The first answer to
//! any open token of a step wins and closes the others; every later one finds nothing.

use std::time::Duration;

use serde_json::Value;

use crate::domain::process::ProcessStatus;

/// A token about to be handed to a callback step's `run`.
#[derive(Debug, Clone)]
pub struct NewCallback<'a> {
    /// The hash of the token; the token itself never reaches the store.
    pub token_hash: &'a str,
    pub process_id: &'a str,
    pub step: &'a str,
    pub attempt: i64,
    /// Unanswered after this long, the step fails (None: it waits for ever).
    pub timeout: Option<Duration>,
}

/// One token, as stored.
#[derive(Debug, Clone)]
pub struct CallbackRow {
    pub process_id: String,
    pub step: String,
    pub attempt: i64,
    pub created_at: String,
    /// Its deadline, if the step has a timeout.
    pub expires_at: Option<String>,
    /// When its process started to wait on it (its `run` had finished).
    pub waiting_since: Option<String>,
    pub answered_at: Option<String>,
    /// When the step it belongs to ended; a closed token answers nothing.
    pub closed_at: Option<String>,
}

/// Where a callback step stands when its turn comes (its open tokens taken together).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wait {
    /// An answer that came in and that no step took yet.
    pub answer: Option<Value>,
    /// How many tokens of the step are open.
    pub open: usize,
    /// Since when its process rests waiting on them (their `run` finished).
    pub waiting_since: Option<String>,
    /// The latest deadline among them; None when one has none (or none is open).
    pub until: Option<String>,
    /// Every open token is past its deadline: the step timed out.
    pub expired: bool,
}

/// How an answer went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// It was taken (and closed every other token of the step); the process was in
    /// this status, with this owner, when it was.
    Accepted {
        status: ProcessStatus,
        owner: Option<String>,
    },
    /// No open token has this hash: wrong, answered already, or its step ended.
    Unknown,
    /// The token is open but past its deadline (the step times out).
    Expired,
}

/// One open token of a step, as [`Wait::of`] takes them together.
pub struct OpenToken {
    pub expires_at: Option<String>,
    pub waiting_since: Option<String>,
    /// The answer it took, if it was answered.
    pub answer: Option<Value>,
}

impl Wait {
    /// Where a step stands given its open tokens, at `now` (in stored time text).
    pub fn of(tokens: impl IntoIterator<Item = OpenToken>, now: &str) -> Wait {
        let mut w = Wait::default();
        let mut unbounded = false;
        for t in tokens {
            w.open += 1;
            if t.answer.is_some() {
                w.answer = t.answer;
            }
            if let Some(since) = t.waiting_since {
                if w.waiting_since.as_ref().is_none_or(|s| since < *s) {
                    w.waiting_since = Some(since);
                }
            }
            match t.expires_at {
                None => unbounded = true,
                Some(e) => {
                    if w.until.as_ref().is_none_or(|u| e > *u) {
                        w.until = Some(e);
                    }
                }
            }
        }
        if unbounded {
            w.until = None;
        }
        w.expired = w.open > 0 && !unbounded && w.until.as_deref().is_some_and(|u| u <= now);
        w
    }
}

/// SQL for the first deadline among the steps of process `pid` (a placeholder) that
/// wait on their tokens: each step's is the latest of its open tokens', and a step with
/// an unbounded token has none. NULL when no step has one.
pub fn first_deadline_sql(pid: &str) -> String {
    format!(
        "SELECT MIN(until) FROM (SELECT CASE WHEN COUNT(expires_at) = COUNT(*) THEN MAX(expires_at) END AS until FROM callbacks WHERE process_id = {pid} AND closed_at IS NULL AND waiting_since IS NOT NULL GROUP BY step) AS steps"
    )
}

/// The data of a `step.progress` event: the step and attempt of the token, then what
/// the answerer sent (which cannot hide those two).
pub fn progress_data(step: &str, attempt: i64, data: &Value) -> Value {
    let mut payload = serde_json::json!({"step": step, "attempt": attempt});
    if let (Some(obj), Some(extra)) = (payload.as_object_mut(), data.as_object()) {
        for (k, v) in extra {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    payload
}

/// The stored text of an answer as JSON (a row answered without one: null).
pub fn stored_answer(text: Option<String>) -> Result<Value, serde_json::Error> {
    match text {
        Some(text) => serde_json::from_str(&text),
        None => Ok(Value::Null),
    }
}
