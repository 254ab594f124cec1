//! Callbacks (DESIGN §14): an external system answers a callback step, or reports its
//! progress, with the token the step handed out. The token is the credential (256
//! random bits, single use, stored only as a hash), so these routes need no API token:
//! the system that got the token may answer without one. What it answers is checked
//! as `orch process callback` checks it; the server's worker drives the process on.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::schema::{CallbackErrors, Process};
use super::{GivenObject, JsonObject, Params};
use crate::engine::{answer, token};
use crate::serve::App;
use crate::serve::actions::ProcessView;
use crate::serve::errors::ApiResult;
use crate::store::callbacks::Answer;

/// Answers the callback step waiting for this token with the body (a JSON object,
/// stored under the step's `result` key once it passes the step's `validate`; 422
/// otherwise, and the token stays good). A wrong, spent or timed-out token is 404.
/// 202: the answer is taken and the server's worker runs the process on.
#[utoipa::path(post, path = "/callbacks/{token}", tag = "callbacks",
    params(("token" = String, Path, description = "The token the callback step handed out (ORCH_CALLBACK_TOKEN)")),
    request_body(content = Object, description = "The answer, a JSON object"),
    responses((status = 202, body = Process, description = "The answer is taken: the process as it is now; the server's worker runs it on"), CallbackErrors))]
pub async fn answer(
    State(app): State<Arc<App>>,
    Path(text): Path<String>,
    q: Params,
    GivenObject(result): GivenObject,
) -> ApiResult<Response> {
    // A guessed parameter (`?dry_run=true`) must not be passed over while the answer
    // is taken for real.
    q.only(&[])?;
    let store = app.store();
    let (row, process) = answer::open_token(store, None, &text).await?;
    let result = Value::Object(result);
    answer::check(store, &result, &process, &row).await?;
    let by = format!("callback of step `{}`", row.step);
    match store
        .answer_callback(&token::hash(&text), &result, &by)
        .await?
    {
        Answer::Accepted { .. } => {}
        Answer::Unknown => return Err(answer::unknown(None).into()),
        Answer::Expired => return Err(answer::expired(&row).into()),
    }
    let view = ProcessView::read(store, &row.process_id).await?;
    let mut response = super::processes::shown(&view);
    *response.status_mut() = StatusCode::ACCEPTED;
    Ok(response)
}

/// Records a `step.progress` event for the callback step waiting for this token,
/// without ending its wait (the body, a JSON object such as `{"message": "40%"}`, is
/// the event's data). 204; a wrong, spent or timed-out token is 404.
#[utoipa::path(post, path = "/callbacks/{token}/progress", tag = "callbacks",
    params(("token" = String, Path, description = "The token the callback step handed out (ORCH_CALLBACK_TOKEN)")),
    request_body(content = Option<Object>, description = "What to record, e.g. {\"message\": \"provisioning: 40%\"} (optional)"),
    responses((status = 204, description = "Recorded"), CallbackErrors))]
pub async fn progress(
    State(app): State<Arc<App>>,
    Path(text): Path<String>,
    q: Params,
    JsonObject(data): JsonObject,
) -> ApiResult<StatusCode> {
    q.only(&[])?;
    let store = app.store();
    answer::open_token(store, None, &text).await?;
    if !store
        .callback_progress(&token::hash(&text), &Value::Object(data))
        .await?
    {
        return Err(answer::unknown(None).into());
    }
    Ok(StatusCode::NO_CONTENT)
}
