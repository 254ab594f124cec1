//! The JSON shapes of DESIGN §9, built in one place: `-o json` prints them and `orch
//! serve`'s API answers with them, so the two faces cannot drift apart.
//!
//! Each builder takes what the store handed out (rows, relations, definitions) and
//! returns the shape; the callers decide how to fetch and where to print. The few that
//! need more rows (a subscription's relations) read them through the store seam.

pub mod drift;
pub mod engine;
pub mod groups;
pub mod locks;
pub mod pending;
pub mod waits;
pub mod workers;

use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::product;
use crate::domain::usability::{self, Facts};
use crate::domain::workflow::{Target, WorkflowDef};
use crate::engine::owner;
use crate::engine::plan::PlannedStep;
use crate::store::processes::{ProcessRow, StepRow};
use crate::store::products::StoredProduct;
use crate::store::subscriptions::{Related, Subscription, Touch};
use crate::store::{Store, StoreResult};

pub use pending::Pending;

/// The process of `process show` (with `steps`, and `state`) or of `process list`
/// (without both), serialised straight from its rows.
#[derive(Serialize)]
pub struct ProcessShape<'a> {
    #[serde(flatten)]
    row: &'a ProcessRow,
    stale: bool,
    /// An abort asked for while a live orch runs it, which that orch has not carried
    /// out yet (`process abort`); null otherwise.
    abort_requested: Option<&'a crate::store::processes::AbortRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<StepLog<'a>>,
}

/// The process of `process show` (with `steps`, and `state`) or of `process list`
/// (without both).
pub fn process<'a>(p: &'a ProcessRow, steps: Option<&'a [StepRow]>) -> ProcessShape<'a> {
    ProcessShape {
        row: p,
        stale: owner::is_stale(p),
        abort_requested: p
            .abort_requested
            .as_ref()
            .filter(|_| !p.status.is_finished()),
        state: steps.map(|_| &p.state),
        steps: steps.map(StepLog),
    }
}

/// The step log: each step with its `path` (DESIGN §13), in log order.
pub struct StepLog<'a>(pub &'a [StepRow]);

impl Serialize for StepLog<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// One step of the log, with its path after its row's fields.
        #[derive(Serialize)]
        struct Step<'a> {
            #[serde(flatten)]
            row: &'a StepRow,
            path: String,
        }
        s.collect_seq(self.0.iter().map(|row| Step {
            row,
            path: row.path(),
        }))
    }
}

/// What `process show` adds to a process besides its steps.
pub struct Detail<'a> {
    /// The input steps it waits at (several when branches wait).
    pub pending: &'a [Pending],
    /// Its groups and their branches ([`groups::groups`]).
    pub groups: &'a [groups::Group],
    /// The child processes its `workflow` steps started, oldest first.
    pub children: &'a [ProcessRow],
    /// The callback it awaits.
    pub callback: Option<&'a waits::CallbackWait>,
    /// The lock it queues for.
    pub lock: Option<&'a waits::LockWait>,
}

/// `process show` and the API's process view, serialised straight from the rows.
#[derive(Serialize)]
pub struct ProcessDetail<'a> {
    #[serde(flatten)]
    process: ProcessShape<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_steps: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<Vec<ProcessShape<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lock: Option<Value>,
}

/// `process show`: the process with its steps; when it is suspended at input steps,
/// the first as `"pending": {"step", "message", "fields"}` and, when branches wait,
/// all of them as `"pending_steps"`; its `"groups"` and `"children"` when it has some;
/// what it awaits besides input as `"callback"` or `"lock"`.
pub fn process_detail<'a>(
    p: &'a ProcessRow,
    steps: &'a [StepRow],
    d: &Detail<'a>,
) -> ProcessDetail<'a> {
    let several = d.pending.len() > 1 || d.pending.first().is_some_and(|w| w.branch.is_some());
    let some = |v: Vec<Value>| (!v.is_empty()).then_some(v);
    ProcessDetail {
        process: process(p, Some(steps)),
        pending: d.pending.first().map(Pending::to_json),
        pending_steps: several.then(|| d.pending.iter().map(Pending::to_json).collect()),
        groups: some(d.groups.iter().map(groups::Group::to_json).collect()),
        children: (!d.children.is_empty())
            .then(|| d.children.iter().map(|c| process(c, None)).collect()),
        callback: d.callback.map(waits::CallbackWait::to_json),
        lock: d.lock.map(waits::LockWait::to_json),
    }
}

