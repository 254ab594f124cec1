//! A line per request on stderr: time, peer, who (the token's name, the server's user
//! under `--no-auth`, `-` when no one was identified), method, path, status and
//! duration. Never a header, a cookie or a body, so no token or secret reaches the log.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::App;
use super::errors::echoed;
use super::listen::Peer;

/// Who a request was identified as, put on its answer by the gate that identified it.
#[derive(Clone)]
pub struct Who(pub String);

pub async fn request(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    if !app.log_requests {
        return next.run(req).await;
    }
    let started = Instant::now();
    let method = req.method().clone();
    let path = masked(
        req.uri()
            .path_and_query()
            .map_or_else(|| req.uri().path(), |p| p.as_str()),
    );
    let peer = req
        .extensions()
        .get::<Peer>()
        .map_or_else(|| "-".to_string(), |p| p.0.to_string());
    let r = next.run(req).await;
    let took = started.elapsed();
    // A token's name may hold spaces (and `--user` anything): written as `_`, so the
    // line keeps one field per thing.
    let who = r.extensions().get::<Who>().map_or_else(
        || "-".to_string(),
        |w| {
            w.0.chars()
                .map(|c| if c.is_control() || c == ' ' { '_' } else { c })
                .collect()
        },
    );
    let line = format!(
        "{} {peer} {who} {method} {path} {} {:.1}ms\n",
        crate::clock::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
        r.status().as_u16(),
        took.as_secs_f64() * 1000.0
    );
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
    r
}

/// The path as the log shows it: a callback token (a credential, in the path) masked,
/// and each part of the path and the query shortened as messages echo them (a path
/// of thousands of characters makes a line of a few hundred).
fn masked(path: &str) -> String {
    const CALLBACKS: &str = "/api/v1/callbacks/";
    let (path, query) = path
        .split_once('?')
        .map_or((path, None), |(p, q)| (p, Some(q)));
    let mut shown = match path.strip_prefix(CALLBACKS) {
        Some(rest) => {
            let after = rest.find('/').map_or("", |i| &rest[i..]);
            format!("{CALLBACKS}***{}", short(after))
        }
        None => short(path),
    };
    if let Some(q) = query {
        shown.push('?');
        shown.push_str(&echoed(q));
    }
    shown
}

/// Each `/`-separated part of a path as messages echo it.
fn short(path: &str) -> String {
    path.split('/').map(echoed).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_callback_token_never_reaches_the_log() {
        assert_eq!(
            super::masked("/api/v1/callbacks/abc123/progress"),
            "/api/v1/callbacks/***/progress"
        );
        assert_eq!(
            super::masked("/api/v1/callbacks/abc123"),
            "/api/v1/callbacks/***"
        );
        assert_eq!(
            super::masked("/api/v1/processes?x=1"),
            "/api/v1/processes?x=1"
        );
    }

    #[test]
    fn a_long_path_is_logged_shortened() {
        let long = "a".repeat(5000);
        let shown = format!("{}…", &long[..super::super::errors::ECHOED]);
        assert_eq!(
            super::masked(&format!("/processes/{long}/steps?q={long}")),
            format!("/processes/{shown}/steps?q={}…", &shown[..62])
        );
        assert_eq!(
            super::masked(&format!("/api/v1/callbacks/{long}/{long}")),
            format!("/api/v1/callbacks/***/{shown}")
        );
    }
}
