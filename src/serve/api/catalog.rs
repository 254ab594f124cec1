//! Products, workflows and their forms: what can be started.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::Params;
use super::schema::{Errors, Product, WorkflowDetail, WorkflowSummary};
use crate::error::Error;
use crate::serve::App;
use crate::serve::errors::ApiResult;

/// Every product, with how many subscriptions it has (`orch product list -o json`).
#[utoipa::path(get, path = "/products", tag = "catalog", security(("bearer" = [])),
    responses((status = 200, body = Vec<Product>), Errors))]
pub async fn products(State(app): State<Arc<App>>, q: Params) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    let store = app.store();
    let all = store.products().await?;
    let mut items = Vec::with_capacity(all.len());
    for p in &all {
        let n = store.subscription_count(&p.product_id).await?;
        items.push(serde_json::to_value(crate::shapes::product(p, n, false)).map_err(Error::from)?);
    }
    Ok(Json(Value::Array(items)))
}

/// One product by name or tag, with its blocks (`orch product show NAME -o json`).
#[utoipa::path(get, path = "/products/{name}", tag = "catalog", security(("bearer" = [])),
    params(("name" = String, Path, description = "The product's name, or its tag")),
    responses((status = 200, body = Product), Errors))]
pub async fn product(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    q: Params,
) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    let store = app.store();
    let mut named = store.products_named(&name).await?;
    let p = match named.len() {
        0 => {
            return Err(Error::not_found(format!(
                "no product named `{}`",
                crate::serve::errors::echoed(&name)
            ))
            .with_hint("GET /api/v1/products lists the products (by name or tag)")
            .into());
        }
        1 => named.remove(0),
        _ => return Err(crate::store::products::shared_tag(&name, &named).into()),
    };
    let n = store.subscription_count(&p.product_id).await?;
    Ok(Json(
        serde_json::to_value(crate::shapes::product(&p, n, true)).map_err(Error::from)?,
    ))
}

/// Every workflow of the project (`orch workflow list -o json`). A workflow file that
/// does not parse is left out, and said in an `Orch-Warning` header (file, line and
/// problem), as `workflow list` warns of it: a client does not take the list for all.
#[utoipa::path(get, operation_id = "list_workflows", path = "/workflows", tag = "catalog", security(("bearer" = [])),
    responses((status = 200, body = Vec<WorkflowSummary>,
        headers(("orch-warning" = String, description = "Set when workflow files do not parse (they are left out of the list): each file, line and problem"))), Errors))]
pub async fn workflows(State(app): State<Arc<App>>, q: Params) -> ApiResult<Response> {
    q.only(&[])?;
    let (defs, diags) = app.project.workflows()?;
    let list = Json(Value::Array(
        defs.iter()
            .map(|(d, src)| crate::shapes::workflow_summary(d, src))
            .collect(),
    ));
    let mut r = list.into_response();
    let notes: Vec<String> = diags.iter().map(ToString::to_string).collect();
    super::warn(r.headers_mut(), &notes);
    Ok(r)
}

/// One workflow with every step a run goes through (`orch workflow show NAME -o json`).
#[utoipa::path(get, path = "/workflows/{name}", tag = "catalog", security(("bearer" = [])),
    params(("name" = String, Path, description = "The workflow's name")),
    responses((status = 200, body = WorkflowDetail), Errors))]
pub async fn workflow(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    q: Params,
) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    let (def, source) = app.workflow(&name)?;
    let steps = crate::engine::plan::plan(&def);
    Ok(Json(crate::shapes::workflow_detail(&def, &source, &steps)))
}

/// A workflow's initial form as JSON Schema (`orch workflow form NAME`): what the body
/// of `POST /workflows/{name}/processes` holds.
#[utoipa::path(get, path = "/workflows/{name}/form", tag = "catalog", security(("bearer" = [])),
    params(("name" = String, Path, description = "The workflow's name")),
    responses((status = 200, description = "JSON Schema (draft 2020-12)", body = Object), Errors))]
pub async fn form(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    q: Params,
) -> ApiResult<Json<Value>> {
    q.only(&[])?;
    let (def, _) = app.workflow(&name)?;
    let pages = crate::serve::actions::start_pages(app.store(), &def)
        .await
        .unwrap_or_else(|_| def.form.clone());
    Ok(Json(crate::forms::to_json_schema(&def.name, &pages)))
}
