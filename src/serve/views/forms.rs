//! Forms in the browser: a workflow's initial form page by page, and the answer to a
//! suspended process's input step, rendered from the same field schema and validated
//! by the same code as `--input-file` (`forms::collect`), with every problem shown
//! beside its field. Choice lists (`choices`, `choices_from`, subscriptions) are
//! listed with `exclude` applied to the answers so far; secrets are password inputs.
//!
//! A multi-page form carries the answers of the pages before in a hidden field (its
//! secrets sealed, [`crate::serve::sealed`]) and validates them again with each page, so nothing is stored before the whole form
//! is valid and the server keeps no form state. "Back" goes to the page before with
//! its answers filled in, and carries those of the pages after it (in a second
//! hidden field, unchecked until their page is sent again) so that "Next" shows them
//! again; a secret is never carried back: its page asks for it again. A field whose choices or text are made from the answers
//! above it on the same page is *dependent*: "Refresh choices" sends the page to list
//! them again without checking it, and with JavaScript that happens on every change.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value as View, context};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{OrPage, PageResult, Params, page};
use crate::error::{Error, Kind};
use crate::forms::{self, FieldSpec, FormPage, FormType};
use crate::serve::App;
use crate::serve::actions::{self, ProcessView};
use crate::serve::auth::Principal;
use crate::serve::csrf;

/// A submitted form, as pairs (a multi_choice sends its name once per pick).
pub struct FormBody(Vec<(String, String)>);

