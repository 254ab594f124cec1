//! Processes: the list by status (live), and one process with its step timeline, the
//! failure and its stderr, each step's change to the state, and retry, resume, skip
//! and abort.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use minijinja::{Value, context};
use serde_json::json;

use super::forms::FormBody;
use super::{OrPage, PageResult, Params, page};
use crate::domain::process::ProcessStatus;
use crate::serve::App;
use crate::serve::actions::{self, ProcessView};
use crate::serve::auth::Principal;
use crate::shapes::groups::{Entry, Group, timeline};
use crate::shapes::waits::{AtRest, LockWait};
use crate::store::processes::{ProcessRow, StepRow};

pub async fn list(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    q: Params,
) -> PageResult {
    let q = q.given();
    let mut f = crate::serve::api::processes_filter(app.store(), &q)
        .await
        .map_err(|e| page::error_page(&app, Some(&who), e.status, &e.message))?;
    // `?limit=` as the API takes it; fifty by default.
    let mut page = app.store().process_page(&f).await.or_page(&app, &who)?;
    if f.after.is_some() && !page.newer && (page.rows.len() as i64) < f.limit {
        // Walked back up to the newest processes: the newest page, full.
        f.after = None;
        f.before = None;
        page = app.store().process_page(&f).await.or_page(&app, &who)?;
    }
    let rows = &page.rows;
    let older = page
        .older
        .then(|| rows.last().map(|p| p.process_id.clone()))
        .flatten();
    let newer = page
        .newer
        .then(|| rows.first().map(|p| p.process_id.clone()))
        .flatten();
    let items: Vec<_> = rows
        .iter()
        .map(|p| crate::shapes::process(p, None))
        .collect();
    let statuses: Vec<&str> = ProcessStatus::ALL.iter().map(|s| s.as_str()).collect();
    let mut keep = form_urlencoded::Serializer::new(String::new());
    for (k, v) in (q.0.iter()).filter(|(k, v)| k != "before" && k != "after" && !v.is_empty()) {
        keep.append_pair(k, v);
    }
    Ok(page::render(
        &app,
        Some(&who),
        "processes.html",
        "processes",
        "process.*",
        context! {
            rows => Value::from_serialize(&items),
            // The tab of one status; several (from a link or the API's spelling) have none.
            status => match f.status.as_slice() {
                [one] => Some(one.as_str()),
                _ => None,
            },
            statuses => statuses,
            workflow => f.workflow,
            paged => page.newer,
            next => older,
            newer => newer,
            query => keep.finish(),
        },
    ))
}

pub async fn show(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let view = ProcessView::read(app.store(), &id)
        .await
        .or_page(&app, &who)?;
    let p = &view.process;
    let steps = timeline_json(&view.steps, &view.groups);
    // A process waiting for a lock or for its children has not failed: its waiting
    // card says what it waits for. One whose step asked to be tried again later (exit
    // 75) has not failed either: a worker retries it by itself.
    let for_children = crate::shapes::waits_for_children(p);
    let waits_for_something = view.lock.is_some() || for_children;
    let has_failure = p.status == ProcessStatus::Failed
        || (p.status == ProcessStatus::Waiting && !waits_for_something);
    let retries_later = p.status == ProcessStatus::Waiting
        && !waits_for_something
        && !crate::store::rests_paused(p.failed_reason.as_deref());
    let stopped_at = has_failure
        .then(|| crate::shapes::failed_step(&view.steps))
        .flatten()
        .map(|s| json!({"name": s.path(), "error": s.error, "output": s.output.as_deref().map(|o| crate::ui::last_lines(o, 40).join("\n"))}));
    let (failed, later) = match retries_later {
        true => (None, stopped_at),
        false => (stopped_at, None),
    };
    let pending = view
        .pending()
        .map(|w| json!({"step": w.step, "message": w.message_text()}));
    // Inside branches several steps may wait; the form answers the first.
    let also_pending: Vec<&str> = view
        .pending
        .iter()
        .skip(1)
        .map(|w| w.step.as_str())
        .collect();
    let wait = wait_card(&view, for_children && pending.is_none());
    let retryable = matches!(p.status, ProcessStatus::Failed | ProcessStatus::Waiting);
    let drift = match retryable {
        true => file_drift(&app, p).await,
        false => None,
    };
    let asked_already = p.status == ProcessStatus::Running && p.abort_requested.is_some();
    let actions = json!({
        "retry": retryable,
        // A process waiting for a lock has no failed step to skip.
        "skip": has_failure,
        "resume": view.pending().is_some(),
        // A running process is aborted by the orch that runs it, once asked: asked
        // already, it needs no second button.
        "abort": !p.status.is_finished() && !asked_already,
    });
    Ok(page::render(
        &app,
        Some(&who),
        "process.html",
        "processes",
        &format!("process:{}", p.process_id),
        context! {
            p => Value::from_serialize(crate::shapes::process(p, None)),
            state => serde_json::to_string_pretty(&p.state).unwrap_or_default(),
            steps => Value::from_serialize(steps),
            failed => Value::from_serialize(failed),
            later => Value::from_serialize(later),
            retries_later => retries_later,
            pending => Value::from_serialize(pending),
            also_pending => Value::from_serialize(also_pending),
            wait => Value::from_serialize(&wait),
            upcoming => Value::from_serialize(&view.upcoming),
            children => Value::from_serialize(view.children.iter().map(|c| crate::shapes::process(c, None)).collect::<Vec<_>>()),
            actions => Value::from_serialize(actions),
            hint => crate::shapes::next_hint(p),
            drift => Value::from_serialize(drift),
        },
    ))
}

