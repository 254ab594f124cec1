//! Processes: the list with the command line's filters, one process, starting one
//! from a workflow's form, and retry, resume, abort and skip. What starts or goes on
//! is queued: the server's worker runs it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::schema::{Errors, Process, ProcessSummary};
use super::{JsonObject, NoBody, Params, QueryChecks, page_link, who};
use crate::domain::process::ProcessStatus;
use crate::serve::App;
use crate::serve::actions::{self, ProcessView, find_process, find_subscription};
use crate::serve::auth::Principal;
use crate::serve::errors::{ApiError, ApiResult};
use crate::store::processes::Filter;

type Who = Option<axum::Extension<Principal>>;

/// The filters of `orch process list`, from a query string; a subscription or parent
/// is named by its id or a unique prefix, as on the command line, and one that does
/// not exist is a 404 rather than an empty list.
pub async fn filter(store: &crate::store::Store, q: &Params) -> ApiResult<Filter> {
    let text = |k: &str| q.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    // Every value that cannot mean anything is refused at once, not read as "no filter".
    let mut checks = QueryChecks::default();
    let status = checks.take(
        "status",
        q.all("status")
            .iter()
            .map(|s| {
                s.parse::<ProcessStatus>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "`status` must be a process status (created, running, suspended, awaiting_callback, waiting, failed, aborted, completed), not `{s}`"
                    ))
                })
            })
            .collect::<ApiResult<Vec<_>>>(),
    );
    // As `process list --since` reads it: a time, a day, or how long ago.
    let since = text("since").and_then(|v| {
        let read = crate::clock::since(&v);
        if read.is_none() {
            checks.refuse(
                "since",
                format!("`since` must be a time in RFC 3339 (2026-01-31T08:00:00Z), a day (2026-01-31) or how long ago (2h), not `{v}`"),
            );
        }
        read
    });
    for (key, which) in [("before", "last"), ("after", "first")] {
        if let Some(v) = text(key).filter(|v| uuid::Uuid::parse_str(v).is_err()) {
            checks.refuse(
                key,
                format!("`{key}` must be a process id (the {which} one of a page), not `{v}`"),
            );
        }
    }
    if text("before").is_some() && text("after").is_some() {
        checks.refuse(
            "after",
            "give `before` (the page of older processes) or `after` (the page of newer ones), not both".to_string(),
        );
    }
    let limit = checks.take("limit", q.limit());
    checks.done()?;
    let subscription_id = match text("subscription") {
        Some(s) => Some(
            super::by_query("subscription", find_subscription(store, &s).await)?.subscription_id,
        ),
        None => None,
    };
    let parent_id = match text("parent") {
        Some(s) => Some(super::by_query("parent", find_process(store, &s).await)?.process_id),
        None => None,
    };
    Ok(Filter {
        status,
        workflow: text("workflow"),
        subscription_id,
        since,
        before: text("before"),
        after: text("after"),
        tasks: None,
        parent_id,
        limit,
    })
}

/// Processes, newest first, without state and steps (`orch process list -o json`). A
/// page links to the older one (`Link: <…>; rel="next"`, with `before`) and the newer
/// one (`rel="prev"`, with `after`) when there are processes there.
#[utoipa::path(get, operation_id = "list_processes", path = "/processes", tag = "processes", security(("bearer" = [])),
    params(
        ("status" = Option<super::schema::ProcessStatusParam>, Query, description = "Only processes in these statuses (several: comma-separated or repeated)"),
        ("workflow" = Option<String>, Query, description = "Only runs of this workflow"),
        ("subscription" = Option<String>, Query, description = "Only processes of this subscription (its id)"),
        ("since" = Option<String>, Query, description = "Only processes started at or after this time (RFC 3339), a day (2026-01-31, from its start in UTC), or how long ago (2h)"),
        ("before" = Option<String>, Query, pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$", description = "Only processes older than this process id (the next page); empty: not given"),
        ("after" = Option<String>, Query, pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$", description = "Only the processes nearest to and newer than this process id (the page before), still listed newest first"),
        ("parent" = Option<String>, Query, description = "Only the child processes of this process (its id)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "At most this many, 1 to 1000 (default 50)"),
    ),
    responses((status = 200, body = Vec<ProcessSummary>), Errors))]
pub async fn list(State(app): State<Arc<App>>, q: Params) -> ApiResult<impl IntoResponse> {
    // A misspelt filter must not quietly list everything.
    let unknown = q.only(&[
        "status",
        "workflow",
        "subscription",
        "since",
        "before",
        "after",
        "parent",
        "limit",
    ]);
    let f = super::together(unknown, filter(app.store(), &q).await)?;
    let page = app.store().process_page(&f).await?;
    let rows = page.rows;
    let mut links = Vec::new();
    if let (true, Some(last)) = (page.older, rows.last()) {
        links.push(page_link(
            "/processes",
            &q,
            "next",
            "before",
            &last.process_id,
        ));
    }
    if let (true, Some(first)) = (page.newer, rows.first()) {
        links.push(page_link(
            "/processes",
            &q,
            "prev",
            "after",
            &first.process_id,
        ));
    }
    let mut headers = axum::http::HeaderMap::new();
    if let (false, Ok(v)) = (links.is_empty(), links.join(", ").parse()) {
        headers.insert(axum::http::header::LINK, v);
    }
    let items: Vec<_> = rows
        .iter()
        .map(|p| crate::shapes::process(p, None))
        .collect();
    Ok((headers, Json(items)).into_response())
}

/// One process: its state, its step log, and what it waits for when suspended
/// (`orch process show ID -o json`).
#[utoipa::path(get, operation_id = "show_process", path = "/processes/{id}", tag = "processes", security(("bearer" = [])),
    params(("id" = String, Path, description = "A process id, or a unique prefix of one")),
    responses((status = 200, body = Process), Errors))]
