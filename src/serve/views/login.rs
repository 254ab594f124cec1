//! Logging in with a token: the token goes into an HttpOnly, SameSite=Strict cookie,
//! so page scripts cannot read it and no other site's request carries it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::forms::FormBody;
use super::page;
use crate::serve::App;
use crate::serve::auth::{self, COOKIE, Principal};
use crate::serve::views::Params;

/// A `next` that stays on this server (a path, not `//host` or a URL).
fn local(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn form(State(app): State<Arc<App>>, q: Params) -> Response {
    if !app.auth {
        return Redirect::to("/").into_response();
    }
    page::render(
        &app,
        None,
        "login.html",
        "",
        "",
        context! { next => local(q.get("next")), error => None::<String> },
    )
}

pub async fn submit(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let form = FormBody::parse(&body);
    let next = local(form.get("next"));
    let token = form.get("token").unwrap_or_default().trim().to_string();
    let found = match app.tokens.check(app.store(), &token).await {
        Ok(f) => f,
        Err(e) => {
            return page::error_page(
                &app,
                None,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
            );
        }
    };
    let Some(_who) = found.filter(|_| !token.is_empty()) else {
        let mut r = page::render(
            &app,
            None,
            "login.html",
            "",
            "",
            context! { next => next, error => "That token is wrong or was revoked." },
        );
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    };
    let mut r = Redirect::to(&next).into_response();
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

pub async fn logout(
    State(app): State<Arc<App>>,
    who: Option<axum::Extension<Principal>>,
    body: Bytes,
) -> Response {
    let form = FormBody::parse(&body);
    if let Some(axum::Extension(p)) = &who {
        if let Err(r) = form.csrf(&app, p) {
            return r.into_response();
        }
    }
    let mut r = Redirect::to(if app.auth { "/login" } else { "/" }).into_response();
    let gone = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        auth::COOKIE
    );
    if let Ok(v) = HeaderValue::from_str(&gone) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
