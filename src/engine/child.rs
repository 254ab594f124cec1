//! `workflow` steps: a child process per step, alone or per `foreach` item (DESIGN §13).
//!
//! The child is a process like any other: its own id and stored definition (the
//! workflow file as it is when the child starts), its form answers validated as `workflow
//! run` validates them, and the usual usability checks and lock on its subscription.
//! It points back at its parent (`parent_id`) and at the path of the step that started
//! it, which is how a parent that runs the step again finds its child instead of
//! starting another: retrying a parent retries its failed children.
//!
//! Who runs the child depends on who runs the parent ([`Children`]). A command run by
//! hand drives it within the parent's drive, since it may be the only orch there is and
//! its operator waits for the outcome. A worker queues it and lets the parent rest
//! `waiting` without holding a slot; the child coming to rest wakes the parent (the
//! store does, in the child's commit), and the worker that picks the parent up again
//! looks at the child once more. A child at rest awaiting input or a callback leaves its
//! parent `suspended` or `awaiting_callback` in the same way: someone must act on the
//! child first, and its next rest wakes the parent.

use std::time::Instant;

use serde_json::{Map, Value, json};

use super::owner;
use super::runner::{Answers, Attempt, Children, Current, Engine, Final, Observer, StepEnd, Watch};
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{StepDef, StepKind, WorkflowDef};
use crate::error::{Error, Kind};
use crate::store::processes::{ProcessRow, StepRow};

/// How deep children may nest: far beyond a real chain of workflows, and far below
/// what the command driving them all could hold.
const MAX_NESTING: usize = 32;

/// What a step whose child failed says to do, once whatever the depth.
const RETRY_ADVICE: &str = "; fix it, then retry this process (it retries the child)";

/// Why a child could not be started: the step fails with it, or the process rests.
enum NotStarted {
    Failed(String),
    Paused,
}