pub async fn show(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    q: Params,
) -> ApiResult<Response> {
    // `process show --step S` and `--state` cut the process down; here it comes whole,
    // with its steps and state: a parameter that would seem to cut it is refused.
    q.only(&[])?;
    Ok(app.rendered.view(app.store(), &id).await?)
}

/// A refusal of an action on a process, its hints said in the API's words: the
/// command line's (`orch process resume ID --form`) give way to the route that does
/// it here, for the process as it is now. Other hints stay.
async fn in_api_words(app: &App, id: &str, e: crate::error::Error) -> ApiError {
    let mut e = ApiError::from(e);
    if e.status != StatusCode::CONFLICT || !e.hints.iter().any(|h| h.contains("`orch process")) {
        return e;
    }
    let Ok(p) = actions::find_process(app.store(), id).await else {
        return e;
    };
    if let Some(route) = next_route(&p) {
        e.hints.retain(|h| !h.contains("`orch process"));
        e.hints.insert(0, route);
    }
    e
}

/// What may be done next with a process, through this API (the command line's
/// [`crate::shapes::next_hint`] names commands).
fn next_route(p: &crate::store::processes::ProcessRow) -> Option<String> {
    let id = &p.process_id;
    let at = format!("{}/processes/{id}", super::PREFIX);
    Some(match p.status {
        ProcessStatus::Failed => {
            format!("fix the cause, then POST {at}/retry (or …/skip, …/abort)")
        }
        ProcessStatus::Waiting if crate::store::rests_paused(p.failed_reason.as_deref()) => {
            "`orch engine resume` lets it go on: the worker picks it up".to_string()
        }
        ProcessStatus::Waiting if crate::shapes::waits_for_children(p) => format!(
            "the worker goes on with it when its children come to rest (GET {}/processes?parent={id})",
            super::PREFIX
        ),
        ProcessStatus::Waiting => format!("POST {at}/retry when the transient cause is gone"),
        ProcessStatus::Suspended | ProcessStatus::AwaitingCallback
            if crate::shapes::waits_for_children(p) =>
        {
            format!(
                "answer its child processes (GET {}/processes?parent={id}); it goes on by itself",
                super::PREFIX
            )
        }
        ProcessStatus::Suspended => {
            format!("POST {at}/resume with the answers (GET {at}: `pending` says what it asks)")
        }
        ProcessStatus::AwaitingCallback => format!(
            "the external system answers with POST {}/callbacks/TOKEN; GET {at} says until when it waits",
            super::PREFIX
        ),
        ProcessStatus::Created => {
            format!("the worker runs it; POST {at}/abort takes it off the queue")
        }
        ProcessStatus::Running if crate::engine::owner::is_stale(p) => {
            format!("POST {at}/retry takes it over")
        }
        ProcessStatus::Running => {
            format!("wait for it to come to rest; GET {at} shows where it is")
        }
        ProcessStatus::Completed | ProcessStatus::Aborted => {
            format!("GET {at} shows how it ended")
        }
    })
}

/// The process view as the answer of a request.
async fn answer(app: &Arc<App>, id: &str) -> ApiResult<Response> {
    Ok(shown(&ProcessView::read(app.store(), id).await?))
}