/// The card of what a process at rest waits for, besides input: a callback, a lock
/// and its holder, or its child processes (`for_children`) and what they rest on.
fn wait_card(view: &ProcessView, for_children: bool) -> Option<serde_json::Value> {
    let p = &view.process;
    if let Some(c) = &view.callback {
        return Some(json!({
            "title": "Awaiting a callback",
            "message": c.describe(),
            "until": if c.timed_out || c.answered { None } else { c.until.clone() },
            "how": (!c.answered).then(|| format!(
                "The external system answers with `POST /api/v1/callbacks/TOKEN` (or `orch process callback {} --token TOKEN`), with the token the step handed out.",
                p.process_id
            )),
        }));
    }
    if let Some(w) = &view.lock {
        let then =
            "then this process runs: a worker or `orch scheduler run` picks it up, or Retry here.";
        let how = match w.holder_at_rest {
            Some(AtRest::Failed) => format!(
                "The holder failed and keeps the lock until it is retried to the end or aborted; {then}"
            ),
            Some(AtRest::Suspended) => format!(
                "The holder awaits input and keeps the lock until it is answered; {then}"
            ),
            Some(AtRest::Stale) => format!(
                "The orch that ran the holder is gone: it keeps the lock until it is taken over (Retry on its page does; a worker does once its lease has run out); {then}"
            ),
            None => "This process runs when the lock frees for it: a worker or `orch scheduler run` picks it up, or Retry here.".to_string(),
        };
        return Some(json!({
            "title": "Waiting for a lock",
            "lock": {
                "name": w.lock.name,
                "holder": holder_json(w),
                "position": w.position,
                "woken": w.woken,
            },
            "how": how,
        }));
    }
    if !for_children {
        return None;
    }
    let Some(rest) = &view.children_wait else {
        return Some(json!({
            "title": "Waiting for its child processes",
            "message": "Its child processes run, queue or wait for a time or a lock that frees by itself.",
            "how": "It goes on when they come to rest: a worker does by itself, or Retry here looks at them again.",
        }));
    };
    let people = rest
        .people
        .iter()
        .map(|c| json!({"id": c.process_id, "workflow": c.workflow, "status": c.status}));
    let locked = rest.locked.iter().map(|(c, w)| {
        json!({"id": c.process_id, "workflow": c.workflow, "status": c.status, "lock": w.lock.name, "holder": holder_json(w)})
    });
    // How each lock frees, by why its holder keeps it.
    let mut frees: Vec<&str> = Vec::new();
    for (_, w) in &rest.locked {
        let how = match w.holder_at_rest {
            Some(AtRest::Failed) => "retry a holder that failed to the end, or abort it",
            Some(AtRest::Suspended) => "answer a holder that awaits input",
            Some(AtRest::Stale) => "take a stale holder over (Retry on its page)",
            None => continue,
        };
        if !frees.contains(&how) {
            frees.push(how);
        }
    }
    let frees = frees.join("; ");
    let first = match (rest.people.is_empty(), rest.locked.is_empty()) {
        (false, true) => "Answer them (each one's page says how)".to_string(),
        (true, _) => format!("Free each lock: {frees}"),
        (false, false) => {
            format!("Answer the ones that await an answer, and free each lock: {frees}")
        }
    };
    let here = match p.status {
        ProcessStatus::Waiting => ", or Retry here",
        _ => "",
    };
    let how = format!("{first}; then this process goes on: a worker does by itself{here}.");
    Some(json!({
        "title": "Waiting for its child processes",
        "children": people.chain(locked).collect::<Vec<_>>(),
        "how": how,
    }))
}