impl Engine<'_> {
    /// Runs the `workflow` step `step` in the scope `cur`: starts its child (once) and
    /// follows it until it completes.
    pub(super) async fn child_step(
        &self,
        cur: &mut Current,
        step: &StepDef,
        attempt: i64,
        log: &[StepRow],
    ) -> Result<Option<Final>, Error> {
        let started = Instant::now();
        let StepKind::Workflow {
            workflow,
            subscription,
            input,
        } = &step.kind
        else {
            let end = StepEnd::new(
                &step.name,
                attempt,
                started,
                Attempt::failed("not a workflow step; this is a bug"),
            );
            return self.end_group(cur, end, log).await;
        };
        let at = cur.path_of(&step.name);
        self.observer.with(|o| o.step_started(&at, attempt));
        let last = log
            .iter()
            .rev()
            .find(|r| r.name == step.name && r.in_branch(cur.branch.as_deref()));
        // The step runs again after it failed: the operator retries the parent.
        let retrying = last.is_some_and(|r| r.status == StepStatus::Failed);
        let found = self.store.child_process(&cur.process_id, &at).await?;
        let child = match found {
            Some(c) if !(c.status == ProcessStatus::Aborted && retrying) => c,
            _ => match self
                .start_child(cur, &at, workflow, subscription.as_deref(), input)
                .await?
            {
                Ok(c) => c,
                Err(NotStarted::Paused) => {
                    cur.rested = true;
                    if cur.branch.is_none() {
                        self.rest(cur).await?;
                    }
                    return Ok(Some(Final::Waiting));
                }
                Err(NotStarted::Failed(why)) => {
                    let end = StepEnd::new(&step.name, attempt, started, Attempt::failed(why));
                    return self.end_group(cur, end, log).await;
                }
            },
        };
        let child = match self.children {
            Children::Drive => match self.run_child(&at, child, retrying).await? {
                Some(c) => c,
                None => {
                    cur.rested = true;
                    if cur.branch.is_none() {
                        self.rest(cur).await?;
                    }
                    return Ok(Some(Final::Waiting));
                }
            },
            Children::Queue => self.queue_child(child, retrying).await?,
        };
        if self.abort_due(cur) {
            // Stopped for an abort of this process: its abort is logged, not the step.
            return Ok(Some(Final::Aborted));
        }
        let id = &child.process_id;
        let name = &child.workflow;
        let outcome = match child.status {
            ProcessStatus::Completed => Attempt {
                output: Some(format!("child process {id} ({name}) completed")),
                ..Attempt::ok(json!({}))
            },
            ProcessStatus::Failed => Attempt::failed(format!(
                "child process {id} ({name}) failed{}{RETRY_ADVICE}",
                child
                    .failed_reason
                    .as_deref()
                    // A grandchild's failure carries the advice once already.
                    .map(|r| format!(": {}", r.trim_end_matches(RETRY_ADVICE)))
                    .unwrap_or_default()
            )),
            ProcessStatus::Aborted => Attempt::failed(format!(
                "child process {id} ({name}) was aborted; retrying this process starts a new one"
            )),
            // A child awaiting input leaves its parent `suspended`, one awaiting a
            // callback `awaiting_callback`, as a group's branches do (DESIGN §13, §14);
            // the child's next rest wakes the parent.
            ProcessStatus::Suspended => Attempt {
                status: StepStatus::Suspend,
                error: Some(format!(
                    "child process {id} ({name}) is suspended; answer it with `orch process resume {id}`"
                )),
                ..Attempt::ok(json!({}))
            },
            ProcessStatus::AwaitingCallback => Attempt {
                status: StepStatus::AwaitingCallback,
                error: Some(format!(
                    "child process {id} ({name}) is awaiting a callback: the external system answers it with `orch process callback {id} --token TOKEN` (`orch process show {id}` names the step)"
                )),
                ..Attempt::ok(json!({}))
            },
            ProcessStatus::Waiting | ProcessStatus::Created | ProcessStatus::Running => Attempt {
                status: StepStatus::Waiting,
                error: Some(format!(
                    "waiting for child process {id} ({name}, {})",
                    child.status
                )),
                ..Attempt::ok(json!({}))
            },
        };
        let mut end = StepEnd::new(&step.name, attempt, started, outcome);
        end.awaits_children = matches!(
            end.outcome.status,
            StepStatus::Waiting | StepStatus::Suspend | StepStatus::AwaitingCallback
        );
        self.end_group(cur, end, log).await
    }

    /// Drives the child here until it rests (a command's drive), when it is runnable:
    /// queued, waiting, at rest for children of its own, taken over from a dead orch,
    /// or failed and retried with its parent. Returns the child as it is then; None
    /// when the engine is paused.
    async fn run_child(
        &self,
        at: &str,
        child: ProcessRow,
        retrying: bool,
    ) -> Result<Option<ProcessRow>, Error> {
        let mut allowed = vec![ProcessStatus::Created, ProcessStatus::Waiting];
        if retrying {
            allowed.push(ProcessStatus::Failed);
        }
        // A child suspended only for children of its own goes on as they do: driven
        // again, it looks at them once more (and rests again if they still wait).
        if crate::shapes::waits_for_children(&child) {
            allowed.extend([ProcessStatus::Suspended, ProcessStatus::AwaitingCallback]);
        }
        let id = child.process_id.clone();
        // Started just now for this orch, it is already ours.
        let ours =
            child.status == ProcessStatus::Running && child.owner.as_deref() == Some(owner::me());
        let runnable = allowed.contains(&child.status)
            || (child.status == ProcessStatus::Running && owner::is_stale(&child));
        // A child taken over from a dead orch says so in its log, and the step that was
        // in flight runs again as its next attempt (as `process retry` of it would).
        let mut taken_from = None;
        if !ours {
            if !runnable {
                return Ok(Some(child));
            }
            match owner::claim(self.store, &id, &allowed, self.lease).await? {
                owner::Claim::Claimed(before) => {
                    if before.status == ProcessStatus::Running {
                        taken_from = before.owner.clone();
                    }
                }
                owner::Claim::Paused => return Ok(None),
                owner::Claim::Owned(_) | owner::Claim::Refused(_) | owner::Claim::Missing => {
                    return Ok(self.store.process(&id).await?);
                }
            }
        }
        let def = self.store.definition_of(&child).await?;
        let log = self.store.steps(&id).await?;
        let mut secrets = self.secrets.clone();
        secrets.extend(super::secrets::from_env(&super::secrets::needed(
            &def, &log,
        )));
        let mut shown = Prefixed {
            watch: &self.observer,
            prefix: at.to_string(),
        };
        let engine = Engine {
            store: self.store,
            root: self.root.clone(),
            db: self.db.clone(),
            user: self.user.clone(),
            default_timeout: self.default_timeout,
            grace: self.grace,
            observer: Watch::new(&mut shown),
            cancel: self.cancel.clone(),
            drain: self.drain.clone(),
            lease: self.lease,
            lease_clock: self.lease_clock.clone(),
            // An abort of the parent stops the child's steps too.
            aborts: match &child.parent_id {
                Some(parent) => self.aborts.within(parent),
                None => self.aborts.clone(),
            },
            secrets,
            children: self.children,
            callback_url: self.callback_url.clone(),
        };
        if let Some(from) = &taken_from
            && let Some(mut row) = self.store.process(&id).await?
        {
            engine.note_takeover(&mut row, &def, from).await?;
        }
        if let Err(e) = Box::pin(engine.drive(&id, &def, Answers::new())).await {
            // Best effort, as for any drive: the store may be what failed.
            let _ = self
                .store
                .fail_process(&id, super::owner::me(), &e.message)
                .await;
            return Err(e);
        }
        Ok(self.store.process(&id).await?)
    }

    /// A worker's parent hands a failed child back to the workers when the parent is
    /// retried; whatever else the child is doing, it is left to it.
    async fn queue_child(&self, child: ProcessRow, retrying: bool) -> Result<ProcessRow, Error> {
        if !(retrying && child.status == ProcessStatus::Failed && child.owner.is_none()) {
            return Ok(child);
        }
        let id = child.process_id.clone();
        self.store
            .queue_process(&id, child.status, &self.user)
            .await?;
        Ok(self.store.process(&id).await?.unwrap_or(child))
    }

    /// The chain of workflows from the outermost parent of `process_id` down to a new
    /// child `workflow` (`a → b → a`), when `workflow` is among them already.
    async fn leads_back(&self, process_id: &str, workflow: &str) -> Result<Option<String>, Error> {
        let mut chain = vec![workflow.to_string()];
        let mut next = Some(process_id.to_string());
        // Bounded: a chain without a repeat is no longer than the project's workflows.
        for _ in 0..MAX_NESTING {
            let Some(id) = next.take() else { break };
            let Some(p) = self.store.process(&id).await? else {
                break;
            };
            chain.push(p.workflow.clone());
            next = p.parent_id.clone();
        }
        chain.reverse();
        let nested_too_deep = next.is_some();
        if chain[..chain.len() - 1].iter().any(|w| w == workflow) || nested_too_deep {
            return Ok(Some(chain.join(" → ")));
        }
        Ok(None)
    }

    /// Starts the child of the step at `at`: its workflow from the project's files, its
    /// subscription and answers rendered from the branch's state and checked, its
    /// process created (and its subscription locked) in one store operation.
    async fn start_child(
        &self,
        cur: &Current,
        at: &str,
        workflow: &str,
        subscription: Option<&str>,
        input: &Map<String, Value>,
    ) -> Result<Result<ProcessRow, NotStarted>, Error> {
        let fail = |m: String| Ok(Err(NotStarted::Failed(m)));
        if let Some(chain) = self.leads_back(&cur.process_id, workflow).await? {
            return fail(format!(
                "`{workflow}` would start itself again ({chain}), without end; a child workflow cannot lead back to one of its parents"
            ));
        }
        let (def, source) = match load_workflow(&self.root, workflow) {
            Ok(found) => found,
            Err(why) => return fail(why),
        };
        let scope = json!({ "state": &*cur.state });
        let sid = match subscription.map(|t| crate::expr::render(t, &scope)) {
            None => None,
            Some(Ok(id)) => Some(id.trim().to_string()),
            Some(Err(e)) => return fail(format!("the `subscription` template failed: {e}")),
        };
        match (def.target.needs_subscription(), &sid) {
            (true, None) => {
                return fail(format!(
                    "`{workflow}` is a {} workflow: the step needs `subscription = \"{{{{ … }}}}\"`",
                    def.target
                ));
            }
            (true, Some(id)) if id.is_empty() => {
                return fail("the `subscription` template gave an empty id".into());
            }
            (false, Some(_)) => {
                return fail(format!(
                    "`{workflow}` is a {} workflow; it takes no subscription",
                    def.target
                ));
            }
            _ => {}
        }
        let subscription_row = match &sid {
            Some(id) => match self.store.subscription(id).await? {
                Some(s) => Some(s),
                None => return fail(format!("subscription `{id}` does not exist")),
            },
            None => None,
        };
        let mut given = Map::new();
        for (k, v) in input {
            let v = match v {
                Value::String(t) => match crate::expr::render(t, &scope) {
                    Ok(text) => Value::String(text),
                    Err(e) => return fail(format!("the template of `input.{k}` failed: {e}")),
                },
                other => other.clone(),
            };
            given.insert(k.clone(), v);
        }
        let form_state = match &subscription_row {
            Some(s) => json!({ "subscription": s.to_json() }),
            None => json!({}),
        };
        let source_of_choices =
            super::choices::prefetch(self.store, &self.root, self.db.address.clone(), &def.form)
                .await?;
        // A workflow without a form checks nothing: its input is its first state, as
        // `orch workflow run` gives it.
        let answers = if def.form.is_empty() {
            match crate::forms::value::loose(given) {
                Ok(a) => a,
                Err(e) => return fail(format!("the input of `{workflow}`: {}", e.message())),
            }
        } else {
            match crate::forms::collect(&def.form, &given, &form_state, &source_of_choices, None) {
                Ok(a) => a,
                Err(e) => return fail(format!("the answers for `{workflow}` are not valid: {e}")),
            }
        };
        let secrets = crate::forms::secret_names(&def.form);
        let state: Map<String, Value> = answers
            .into_iter()
            .filter(|(k, v)| !v.is_null() && !secrets.contains(k))
            .collect();
        // A new subscription is for the parent's customer; a child on a subscription is
        // for that subscription's, as the same workflow run by hand on it is.
        let customer = match (&subscription_row, &cur.customer_id, &cur.subscription_id) {
            (Some(on), _, _) => Some(on.customer_id.clone()),
            (None, Some(c), _) => Some(c.clone()),
            (None, None, Some(parent_sub)) => self
                .store
                .subscription(parent_sub)
                .await?
                .map(|s| s.customer_id),
            (None, None, None) => None,
        };
        let run = super::start::NewRun {
            def: &def,
            source: Some(&source),
            subscription_id: sid.as_deref(),
            customer_id: customer.as_deref().filter(|_| {
                def.target == crate::domain::workflow::Target::Create || subscription_row.is_some()
            }),
            user: &self.user,
            state: &Value::Object(state),
            owner: (self.children == Children::Drive).then(owner::me),
            lease: self.lease,
            parent: Some((&cur.process_id, at)),
        };
        let id = match super::start::create(self.store, &run).await {
            Ok(id) => id,
            Err(e)
                if e.kind == Kind::Conflict
                    && self.store.engine_state().await?.paused_at.is_some() =>
            {
                return Ok(Err(NotStarted::Paused));
            }
            Err(e) if matches!(e.kind, Kind::Conflict | Kind::NotFound) => {
                let mut why = e.message.clone();
                for h in &e.hints {
                    why.push_str(&format!(" ({h})"));
                }
                return fail(format!("child `{workflow}` cannot start: {why}"));
            }
            Err(e) => return Err(e),
        };
        Ok(self
            .store
            .process(&id)
            .await?
            .map(Ok)
            .unwrap_or_else(|| Err(NotStarted::Failed(format!("child process {id} is gone")))))
    }
}

