//! The crate's [`Error`] as an HTTP answer: one status per kind (`Kind::http_status`,
//! beside the exit code) and one body, `{"error": {"kind", "message", "hints",
//! "fields"}}` (DESIGN §15). Every failure a client can meet goes through here,
//! the framework's own (a bad query, an unknown route, a body too large) included.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{Error, FieldError, Kind};
use crate::serve::App;
use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    pub hints: Vec<String>,
    pub fields: Vec<FieldError>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            message: message.into(),
            hints: Vec::new(),
            fields: Vec::new(),
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message).with_hint(
            "send `Authorization: Bearer TOKEN`; `orch token create NAME --role read|operate` makes a token",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// The body of the error, as the API and `-o json` consumers read it.
    pub fn body(&self) -> serde_json::Value {
        json!({"error": {
            "kind": self.kind,
            "message": self.message,
            "hints": self.hints,
            "fields": self.fields,
        }})
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = if crate::store::is_unavailable(&e) {
            // However the store said it: a database out of reach is not a bug here.
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::from_u16(e.kind.http_status(!e.fields.is_empty()))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        };
        let mut message = match e.kind {
            Kind::Internal => format!("internal error (this is a bug in orch): {}", e.message),
            _ => e.message,
        };
        for cause in &e.causes {
            message.push_str("\ncaused by: ");
            message.push_str(cause);
        }
        ApiError {
            status,
            kind: e.kind.as_str(),
            message,
            hints: e.hints,
            fields: e.fields,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Error::from(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large();
        }
        ApiError::bad_request(format!(
            "the request body is not what this route takes: {}",
            r.body_text()
        ))
        .with_hint("send a JSON object with `Content-Type: application/json`")
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::bad_request(format!("bad query parameters: {}", r.body_text()))
    }
}

/// What of a name or id from the request a message (or the request log) echoes: the
/// first [`ECHOED`] characters and `…` when it is longer, so a path of thousands of
/// characters does not come back whole.
pub fn echoed(given: &str) -> std::borrow::Cow<'_, str> {
    match given.char_indices().nth(ECHOED) {
        Some((end, _)) => format!("{}…", &given[..end]).into(),
        None => given.into(),
    }
}

/// How many characters of a name or id a message echoes (see [`echoed`]).
pub const ECHOED: usize = 64;

pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!(
            "the request body is larger than the {} MiB this server takes",
            super::Limits::default().body_bytes / 1024 / 1024
        ),
    )
    .with_hint("a form's answers, or a callback's answer, fit in far less: send only the fields, and leave big data where a step can fetch it")
}

/// A body sent as something other than JSON (`curl -d` sends a web form by default).
pub fn not_json(declared: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "invalid",
        format!("the body is sent as `{declared}`; this API takes JSON"),
    )
    .with_hint("send the header `Content-Type: application/json` (curl: -H 'Content-Type: application/json')")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }
}

/// Gives the framework's bare error answers (an unknown method, a body over the
/// limit, a request that took too long) the API's error body, so a client reads
/// every error the same way, or on the dashboard its error page, so a browser shows
/// one; and every answer a `Cache-Control`.
pub async fn normalize(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let asks_options = req.method() == axum::http::Method::OPTIONS;
    let dashboard = !req.uri().path().starts_with("/api/");
    let mut r = next.run(req).await;
    // OPTIONS asks what a path takes: a 204, with the `Allow` the router adds to it
    // (after this layer) as to any answer of a method the path does not take.
    if asks_options && r.status() == StatusCode::METHOD_NOT_ALLOWED {
        r = StatusCode::NO_CONTENT.into_response();
    }
    // Answers carry process state, which no cache should keep, unless the route said
    // otherwise (the static files, the event stream).
    if !r.headers().contains_key(header::CACHE_CONTROL) {
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let status = r.status();
    let bare = r.headers().get(header::CONTENT_TYPE).is_none()
        || r.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !bare {
        return r;
    }
    let mut out = if dashboard {
        crate::serve::views::bare_error_page(&app, status)
    } else {
        api_error_of(status).into_response()
    };
    for (k, v) in r.headers() {
        if k == header::ALLOW || k == header::CACHE_CONTROL {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

/// The API's error for a bare answer of the framework's.
fn api_error_of(status: StatusCode) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "method_not_allowed",
            "this route does not take that method",
        ),
        StatusCode::NOT_FOUND => {
            ApiError::not_found("no such route").with_hint("/api/v1/openapi.json lists the routes")
        }
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => {
            ApiError::new(status, "timeout", "the request took too long").with_hint(
                "send the whole request at once; a body announced longer than it is never ends",
            )
        }
        _ => ApiError::new(
            status,
            "invalid",
            status.canonical_reason().unwrap_or("error"),
        ),
    }
}
