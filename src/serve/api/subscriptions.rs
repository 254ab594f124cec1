//! Subscriptions: the list with the command line's filters, one with its tree, and
//! the workflows usable on it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde_json::Value;

use super::schema::{Errors, Subscription, UsableWorkflow};
use super::{Params, QueryChecks, next_link};
use crate::domain::lifecycle::Lifecycle;
use crate::serve::App;
use crate::serve::actions::find_subscription;
use crate::serve::errors::{ApiError, ApiResult};
use crate::store::subscriptions::Filter;

/// The filters of `orch subscription list`, from a query string.
pub fn filter(q: &Params) -> ApiResult<Filter> {
    let mut checks = QueryChecks::default();
    let status = checks.take(
        "status",
        q.all("status")
            .iter()
            .map(|s| s.parse::<Lifecycle>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(ApiError::bad_request),
    );
    let fields = checks.take(
        "where",
        q.each("where")
            .into_iter()
            .map(|w| match w.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
                _ => Err(ApiError::bad_request(format!(
                    "`where` takes path=value, not `{w}`"
                ))),
            })
            .collect::<ApiResult<Vec<_>>>(),
    );
    let offset = checks.take(
        "offset",
        match q.parse::<i64>("offset", "a number from 0") {
            Ok(Some(n)) if n < 0 => Err(ApiError::bad_request("`offset` must be a number from 0")),
            other => other.map(Option::unwrap_or_default),
        },
    );
    let insync = checks.take("insync", q.bool("insync"));
    let limit = checks.take("limit", q.limit());
    checks.done()?;
    let text = |k: &str| q.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    Ok(Filter {
        status,
        product: text("product"),
        customer: text("customer"),
        search: text("search"),
        fields,
        insync,
        limit,
        offset,
    })
}

/// Subscriptions, newest first, without their block trees (`orch subscription list -o
/// json`). A full page links to the next one (`Link: <…>; rel="next"`).
#[utoipa::path(get, operation_id = "list_subscriptions", path = "/subscriptions", tag = "subscriptions", security(("bearer" = [])),
    params(
        ("status" = Option<super::schema::LifecycleParam>, Query, description = "A lifecycle state (several: comma-separated or repeated)"),
        ("product" = Option<String>, Query, description = "A product name or tag"),
        ("customer" = Option<String>, Query, description = "A customer id"),
        ("search" = Option<String>, Query, description = "Words that must all appear in the description or a field value (prefixes match)"),
        ("where" = Option<String>, Query, pattern = "^[^=]*[^=\\s][^=]*=", description = "A block field's value, path=value (repeatable)"),
        ("insync" = Option<bool>, Query, description = "Only in sync (true) or out of sync (false)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "At most this many, 1 to 1000 (default 50)"),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Skip this many"),
    ),
    responses((status = 200, body = Vec<Subscription>, headers(("orch-warning" = String, description = "Set on an empty answer when a filter can match nothing: no product is named or tagged so, or no product has the `where` path"))), Errors))]
pub async fn list(State(app): State<Arc<App>>, q: Params) -> ApiResult<impl IntoResponse> {
    // A misspelt filter must not quietly list everything.
    let unknown = q.only(&[
        "status", "product", "customer", "search", "where", "insync", "limit", "offset",
    ]);
    let f = super::together(unknown, filter(&q))?;
    let store = app.store();
    let found = store.subscriptions(&f).await?;
    let mut items = Vec::with_capacity(found.len());
    for s in &found {
        items.push(crate::shapes::subscription(store, s, false).await?);
    }
    let mut headers = axum::http::HeaderMap::new();
    if found.is_empty() {
        super::warn(&mut headers, &never_matching(&app, &f).await?);
    }
    if found.len() as i64 == f.limit {
        let (k, v) = next_link(
            "/subscriptions",
            &q,
            "offset",
            &(f.offset + f.limit).to_string(),
        );
        if let Ok(v) = v.parse() {
            headers.insert(k, v);
        }
    }
    Ok((headers, Json(Value::Array(items))))
}

/// What in `f` can match no subscription, as `subscription list` warns of it: a product
/// no product is named or tagged, a `where` path no product has.
pub async fn never_matching(app: &App, f: &Filter) -> ApiResult<Vec<String>> {
    if f.product.is_none() && f.fields.is_empty() {
        return Ok(Vec::new());
    }
    let products = app.store().products().await?;
    let product = f
        .product
        .as_deref()
        .and_then(|name| crate::unmatched::product(&products, name));
    let paths = crate::unmatched::field_paths(&products, &f.fields)
        .into_iter()
        .map(|bad| format!("where {}: {}", bad.path, bad.why));
    Ok(product.into_iter().chain(paths).collect())
}

/// One subscription with its block tree, its relations and the processes that
/// touched it (`orch subscription show ID -o json`).
#[utoipa::path(get, operation_id = "show_subscription", path = "/subscriptions/{id}", tag = "subscriptions", security(("bearer" = [])),
    params(("id" = String, Path, description = "A subscription id, or a unique prefix of one")),
    responses((status = 200, body = Subscription), Errors))]
pub async fn show(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    q: Params,
) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    let store = app.store();
    let s = find_subscription(store, &id).await?;
    let mut v = crate::shapes::subscription(store, &s, true).await?;
    v["processes"] = crate::shapes::touches(&store.processes_of(&s.subscription_id).await?);
    Ok(Json(v))
}

/// Every modify, validate and terminate workflow of its product, with whether it can
/// run now and why not (`orch subscription workflows ID -o json`).
#[utoipa::path(get, operation_id = "subscription_workflows", path = "/subscriptions/{id}/workflows", tag = "subscriptions", security(("bearer" = [])),
    params(("id" = String, Path, description = "A subscription id, or a unique prefix of one")),
    responses((status = 200, body = Vec<UsableWorkflow>), Errors))]
pub async fn workflows(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    q: Params,
) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    let store = app.store();
    let s = find_subscription(store, &id).await?;
    let (defs, _) = app.project.workflows()?;
    let facts = store.usability_facts(&s, None).await?;
    Ok(Json(Value::Array(crate::shapes::usable_workflows(
        &defs, &s, &facts,
    ))))
}
