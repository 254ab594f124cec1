//! The event log: a page of it as JSON, or followed live as Server-Sent Events.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::schema::{Errors, Event};
use super::{Params, QueryChecks};
use crate::serve::App;
use crate::serve::actions::{find_process, find_subscription};
use crate::serve::errors::{ApiError, ApiResult};
use crate::store::events::Filter;

/// Events in commit order (`orch events -o json`), a page at a time (a full page links to
/// the next: `Link: <…>; rel="next"`, with `since`), or, with `follow=true`, a stream of
/// Server-Sent Events (`id` is the event's `seq`, `data` its JSON) as they commit; a
/// reconnecting client resumes after `Last-Event-ID`. Without `since`, a stream
/// starts with the next event to commit.
#[utoipa::path(get, path = "/events", tag = "events", security(("bearer" = [])),
    params(
        ("since" = Option<i64>, Query, minimum = 0, description = "Only events after this sequence number"),
        ("kind" = Option<String>, Query, description = "Only these kinds; globs like `process.*` (comma-separated or repeated)"),
        ("process" = Option<String>, Query, description = "Only events of this process (id or unique prefix)"),
        ("subscription" = Option<String>, Query, description = "Only events of this subscription"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "At most this many, 1 to 1000 (default 100 for a page; a stream ends after them)"),
        ("follow" = Option<bool>, Query, description = "Stream events as they commit (text/event-stream)"),
        ("Last-Event-ID" = Option<i64>, Header, minimum = 0, description = "Resume a stream after this seq"),
    ),
    responses(
        (status = 200, description = "A page of events, or a stream of them",
            content((Vec<Event> = "application/json"), (String = "text/event-stream")),
            headers(("orch-warning" = String, description = "Set when a `kind` matches no kind of event orch writes"))),
        Errors))]
pub async fn events(
    State(app): State<Arc<App>>,
    q: Params,
    headers: HeaderMap,
    who: Option<axum::Extension<crate::serve::auth::Principal>>,
) -> ApiResult<Response> {
    // A misspelt filter must not quietly give every event.
    let unknown = q.only(&[
        "since",
        "kind",
        "process",
        "subscription",
        "limit",
        "follow",
    ]);
    // Every parameter at fault is listed at once, as the other lists do.
    let mut checks = QueryChecks::default();
    let since = checks.take(
        "since",
        q.parse::<i64>("since", "a sequence number (0 or more)")
            .and_then(|s| match s {
                Some(s) if s < 0 => Err(ApiError::bad_request("`since` must be 0 or more")),
                s => Ok(s),
            }),
    );
    let limit = checks.take(
        "limit",
        q.parse::<i64>("limit", "a number from 1 to 1000")
            .and_then(|l| match l {
                Some(l) if !(1..=1000).contains(&l) => Err(ApiError::bad_request(format!(
                    "`limit` must be a number from 1 to 1000, not {l}"
                ))),
                l => Ok(l),
            }),
    );
    let follow = checks.take("follow", q.bool("follow")).unwrap_or(false);
    let resume = checks.take_header(
        "Last-Event-ID",
        headers
            .get("last-event-id")
            .map(|v| {
                let text = v.to_str().unwrap_or_default().trim();
                match text.parse::<i64>() {
                    Ok(n) if n >= 0 => Ok(n),
                    _ => Err(ApiError::bad_request(format!(
                        "Last-Event-ID must be a sequence number (0 or more), not `{text}`"
                    ))),
                }
            })
            .transpose(),
    );
    super::together(unknown, checks.done())?;
    let store = app.store();
    let process_id = match q.get("process").filter(|p| !p.is_empty()) {
        Some(id) => Some(super::by_query("process", find_process(store, id).await)?.process_id),
        None => None,
    };
    let subscription_id = match q.get("subscription").filter(|s| !s.is_empty()) {
        Some(id) => Some(
            super::by_query("subscription", find_subscription(store, id).await)?.subscription_id,
        ),
        None => None,
    };
    let start = match (resume, since, follow) {
        (Some(r), _, _) => r,
        (None, Some(s), _) => s,
        (None, None, true) => store.last_seq().await?,
        (None, None, false) => 0,
    };
    let filter = Filter {
        since: start,
        until: None,
        kinds: q
            .all("kind")
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect(),
        process_id,
        subscription_id,
        limit: if follow {
            limit
        } else {
            Some(limit.unwrap_or(100))
        },
    };
    // A kind orch never writes streams nothing, ever: said, as `orch events` warns.
    let notes: Vec<String> = filter
        .kinds
        .iter()
        .filter_map(|k| crate::unmatched::event_kind(k))
        .collect();
    if follow {
        let token = who.and_then(|axum::Extension(p)| p.token);
        let mut r = crate::serve::sse::stream(app.clone(), filter, token);
        super::warn(r.headers_mut(), &notes);
        return Ok(r);
    }
    let rows = store.events(&filter).await?;
    // A full page links to the next, as the other lists do (`since`, the last seq).
    let mut answer = HeaderMap::new();
    super::warn(&mut answer, &notes);
    if let (true, Some(last)) = (Some(rows.len() as i64) == filter.limit, rows.last()) {
        let (k, v) = super::next_link("/events", &q, "since", &last.seq.to_string());
        if let Ok(v) = v.parse() {
            answer.insert(k, v);
        }
    }
    Ok((
        answer,
        Json(serde_json::to_value(rows).unwrap_or(Value::Null)),
    )
        .into_response())
}
