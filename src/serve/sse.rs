//! Events as Server-Sent Events (`GET /api/v1/events?follow=true`): each committed
//! event once, in order, as `id: <seq>` and `data: <the event's JSON>`, so a client
//! that reconnects with `Last-Event-ID` resumes after the last event it saw.
//!
//! The stream reads pages of the log and, between them, waits for the server's one
//! follower of the log (`state::follow_events`, which waits on the store as `orch
//! events --follow` does: LISTEN/NOTIFY on PostgreSQL) to see a newer seq, so it
//! keeps the same promise on both stores: never an event that did not commit, never
//! one skipped, whatever the wake-up says. A comment line and the seq the stream
//! starts after (an `id` without data) open the stream, so its head goes out at once
//! and a client that reconnects before its first event misses nothing; a comment
//! every 15 s keeps proxies from closing a quiet stream; the stream ends when the
//! server stops.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;

use super::App;
use crate::store::events::{Event, Filter};

/// Events read per query.
const PAGE: i64 = 500;
/// How long a quiet stream waits before it says it is alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct Follow {
    app: Arc<App>,
    filter: Filter,
    ready: VecDeque<Event>,
    /// Stop after this many events (`limit`), if given.
    left: Option<i64>,
    /// The token the stream was opened with (None under `--no-auth`): checked again
    /// before each read, so a revoked token gets no event after the revocation.
    token: Option<String>,
}

/// One event as an SSE message, of the default type (`message`), so a browser's
/// `EventSource.onmessage` sees it; its kind is in its data.
pub fn message(e: &Event) -> String {
    let data = serde_json::to_string(e).unwrap_or_default();
    format!("id: {}\ndata: {data}\n\n", e.seq)
}

/// Streams the events matching `filter` after `filter.since`, for as long as `token`
/// (if any) stays valid.
pub fn stream(app: Arc<App>, filter: Filter, token: Option<String>) -> Response {
    let left = filter.limit;
    let after = filter.since;
    let start = Follow {
        app,
        filter: Filter {
            limit: Some(PAGE),
            ..filter
        },
        ready: VecDeque::new(),
        left,
        token,
    };
    let body = futures_util::stream::unfold(start, |mut f| async move {
        loop {
            if f.left == Some(0) {
                return None;
            }
            if let Some(e) = f.ready.pop_front() {
                if let Some(n) = f.left.as_mut() {
                    *n -= 1;
                }
                return Some((Ok::<_, Infallible>(Bytes::from(message(&e))), f));
            }
            if *f.app.stopping.borrow() {
                return None;
            }
            let store = f.app.store();
            if let Some(token) = &f.token {
                // A failing store is the page read's to report, below.
                if let Ok(None) = f.app.tokens.check(store, token).await {
                    f.left = Some(0);
                    let line = ": the token was revoked; the stream ends\n\n";
                    return Some((Ok(Bytes::from_static(line.as_bytes())), f));
                }
            }
            match store.events_page(&f.filter).await {
                Ok(page) => {
                    f.filter.since = page.scanned_to.max(f.filter.since);
                    if !page.events.is_empty() {
                        f.ready.extend(page.events);
                        continue;
                    }
                }
                Err(e) => {
                    let line = format!(": the store failed ({e}); the stream ends\n\n");
                    f.left = Some(0);
                    return Some((Ok(Bytes::from(line)), f));
                }
            }
            let mut stopping = f.app.stopping.clone();
            let mut newest = f.app.newest.clone();
            let since = f.filter.since;
            tokio::select! {
                r = tokio::time::timeout(KEEP_ALIVE, newest.wait_for(|n| *n > since)) => {
                    if !matches!(r, Ok(Ok(_))) {
                        return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), f));
                    }
                }
                _ = stopping.wait_for(|s| *s) => return None,
            }
        }
    });
    // Said at once, so the answer's head goes out with it: a quiet stream otherwise
    // sends nothing, its head included, until its first keep-alive, and a client
    // (a browser's EventSource, a script with a timeout) waits that long to know it
    // is connected. It carries the seq the stream starts after as an `id` (a message
    // without data, which sets the client's last event id and dispatches nothing):
    // a client that loses the stream before its first event reconnects with it as
    // `Last-Event-ID`, and gets what committed meanwhile rather than only what
    // commits after it is back.
    let opening = format!(": following\nid: {after}\n\n");
    let opened =
        futures_util::stream::once(async move { Ok::<_, Infallible>(Bytes::from(opening)) });
    let mut r = Response::new(Body::from_stream(futures_util::StreamExt::chain(
        opened, body,
    )));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    r
}
