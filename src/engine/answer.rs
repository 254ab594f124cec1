//! Answering a callback step (DESIGN §14), the part `orch process callback` and
//! `POST /api/v1/callbacks/{token}` share: finding the open token, checking the answer
//! against the step's `validate`, and the words of a refusal.
//!
//! A wrong, spent or foreign token is refused with the same words whatever the reason,
//! so that a guess learns nothing.

use serde_json::{Value, json};

use super::token;
use crate::domain::workflow::StepKind;
use crate::error::{Error, FieldError, Result};
use crate::store::Store;
use crate::store::callbacks::CallbackRow;
use crate::store::processes::ProcessRow;

/// The open token with this text and its process: of `process_id` when the caller
/// names one, any process otherwise.
pub async fn open_token(
    store: &Store,
    process_id: Option<&str>,
    token: &str,
) -> Result<(CallbackRow, ProcessRow)> {
    if !token::looks_like_one(token) {
        return Err(unknown(process_id));
    }
    let hash = token::hash(token);
    let row = store
        .callback(&hash)
        .await?
        .filter(|r| process_id.is_none_or(|id| r.process_id == id))
        .filter(|r| r.closed_at.is_none() && r.answered_at.is_none())
        .ok_or_else(|| unknown(process_id))?;
    let now = crate::clock::now_text();
    if row.expires_at.as_deref().is_some_and(|e| e <= now.as_str()) {
        return Err(expired(&row));
    }
    let process = store
        .process(&row.process_id)
        .await?
        .ok_or_else(|| unknown(process_id))?;
    Ok((row, process))
}

/// The refusal of a token that opens nothing.
pub fn unknown(process_id: Option<&str>) -> Error {
    match process_id {
        Some(id) => Error::not_found(format!(
            "process {id} has no callback waiting for this token"
        ))
        .with_hint(format!(
            "the token is wrong, was answered already, or its step ended; `orch process show {id}` says what the process waits for"
        )),
        None => Error::not_found("no callback is waiting for this token").with_hint(
            "the token is wrong, was answered already, or its step ended; the process's page says what it waits for",
        ),
    }
}

/// The refusal of a token whose wait timed out.
pub fn expired(row: &CallbackRow) -> Error {
    let id = &row.process_id;
    Error::not_found(format!(
        "the callback of step `{}` of process {id} timed out at {}",
        row.step,
        row.expires_at.as_deref().unwrap_or("its deadline")
    ))
    .with_hint(format!(
        "`orch process retry {id}` (or POST /api/v1/processes/{id}/retry) runs the step again with a new token"
    ))
}

/// Refuses an answer that fails the step's `validate` (exit 2, HTTP 422): the process
/// keeps waiting and the token stays good. `validate` reads the answer as `value` and
/// the state the step sees as `state`: inside a branch, the branch's (with its item,
/// DESIGN §13), as its `run` saw it.
pub async fn check(store: &Store, answer: &Value, p: &ProcessRow, row: &CallbackRow) -> Result<()> {
    let def = store.definition_of(p).await?;
    let at = crate::domain::path::locate(&def.steps, None, &row.step).map(|(s, b)| (&s.kind, b));
    let Some((StepKind::Callback { callback: spec, .. }, branch)) = at else {
        return Err(Error::internal(format!(
            "process {} has a callback token for step `{}`, which is not a callback step of its definition",
            p.process_id, row.step
        )));
    };
    let Some(expr) = &spec.validate else {
        return Ok(());
    };
    let state = match branch {
        Some(branch) => {
            let log = store.steps(&p.process_id).await?;
            crate::engine::scope::branch_state(&def.steps, None, &p.state, &branch, &log)
        }
        None => None,
    }
    .unwrap_or_else(|| p.state.clone());
    let keeps_waiting = format!(
        "process {} keeps waiting and the token stays good; answer again with a result that passes `{expr}`",
        p.process_id
    );
    let reason = match crate::expr::eval_bool(expr, &json!({"value": answer, "state": state})) {
        Ok(true) => return Ok(()),
        Ok(false) => match &spec.message {
            Some(m) => m.clone(),
            None => format!("it does not pass `{expr}`"),
        },
        Err(e) => format!("`{expr}` failed on it: {e}"),
    };
    Err(Error::usage(format!(
        "the answer to step `{}` was refused: {reason}",
        row.step
    ))
    .with_hint(keeps_waiting)
    .with_fields(vec![FieldError {
        field: "value".into(),
        field_type: "callback".into(),
        reason,
    }]))
}
