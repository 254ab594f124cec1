//! `/workers`: the workers on the database, as `orch worker list -o json` lists them,
//! so a system (or an operator before maintenance) can see who runs what.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::Params;
use super::schema::{Errors, Worker};
use crate::serve::App;
use crate::serve::errors::ApiResult;

/// Every live worker and those that stopped or died within the last hour, newest
/// first: how each stands and the processes it runs.
#[utoipa::path(get, path = "/workers", tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Vec<Worker>), Errors))]
pub async fn workers(State(app): State<Arc<App>>, q: Params) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    let listed = app.store().workers(crate::shapes::workers::RECENT).await?;
    Ok(Json(Value::Array(
        listed.iter().map(crate::shapes::workers::to_json).collect(),
    )))
}
