//! Starting and acting on processes for the API and the dashboard: the same checks,
//! form validation and engine commits as `workflow run --queue` and `process
//! retry|resume|abort|skip`, ending with the process queued for the worker.
//!
//! Forms may run `choices_from` commands and the engine's commits take a
//! `&mut dyn Observer`; both are run on a blocking thread ([`App::blocking`]), so
//! the request handlers' futures stay `Send` and no runtime thread waits on a child
//! process.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::App;
use super::errors::echoed;
use crate::definition::DefinitionError;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{Target, WorkflowDef};
use crate::engine::choices::Choices;
use crate::engine::owner;
use crate::engine::runner::{Engine, Quiet, Recorded};
use crate::engine::start::NewRun;
use crate::error::{Error, Kind, Result};
use crate::forms::{self, CollectError, FormPage};
use crate::shapes::waits::{CallbackWait, ChildrenWait, LockWait};
use crate::shapes::{Pending, ProcessDetail};
use crate::store::Store;
use crate::store::processes::{self, ProcessRow, StepRow};
use crate::store::subscriptions::{self, Subscription};
use crate::tasks::builtin;

const RETRYABLE: &[ProcessStatus] = ProcessStatus::RETRYABLE;

impl App {
    /// Runs `f` on a blocking thread, waiting for the store there.
    pub async fn blocking<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'a> AsyncFnOnce(&'a App) -> Result<T> + Send + 'static,
    {
        let app = self.clone();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || handle.block_on(f(&app)))
            .await
            .map_err(|e| Error::internal(format!("a request's task failed: {e}")))?
    }

    /// Refuses secrets this server cannot hand to the worker that runs the process:
    /// they live only in its own worker's memory, and under `--no-worker` another
    /// worker (with no way to them) would run it.
    pub fn can_hand_on(&self, secrets: &Map<String, Value>) -> Result<()> {
        if self.worker || secrets.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = secrets.keys().cloned().collect();
        let vars: Vec<String> = names.iter().map(|n| forms::secret_env_var(n)).collect();
        Err(Error::usage(format!(
            "this server runs no worker (--no-worker), so the secret {} given here could not reach the worker that runs the process",
            names.join(", ")
        ))
        .with_hint(format!(
            "set {} where the worker runs and leave the secret out of the request, or serve with a worker",
            vars.join(", ")
        )))
    }

    /// A workflow by name, a built-in task included.
    pub fn workflow(&self, name: &str) -> Result<(WorkflowDef, String)> {
        if let Some(task) = builtin::find(name) {
            return Ok((builtin::definition(task), builtin::SOURCE.to_string()));
        }
        let (defs, diags) = self.project.workflows()?;
        let names: Vec<String> = defs.iter().map(|(d, _)| d.name.clone()).collect();
        if let Some(found) = defs.into_iter().find(|(d, _)| d.name == name) {
            return Ok(found);
        }
        // A file named after the workflow that does not parse is the likely reason: say
        // so rather than that the workflow does not exist.
        let (named, others): (Vec<_>, Vec<_>) = diags.into_iter().partition(|d| {
            d.file.file_stem().is_some_and(|s| s == name)
                || std::fs::read_to_string(self.project.root.join(&d.file))
                    .ok()
                    .and_then(|text| crate::definition::declared(&text, "name"))
                    .as_deref()
                    == Some(name)
        });
        if !named.is_empty() {
            // Invalid input as for the CLI (exit 2, here 400), though the input at fault
            // is the server's file rather than the request: the message names the file
            // and the line. 500 stays for bugs.
            return Err(Error::from(DefinitionError(named)).with_hint(format!(
                "no valid workflow named `{name}` until the file is fixed"
            )));
        }
        let mut e = Error::not_found(format!("no workflow named `{}`", echoed(name)));
        if let Some(near) = crate::suggest::did_you_mean(name, names.iter().map(String::as_str)) {
            e = e.with_hint(near);
        }
        if !others.is_empty() {
            e = e.with_hint(format!(
                "{} workflow file(s) do not parse; `orch workflow check` shows why",
                others.len()
            ));
        }
        Err(e.with_hint("GET /api/v1/workflows lists the workflows"))
    }

    /// Collects a form's answers as `--input-file` would: every problem at once, no
    /// prompt. Returns what may be stored and the secrets.
    pub fn collect(
        &self,
        pages: &[FormPage],
        given: &Map<String, Value>,
        state: &Value,
    ) -> Result<(Map<String, Value>, Map<String, Value>)> {
        let source = Choices {
            root: &self.project.root,
            store: self.store(),
            runtime: crate::engine::choices::Runtime::Server(tokio::runtime::Handle::current()),
        };
        let all =
            forms::collect(pages, given, state, &NoEnv(&source), None).map_err(collect_error)?;
        let names = forms::secret_names(pages);
        Ok(all.into_iter().partition(|(k, _)| !names.contains(k)))
    }

    /// An engine for commits decided by hand (answers, skips, aborts).
    fn engine<'a>(&'a self, store: &'a Store, who: &str, quiet: &'a mut Quiet) -> Engine<'a> {
        let (_, cancel) = tokio::sync::watch::channel(false);
        let (_, drain) = tokio::sync::watch::channel(false);
        Engine {
            store,
            root: self.project.root.clone(),
            db: crate::engine::runner::StepDb::of(store),
            user: who.to_string(),
            default_timeout: None,
            grace: std::time::Duration::from_secs(5),
            observer: crate::engine::runner::Watch::new(quiet),
            cancel,
            drain,
            lease: self.lease,
            // Its commits are single and claimed by hand; nothing to renew between steps.
            lease_clock: None,
            aborts: crate::engine::abort_request::AbortWatch::none(),
            secrets: Map::new(),
            // Checked when the server started (the command's settings).
            callback_url: self.project.config.public_url(),
            // Its commits drive nothing; the server's worker queues children.
            children: crate::engine::runner::Children::Queue,
        }
    }
}

