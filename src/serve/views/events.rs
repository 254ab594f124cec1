//! The event stream: the latest events, and new ones as they commit (the script
//! prepends them; without it, a reload shows them).

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use minijinja::{Value, context};

use super::{OrPage, PageResult, Params, page};
use crate::serve::App;
use crate::serve::auth::Principal;
use crate::store::events::Filter;

const SHOWN: i64 = 100;
/// How many events are read at a time, going back for a page.
const WINDOW: i64 = 1000;

pub async fn list(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    q: Params,
) -> PageResult {
    let store = app.store();
    let last = store.last_seq().await.or_page(&app, &who)?;
    let kinds: Vec<String> = q
        .all("kind")
        .into_iter()
        .filter(|k| !k.is_empty())
        .collect();
    // `?before=SEQ`: an older page, the newest events below SEQ (it follows nothing).
    // One that is no sequence number is refused: shown the newest events instead, a
    // page of old ones would read as the live stream.
    let before = match q.get("before").filter(|b| !b.is_empty()) {
        None => None,
        Some(b) => match b.parse::<i64>() {
            Ok(seq) if seq > 0 => Some(seq),
            _ => {
                let said = format!(
                    "`before` must be an event's sequence number (1 or more), not `{b}`: the Older link at the foot of the page gives one."
                );
                return Err(page::error_page(
                    &app,
                    Some(&who),
                    axum::http::StatusCode::BAD_REQUEST,
                    &said,
                )
                .into());
            }
        },
    };
    let end = before.map_or(last, |b| (b - 1).min(last));
    // Read back in windows until a page is full: a rare kind may be far apart.
    let mut rows = Vec::new();
    let mut until = end;
    while rows.len() < SHOWN as usize && until > 0 {
        let since = (until - WINDOW).max(0);
        let f = Filter {
            since,
            until: Some(until),
            kinds: kinds.clone(),
            ..Default::default()
        };
        let mut window = store.events(&f).await.or_page(&app, &who)?;
        window.reverse();
        rows.extend(window);
        until = since;
    }
    rows.truncate(SHOWN as usize);
    let older = rows
        .last()
        .map(|e| e.seq)
        .filter(|oldest| rows.len() == SHOWN as usize && *oldest > 1);
    // The data as `key value` pairs in their stored order, as the live rows show it.
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["data_pairs"] = data_pairs(&e.data);
            v
        })
        .collect();
    // A kind orch never writes (a typo: `process.fail`) shows nothing, ever: said, as
    // `orch events` warns and the API's `Orch-Warning` says.
    let notes: Vec<String> = kinds
        .iter()
        .filter_map(|k| crate::unmatched::event_kind(k))
        .collect();
    Ok(page::render(
        &app,
        Some(&who),
        "events.html",
        "events",
        if before.is_some() { "" } else { "*" },
        context! {
            rows => Value::from_serialize(&rows),
            kind => kinds.join(","),
            notes => notes,
            last => last,
            older => older,
            before => before,
            // The filter as it goes on a link: `kind=…`, escaped.
            query => (!kinds.is_empty()).then(|| {
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("kind", &kinds.join(","))
                    .finish()
            }),
        },
    ))
}

/// An event's data as `[key, text]` pairs, in its keys' order: null values left out,
/// strings as they are, anything else as compact JSON. `app.js` shows the live rows
/// alike (`pairs`); data that is not an object is one pair with an empty key.
fn data_pairs(data: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    let text = |v: &J| match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    };
    match data {
        J::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| serde_json::json!([k, text(v)]))
            .collect(),
        J::Null => J::Array(Vec::new()),
        other => serde_json::json!([["", text(other)]]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn data_is_shown_as_pairs_without_nulls_in_stored_order() {
        let data = json!({"name": "Push", "error": null, "attempt": 2, "to": {"a": 1}});
        assert_eq!(
            data_pairs(&data),
            json!([["name", "Push"], ["attempt", "2"], ["to", "{\"a\":1}"]])
        );
        assert_eq!(data_pairs(&json!(null)), json!([]));
        assert_eq!(data_pairs(&json!("x")), json!([["", "x"]]));
    }
}