/// The ids of related subscriptions, each once.
pub fn related_ids(related: &[Related]) -> Vec<String> {
    let mut out: Vec<String> = related.iter().map(|r| r.subscription_id.clone()).collect();
    out.dedup();
    out
}

/// The subscription of `subscription show` (`tree`) or `subscription list` (without
/// the block tree), with its relations both ways.
pub async fn subscription(store: &Store, s: &Subscription, tree: bool) -> StoreResult<Value> {
    let id = s.subscription_id.as_str();
    let users = store.in_use_by(id).await?;
    let deps = store.depends_on(id).await?;
    Ok(subscription_with(s, tree, &users, &deps))
}

/// [`subscription`] from relations already read.
pub fn subscription_with(
    s: &Subscription,
    tree: bool,
    users: &[Related],
    deps: &[Related],
) -> Value {
    let mut v = if tree { s.to_json() } else { s.summary_json() };
    v["in_use_by"] = json!(related_ids(users));
    v["depends_on"] = json!(related_ids(deps));
    v
}

/// The processes that touched a subscription, as `subscription show` lists them.
pub fn touches(touched: &[Touch]) -> Value {
    json!(touched
        .iter()
        .map(|t| json!({"id": t.process_id, "workflow": t.workflow, "status": t.status, "started_at": t.started_at}))
        .collect::<Vec<_>>())
}

/// `subscription workflows`: every modify, validate and terminate workflow of the
/// subscription's product, with whether it can run now and why not.
pub fn usable_workflows(
    defs: &[(WorkflowDef, String)],
    s: &Subscription,
    facts: &Facts,
) -> Vec<Value> {
    defs.iter()
        .filter(|(def, _)| {
            !matches!(def.target, Target::Create | Target::System)
                && def.products.contains(&s.product_tag)
        })
        .map(|(def, _)| {
            let verdict = usability::check(def, facts);
            json!({
                "name": def.name,
                "target": def.target,
                "usable": verdict.is_ok(),
                "reason": verdict.err().map(|r| r.reason),
                "description": def.description,
            })
        })
        .collect()
}

/// A product, as `product list` (without blocks) and `product show` (with) print it.
#[derive(Debug, Serialize)]
pub struct ProductJson<'a> {
    product_id: &'a str,
    name: &'a str,
    tag: &'a str,
    #[serde(rename = "type")]
    product_type: &'a str,
    description: &'a str,
    status: &'a str,
    root: &'a product::RootRef,
    fixed_inputs: &'a indexmap::IndexMap<String, String>,
    subscriptions: i64,
    source: Option<&'a str>,
    created_at: &'a str,
    updated_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocks: Option<&'a indexmap::IndexMap<String, product::BlockDef>>,
}

pub fn product(p: &StoredProduct, subs: i64, blocks: bool) -> ProductJson<'_> {
    ProductJson {
        product_id: &p.product_id,
        name: &p.def.name,
        tag: &p.def.tag,
        product_type: &p.def.product_type,
        description: &p.def.description,
        status: p.def.status.as_str(),
        root: &p.def.root,
        fixed_inputs: &p.def.fixed_inputs,
        subscriptions: subs,
        source: p.source.as_deref(),
        created_at: &p.created_at,
        updated_at: &p.updated_at,
        blocks: blocks.then_some(&p.def.blocks),
    }
}

/// A workflow as `workflow list` prints it.
pub fn workflow_summary(def: &WorkflowDef, source: &str) -> Value {
    json!({"name": def.name, "target": def.target, "description": def.description,
           "products": def.products, "steps": def.steps.len(), "source": source})
}

