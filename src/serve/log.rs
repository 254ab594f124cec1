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
    let unmasked = without_tokens(path);
    let path = unmasked.as_str();
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

/// The text with every run of 64 hex digits or more (a callback token) as `***`: also
/// where a client that got the address wrong put one (`//api/v1/callbacks/T`,
/// `/callbacks/T`, `?token=T`, `%20T`), before anything is shortened, which would keep
/// most of it.
fn without_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
            continue;
        }
        out.push_str(if run.len() >= TOKEN_DIGITS {
            "***"
        } else {
            &run
        });
        run.clear();
        out.push(c);
    }
    out.push_str(if run.len() >= TOKEN_DIGITS {
        "***"
    } else {
        &run
    });
    out
}

/// The hex digits of a callback token.
const TOKEN_DIGITS: usize = 64;

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
    fn a_token_in_a_wrong_address_never_reaches_the_log_either() {
        let t = "0123456789abcdef".repeat(4);
        for (path, shown) in [
            (format!("//api/v1/callbacks/{t}"), "//api/v1/callbacks/***"),
            (
                format!("/api/v1/callbacks//{t}"),
                "/api/v1/callbacks/***/***",
            ),
            (
                format!("/callbacks/{t}/progress"),
                "/callbacks/***/progress",
            ),
            (
                format!("/api/v1/processes?token={t}"),
                "/api/v1/processes?token=***",
            ),
            (format!("/x/%20{t}%20/y"), "/x/%***%20/y"),
            (format!("/x/g{}", "f".repeat(100)), "/x/g***"),
        ] {
            assert_eq!(super::masked(&path), shown, "{path}");
        }
        // Shorter runs of hex digits (an id, a hash prefix) are shown.
        assert_eq!(
            super::masked("/api/v1/processes/01a23865-2ce6-774e"),
            "/api/v1/processes/01a23865-2ce6-774e"
        );
    }

    #[test]
    fn a_long_path_is_logged_shortened() {
        // Not hex digits, which would be masked as a token.
        let long = "z".repeat(5000);
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