/// The holder of a lock as the waiting card links it, with why it rests, if it does.
fn holder_json(w: &LockWait) -> Option<serde_json::Value> {
    let id = w.lock.process_id.as_deref()?;
    let rests = w.holder_at_rest.map(|r| match r {
        AtRest::Failed => "failed",
        AtRest::Suspended => "awaits input",
        AtRest::Stale => "stale: its orch is gone",
    });
    Some(json!({"id": id, "workflow": w.lock.workflow, "since": w.lock.since, "rests": rests}))
}

/// How the workflow file differs from the definition a process started with, as
/// `process retry --plan` lists it, and whether the file can run instead (it is there
/// and reads): None when they are the same.
async fn file_drift(app: &App, p: &ProcessRow) -> Option<serde_json::Value> {
    let stored = app.store().definition_of(p).await.ok()?;
    let current = app.workflow(&p.workflow);
    let changes = crate::shapes::drift::changes(
        &stored,
        &p.definition_hash,
        current.as_ref().map(|(def, _)| def),
        &app.project.workflows_shown(),
    );
    (!changes.is_empty()).then(|| json!({"changes": changes, "current": current.is_ok()}))
}

/// The buttons of a process page: retry, skip, abort (resume has its form).
pub async fn act(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let form = FormBody::parse(&body);
    form.csrf(&app, &who)?;
    let full = actions::find_process(app.store(), &id)
        .await
        .or_page(&app, &who)?
        .process_id;
    let done = match action.as_str() {
        "retry" => {
            // "Retry with the current file" runs the workflow file as it is now.
            let use_current = form.get("use_current") == Some("true");
            actions::retry(
                &app,
                full.clone(),
                use_current,
                serde_json::Map::new(),
                who.name.clone(),
            )
            .await
        }
        "skip" => actions::skip(&app, full.clone(), serde_json::Map::new(), who.name.clone()).await,
        "abort" => actions::abort(&app, full.clone(), who.name.clone())
            .await
            .map(|_| ()),
        _ => return Err(page::no_such_action(&app, &who).into()),
    };
    done.or_page(&app, &who)?;
    Ok(Redirect::to(&format!("/processes/{full}")).into_response())
}

/// A step row as the dashboard's timeline shows it, named `name`.
fn step_json(s: &StepRow, name: String) -> serde_json::Value {
    json!({
        "kind": "step", "name": name, "status": s.status, "attempt": s.attempt,
        "started_at": s.started_at, "finished_at": s.finished_at,
        "error": s.error, "output": s.output, "by": s.created_by,
        "changed": (!s.state_patch.as_object().is_some_and(|m| m.is_empty()))
            .then(|| serde_json::to_string_pretty(&s.state_patch).unwrap_or_default()),
    })
}

/// The steps in the order `process show` lists them: each group once, with its own
/// rows and then its branches side by side, each with its steps.
fn timeline_json(steps: &[StepRow], groups: &[Group]) -> Vec<serde_json::Value> {
    timeline(steps, groups)
        .into_iter()
        .map(|entry| match entry {
            Entry::Step(r) => step_json(r, r.name.clone()),
            Entry::Group(g) => json!({
                "kind": "group",
                "name": g.group.name,
                "status": g.group.status_word(),
                "rows": g.own.iter().map(|r| step_json(r, r.name.clone())).collect::<Vec<_>>(),
                "branches": g.branches.iter().map(|b| json!({
                    "label": b.label,
                    "status": b.status,
                    "next": b.next,
                    "rows": b.rows.iter()
                        .map(|r| step_json(r, b.in_branch(r)))
                        .collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            }),
        })
        .collect()
}
