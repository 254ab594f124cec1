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
    let f = Filter {
        since: (last - SHOWN * 4).max(0),
        kinds: kinds.clone(),
        ..Default::default()
    };
    let mut rows = store.events(&f).await.or_page(&app, &who)?;
    rows.reverse();
    rows.truncate(SHOWN as usize);
    // The data as `key value` pairs in their stored order, as the live rows show it.
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["data_pairs"] = data_pairs(&e.data);
            v
        })
        .collect();
    Ok(page::render(
        &app,
        Some(&who),
        "events.html",
        "events",
        "*",
        context! {
            rows => Value::from_serialize(&rows),
            kind => kinds.join(","),
            last => last,
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
