//! `/health` and `/openapi.json`: what a load balancer and a client generator read,
//! without a token.

use std::sync::OnceLock;

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::serve::App;
use serde_json::{Value, json};

static DOCUMENT: OnceLock<Value> = OnceLock::new();

pub fn set_document(doc: utoipa::openapi::OpenApi) {
    let _ = DOCUMENT.set(serde_json::to_value(doc).unwrap_or_default());
}

/// The server answers; and whether its worker runs, so a load balancer or monitor
/// notices a server whose started processes would wait for nobody.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses(
        (status = 200, description = "The server answers (and its worker runs, if it has one)", body = super::schema::Health),
        (status = 503, description = "The server answers but its worker stopped", body = super::schema::Health)))]
pub async fn health(State(app): State<Arc<App>>) -> impl IntoResponse {
    let version = env!("CARGO_PKG_VERSION");
    match (app.worker, app.worker_down.get()) {
        (true, Some(why)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"status": "degraded", "version": version, "worker": "stopped", "worker_error": why}),
            ),
        ),
        (worker, _) => (
            StatusCode::OK,
            Json(
                json!({"status": "ok", "version": version, "worker": if worker { "running" } else { "none" }}),
            ),
        ),
    }
}

/// This document: every route and shape of the API, as OpenAPI 3.1.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn openapi() -> impl IntoResponse {
    Json(DOCUMENT.get().cloned().unwrap_or(Value::Null))
}