/// [`answer`] for a retry or resume: when the workflow file changed since the process
/// started and the stored definition runs on, an `Orch-Warning` header says so (as the
/// command line warns), naming `use_current`.
async fn answer_noting_changes(
    app: &Arc<App>,
    id: &str,
    started_with: &str,
    use_current: bool,
) -> ApiResult<Response> {
    let view = ProcessView::read(app.store(), id).await?;
    let mut r = shown(&view);
    let workflow = &view.process.workflow;
    let changed = app
        .workflow(workflow)
        .is_ok_and(|(def, _)| def.hash() != started_with);
    let mut notes = Vec::new();
    if changed && !use_current {
        notes.push(format!(
            "workflow `{workflow}` changed since this process started; it runs the stored definition (?use_current=true runs the file as it is now)"
        ));
    }
    if !use_current {
        // The children it runs again, as `retry --plan` lists them.
        let mut parents = vec![view.process.clone()];
        while let Some(parent) = parents.pop() {
            for child in app
                .store()
                .children(&parent, None)
                .await
                .map_err(crate::error::Error::from)?
            {
                if !ProcessStatus::RETRYABLE.contains(&child.status) {
                    continue;
                }
                let differs = app
                    .workflow(&child.workflow)
                    .is_ok_and(|(def, _)| def.hash() != child.definition_hash);
                if differs {
                    notes.push(format!(
                        "workflow `{}` changed since child process {} started; it runs the stored definition (?use_current=true runs the file as it is now)",
                        child.workflow, child.process_id
                    ));
                }
                parents.push(child);
            }
        }
    }
    super::warn(r.headers_mut(), &notes);
    Ok(r)
}

/// A process view's JSON, serialised straight into the response body.
pub fn shown(view: &ProcessView) -> Response {
    Json(view.detail()).into_response()
}

/// Starts a workflow: the body holds the answers to its form, as `--input-file` does
/// (`GET /workflows/{name}/form` describes them), validated as the command line
/// validates them; 422 lists every problem. Secret answers reach the steps and are
/// never stored. The process is queued for the server's worker; 201 gives it, with
/// its address in `Location`.
#[utoipa::path(post, path = "/workflows/{name}/processes", tag = "processes", security(("bearer" = [])),
    params(
        ("name" = String, Path, description = "The workflow's name"),
        ("subscription" = Option<String>, Query, description = "The subscription a modify, validate or terminate workflow runs on"),
        ("customer" = Option<String>, Query, description = "The customer of a new subscription (create workflows)"),
    ),
    request_body(content = Option<Object>, description = "The answers, by field name (no body: none). A workflow without a form checks nothing: its keys go into the initial state as they are"),
    responses((status = 201, description = "Queued", body = Process,
        headers(("location" = String, description = "The new process's address, /api/v1/processes/{id}"))), Errors))]
pub async fn start(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    q: Params,
    p: Who,
    JsonObject(given): JsonObject,
) -> ApiResult<impl IntoResponse> {
    q.only(&["subscription", "customer"])?;
    let text = |k: &str| q.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let req = actions::Start {
        workflow: name,
        subscription: text("subscription"),
        // Given empty, it is refused as `--customer ""` is.
        customer: q.get("customer").map(str::to_string),
        given,
        who: who(p),
    };
    let id = actions::start(&app, req).await?;
    let at = format!("{}/processes/{id}", super::PREFIX);
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, at)],
        answer(&app, &id).await?,
    ))
}

/// Puts a failed or waiting process back in the queue, to run its failed step again
/// (`orch process retry ID --queue`); one whose orch died mid-step (`stale`) is taken
/// over, and the step that was in flight runs again; a callback past its deadline is
/// failed, and its step runs again with a new token. The body may hold secrets the
/// process needs again (they are never stored).
#[utoipa::path(post, path = "/processes/{id}/retry", tag = "processes", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "A process id, or a unique prefix of one"),
        ("use_current" = Option<bool>, Query, description = "Run the workflow file as it is now instead of the definition the process started with"),
    ),
    request_body(content = Option<Object>, description = "Secrets, by field name (optional)"),
    responses((status = 200, body = Process, headers(("orch-warning" = String, description = "Set when the workflow file changed since the process started and the stored definition runs on"))), Errors))]