/// The server's forms never read secrets from its own environment: a request gives
/// them, or they are missing.
struct NoEnv<'a>(&'a Choices<'a>);

impl forms::ChoiceSource for NoEnv<'_> {
    fn choices_from(
        &self,
        field: &forms::FieldSpec,
        command: &str,
        answers: &Map<String, Value>,
    ) -> std::result::Result<forms::Listed, String> {
        self.0.choices_from(field, command, answers)
    }

    fn subscriptions(
        &self,
        field: &forms::FieldSpec,
    ) -> std::result::Result<Vec<forms::Choice>, String> {
        self.0.subscriptions(field)
    }

    fn env_var(&self, _name: &str) -> Option<String> {
        None
    }
}

pub fn collect_error(e: CollectError) -> Error {
    match e {
        CollectError::Invalid(ref problems) => Error::usage(e.to_string()).with_fields(
            problems
                .iter()
                .map(forms::Problem::to_field_error)
                .collect(),
        ),
        CollectError::Choices { ref field, .. } => {
            let hint = format!("check the `choices_from` command of field `{field}`");
            Error::new(Kind::Upstream, e.to_string()).with_hint(hint)
        }
        CollectError::Definition(_) => {
            Error::usage(e.to_string()).with_hint("`orch workflow check` lints the workflow files")
        }
        CollectError::Interrupted | CollectError::Io(_) => Error::failure(e.to_string()),
    }
}

/// Invalid input in one query parameter of a start (422, with the parameter as the
/// field at fault).
fn field_error(name: &str, reason: String) -> Error {
    Error::usage(reason.clone()).with_fields(vec![crate::error::FieldError {
        field: name.to_string(),
        field_type: "query".to_string(),
        reason,
    }])
}

/// `e` as a problem of the query parameter `name`, its hints kept.
fn at_field(name: &str, e: Error) -> Error {
    let mut named = field_error(name, e.message);
    named.hints = e.hints;
    named
}

/// A process by id or unique prefix.
pub async fn find_process(store: &Store, id: &str) -> Result<ProcessRow> {
    match store.find_process(id).await? {
        processes::Find::One(p) => Ok(*p),
        processes::Find::None => Err(Error::not_found(format!("no process {}", echoed(id)))
            .with_hint("`GET /api/v1/processes` (or `orch process list`) lists the processes")),
        processes::Find::Ambiguous(ids) => Err(Error::usage(format!(
            "`{}` is the start of several process ids: {}",
            echoed(id),
            ids.join(", ")
        ))
        .with_hint("give more of the id")),
    }
}

