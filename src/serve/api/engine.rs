//! `/engine`: the switch that stops every new step for maintenance (`orch engine
//! status | pause | resume`, DESIGN §12), for a system that drains work before it
//! changes something, and for the dashboard's Workers page.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::schema::{Engine, Errors};
use super::{NoBody, Params, who};
use crate::serve::App;
use crate::serve::auth::Principal;
use crate::serve::errors::ApiResult;

type Who = Option<axum::Extension<Principal>>;

/// Whether steps may start: `running`, `pausing` (with the steps still running) or
/// `paused`, since when and by whom.
#[utoipa::path(get, path = "/engine", operation_id = "engine_status", tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Engine), Errors))]
pub async fn status(State(app): State<Arc<App>>, q: Params) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    answer(&app).await
}

/// Stops every new step (`orch engine pause`): running steps finish and commit, and
/// their processes rest `waiting` until the engine resumes. Pausing a paused engine
/// changes nothing (who paused it, and since when, stay).
#[utoipa::path(post, path = "/engine/pause", operation_id = "pause_engine", tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Engine), Errors))]
pub async fn pause(
    State(app): State<Arc<App>>,
    q: Params,
    p: Who,
    _: NoBody,
) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    app.store().set_paused(Some(&who(p))).await?;
    answer(&app).await
}

/// Lets work go on (`orch engine resume`): workers pick the paused processes up again.
#[utoipa::path(post, path = "/engine/resume", operation_id = "resume_engine", tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Engine), Errors))]
pub async fn resume(State(app): State<Arc<App>>, q: Params, _: NoBody) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    app.store().set_paused(None).await?;
    answer(&app).await
}

async fn answer(app: &App) -> ApiResult<Json<Value>> {
    let state = crate::shapes::engine::read(app.store()).await?;
    app.note_engine(&state);
    Ok(Json(crate::shapes::engine::to_json(&state)))
}
