//! A line per request on stderr: time, peer, who, method, path, status and duration.
//! Never a header, a cookie or a body, so no token or secret reaches the log.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::App;
use super::listen::Peer;

pub async fn request(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    if !app.log_requests {
        return next.run(req).await;
    }
    let started = Instant::now();
    let method = req.method().clone();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string());
    let peer = req
        .extensions()
        .get::<Peer>()
        .map_or_else(|| "-".to_string(), |p| p.0.to_string());
    let r = next.run(req).await;
    let took = started.elapsed();
    let line = format!(
        "{} {peer} {method} {path} {} {:.1}ms\n",
        crate::clock::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
        r.status().as_u16(),
        took.as_secs_f64() * 1000.0
    );
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
    r
}