/// A subscription by id or unique prefix.
pub async fn find_subscription(store: &Store, id: &str) -> Result<Subscription> {
    match store.find_subscription(id).await? {
        subscriptions::Find::One(s) => Ok(*s),
        subscriptions::Find::None => Err(Error::not_found(format!(
            "no subscription {}",
            echoed(id)
        ))
        .with_hint(
            "`GET /api/v1/subscriptions` (or `orch subscription list`) lists the subscriptions",
        )),
        subscriptions::Find::Ambiguous(ids) => Err(Error::usage(format!(
            "`{}` is the start of several subscription ids: {}",
            echoed(id),
            ids.join(", ")
        ))
        .with_hint("give more of the id")),
    }
}

/// The definition a process runs.
pub async fn stored_definition(store: &Store, p: &ProcessRow) -> Result<Arc<WorkflowDef>> {
    Ok(store.definition_of(p).await?)
}

/// A process with its step log, its groups and children and, when it waits at input
/// steps, what they ask.
pub struct ProcessView {
    pub process: ProcessRow,
    pub steps: Vec<StepRow>,
    /// The input steps it waits at, in the order of their paths.
    pub pending: Vec<Pending>,
    pub groups: Vec<crate::shapes::groups::Group>,
    pub children: Vec<ProcessRow>,
    /// The callback it awaits, or the lock it queues for.
    pub callback: Option<CallbackWait>,
    pub lock: Option<LockWait>,
    /// Waiting for its children: the descendants that rest until someone acts, when
    /// none of them goes on by itself.
    pub children_wait: Option<ChildrenWait>,
    /// The top-level steps not run yet, in plan order; the first is marked running
    /// while the process runs (a group in progress shows in `groups` instead).
    pub upcoming: Vec<Upcoming>,
}

/// A step of the plan the log has no row of yet.
#[derive(Debug, serde::Serialize)]
pub struct Upcoming {
    pub name: String,
    pub running: bool,
}

/// The steps of `def` still to come for `process`, as [`ProcessView::upcoming`] has them.
fn upcoming(
    process: &ProcessRow,
    def: &WorkflowDef,
    steps: &[StepRow],
    groups: &[crate::shapes::groups::Group],
) -> Vec<Upcoming> {
    if process.status.is_finished() {
        return Vec::new();
    }
    let planned = crate::engine::plan::plan(def);
    let mut out = Vec::new();
    for (i, p) in crate::engine::plan::remaining(&planned, steps)
        .into_iter()
        .enumerate()
    {
        let logged = steps.iter().any(|r| r.branch.is_none() && r.name == p.name);
        let in_groups = groups.iter().any(|g| g.name == p.name);
        if i == 0 && process.status == ProcessStatus::Running && !in_groups {
            out.push(Upcoming {
                name: p.name.clone(),
                running: true,
            });
        } else if !logged && !in_groups {
            out.push(Upcoming {
                name: p.name.clone(),
                running: false,
            });
        }
    }
    out
}

impl ProcessView {
    pub async fn read(store: &Store, id: &str) -> Result<ProcessView> {
        let process = find_process(store, id).await?;
        let steps = store.steps(&process.process_id).await?;
        // What it waits for needs its definition; its groups are shown when it has one.
        let def = match process.status {
            ProcessStatus::Suspended => Some(stored_definition(store, &process).await?),
            _ => stored_definition(store, &process).await.ok(),
        };
        let pending = match &def {
            Some(def) => Pending::answerable(&process, def, &steps),
            None => Vec::new(),
        };
        let groups = def
            .as_ref()
            .map(|def| crate::shapes::groups::groups(&process, def, &steps))
            .unwrap_or_default();
        let children = store.children(&process, def.as_deref()).await?;
        let callback = CallbackWait::of(store, &process, &steps).await?;
        let lock = LockWait::of(store, &process).await?;
        let children_wait = ChildrenWait::of(store, &process).await?;
        let upcoming = def
            .as_ref()
            .map(|def| upcoming(&process, def, &steps, &groups))
            .unwrap_or_default();
        Ok(ProcessView {
            process,
            steps,
            pending,
            groups,
            children,
            callback,
            lock,
            children_wait,
            upcoming,
        })
    }

