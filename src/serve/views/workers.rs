//! Workers and locks: who runs processes on this database, whether the engine lets
//! steps start, and which locks are held and queued for. What an operator looks at
//! before maintenance (`orch worker list`, `orch engine status`, `orch locks`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use minijinja::{Value, context};
use serde_json::json;

use super::{OrPage, PageResult, page};
use crate::serve::App;
use crate::serve::auth::Principal;

pub async fn list(State(app): State<Arc<App>>, Extension(who): Extension<Principal>) -> PageResult {
    let store = app.store();
    let engine = store.engine_state().await.or_page(&app, &who)?;
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
            engine => Value::from_serialize(&engine),
            // `workers` is the layout's count of live workers.
            worker_rows => Value::from_serialize(workers),
            locks => Value::from_serialize(locks),
        },
    ))
}
