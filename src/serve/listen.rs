//! The accept loop: hyper's HTTP/1.1 connections with a header timeout, a cap on open
//! connections and a graceful shutdown.
//!
//! Why not `axum::serve`: it has no way to cap connections or to bound how long a
//! client may take to send its headers, and those two are what keep 1,000 slow or
//! half-open connections from starving everyone else (the security tests hold it
//! to that). A connection over the cap is closed at once; one that sends no complete
//! header within the timeout is closed by hyper; a slow body is bounded by the
//! request timeout layered on the router.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use super::Limits;

/// The peer of a connection, for the request log.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// The most headers a request may have (431 above).
const MAX_HEADERS: usize = 100;
/// The longest path and query a request may have (414 above).
const MAX_URI: usize = 8 * 1024;

/// The error for a request whose head the server does not take (larger than it takes,
/// HTTP/1.1 without the `Host` header RFC 9112 requires, or a path segment that is
/// not UTF-8 once decoded): the API's error body and `Cache-Control`, as for any
/// other refusal.
fn refused_head<B>(req: &hyper::Request<B>) -> Option<axum::response::Response> {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::IntoResponse;
    let uri = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let refused = if req.version() == hyper::Version::HTTP_11
        && !req.headers().contains_key(hyper::header::HOST)
    {
        super::errors::ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "an HTTP/1.1 request must carry a Host header (RFC 9112, section 3.2)".to_string(),
        )
    } else if uri > MAX_URI {
        super::errors::ApiError::new(
            StatusCode::URI_TOO_LONG,
            "invalid",
            format!("the request's path and query are {uri} bytes; this server takes {MAX_URI}"),
        )
        .with_hint("send long input in a POST body instead")
    } else if req.headers().len() > MAX_HEADERS {
        super::errors::ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "invalid",
            format!(
                "the request has {} headers; this server takes {MAX_HEADERS}",
                req.headers().len()
            ),
        )
    } else if let Some((segment, fault)) = unreadable_segment(req.uri().path()) {
        let hint = match fault {
            Fault::NotUtf8 => {
                "percent-encode the UTF-8 bytes of the text (ids and names are plain text)"
            }
            Fault::Nul => "remove the %00 from the address (ids and names hold no NUL)",
        };
        crate::error::Error::usage(format!("path segment `{segment}` {}", fault.says()))
            .with_hint(hint)
            .into()
    } else {
        return None;
    };
    let mut r = refused.into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Some(r)
}

/// What makes a path segment unreadable as an id or a name.
enum Fault {
    /// Its %-escapes decode to bytes that are not UTF-8 (`%ff`): the router could not
    /// hand it to a handler as text.
    NotUtf8,
    /// It holds a NUL (`%00`), which no id or name has and which PostgreSQL refuses
    /// in text: a lookup would fail as a database error rather than find nothing.
    Nul,
}

impl Fault {
    fn says(&self) -> &'static str {
        match self {
            Fault::NotUtf8 => "is not valid UTF-8 once its %-escapes are decoded",
            Fault::Nul => "holds a NUL character (%00)",
        }
    }
}

/// The first segment of `path` that is no readable text once its %-escapes are
/// decoded, and why.
fn unreadable_segment(path: &str) -> Option<(&str, Fault)> {
    path.split('/').find_map(|segment| {
        let bytes = percent_decoded(segment);
        if std::str::from_utf8(&bytes).is_err() {
            Some((segment, Fault::NotUtf8))
        } else if bytes.contains(&0) {
            Some((segment, Fault::Nul))
        } else {
            None
        }
    })
}

/// `segment` with each `%XX` replaced by its byte; a `%` not followed by two hex
/// digits stays as it is.
fn percent_decoded(segment: &str) -> Vec<u8> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|h| bytes[i] == b'%' && h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

/// How long open requests get to finish once the server stops.
const DRAIN: Duration = Duration::from_secs(10);

pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let open = Arc::new(Semaphore::new(limits.connections));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: back off, keep serving the open ones.
                    crate::say!("orch serve: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(Peer(peer));
                let router = router.clone();
                async move {
                    if let Some(refused) = refused_head(&req) {
                        return Ok(refused);
                    }
                    router.oneshot(req.map(axum::body::Body::new)).await
                }
            });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            // Room above orch's own limits, so what exceeds them gets orch's error body;
            // only what exceeds hyper's too gets hyper's bare status.
            .max_headers(4 * MAX_HEADERS)
            .keep_alive(true);
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN) => {
            crate::say!("orch serve: requests still open after {}s; closing them", DRAIN.as_secs());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(path: &str) -> Option<(&str, &'static str)> {
        unreadable_segment(path).map(|(segment, fault)| (segment, fault.says()))
    }

    #[test]
    fn segments_that_decode_to_other_than_text_are_found() {
        assert_eq!(
            found("/api/v1/processes/%ff"),
            Some(("%ff", Fault::NotUtf8.says()))
        );
        assert_eq!(
            found("/api/v1/processes/01a2%00"),
            Some(("01a2%00", Fault::Nul.says()))
        );
        assert_eq!(found("/api/v1/products/N%C5%93ud"), None);
        assert_eq!(found("/a/100%/b%2"), None);
        assert_eq!(percent_decoded("a%41%2x%"), b"aA%2x%".to_vec());
    }
}