    /// The first input step it waits at: the one the dashboard and the API answer.
    pub fn pending(&self) -> Option<&Pending> {
        self.pending.first()
    }

    /// Its JSON shape, `process show -o json`'s.
    pub fn detail(&self) -> ProcessDetail<'_> {
        let detail = crate::shapes::Detail {
            pending: &self.pending,
            groups: &self.groups,
            children: &self.children,
            callback: self.callback.as_ref(),
            lock: self.lock.as_ref(),
        };
        crate::shapes::process_detail(&self.process, &self.steps, &detail)
    }
}

/// A run to start, as a request asked for it.
pub struct Start {
    pub workflow: String,
    pub subscription: Option<String>,
    pub customer: Option<String>,
    pub given: Map<String, Value>,
    pub who: String,
}

/// The pages a workflow's initial form asks: a create workflow of several products
/// asks which one first.
pub async fn start_pages(store: &Store, def: &WorkflowDef) -> Result<Vec<FormPage>> {
    let mut pages = def.form.clone();
    if def.target == Target::Create {
        if let Some(page) = crate::engine::start::product_page(store, def).await? {
            pages.insert(0, page);
        }
    }
    Ok(pages)
}

/// The subscription a modify, validate or terminate workflow runs on, checked for
/// usability (again when the process is created, in the transaction that locks it).
pub async fn target_subscription(
    store: &Store,
    def: &WorkflowDef,
    given: Option<&str>,
) -> Result<Option<Subscription>> {
    match (def.target.needs_subscription(), given) {
        (false, None) => Ok(None),
        (false, Some(_)) => Err(field_error(
            "subscription",
            format!(
                "`{}` is a {} workflow; it takes no subscription",
                def.name, def.target
            ),
        )),
        (true, None) => Err(field_error(
            "subscription",
            format!(
                "`{}` is a {} workflow: say which subscription with ?subscription=ID",
                def.name, def.target
            ),
        )),
        (true, Some(id)) => {
            // An id that is the start of several is one more problem of the query,
            // named as the others are (a 404 stays a 404).
            let s = find_subscription(store, id).await.map_err(|e| {
                if e.kind == Kind::Usage && e.fields.is_empty() {
                    at_field("subscription", e)
                } else {
                    e
                }
            })?;
            crate::engine::subscription::usable(store, def, &s, None).await?;
            Ok(Some(s))
        }
    }
}

/// Validates the answers, creates the process queued for the worker, and hands its
/// secrets to the worker in memory; returns the new process id.
pub async fn start(app: &Arc<App>, req: Start) -> Result<String> {
    app.blocking(async move |app: &App| {
        let store = app.store();
        let (def, source) = app.workflow(&req.workflow)?;
        // A misplaced customer, or one that is empty or not plain text, is one more
        // problem of the request, listed with the form's own.
        let misplaced = if req.customer.is_some() && def.target != Target::Create {
            Some(field_error(
                "customer",
                format!(
                    "a customer only applies to create workflows; `{}` is a {} workflow",
                    def.name, def.target
                ),
            ))
        } else {
            crate::engine::start::check_customer(req.customer.as_deref())
                .err()
                .map(|e| at_field("customer", e))
        };
        let subscription = target_subscription(store, &def, req.subscription.as_deref()).await?;
        let pages = start_pages(store, &def).await?;
        let collected = if pages.is_empty() {
            crate::forms::value::loose(req.given)
                .map(|answers| (answers, Map::new()))
                .map_err(crate::error::Error::from)
        } else {
            let state = crate::engine::start::form_state(subscription.as_ref());
            // Queued, as `workflow run --queue` queues it: a secret left out comes from
            // the worker's environment, or the process suspends asking for it.
            app.collect(
                &forms::with_secrets_for_the_worker(&pages),
                &req.given,
                &state,
            )
        };
        let (answers, secrets) = match (misplaced, collected) {
            (None, collected) => collected?,
            (Some(mut e), Err(form)) if !form.fields.is_empty() => {
                e.message = format!("{}; {}", e.message, form.message);
                e.fields.extend(form.fields);
                return Err(e);
            }
            (Some(e), _) => return Err(e),
        };
        let state = crate::engine::start::initial_state(answers);
        let customer = crate::engine::start::customer(
            &def,
            req.customer.as_deref(),
            app.project.config.default_customer.as_deref(),
            subscription.as_ref(),
        );
        app.can_hand_on(&secrets)?;
        let run = NewRun {
            def: &def,
            source: Some(&source),
            subscription_id: subscription.as_ref().map(|s| s.subscription_id.as_str()),
            customer_id: customer.as_deref(),
            user: &req.who,
            state: &state,
            owner: None,
            lease: app.lease,
            parent: None,
        };
        let id = crate::engine::start::create(store, &run).await?;
        app.vault.put(&id, secrets);
        Ok(id)
    })
    .await
}

