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

/// Whether the API may have a route for `method` at `path` (as the router sees it
/// under the API's prefix, `/processes/0190…/retry`), by its document: false only for
/// a path the document has without that method (HEAD counts as GET). The gate asks
/// a token for what the API may do, and lets the router answer 405 for the rest, with
/// a token or without.
pub fn may_have(method: &axum::http::Method, path: &str) -> bool {
    let Some(paths) = DOCUMENT.get().and_then(|d| d["paths"].as_object()) else {
        return true;
    };
    let path = if path.starts_with(super::PREFIX) {
        path.to_string()
    } else {
        format!("{}{path}", super::PREFIX)
    };
    let given: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let fits = |template: &str| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == given.len()
            && parts
                .iter()
                .zip(&given)
                .all(|(t, g)| t == g || (t.starts_with('{') && t.ends_with('}') && !g.is_empty()))
    };
    // HEAD is answered wherever GET is.
    let method = if method == axum::http::Method::HEAD {
        "get".to_string()
    } else {
        method.as_str().to_ascii_lowercase()
    };
    let mut matched = paths.iter().filter(|(t, _)| fits(t)).peekable();
    // A path the document does not know may be anything: refuse rather than guess.
    matched.peek().is_none() || matched.any(|(_, ops)| ops.get(&method).is_some())
}

/// The server answers; whether its worker runs, and how many workers run on the
/// database, so a load balancer or monitor notices a server whose started processes
/// would wait for nobody.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses(
        (status = 200, description = "The server answers (and its worker runs, if it has one)", body = super::schema::Health),
        (status = 503, description = "The server answers but its worker stopped", body = super::schema::Health)))]
pub async fn health(State(app): State<Arc<App>>) -> impl IntoResponse {
    let version = env!("CARGO_PKG_VERSION");
    // A paused engine is no fault of the server, but a monitor should see it, and how
    // many workers run on the database (none: what is started here waits); a
    // database slow to say is not waited for.
    let store = app.store();
    let read = async { (store.engine_state().await, app.count_workers(store).await) };
    let (engine, workers) =
        match tokio::time::timeout(std::time::Duration::from_millis(500), read).await {
            Ok((engine, workers)) => (engine.ok(), workers.ok()),
            Err(_) => (None, None),
        };
    let engine = match engine {
        Some(state) if state.paused_at.is_some() => "paused",
        Some(_) => "running",
        None => "unknown",
    };
    match (app.worker, app.worker_down.get()) {
        (true, Some(why)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"status": "degraded", "version": version, "worker": "stopped", "worker_error": why, "workers": workers, "engine": engine}),
            ),
        ),
        (worker, _) => (
            StatusCode::OK,
            Json(
                json!({"status": "ok", "version": version, "worker": if worker { "running" } else { "none" }, "workers": workers, "engine": engine}),
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
