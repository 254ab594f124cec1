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
    // The data as the stream sends it, keys in their stored order (a template's
    // `tojson` would sort them, and live rows would not look like the others).
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["data_text"] = serde_json::Value::String(e.data.to_string());
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