pub async fn retry(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    q: Params,
    p: Who,
    JsonObject(secrets): JsonObject,
) -> ApiResult<Response> {
    q.only(&["use_current"])?;
    let use_current = q.bool("use_current")?.unwrap_or(false);
    let found = actions::find_process(app.store(), &id).await?;
    let full = found.process_id;
    if let Err(e) = actions::retry(&app, full.clone(), use_current, secrets, who(p)).await {
        return Err(in_api_words(&app, &full, e).await);
    }
    answer_noting_changes(&app, &full, &found.definition_hash, use_current).await
}

/// Answers a suspended process's input steps (the body holds the answers, as
/// `--input-file` does: bare fields answer the only step that waits; inside branches
/// `{"PATH": {"field": …}}` or `{"PATH.field": …}` names each step) and queues it to go
/// on (`orch process resume ID --queue`).
#[utoipa::path(post, path = "/processes/{id}/resume", tag = "processes", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "A process id, or a unique prefix of one"),
        ("use_current" = Option<bool>, Query, description = "Run the workflow file as it is now instead of the definition the process started with"),
    ),
    request_body(content = Option<Object>, description = "The answers, by field name (no body: none, so each field takes its default); with several steps waiting (branches), by step path: {\"PATH\": {\"field\": value}} or {\"PATH.field\": value}"),
    responses((status = 200, body = Process, headers(("orch-warning" = String, description = "Set when the workflow file changed since the process started and the stored definition runs on"))), Errors))]
pub async fn resume(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    q: Params,
    p: Who,
    JsonObject(given): JsonObject,
) -> ApiResult<Response> {
    q.only(&["use_current"])?;
    let use_current = q.bool("use_current")?.unwrap_or(false);
    let found = actions::find_process(app.store(), &id).await?;
    let full = found.process_id;
    if let Err(e) = actions::resume(&app, full.clone(), given, who(p), use_current, None).await {
        return Err(in_api_words(&app, &full, e).await);
    }
    answer_noting_changes(&app, &full, &found.definition_hash, use_current).await
}

/// Stops a process for good (`orch process abort ID`), and its unfinished children;
/// its subscription stays out of sync. A process a live orch runs at this moment is
/// aborted by that orch: the request is recorded (202, the process with its
/// `abort_requested`), and the orch stops its step and aborts it at its next lease
/// renewal.
#[utoipa::path(post, path = "/processes/{id}/abort", tag = "processes", security(("bearer" = [])),
    params(("id" = String, Path, description = "A process id, or a unique prefix of one")),
    responses((status = 200, body = Process, headers(("orch-warning" = String, description = "Set when a child process could not be aborted with it (another orch runs it at this moment)"))),
        (status = 202, body = Process, description = "A live orch runs the process: the abort is asked of it (see `abort_requested`)"), Errors))]
pub async fn abort(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    q: Params,
    p: Who,
    _: NoBody,
) -> ApiResult<Response> {
    q.only(&[])?;
    let full = actions::find_process(app.store(), &id).await?.process_id;
    let done = match actions::abort(&app, full.clone(), who(p)).await {
        Ok(done) => done,
        Err(e) => return Err(in_api_words(&app, &full, e).await),
    };
    let mut r = answer(&app, &full).await?;
    match done {
        actions::AbortDone::Aborted(left) => super::warn(r.headers_mut(), &Vec::from_iter(left)),
        actions::AbortDone::Requested => *r.status_mut() = axum::http::StatusCode::ACCEPTED,
    }
    Ok(r)
}

/// Marks the failed step as done by hand, with the body's keys added to the state
/// (`orch process skip ID --set k=v`: a dotted key sets one inside an object, and a
/// change to the subscription is validated, 422 listing what it refuses), and queues
/// the process to go on.
#[utoipa::path(post, path = "/processes/{id}/skip", tag = "processes", security(("bearer" = [])),
    params(("id" = String, Path, description = "A process id, or a unique prefix of one")),
    request_body(content = Option<Object>, description = "Keys to add to the state (optional); a dotted key sets one inside an object, as `--set` does: {\"subscription.node.mtu\": 9000} is {\"subscription\": {\"node\": {\"mtu\": 9000}}}"),
    responses((status = 200, body = Process), Errors))]
pub async fn skip(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    q: Params,
    p: Who,
    JsonObject(set): JsonObject,
) -> ApiResult<Response> {
    q.only(&[])?;
    let full = actions::find_process(app.store(), &id).await?.process_id;
    if let Err(e) = actions::skip(&app, full.clone(), set, who(p)).await {
        return Err(in_api_words(&app, &full, e).await);
    }
    answer(&app, &full).await
}