/// A workflow of the project's files by name, with the file it came from.
fn load_workflow(root: &std::path::Path, name: &str) -> Result<(WorkflowDef, String), String> {
    if crate::tasks::builtin::find(name).is_some() {
        return Err(format!(
            "`{name}` is a built-in task; it cannot run as a child process"
        ));
    }
    let project = crate::project::Project::discover(Some(root)).map_err(|e| e.message)?;
    let (defs, diags) = project.workflows().map_err(|e| e.message)?;
    if let Some(found) = defs.into_iter().find(|(d, _)| d.name == name) {
        return Ok(found);
    }
    let mut why = format!(
        "no workflow named `{name}` in {}",
        project.workflows_shown()
    );
    if let Some(d) = diags.first() {
        why.push_str(&format!(" (a file does not parse: {d})"));
    }
    Err(why)
}

/// Shows a child's steps among its parent's, after the path of the step that runs it:
/// `Move the services [2] / modify_l2vpn › Lock subscription`.
struct Prefixed<'a, 'w> {
    watch: &'a Watch<'w>,
    prefix: String,
}

impl Prefixed<'_, '_> {
    fn name(&self, path: &str) -> String {
        format!("{} › {path}", self.prefix)
    }
}

impl Observer for Prefixed<'_, '_> {
    fn step_started(&mut self, path: &str, attempt: i64) {
        let name = self.name(path);
        self.watch.with(|o| o.step_started(&name, attempt));
    }

    fn step_finished(&mut self, step: &StepRow, took: std::time::Duration) {
        let mut shown = step.clone();
        shown.name = self.name(&step.path());
        shown.branch = None;
        self.watch.with(|o| o.step_finished(&shown, took));
    }

    fn stderr(&mut self, path: &str, chunk: &[u8]) {
        let name = self.name(path);
        self.watch.with(|o| o.stderr(&name, chunk));
    }

    fn retrying(&mut self, path: &str, next: i64, delay: std::time::Duration) {
        let name = self.name(path);
        self.watch.with(|o| o.retrying(&name, next, delay));
    }
}
