//! The parts of a workflow file that wait on the world (DESIGN §14): a step's
//! `callback` table and the `locks` of a workflow or a step, checked where they are
//! written: a timeout that parses, a `validate` expression that parses, a result key
//! that can hold the answer, lock templates that render against an empty state.

use serde::Deserialize;

use super::Seg;
use crate::domain::workflow::{CallbackSpec, parse_duration, snake_case};

/// A `callback = { … }` table as written.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table like `{ timeout = \"2h\", result = \"job\", validate = \"…\" }`"
)]
pub struct RawCallback {
    timeout: Option<String>,
    result: Option<String>,
    validate: Option<String>,
    message: Option<String>,
}

/// Checks the callback table of the step `name` at key path `step`: a timeout that
/// parses, an expression that parses, a result key that can hold the answer (also the
/// default one, the step's name in snake case).
pub fn check_callback(
    c: &RawCallback,
    name: &str,
    step: &[Seg],
    err: &mut dyn FnMut(Vec<Seg>, String),
) -> CallbackSpec {
    let at = |leaf: &str| {
        let mut p = step.to_vec();
        p.push(Seg::from("callback"));
        p.push(Seg::from(leaf));
        p
    };
    let timeout = c.timeout.as_ref().and_then(|t| {
        match parse_duration(t) {
            Ok(d) if d.is_zero() => Err("a callback timeout must be longer than 0s".into()),
            other => other,
        }
        .map_err(|e| err(at("timeout"), e))
        .ok()
    });
    if let Some(r) = &c.result {
        if r.trim().is_empty() {
            err(
                at("result"),
                "`result` names the state key the answer goes to; it cannot be empty".into(),
            );
        } else if !super::steps::is_key(r) {
            // A dotted or spaced key would be stored as one key that `state.a.b`
            // never reaches, as with `collect` and `as`.
            err(
                at("result"),
                format!("`result = \"{r}\"` must be a plain state key (letters, digits and `_`)"),
            );
        } else if r == "subscription" {
            err(
                at("result"),
                "an answer cannot replace `state.subscription`; choose another key".into(),
            );
        }
    }
    if c.result.is_none() && snake_case(name) == "subscription" {
        let mut p = step.to_vec();
        p.push(Seg::from("callback"));
        err(
            p,
            format!(
                "the answer of step `{name}` would go to `state.subscription` (without `result`, the key is the step's name in snake case), which an answer cannot replace; set `result = \"…\"` to another key, or rename the step"
            ),
        );
    }
    if let Some(v) = &c.validate {
        if let Err(e) = crate::expr::check_expr(v) {
            err(at("validate"), format!("expression is not valid: {e}"));
        }
    }
    if c.message.is_some() && c.validate.is_none() {
        err(
            at("message"),
            "`message` is what a refused answer is told; it needs `validate`".into(),
        );
    }
    CallbackSpec {
        timeout,
        result: c.result.clone(),
        validate: c.validate.clone(),
        message: c.message.clone(),
    }
}

/// Checks a `locks` list (`at` is its key path): each a template that parses and
/// renders against an empty state, no name twice.
pub fn check_locks(
    locks: Option<&[String]>,
    at: &[Seg],
    err: &mut dyn FnMut(Vec<Seg>, String),
) -> Vec<String> {
    let Some(locks) = locks else {
        return Vec::new();
    };
    let place = |j: usize| {
        let mut p = at.to_vec();
        p.push(Seg::Index(j));
        p
    };
    for (j, l) in locks.iter().enumerate() {
        if l.trim().is_empty() {
            err(
                place(j),
                "a lock needs a name, such as \"ipam:{{ state.pool }}\"".into(),
            );
        } else if let Err(e) = crate::expr::render(l, &serde_json::json!({"state": {}})) {
            err(place(j), format!("lock template does not render: {e}"));
        } else if locks[..j].contains(l) {
            err(place(j), format!("lock `{l}` is listed twice"));
        }
    }
    locks.to_vec()
}