/// Puts a failed or waiting process, or one whose orch died holding it, back in the
/// queue; `secrets` (never stored) go to the worker in memory.
pub async fn retry(
    app: &Arc<App>,
    id: String,
    use_current: bool,
    secrets: Map<String, Value>,
    who: String,
) -> Result<()> {
    app.blocking(async move |app: &App| {
        let store = app.store();
        let p = find_process(store, &id).await?;
        let stale = owner::is_stale(&p);
        let timed_out = timed_out_waits(store, &p).await?;
        if !RETRYABLE.contains(&p.status) && !stale && timed_out.is_empty() {
            return Err(owner::refused(&p, "retried"));
        }
        adopt_current(app, store, &p, use_current).await?;
        let secrets = check_secrets(app, store, &p, secrets).await?;
        app.can_hand_on(&secrets)?;
        let mut status = p.status;
        if !timed_out.is_empty() {
            // Its callbacks' deadlines passed: their steps fail here, as a worker fails
            // them, and run again with new tokens (as `process retry` does).
            let from = &[ProcessStatus::AwaitingCallback];
            let claimed = owner::claim_to_end(store, &p.process_id, from, app.lease).await?;
            let mut process = owner::claimed(claimed, &p.process_id, "retried")?;
            let def = stored_definition(store, &process).await?;
            let steps = store.steps(&p.process_id).await?;
            let mut quiet = Quiet;
            app.engine(store, &who, &mut quiet)
                .time_out_waits(&mut process, &def, &steps, &timed_out)
                .await?;
            status = ProcessStatus::Failed;
        }
        if stale {
            // Taken over from the orch that died holding it (`process.taken_over`), then
            // let go of at once, as `process retry --queue` does: the worker runs the
            // step that was in flight again, as its next attempt.
            let claimed = owner::claim_to_end(store, &p.process_id, RETRYABLE, app.lease).await?;
            let seen = owner::claimed(claimed, &p.process_id, "retried")?;
            let def = stored_definition(store, &p).await?;
            let from = seen.owner.as_deref().unwrap_or("an orch that is gone");
            let mut quiet = Quiet;
            app.engine(store, &who, &mut quiet)
                .rest_taken_over(&p.process_id, &def, from)
                .await?;
            status = ProcessStatus::Waiting;
        }
        if !store.queue_process(&p.process_id, status, &who).await? {
            return Err(owner::lost(store, &p.process_id, status, "retried").await);
        }
        app.vault.put(&p.process_id, secrets);
        Ok(())
    })
    .await
}

/// The callback waits of a process awaiting callbacks whose deadlines passed, which a
/// retry fails and runs again; none for any other process.
async fn timed_out_waits(store: &Store, p: &ProcessRow) -> Result<Vec<CallbackWait>> {
    if p.status != ProcessStatus::AwaitingCallback {
        return Ok(Vec::new());
    }
    let steps = store.steps(&p.process_id).await?;
    let waits = CallbackWait::all(store, p, &steps).await?;
    Ok(waits.into_iter().filter(|w| w.timed_out).collect())
}

