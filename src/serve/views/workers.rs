//! Workers and locks: who runs processes on this database, whether the engine lets
//! steps start, and which locks are held and queued for. What an operator looks at
//! before maintenance (`orch worker list`, `orch engine status`, `orch locks`).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use minijinja::{Value, context};
use serde_json::json;

use super::forms::FormBody;
use super::{OrPage, PageResult, page};
use crate::serve::App;
use crate::serve::auth::Principal;

pub async fn list(State(app): State<Arc<App>>, Extension(who): Extension<Principal>) -> PageResult {
    let store = app.store();
    let engine = crate::shapes::engine::read(store)
        .await
        .or_page(&app, &who)?;
    let workers = store
        .workers(crate::shapes::workers::RECENT)
        .await
        .or_page(&app, &who)?;
    let locks = crate::shapes::locks::listing(store)
        .await
        .or_page(&app, &who)?;
    let workers: Vec<_> = workers
        .iter()
        .map(|w| {
            let mut v = crate::shapes::workers::to_json(w);
            v["who"] = json!(crate::engine::owner::describe(&w.worker_id));
            v
        })
        .collect();
    let locks: Vec<_> = locks
        .iter()
        .map(|l| {
            let mut v = l.to_json();
            v["at_rest"] = json!(l.holder_at_rest.map(|r| r.word()));
            v
        })
        .collect();
    Ok(page::render(
        &app,
        Some(&who),
        "workers.html",
        "workers",
        "process.*",
        context! {
            engine => Value::from_serialize(crate::shapes::engine::to_json(&engine)),
            // `workers` is the layout's count of live workers.
            worker_rows => Value::from_serialize(workers),
            locks => Value::from_serialize(locks),
        },
    ))
}

/// Pause or Resume on the page (`orch engine pause | resume`), then the page again.
pub async fn engine(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    Path(action): Path<String>,
    body: Bytes,
) -> PageResult {
    FormBody::parse(&body).csrf(&app, &who)?;
    let by = match action.as_str() {
        "pause" => Some(who.name.as_str()),
        "resume" => None,
        _ => return Err(page::no_such_action(&app, &who).into()),
    };
    let store = app.store();
    store.set_paused(by).await.or_page(&app, &who)?;
    // The header says it at once, not at the next look at the switch.
    if let Ok(state) = store.engine_state().await {
        app.note_engine(&state);
    }
    Ok(Redirect::to("/workers").into_response())
}
