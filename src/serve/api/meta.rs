//! `/health` and `/openapi.json`: what a load balancer and a client generator read,
//! without a token.

use std::sync::OnceLock;

use axum::Json;
use axum::response::IntoResponse;
use serde_json::{Value, json};

static DOCUMENT: OnceLock<Value> = OnceLock::new();

pub fn set_document(doc: utoipa::openapi::OpenApi) {
    let _ = DOCUMENT.set(serde_json::to_value(doc).unwrap_or_default());
}

/// The server answers.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, description = "The server answers", body = super::schema::Health)))]
pub async fn health() -> impl IntoResponse {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

/// This document: every route and shape of the API, as OpenAPI 3.1.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn openapi() -> impl IntoResponse {
    Json(DOCUMENT.get().cloned().unwrap_or(Value::Null))
}