/// A retry's body: the secrets the process was given before, checked as a form's
/// answers are (a key that names no secret, or a value of the wrong type, is refused).
/// None is required: the worker may have them in its environment.
async fn check_secrets(
    app: &App,
    store: &Store,
    p: &ProcessRow,
    given: Map<String, Value>,
) -> Result<Map<String, Value>> {
    let def = store
        .definition_of(
            &store
                .process(&p.process_id)
                .await?
                .unwrap_or_else(|| p.clone()),
        )
        .await?;
    let mut fields = crate::engine::secrets::needed(&def, &store.steps(&p.process_id).await?);
    for f in &mut fields {
        f.required = false;
    }
    let page = FormPage {
        title: "Secrets".into(),
        description: None,
        fields,
    };
    let (_, secrets) = app.collect(&[page], &given, &p.state)?;
    Ok(secrets)
}

/// With `use_current`, makes the process (and the children a retry runs again) run
/// the workflow file as it is now.
async fn adopt_current(app: &App, store: &Store, p: &ProcessRow, use_current: bool) -> Result<()> {
    if !use_current {
        return Ok(());
    }
    // The children a retry runs again take their files too, at any depth.
    let mut adopt = vec![p.clone()];
    while let Some(q) = adopt.pop() {
        let (def, source) = app.workflow(&q.workflow)?;
        if def.hash() != q.definition_hash {
            store
                .switch_definition(&q.process_id, &def, Some(&source))
                .await?;
        }
        let children = store.children(&q, None).await?;
        adopt.extend(
            children
                .into_iter()
                .filter(|c| RETRYABLE.contains(&c.status)),
        );
    }
    Ok(())
}