impl FormBody {
    pub fn parse(body: &[u8]) -> FormBody {
        FormBody(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Refuses a form without this session's CSRF token.
    pub fn csrf(&self, app: &App, who: &Principal) -> Result<(), super::Failed> {
        if csrf::check(
            &app.csrf_key,
            &page::session(app, who),
            self.get(csrf::FIELD),
        ) {
            Ok(())
        } else {
            Err(page::error_page(
                app,
                Some(who),
                StatusCode::FORBIDDEN,
                "This form is stale or did not come from this dashboard (its CSRF token is wrong). Reload the page and send it again.",
            )
            .into())
        }
    }

    /// The answers a page's fields got, typed as `--input` types them (text), with
    /// what a browser leaves out put back: an unticked bool is false.
    fn answers(&self, fields: &[FieldSpec]) -> Map<String, Value> {
        let mut out = Map::new();
        for f in fields {
            match f.field_type {
                FormType::Display => {}
                FormType::MultiChoice => {
                    let picked = self.all(&f.name);
                    out.insert(f.name.clone(), json!(picked));
                }
                FormType::Bool => {
                    let on = self.get(&f.name).is_some_and(|v| v == "true");
                    out.insert(f.name.clone(), json!(on.to_string()));
                }
                FormType::Accept => {
                    if self.get(&f.name) == Some("true") {
                        out.insert(f.name.clone(), json!("true"));
                    }
                }
                _ => {
                    let given: Vec<String> = (self.all(&f.name).into_iter())
                        .filter(|v| !v.is_empty())
                        .collect();
                    match given.as_slice() {
                        [] => {}
                        [v] => {
                            out.insert(f.name.clone(), json!(v));
                        }
                        // A field of one value sent twice (no page of ours does): all
                        // of them go to the validation, which refuses them by name,
                        // rather than one being picked without a word.
                        _ => {
                            out.insert(f.name.clone(), json!(given));
                        }
                    }
                }
            }
        }
        out
    }
}

#[derive(Serialize)]
struct ChoiceView {
    value: String,
    label: String,
    selected: bool,
}

/// A field as the template draws it.
#[derive(Serialize)]
struct FieldView {
    name: String,
    kind: &'static str,
    label: String,
    help: Option<String>,
    required: bool,
    value: String,
    checked: bool,
    choices: Vec<ChoiceView>,
    /// Why its choices could not be listed.
    choices_error: Option<String>,
    text: Option<String>,
    error: Option<String>,
    /// Its choices or text are made from the answers above it on its page.
    dependent: bool,
    /// The bounds and the step of a number, as the browser's input takes them: an
    /// `int` field steps by 1 (so the browser refuses 2.5 before the server does).
    min: Option<String>,
    max: Option<String>,
    step: &'static str,
}

/// A bound as the input's attribute: whole for an `int` field.
fn number(t: FormType, n: f64) -> String {
    if t == FormType::Int && n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// The HTML input a field type becomes.
fn kind(t: FormType) -> &'static str {
    match t {
        FormType::Text | FormType::Ipv4 | FormType::Ipv6 | FormType::Ipv4Network => "text",
        FormType::LongText => "textarea",
        FormType::Int | FormType::Float => "number",
        FormType::Bool | FormType::Accept => "checkbox",
        FormType::Choice | FormType::Subscription => "select",
        FormType::MultiChoice => "multi",
        FormType::Secret => "password",
        FormType::Display => "display",
    }
}

/// The fields of a page, with the values given (or defaults), their choices given the
/// answers so far, and the problems found.
fn fields(
    app: &App,
    page: &FormPage,
    given: &Map<String, Value>,
    before: &Map<String, Value>,
    state: &Value,
    errors: &HashMap<String, String>,
) -> Vec<FieldView> {
    let source = crate::engine::choices::Choices {
        root: &app.project.root,
        store: app.store(),
        runtime: crate::engine::choices::Runtime::Server(tokio::runtime::Handle::current()),
    };
    // Choices that depend on an earlier field of this same page are listed from what
    // was sent: without JavaScript, sending the page once shows them.
    let mut seen = before.clone();
    for (k, v) in given {
        seen.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let before = &seen;
    page.fields
        .iter()
        .enumerate()
        .map(|(at, f)| {
            let current = given.get(&f.name).or(f.default.as_ref());
            let value = match (f.field_type, current) {
                // A secret is never sent back to the browser.
                (FormType::Secret, _) | (_, None) => String::new(),
                (_, Some(v)) => forms::schema::plain(v),
            };
            let picked: Vec<String> = match current {
                Some(Value::Array(items)) => items.iter().map(forms::schema::plain).collect(),
                Some(v) => vec![forms::schema::plain(v)],
                None => Vec::new(),
            };
            let (choices, choices_error) = match forms::collect::offered(f, before, state, &source)
            {
                Ok(Some(set)) => (
                    set.available
                        .iter()
                        .map(|c| {
                            let v = forms::schema::plain(&c.value);
                            ChoiceView {
                                selected: picked.contains(&v),
                                label: c.label.clone().unwrap_or_else(|| v.clone()),
                                value: v,
                            }
                        })
                        .collect(),
                    set.available.is_empty().then(|| set.why_empty()),
                ),
                Ok(None) => (Vec::new(), None),
                // While a field above it is unanswered, a list made from the
                // answers is expected to fail: say how to get it, not how it failed.
                Err(_) if dependent(page, at) && unanswered_above(page, at, before) => (
                    Vec::new(),
                    Some(
                        "its choices come from the answers above it: answer those first"
                            .to_string(),
                    ),
                ),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            let text = (f.field_type == FormType::Display).then(|| {
                forms::collect::display_text(f, before, state).unwrap_or_else(|e| e.to_string())
            });
            FieldView {
                name: f.name.clone(),
                kind: kind(f.field_type),
                label: f.title().to_string(),
                help: f.help.clone(),
                required: f.required && f.default.is_none() || f.field_type == FormType::Accept,
                checked: value == "true",
                value,
                choices,
                choices_error,
                text,
                error: errors.get(&f.name).cloned(),
                dependent: dependent(page, at),
                min: f.min.map(|n| number(f.field_type, n)),
                max: f.max.map(|n| number(f.field_type, n)),
                step: if f.field_type == FormType::Int {
                    "1"
                } else {
                    "any"
                },
            }
        })
        .collect()
}

/// Whether the field at `at` is listed or written from the answers above it on its
/// page: a list from a command or with an `exclude`, or a display's template.
fn dependent(page: &FormPage, at: usize) -> bool {
    let f = &page.fields[at];
    at > 0 && (f.choices_from.is_some() || f.exclude.is_some() || f.field_type == FormType::Display)
}

/// Whether a field above `at` on its page has no answer yet.
fn unanswered_above(page: &FormPage, at: usize, answers: &Map<String, Value>) -> bool {
    page.fields[..at].iter().any(|g| {
        g.field_type != FormType::Display
            && answers
                .get(&g.name)
                .is_none_or(|v| forms::value::is_blank(g, v))
    })
}

/// Problems by field, and the list at the top of the form, each named by the label
/// the page shows (`page`'s fields), else by its name.
fn problems(e: &Error, page: &FormPage) -> (HashMap<String, String>, Vec<String>) {
    let mut by_field = HashMap::new();
    for f in &e.fields {
        by_field.insert(f.field.clone(), for_a_form(&f.reason));
    }
    let named = |field: &str| {
        page.fields
            .iter()
            .find(|f| f.name == field)
            .filter(|f| f.title() != f.name)
            .map(|f| format!("{} ({field})", f.title()))
            .unwrap_or_else(|| field.to_string())
    };
    (
        by_field,
        e.fields
            .iter()
            .map(|f| format!("{}: {}", named(&f.field), for_a_form(&f.reason)))
            .collect(),
    )
}

/// A field's problem as a form says it: the choices a terminal lists with it are in
/// the field's own list here.
fn for_a_form(reason: &str) -> String {
    crate::forms::choices::without_the_choices(reason).unwrap_or_else(|| reason.to_string())
}

/// What a form page shows, besides the fields.
struct Shown {
    title: String,
    heading: String,
    message: Option<String>,
    action: String,
    submit: String,
    step: Option<(usize, usize)>,
    hidden: Vec<(String, String)>,
    summary: Vec<String>,
    back: String,
    /// A page after the first: it has a "Back" button.
    previous: bool,
    /// The message is prose (a workflow's description), not an input step's text,
    /// which may be laid out as it is (a config).
    prose: bool,
}

fn render_form(
    app: &App,
    who: &Principal,
    nav: &str,
    shown: Shown,
    fields: Vec<FieldView>,
) -> Response {
    // A page shown again with its problems says so in its status too.
    let status = if shown.summary.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let refresh = fields.iter().any(|f| f.dependent);
    let mut r = page::render(
        app,
        Some(who),
        "form.html",
        nav,
        "",
        context! {
            title => shown.title,
            heading => shown.heading,
            message => shown.message,
            action => shown.action,
            submit => shown.submit,
            step => shown.step.map(|(i, n)| context!{ at => i + 1, of => n }),
            hidden => shown.hidden,
            summary => shown.summary,
            back => shown.back,
            previous => shown.previous,
            prose => shown.prose,
            refresh => refresh,
            fields => View::from_serialize(fields),
        },
    );
    *r.status_mut() = status;
    r
}

/// What a form's submit asks for besides "go on": the page before, or the same page
/// with its dependent choices listed from what was sent.
#[derive(Clone, Copy, PartialEq)]
enum Submit {
    Next,
    Back,
    Refresh,
}

impl Submit {
    fn of(form: &FormBody) -> Submit {
        if form.get("_back").is_some() {
            Submit::Back
        } else if form.get("_refresh").is_some() {
            Submit::Refresh
        } else {
            Submit::Next
        }
    }
}

/// The hidden field with the answers of the pages after the one shown, as they were
/// sent before "Back" (secrets left out).
const LATER: &str = "_later";
/// The hidden field with the secrets answered on the pages before, sealed.
const SEALED: &str = "_secrets";

/// The answers carried from the pages before: the plain ones and the sealed secrets
/// (none if they do not open: a page of a server since restarted, or changed).
fn carried_answers(app: &App, who: &Principal, form: &FormBody) -> Map<String, Value> {
    let mut answers = carried(form, "_answers");
    let opened = form
        .get(SEALED)
        .and_then(|s| crate::serve::sealed::open(&app.csrf_key, &page::session(app, who), s));
    if let Some(Ok(Value::Object(secrets))) =
        opened.map(|bytes| serde_json::from_slice::<Value>(&bytes))
    {
        answers.extend(secrets);
    }
    answers
}

/// A JSON object a hidden field holds; anything else is no answers.
fn carried(form: &FormBody, name: &str) -> Map<String, Value> {
    match form.get(name).map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    }
}

/// The start form's state between pages.
struct Started {
    name: String,
    subscription: Option<String>,
    customer: Option<String>,
}

impl Started {
    /// The hidden fields of page `at`: the answers so far (their secrets sealed, see
    /// [`crate::serve::sealed`]), those of the pages after it, and what is started.
    fn hidden(
        &self,
        at: usize,
        answers: &Map<String, Value>,
        secrets: Option<String>,
        later: &Map<String, Value>,
    ) -> Vec<(String, String)> {
        let mut h = vec![
            ("_page".to_string(), at.to_string()),
            (
                "_answers".to_string(),
                Value::Object(answers.clone()).to_string(),
            ),
        ];
        if let Some(sealed) = secrets {
            h.push((SEALED.to_string(), sealed));
        }
        if !later.is_empty() {
            h.push((LATER.to_string(), Value::Object(later.clone()).to_string()));
        }
        if let Some(s) = &self.subscription {
            h.push(("subscription".into(), s.clone()));
        }
        if let Some(c) = &self.customer {
            h.push(("customer".into(), c.clone()));
        }
        h
    }
}

/// The pages the dashboard shows to start `def`: its form, or for a workflow that asks
/// nothing one page without questions, so that starting it is still a deliberate click.
async fn shown_pages(
    store: &crate::store::Store,
    def: &crate::domain::workflow::WorkflowDef,
) -> crate::error::Result<Vec<crate::forms::schema::FormPage>> {
    let mut pages = actions::start_pages(store, def).await?;
    if pages.is_empty() {
        pages.push(crate::forms::schema::FormPage {
            title: String::new(),
            description: None,
            fields: Vec::new(),
        });
    }
    Ok(pages)
}

/// Renders page `at` of a start form, or the error that keeps it from being shown:
/// filled in with `given`, or when nothing is given with what `later` holds for it
/// (the answers of the pages after one "Back" left), the rest of `later` carried on.
#[allow(clippy::too_many_arguments)]
async fn start_page(
    app: &Arc<App>,
    who: &Principal,
    run: Started,
    at: usize,
    answers: Map<String, Value>,
    given: Map<String, Value>,
    later: Map<String, Value>,
    failed: Option<Error>,
) -> Response {
    let who2 = who.clone();
    let session = page::session(app, who);
    let shown = app
        .blocking(async move |app: &App| {
            let store = app.store();
            let (def, _) = app.workflow(&run.name)?;
            let subscription =
                actions::target_subscription(store, &def, run.subscription.as_deref()).await?;
            let pages = shown_pages(store, &def).await?;
            let state = crate::engine::start::form_state(subscription.as_ref());
            let Some(page) = pages.get(at) else {
                return Err(Error::not_found("the form has no such page"));
            };
            let secrets = forms::secret_names(&pages);
            // A secret answered before rides sealed, never as it is.
            let (kept, plain): (Map<String, Value>, Map<String, Value>) = (answers.iter())
                .map(|(k, v)| (k.clone(), v.clone()))
                .partition(|(k, _)| secrets.contains(k));
            let sealed = match kept.is_empty() {
                true => None,
                false => Some(
                    crate::serve::sealed::seal(
                        &app.csrf_key,
                        &session,
                        Value::Object(kept).to_string().as_bytes(),
                    )
                    .map_err(|e| Error::failure(format!("cannot seal the form's secrets: {e}")))?,
                ),
            };
            let (here, later): (Map<String, Value>, Map<String, Value>) = later
                .into_iter()
                .filter(|(k, _)| !secrets.contains(k))
                .partition(|(k, _)| page.fields.iter().any(|f| &f.name == k));
            let given = if given.is_empty() { here } else { given };
            let (errors, summary) = failed
                .as_ref()
                .map(|e| problems(e, page))
                .unwrap_or_default();
            let fields = fields(app, page, &given, &answers, &state, &errors);
            let on = subscription
                .as_ref()
                .map(|s| format!(" on {}", s.description))
                .unwrap_or_default();
            let shown = Shown {
                title: format!("Start {}", def.name),
                heading: if page.title.is_empty() {
                    format!("Start {}{on}", def.name)
                } else {
                    format!("Start {}{on}: {}", def.name, page.title)
                },
                message: page
                    .description
                    .clone()
                    .or_else(|| Some(def.description.clone()))
                    .filter(|d| !d.is_empty()),
                action: format!("/workflows/{}/start", def.name),
                submit: if at + 1 < pages.len() {
                    "Next".into()
                } else {
                    format!("Start {}", def.name)
                },
                step: (pages.len() > 1).then_some((at, pages.len())),
                hidden: run.hidden(at, &plain, sealed, &later),
                summary,
                previous: at > 0,
                prose: true,
                back: match &run.subscription {
                    Some(s) => format!("/subscriptions/{s}"),
                    None => format!("/workflows/{}", def.name),
                },
            };
            Ok((shown, fields, !pages.is_empty()))
        })
        .await;
    match shown {
        Ok((shown, fields, _)) => render_form(app, &who2, "workflows", shown, fields),
        Err(e) => super::failed(app, Some(&who2), e),
    }
}

pub async fn start_form(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    q: Params,
) -> Response {
    let run = Started {
        name,
        subscription: q
            .get("subscription")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        customer: None,
    };
    start_page(&app, &who, run, 0, Map::new(), Map::new(), Map::new(), None).await
}

pub async fn start_submit(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = FormBody::parse(&body);
    form.csrf(&app, &who)?;
    let at: usize = form.get("_page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let before = carried_answers(&app, &who, &form);
    let later = carried(&form, LATER);
    let run = Started {
        name: name.clone(),
        subscription: form
            .get("subscription")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        customer: form
            .get("customer")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    };
    let submit = Submit::of(&form);
    let sub = run.subscription.clone();
    let checked = app
        .blocking({
            let name = name.clone();
            let before = before.clone();
            let later = later.clone();
            async move |app: &App| {
                let store = app.store();
                let (def, _) = app.workflow(&name)?;
                let subscription =
                    actions::target_subscription(store, &def, sub.as_deref()).await?;
                let pages = shown_pages(store, &def).await?;
                let Some(page) = pages.get(at) else {
                    return Err(Error::usage("the form has no such page"));
                };
                let raw = form.answers(&page.fields);
                match submit {
                    Submit::Refresh => return Ok(Sent::Again(raw)),
                    Submit::Back if at > 0 => {
                        // The page before, filled in with its answers, which it
                        // sends again (so they are not also carried); this page's
                        // answers are carried on with those of the pages after it.
                        let mut carried = before.clone();
                        for f in &pages[at - 1].fields {
                            carried.remove(&f.name);
                        }
                        let mut after = later;
                        after.extend(raw);
                        return Ok(Sent::Back(carried, before, after));
                    }
                    Submit::Back | Submit::Next => {}
                }
                let mut given = before.clone();
                given.extend(raw.clone());
                let state = crate::engine::start::form_state(subscription.as_ref());
                let upto = &pages[..=at];
                match app.collect(upto, &given, &state) {
                    Ok((mut answers, secrets)) => {
                        answers.extend(secrets);
                        Ok(Sent::Valid(answers, at + 1 >= pages.len()))
                    }
                    Err(e) if e.kind == Kind::Usage && !e.fields.is_empty() => {
                        Ok(Sent::Refused(e, raw))
                    }
                    Err(e) => Err(e),
                }
            }
        })
        .await
        .or_page(&app, &who)?;
    match checked {
        Sent::Again(raw) => Ok(start_page(&app, &who, run, at, before, raw, later, None).await),
        Sent::Back(carried, filled, after) => {
            Ok(start_page(&app, &who, run, at - 1, carried, filled, after, None).await)
        }
        Sent::Refused(e, raw) => {
            Ok(start_page(&app, &who, run, at, before, raw, later, Some(e)).await)
        }
        Sent::Valid(answers, false) => {
            Ok(start_page(&app, &who, run, at + 1, answers, Map::new(), later, None).await)
        }
        Sent::Valid(answers, true) => {
            let req = actions::Start {
                workflow: name,
                subscription: run.subscription.clone(),
                customer: run.customer.clone(),
                given: answers.clone(),
                who: who.name.clone(),
            };
            match actions::start(&app, req).await {
                Ok(id) => Ok(Redirect::to(&format!("/processes/{id}")).into_response()),
                Err(e) if e.kind == Kind::Usage && !e.fields.is_empty() => {
                    Ok(start_page(&app, &who, run, at, before, Map::new(), later, Some(e)).await)
                }
                Err(e) => Err(super::failed(&app, Some(&who), e).into()),
            }
        }
    }
}

/// What a page of a start form sent comes to.
enum Sent {
    /// Every page so far is valid: the answers, and whether this was the last page.
    Valid(Map<String, Value>, bool),
    /// Shown again with its problems, and what was sent on it.
    Refused(Error, Map<String, Value>),
    /// Shown again as sent, its dependent choices listed anew.
    Again(Map<String, Value>),
    /// The page before: the answers carried past it, those it is filled in with, and
    /// those of the pages after it.
    Back(Map<String, Value>, Map<String, Value>, Map<String, Value>),
}

/// The answer form of a suspended process.
async fn resume_page(
    app: &Arc<App>,
    who: &Principal,
    id: String,
    given: Map<String, Value>,
    failed: Option<Error>,
) -> Response {
    let who2 = who.clone();
    let shown = app
        .blocking(async move |app: &App| {
            let view = ProcessView::read(app.store(), &id).await?;
            let p = &view.process;
            let Some(pending) = view.pending() else {
                return Err(Error::conflict(format!(
                    "process {} is {}, not waiting for input",
                    p.process_id,
                    p.status.in_words()
                )));
            };
            let (errors, summary) = failed
                .as_ref()
                .map(|e| problems(e, &pending.page))
                .unwrap_or_default();
            let fields = fields(app, &pending.page, &given, &given, &pending.state, &errors);
            Ok((
                Shown {
                    title: format!("Answer {}", pending.step),
                    heading: format!("{} is waiting for input at “{}”", p.workflow, pending.step),
                    message: pending.message_text(),
                    action: format!("/processes/{}/resume", p.process_id),
                    submit: "Answer and continue".into(),
                    step: None,
                    hidden: Vec::new(),
                    summary,
                    back: format!("/processes/{}", p.process_id),
                    previous: false,
                    prose: false,
                },
                fields,
            ))
        })
        .await;
    match shown {
        Ok((shown, fields)) => render_form(app, &who2, "processes", shown, fields),
        Err(e) => super::failed(app, Some(&who2), e),
    }
}

pub async fn resume_form(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    resume_page(&app, &who, id, Map::new(), None).await
}

pub async fn resume_submit(
    State(app): State<Arc<App>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = FormBody::parse(&body);
    form.csrf(&app, &who)?;
    let view = ProcessView::read(app.store(), &id)
        .await
        .or_page(&app, &who)?;
    let full = view.process.process_id.clone();
    let (fields, step) = view
        .pending()
        .map(|p| (p.page.fields.clone(), Some(p.step.clone())))
        .unwrap_or_default();
    let given = form.answers(&fields);
    if Submit::of(&form) == Submit::Refresh {
        return Ok(resume_page(&app, &who, full, given, None).await);
    }
    let answered = actions::resume(
        &app,
        full.clone(),
        given.clone(),
        who.name.clone(),
        false,
        step,
    );
    match answered.await {
        Ok(()) => Ok(Redirect::to(&format!("/processes/{full}")).into_response()),
        Err(e) if e.kind == Kind::Usage && !e.fields.is_empty() => {
            Ok(resume_page(&app, &who, full, given, Some(e)).await)
        }
        Err(e) => Err(super::failed(&app, Some(&who), e).into()),
    }
}
