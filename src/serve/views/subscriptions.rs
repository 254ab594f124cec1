//! Subscriptions: the searchable, filtered, paged list, and one subscription with its
//! block tree, its relations both ways, its processes and the workflows usable on it.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use minijinja::{Value, context};
use serde_json::json;

use super::{OrPage, PageResult, Params, page};
use crate::domain::lifecycle::Lifecycle;
use crate::serve::App;
use crate::serve::actions::find_subscription;
use crate::serve::auth::Principal;

const PAGE: i64 = 50;

pub async fn list(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    q: Params,
) -> PageResult {
    let q = q.given();
    let mut f = crate::serve::api::subscriptions_filter(&q)
        .map_err(|e| page::error_page(&app, Some(&who), e.status, &e.message))?;
    f.limit = PAGE;
    let store = app.store();
    let found = store.subscriptions(&f).await.or_page(&app, &who)?;
    let products = store.products().await.or_page(&app, &who)?;
    let rows: Vec<_> = found.iter().map(|s| s.summary_json()).collect();
    let more = found.len() as i64 == f.limit;
    // A filter that can match nothing (a product no product is named or tagged, a
    // `where` path no product has, from a link or a bookmark) is said, as the API's
    // `Orch-Warning` and `subscription list` say it.
    let notes = if found.is_empty() {
        crate::serve::api::subscriptions_never_matching(&app, &f)
            .await
            .map_err(|e| page::error_page(&app, Some(&who), e.status, &e.message))?
    } else {
        Vec::new()
    };
    let statuses: Vec<&str> = Lifecycle::ALL.iter().map(|l| l.as_str()).collect();
    let picked: Vec<String> = f.status.iter().map(|l| l.to_string()).collect();
    Ok(page::render(
        &app,
        Some(&who),
        "subscriptions.html",
        "subscriptions",
        "subscription.*",
        context! {
            rows => Value::from_serialize(&rows),
            notes => notes,
            search => f.search,
            status => picked,
            statuses => statuses,
            product => f.product,
            products => Value::from_serialize(products.iter().map(|p| json!({"name": p.def.name, "tag": p.def.tag})).collect::<Vec<_>>()),
            insync => f.insync,
            offset => f.offset,
            prev => (f.offset > 0).then(|| (f.offset - PAGE).max(0)),
            next => more.then_some(f.offset + PAGE),
            query => page_query(&q),
        },
    ))
}

/// The query string without `offset`, for the paging links.
fn page_query(q: &Params) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in q.0.iter().filter(|(k, v)| k != "offset" && !v.is_empty()) {
        out.append_pair(k, v);
    }
    out.finish()
}

pub async fn show(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let store = app.store();
    let s = find_subscription(store, &id).await.or_page(&app, &who)?;
    let sid = s.subscription_id.as_str();
    let users = store.in_use_by(sid).await.or_page(&app, &who)?;
    let deps = store.depends_on(sid).await.or_page(&app, &who)?;
    let touched = store.processes_of(sid).await.or_page(&app, &who)?;
    let facts = store.usability_facts(&s, None).await.or_page(&app, &who)?;
    let (defs, _) = app.project.workflows().or_page(&app, &who)?;
    let usable = crate::shapes::usable_workflows(&defs, &s, &facts);
    let related = |r: &[crate::store::subscriptions::Related]| {
        r.iter()
            .map(|r| json!({"id": r.subscription_id, "description": r.description, "status": r.status, "insync": r.insync, "product": r.product_name, "path": r.path}))
            .collect::<Vec<_>>()
    };
    let mut touches: Vec<_> = touched
        .iter()
        .map(|t| json!({"id": t.process_id, "workflow": t.workflow, "status": t.status, "started_at": t.started_at}))
        .collect();
    touches.reverse();
    Ok(page::render(
        &app,
        Some(&who),
        "subscription.html",
        "subscriptions",
        &format!("subscription:{sid}"),
        context! {
            s => Value::from_serialize(s.summary_json()),
            root => s.root_key,
            tree => Value::from_safe_string(tree_html(&s.tree, &deps)),
            depends_on => Value::from_serialize(related(&deps)),
            in_use_by => Value::from_serialize(related(&users)),
            processes => Value::from_serialize(touches),
            workflows => Value::from_serialize(usable),
        },
    ))
}

/// The block tree as nested lists, every key and value escaped; a value that is the id
/// of a subscription it depends on links there, with that one's description.
fn tree_html(v: &serde_json::Value, deps: &[crate::store::subscriptions::Related]) -> String {
    use super::esc;
    use serde_json::Value as J;
    fn scalar(v: &J, deps: &[crate::store::subscriptions::Related]) -> String {
        let text = crate::forms::schema::plain(v);
        match deps.iter().find(|r| r.subscription_id == text) {
            Some(r) => format!(
                "<a href=\"/subscriptions/{0}\"><code>{1}</code></a> <span class=\"muted\">{2}</span>",
                esc(&r.subscription_id),
                esc(&text.chars().take(8).collect::<String>()),
                esc(&r.description)
            ),
            None => format!("<span class=\"val\">{}</span>", esc(&text)),
        }
    }
    fn walk(out: &mut String, v: &J, deps: &[crate::store::subscriptions::Related]) {
        match v {
            J::Object(m) => {
                out.push_str("<ul class=\"tree\">");
                for (k, x) in m.iter().filter(|(_, x)| !x.is_null()) {
                    out.push_str(&format!("<li><span class=\"key\">{}</span>", esc(k)));
                    match x {
                        J::Object(_) => walk(out, x, deps),
                        J::Array(items) if items.iter().any(J::is_object) => {
                            out.push_str(&format!(
                                " <span class=\"muted\">× {}</span><ol class=\"tree\" start=\"0\">",
                                items.len()
                            ));
                            for item in items {
                                out.push_str("<li>");
                                walk(out, item, deps);
                                out.push_str("</li>");
                            }
                            out.push_str("</ol>");
                        }
                        J::Array(items) => {
                            let parts: Vec<String> =
                                items.iter().map(|i| scalar(i, deps)).collect();
                            out.push_str(&format!(": {}", parts.join(", ")));
                        }
                        other => out.push_str(&format!(": {}", scalar(other, deps))),
                    }
                    out.push_str("</li>");
                }
                out.push_str("</ul>");
            }
            other => out.push_str(&scalar(other, deps)),
        }
    }
    let mut out = String::new();
    walk(&mut out, v, deps);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tree_escapes_keys_and_values() {
        let html = super::tree_html(
            &serde_json::json!({"name": "<script>alert(1)</script>", "ports": [{"n": 1}]}),
            &[],
        );
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(html.contains("× 1"));
    }
}