/// A workflow as `workflow show` prints it: its planned steps, the target's included.
pub fn workflow_detail(def: &WorkflowDef, source: &str, steps: &[PlannedStep<'_>]) -> Value {
    let items: Vec<Value> = steps
        .iter()
        .map(|s| json!({"name": s.name, "added_by_target": !s.is_user(), "does": s.describe()}))
        .collect();
    json!({
        "name": def.name, "target": def.target, "description": def.description,
        "products": def.products, "source": source, "hash": def.hash(), "steps": items,
        "definition": def,
    })
}

/// Whether a process at rest (`waiting`, `suspended` or `awaiting_callback`) is so for
/// its child processes (a `workflow` step, DESIGN §13): its reason names them.
pub fn waits_for_children(p: &ProcessRow) -> bool {
    p.failed_reason
        .as_deref()
        .is_some_and(|r| r.contains("child process"))
}

/// What to do next with a process, by its status.
/// The failure to show: the last failed or waiting step that says why (a branch's step
/// rather than its group's summary, when the branch step has its stderr); None when a
/// later attempt of that step made it good.
pub fn failed_step(steps: &[StepRow]) -> Option<&StepRow> {
    let (at, last) = steps
        .iter()
        .enumerate()
        .rev()
        .find(|(_, s)| s.status.is_retryable())?;
    if steps[at + 1..]
        .iter()
        .any(|later| later.path() == last.path() && later.is_done())
    {
        return None;
    }
    if last.output.is_some() {
        return Some(last);
    }
    Some(
        steps
            .iter()
            .rev()
            .take_while(|s| s.branch.is_some() || std::ptr::eq(*s, last))
            .find(|s| s.status.is_retryable() && s.output.is_some())
            .unwrap_or(last),
    )
}

/// How a process stopped by Ctrl-C goes on.
pub fn resume_interrupted_hint(id: &str) -> String {
    format!(
        "`orch process resume {id}` runs the stopped step again (as `orch process retry {id}` does)"
    )
}

pub fn next_hint(p: &ProcessRow) -> Option<String> {
    use crate::domain::process::ProcessStatus;
    let id = &p.process_id;
    match p.status {
        ProcessStatus::Failed if crate::engine::was_interrupted(p.failed_reason.as_deref()) => {
            Some(resume_interrupted_hint(id))
        }
        ProcessStatus::Failed => Some(format!(
            "fix the cause, then `orch process retry {id}` (or `orch process skip {id}`, `orch process abort {id}`)"
        )),
        ProcessStatus::Waiting if crate::store::rests_paused(p.failed_reason.as_deref()) => {
            Some(format!(
                "`orch engine resume` lets it go on (a worker picks it up, or `orch process retry {id}` drives it here)"
            ))
        }
        ProcessStatus::Waiting if waits_for_children(p) => Some(format!(
            "a worker goes on with it when its children come to rest; `orch process retry {id}` looks at them again (`orch process list --parent {id}`)"
        )),
        ProcessStatus::Waiting
            if p.failed_reason
                .as_deref()
                .is_some_and(crate::engine::runner::rests_for_the_next_orch) =>
        {
            Some(format!(
                "it is due now: a worker picks it up (`orch worker`), or `orch process retry {id}` runs it here"
            ))
        }
        ProcessStatus::Waiting => Some(format!(
            "`orch process retry {id}` when the transient cause is gone"
        )),
        ProcessStatus::Suspended | ProcessStatus::AwaitingCallback if waits_for_children(p) => {
            Some(format!(
                "answer its child processes (`orch process list --parent {id}`); then `orch process resume {id}` goes on (a worker does by itself)"
            ))
        }
        ProcessStatus::Suspended => Some(format!(
            "`orch process resume {id} --form` (or --input key=value)"
        )),
        ProcessStatus::AwaitingCallback => Some(format!(
            "the external system answers with `orch process callback {id} --token TOKEN`; `orch process show {id}` says until when it waits"
        )),
        ProcessStatus::Created => Some(format!(
            "a worker runs it (`orch worker`, or `orch worker --once`); `orch process abort {id}` takes it off the queue"
        )),
        ProcessStatus::Running if owner::is_stale(p) => {
            Some(format!("`orch process retry {id}` takes it over"))
        }
        _ => None,
    }
}