/// Answers the input steps a suspended process waits at, and queues it. `given` is
/// split among them as `process resume --input-file` splits a file: `{"PATH":
/// {"field": …}}` or `{"PATH.field": …}` names a step inside a branch, and bare fields
/// answer the only step that waits (several waiting: refused, naming them). `step`
/// (the dashboard's form) says which step bare fields answer.
pub async fn resume(
    app: &Arc<App>,
    id: String,
    given: Map<String, Value>,
    who: String,
    use_current: bool,
    step: Option<String>,
) -> Result<()> {
    // Interrupted by Ctrl-C in the command that drove it: it goes on as a retry does.
    let asked = id.clone();
    let interrupted = app
        .blocking(async move |app: &App| {
            let p = find_process(app.store(), &asked).await?;
            Ok(p.status == ProcessStatus::Failed
                && crate::engine::was_interrupted(p.failed_reason.as_deref()))
        })
        .await?;
    if interrupted && step.is_none() {
        return retry(app, id, use_current, given, who).await;
    }
    app.blocking(async move |app: &App| {
        let store = app.store();
        if use_current {
            let p = find_process(store, &id).await?;
            if p.status == ProcessStatus::Suspended {
                adopt_current(app, store, &p, true).await?;
            }
        }
        let view = ProcessView::read(store, &id).await?;
        let p = &view.process;
        if view.pending.is_empty() && crate::shapes::waits_for_children(p) {
            return Err(Error::conflict(format!(
                "process {} is {} for its child processes, which await input or a callback; it goes on by itself once they are answered",
                p.process_id,
                p.status.in_words()
            ))
            .with_hint(format!(
                "GET /api/v1/processes?parent={} lists them; resume each with POST /api/v1/processes/CHILD/resume",
                p.process_id
            )));
        }
        if view.pending.is_empty() && p.status == ProcessStatus::Running && !owner::is_stale(p) {
            // Said as `process resume` says it, naming the orch that runs it.
            return Err(owner::refused(p, "resumed now"));
        }
        if view.pending.is_empty() {
            return Err(Error::conflict(format!(
                "process {} is {}, not waiting for input",
                p.process_id,
                p.status.in_words()
            ))
            .with_hint(
                crate::shapes::next_hint(p)
                    .unwrap_or_else(|| "only a suspended process is resumed".into()),
            ));
        }
        let answered: Vec<(usize, Map<String, Value>)> = match &step {
            Some(path) => {
                let i = view
                    .pending
                    .iter()
                    .position(|w| &w.step == path)
                    .ok_or_else(|| {
                        Error::conflict(format!(
                            "process {} does not wait for input at step `{path}` (any more)",
                            p.process_id
                        ))
                    })?;
                vec![(i, given)]
            }
            None => {
                let split = crate::shapes::pending::split_answers(&view.pending, given)?;
                let some: Vec<_> = split
                    .into_iter()
                    .enumerate()
                    .filter(|(_, a)| !a.is_empty())
                    .collect();
                match (some.is_empty(), view.pending.len()) {
                    // Nothing given: the one step's form says what it needs.
                    (true, 1) => vec![(0, Map::new())],
                    (true, _) => {
                        return Err(Error::usage(format!(
                            "several steps await input ({}); answer one or more of them by path",
                            view.pending
                                .iter()
                                .map(|w| format!("`{}`", w.step))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                        .with_hint(
                            r#"send {"PATH": {"field": value}}, one object per step; GET the process to see which steps wait"#,
                        ));
                    }
                    (false, _) => some,
                }
            }
        };
        // Every answer is checked before any is recorded, and the problems of every
        // step answered are listed together.
        let mut checked = Vec::with_capacity(answered.len());
        let mut secrets = Map::new();
        let mut refused: Option<Error> = None;
        for (i, answers) in answered {
            let w = &view.pending[i];
            // Queued, as `process resume --queue` queues it: a secret left out comes
            // from the worker's environment, or the process suspends asking for it.
            let page = w.page_for_the_workers();
            let collected = app.collect(std::slice::from_ref(&page), &answers, &w.state);
            match collected {
                Ok((input, more)) => {
                    secrets.extend(more);
                    checked.push((w, input));
                }
                // With several steps waiting, a problem names its step's path, in its
                // line of the message as in `fields` (as `process resume` says it).
                Err(mut e) if view.pending.len() > 1 && e.kind == Kind::Usage => {
                    e.message = format!("step `{}`: {}", w.step, e.message);
                    for f in &mut e.fields {
                        f.field = format!("{}.{}", w.step, f.field);
                    }
                    refused = Some(match refused.take() {
                        None => e,
                        Some(mut first) => {
                            first.message = format!("{}\n{}", first.message, e.message);
                            first.hints.extend(e.hints);
                            first.fields.extend(e.fields);
                            first
                        }
                    });
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(e) = refused {
            return Err(e);
        }
        app.can_hand_on(&secrets)?;
        // The answers are recorded and the process queued: no step starts here, so a
        // paused engine takes them too (as `process resume --queue` does).
        let claimed =
            owner::claim_to_end(store, &p.process_id, &[ProcessStatus::Suspended], app.lease)
                .await?;
        let mut process = owner::claimed(claimed, &p.process_id, "resumed")?;
        let handed_on = !secrets.is_empty();
        app.vault.put(&p.process_id, secrets);
        let mut quiet = Quiet;
        let engine = app.engine(store, &who, &mut quiet);
        // The steps not answered wait on, asked again when the process comes back to
        // them. The last record queues the process; those before keep it claimed.
        let last = checked.len() - 1;
        for (n, (w, input)) in checked.into_iter().enumerate() {
            let attempt =
                crate::engine::plan::next_attempt_in(&view.steps, w.branch.as_deref(), &w.name);
            let status = if n == last {
                ProcessStatus::Created
            } else {
                ProcessStatus::Running
            };
            let recorded = if w.secrets_only {
                Recorded {
                    process_status: status,
                    error: Some(
                        if handed_on {
                            "secrets given to the server's worker"
                        } else {
                            "secrets to be read by the worker that picks it up"
                        }
                        .into(),
                    ),
                    ..Recorded::new(&w.name, attempt, StepStatus::Skipped)
                }
            } else {
                Recorded {
                    patch: Value::Object(input),
                    process_status: status,
                    branch: w.branch.clone(),
                    ..Recorded::new(&w.name, attempt, StepStatus::Success)
                }
            };
            engine.record(&mut process, recorded).await?;
        }
        Ok(())
    })
    .await
}

/// What an abort asked of the API did.
pub enum AbortDone {
    /// Aborted; what could not be aborted with it (a child another orch runs at this
    /// moment), said as a sentence.
    Aborted(Option<String>),
    /// A live orch runs it: the request is recorded, and that orch aborts it.
    Requested,
}

/// Stops a process for good, and its unfinished children; one a live orch runs is
/// aborted by that orch, asked through a request on the process.
pub async fn abort(app: &Arc<App>, id: String, who: String) -> Result<AbortDone> {
    app.blocking(async move |app: &App| {
        let store = app.store();
        let p = find_process(store, &id).await?;
        if crate::engine::owner::running_live(&p).is_some()
            && store.request_abort(&p.process_id, &who).await?
        {
            return Ok(AbortDone::Requested);
        }
        let mut quiet = Quiet;
        let done = app.engine(store, &who, &mut quiet).abort(&p).await?;
        app.vault.forget(&p.process_id);
        for child in &done.children {
            app.vault.forget(&child.process_id);
        }
        let left: Vec<String> = done
            .left
            .iter()
            .map(|(child, why)| format!("child process {child} was not aborted: {}", why.message))
            .collect();
        Ok(AbortDone::Aborted(
            (!left.is_empty()).then(|| left.join("; ")),
        ))
    })
    .await
}

/// Marks the failed step as done by hand (with `set` added to the state) and queues
/// the process to go on.
pub async fn skip(app: &Arc<App>, id: String, set: Map<String, Value>, who: String) -> Result<()> {
    app.blocking(async move |app: &App| {
        let store = app.store();
        let p = find_process(store, &id).await?;
        if !RETRYABLE.contains(&p.status) {
            return Err(owner::refused(&p, "skipped"));
        }
        let steps = store.steps(&p.process_id).await?;
        let to_skip = crate::engine::plan::steps_to_skip(&p.process_id, &steps)?;
        let def = stored_definition(store, &p).await?;
        // Read as `process skip --set` reads its keys: `a.b` sets `b` inside `a`.
        let set = crate::engine::skip::set_patch(&def, set, crate::engine::skip::Given::Body)?;
        // As `process skip`: a join that conflicted keeps the other keys, and a change
        // the subscription refuses is said before anything is written.
        let mut quiet = Quiet;
        let patches = app
            .engine(store, &who, &mut quiet)
            .skip_patches(&p, &def, &steps, &to_skip, &set, "in the body")
            .await?;
        let claimed = owner::claim_to_end(store, &p.process_id, RETRYABLE, app.lease).await?;
        let mut process = owner::claimed(claimed, &p.process_id, "skipped")?;
        for (i, (failed, skip)) in to_skip.iter().zip(patches).enumerate() {
            // Queued for a worker only with the last one: none may take it half-skipped.
            let last = i + 1 == to_skip.len();
            let mut quiet = Quiet;
            let recorded = app
                .engine(store, &who, &mut quiet)
                .record(
                    &mut process,
                    Recorded {
                        patch: skip.patch,
                        by_orch: skip.by_orch,
                        error: Some(format!("skipped by hand by {who}")),
                        process_status: if last {
                            ProcessStatus::Created
                        } else {
                            ProcessStatus::Running
                        },
                        branch: failed.branch.clone(),
                        ..Recorded::new(&failed.name, failed.attempt + 1, StepStatus::Skipped)
                    },
                )
                .await?;
            if recorded != StepStatus::Skipped {
                let why = store
                    .steps(&p.process_id)
                    .await?
                    .pop()
                    .and_then(|s| s.error)
                    .unwrap_or_default();
                return Err(Error::new(
                    Kind::Usage,
                    format!("`{}` was not skipped: {why}", failed.path()),
                ));
            }
        }
        let paths: Vec<String> = to_skip.iter().map(StepRow::path).collect();
        let mut quiet = Quiet;
        app.engine(store, &who, &mut quiet)
            .abort_skipped_children(&p.process_id, &paths)
            .await?;
        Ok(())
    })
    .await
}
