//! The dashboard (DESIGN §15): server-rendered pages for operators, kanidm's way: one
//! module per page group (`subscriptions`, `processes`, `workflows`, `forms`,
//! `events`, `workers`, `login`), templates embedded in the binary (`templates/`, minijinja,
//! every value escaped), and a small vendored script (`static/app.js`) that makes the
//! pages live from the event stream. Every page reads fine without JavaScript; every
//! form that changes something carries a CSRF token (`crate::serve::csrf`).
//!
//! The pages read through the same store calls and shapes as the API; what they add
//! is presentation: badges with an icon and a word besides the colour, relative times
//! with the absolute one beside, and forms rendered from the field schema.

mod diagram;
mod events;
mod forms;
mod login;
mod page;
mod processes;
mod subscriptions;
mod workers;
mod workflows;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::App;
use super::auth;
use crate::error::Error;

pub use page::Templates;

/// Text for HTML built outside the templates (the diagram, the block tree).
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page for an error the framework answers before any page is reached (a method
/// the address does not take, a body over the limit, a request too slow to arrive):
/// the dashboard's error page, as a browser shows it, rather than the API's JSON.
pub fn bare_error_page(app: &App, status: StatusCode) -> Response {
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            "This address does not take that kind of request: follow the dashboard's links and buttons."
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            "What was sent is larger than this server takes; a form's answers fit in far less."
        }
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
            "The request took too long to arrive. Send it again."
        }
        StatusCode::NOT_FOUND => "There is no such page.",
        _ => status
            .canonical_reason()
            .unwrap_or("The request was refused."),
    };
    page::error_page(app, None, status, message)
}

pub fn router(app: Arc<App>) -> axum::Router {
    axum::Router::new()
        .route("/", get(|| async { Redirect::to("/subscriptions") }))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/subscriptions", get(subscriptions::list))
        .route("/subscriptions/{id}", get(subscriptions::show))
        .route("/processes", get(processes::list))
        .route("/processes/{id}", get(processes::show))
        .route("/processes/{id}/act/{action}", post(processes::act))
        .route(
            "/processes/{id}/resume",
            get(forms::resume_form).post(forms::resume_submit),
        )
        .route("/workflows", get(workflows::list))
        .route("/workflows/{name}", get(workflows::show))
        .route(
            "/workflows/{name}/start",
            get(forms::start_form).post(forms::start_submit),
        )
        .route("/events", get(events::list))
        .route("/workers", get(workers::list))
        .route("/engine/{action}", post(workers::engine))
        .route("/static/app.js", get(script))
        .route("/static/style.css", get(style))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(app.clone(), gate))
        .with_state(app)
}

/// The dashboard's gate: a session (the token in the cookie) on every page but the
/// login and the static files, `operate` and a same-site origin for every POST.
async fn gate(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") {
        return next.run(req).await;
    }
    let posting = !auth::is_reading(req.method());
    if posting && super::csrf::cross_site(req.headers()) {
        return page::error_page(
            &app,
            None,
            StatusCode::FORBIDDEN,
            "This request came from another site, so it was refused.",
        );
    }
    if path == "/login" || path.starts_with("/static/") {
        return next.run(req).await;
    }
    let who = match auth::identify(&app, req.headers(), true).await {
        Ok(mut p) => {
            if !posting {
                p.page_seq = app.store().last_seq().await.ok();
            }
            p
        }
        Err(_) if !posting => {
            let target = req
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            let mut to = form_urlencoded::Serializer::new(String::new());
            to.append_pair("next", &target);
            return Redirect::to(&format!("/login?{}", to.finish())).into_response();
        }
        Err(e) => return page::error_page(&app, None, e.status, &e.message),
    };
    // The pages that only lead to an action (a start or an answer form) are an
    // operator's too: a `read` token is told so before it fills one in.
    let path = req.uri().path();
    let action_page = path.ends_with("/start") || path.ends_with("/resume");
    // Logging out only ends the session at hand, which any role may.
    if (posting || action_page) && !who.may_operate() && path != "/logout" {
        return page::error_page(
            &app,
            Some(&who),
            StatusCode::FORBIDDEN,
            &format!(
                "Token `{}` has the role `read`, which may only look. Log in with an `operate` token to act.",
                who.name
            ),
        );
    }
    let name = super::log::Who(who.name.clone());
    req.extensions_mut().insert(who);
    let mut r = next.run(req).await;
    r.extensions_mut().insert(name);
    r
}

async fn not_found(State(app): State<Arc<App>>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return super::errors::ApiError::not_found("no such route")
            .with_hint("/api/v1/openapi.json lists the routes")
            .into_response();
    }
    let who = req.extensions().get::<auth::Principal>().cloned();
    page::error_page(
        &app,
        who.as_ref(),
        StatusCode::NOT_FOUND,
        "There is no such page.",
    )
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

async fn script() -> Response {
    asset(
        include_str!("../static/app.js"),
        "text/javascript; charset=utf-8",
    )
}

async fn style() -> Response {
    asset(
        include_str!("../static/style.css"),
        "text/css; charset=utf-8",
    )
}

/// The crate's error as a page (its status, its message and hints).
fn failed(app: &App, who: Option<&auth::Principal>, e: Error) -> Response {
    let api = super::errors::ApiError::from(e);
    let mut text = api.message.clone();
    for h in &api.hints {
        text.push_str("\nhint: ");
        text.push_str(h);
    }
    page::error_page(app, who, api.status, &text)
}

/// An error page a handler ends with (boxed: a response is large, and `?` moves it).
pub struct Failed(Box<Response>);

impl From<Response> for Failed {
    fn from(r: Response) -> Self {
        Failed(Box::new(r))
    }
}

impl IntoResponse for Failed {
    fn into_response(self) -> Response {
        *self.0
    }
}

pub type PageResult = std::result::Result<Response, Failed>;

/// Turns the crate's errors into error pages.
pub trait OrPage<T> {
    fn or_page(self, app: &App, who: &auth::Principal) -> std::result::Result<T, Failed>;
}

impl<T, E: Into<Error>> OrPage<T> for std::result::Result<T, E> {
    fn or_page(self, app: &App, who: &auth::Principal) -> std::result::Result<T, Failed> {
        self.map_err(|e| failed(app, Some(who), e.into()).into())
    }
}

pub use super::api::Params;
