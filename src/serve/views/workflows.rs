//! Workflows: the list, and one workflow as a diagram with its steps and the way to
//! start it.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use minijinja::{Value, context};
use serde_json::json;

use super::{OrPage, PageResult, diagram, page};
use crate::serve::App;
use crate::serve::auth::Principal;

pub async fn list(State(app): State<Arc<App>>, Extension(who): Extension<Principal>) -> PageResult {
    let (defs, diags) = app.project.workflows().or_page(&app, &who)?;
    let rows: Vec<_> = defs
        .iter()
        .map(|(d, src)| crate::shapes::workflow_summary(d, src))
        .collect();
    let problems: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    let folder = app.project.workflows_shown();
    Ok(page::render(
        &app,
        Some(&who),
        "workflows.html",
        "workflows",
        "",
        context! { rows => Value::from_serialize(rows), problems => problems, folder => folder },
    ))
}

pub async fn show(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
) -> PageResult {
    let (def, source) = app.workflow(&name).or_page(&app, &who)?;
    let plan = crate::engine::plan::plan(&def);
    let steps: Vec<_> = plan
        .iter()
        .map(|s| json!({"name": s.name, "added_by_target": !s.is_user(), "does": s.describe()}))
        .collect();
    Ok(page::render(
        &app,
        Some(&who),
        "workflow.html",
        "workflows",
        "",
        context! {
            w => Value::from_serialize(crate::shapes::workflow_summary(&def, &source)),
            steps => Value::from_serialize(steps),
            svg => Value::from_safe_string(diagram::svg(&plan)),
            needs_subscription => def.target.needs_subscription(),
        },
    ))
}
