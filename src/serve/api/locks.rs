//! `/locks`: every lock held or queued for, as `orch locks -o json` lists it, so a
//! system that starts processes can see what they queue behind.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::Params;
use super::schema::{Errors, Lock};
use crate::serve::App;
use crate::serve::errors::ApiResult;

/// Every lock: its holder (with its status, and whether its orch is gone), what it is
/// held for, since when, and the processes queued for it in order.
#[utoipa::path(get, path = "/locks", tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Vec<Lock>), Errors))]
pub async fn locks(State(app): State<Arc<App>>, q: Params) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    let listed = crate::shapes::locks::listing(app.store()).await?;
    Ok(Json(Value::Array(
        listed.iter().map(|l| l.to_json()).collect(),
    )))
}
