//! Creating a process: its stored definition, its row and, for workflows that run on a
//! subscription, the usability check and the lock, all in one store operation so that
//! two orch commands racing for one subscription cannot both start.

use serde_json::Value;

use super::subscription::refusal;
use crate::domain::workflow::WorkflowDef;
use crate::error::{Error, Result};
use crate::forms::{Choice, FieldSpec, FormPage, FormType};
use crate::store::processes::NewProcess;
use crate::store::products::StoredProduct;
use crate::store::{Lock, Store};

/// What a new process starts with.
pub struct NewRun<'a> {
    pub def: &'a WorkflowDef,
    /// Where the definition came from (a file, or `built-in`).
    pub source: Option<&'a str>,
    pub subscription_id: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub user: &'a str,
    /// The initial state (the form's answers, without secrets).
    pub state: &'a Value,
    /// The orch that will drive it now; None when another will (`--detach`, `--queue`).
    pub owner: Option<&'a str>,
    /// How long that orch's lease lasts before it must be renewed.
    pub lease: std::time::Duration,
    /// The parent process and the path of its `workflow` step, for a child process.
    pub parent: Option<(&'a str, &'a str)>,
}

/// Creates the process and returns its id; exit 7 when its subscription is not usable.
pub async fn create(store: &Store, run: &NewRun<'_>) -> Result<String> {
    let id = crate::clock::new_id();
    let new = NewProcess {
        process_id: &id,
        def: run.def,
        source: run.source,
        subscription_id: run.subscription_id,
        customer_id: run.customer_id,
        created_by: run.user,
        state: run.state,
        owner: run.owner,
        lease: run.lease,
        parent: run.parent,
    };
    let lock = run.subscription_id.map(|_| run.def);
    match store.create_process(&new, lock).await? {
        Lock::Taken => Ok(id),
        Lock::Paused => Err(paused()),
        Lock::Missing => Err(Error::not_found(format!(
            "subscription {} is gone",
            run.subscription_id.unwrap_or_default()
        ))),
        Lock::Refused(r) => {
            let sid = run.subscription_id.unwrap_or_default();
            let s = store.subscription(sid).await?;
            Err(match s {
                Some(s) => refusal(run.def, &s, r),
                None => Error::conflict(r.reason),
            })
        }
    }
}

/// The refusal of a command that would start a process while the engine is paused
/// (`workflow run`, `task run`, which both take `--queue`).
pub fn paused() -> Error {
    paused_with(
        "`orch engine resume` lets work continue; meanwhile the same command with `--queue` queues the process for the workers",
    )
}

/// The refusal of a command that would take process `id` on and start a step while
/// the engine is paused; `done` is what it would do (as in "it cannot be `retried`"),
/// which says whether the command has a `--queue` to offer instead.
pub fn paused_for(done: &str, id: &str) -> Error {
    let resume = "`orch engine resume` lets work continue";
    paused_with(match done {
        "retried" => format!(
            "{resume}; meanwhile `orch process retry {id} --queue` hands the process to the workers"
        ),
        "resumed" => format!(
            "{resume}; meanwhile `orch process resume {id} --queue` (with its answers) hands the process to the workers"
        ),
        _ => format!("{resume}, then run this command again"),
    })
}

fn paused_with(hint: impl Into<String>) -> Error {
    Error::conflict("the engine is paused: no step starts until it runs again").with_hint(hint)
}

/// The products a create workflow can make a subscription of now: those with its tags
/// whose status takes new subscriptions. The inner error says why there is none: no
/// product has the tags (not found), or each one that has them is being phased out or
/// at its end of life (a conflict).
pub async fn products_on_offer(
    store: &Store,
    def: &WorkflowDef,
) -> Result<Result<Vec<StoredProduct>, Error>> {
    let found = store.products_by_tags(&def.products).await?;
    let tags = def.products.join(" or ");
    if found.is_empty() {
        return Ok(Err(Error::not_found(format!(
            "`{}` creates {tags} subscriptions, and no product with {} is loaded",
            def.name,
            if def.products.len() == 1 { "that tag" } else { "those tags" }
        ))
        .with_hint("`orch product load` loads the product files; `orch workflow check` names the tags no product file has")));
    }
    let (open, closed): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|p| p.def.status.takes_new_subscriptions());
    if !open.is_empty() {
        return Ok(Ok(open));
    }
    let names: Vec<String> = closed
        .iter()
        .map(|p| format!("`{}` ({})", p.def.name, p.def.status))
        .collect();
    Ok(Err(Error::conflict(format!(
        "`{}` creates {tags} subscriptions, and {} no new ones: {}",
        def.name,
        if closed.len() == 1 {
            "the product with that tag takes"
        } else {
            "no product with those tags takes"
        },
        names.join(", ")
    ))
    .with_hint(crate::domain::lifecycle::REOPEN_HINT)))
}

/// The page a create workflow for several products asks first (which product); None
/// when only one of them takes new subscriptions.
pub async fn product_page(store: &Store, def: &WorkflowDef) -> Result<Option<FormPage>> {
    let found = products_on_offer(store, def).await??;
    if found.len() < 2 {
        return Ok(None);
    }
    let mut field = FieldSpec::new("product", FormType::Choice);
    field.label = Some("Product".into());
    field.choices = Some(
        found
            .iter()
            .map(|p| Choice::new(p.def.name.clone(), Some(p.def.description.clone())))
            .collect(),
    );
    Ok(Some(FormPage {
        title: "Product".into(),
        description: None,
        fields: vec![field],
    }))
}

/// What form expressions see as `state` when the initial form is asked: the
/// subscription a workflow runs on, if any.
pub fn form_state(subscription: Option<&crate::store::subscriptions::Subscription>) -> Value {
    match subscription {
        Some(s) => serde_json::json!({ "subscription": s.to_json() }),
        None => serde_json::json!({}),
    }
}

/// The initial state of a new process: the form's answers (secrets already taken out),
/// without those left empty.
pub fn initial_state(answers: serde_json::Map<String, Value>) -> Value {
    let mut state = Value::Object(answers);
    if let Some(obj) = state.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
    }
    state
}

/// Refuses a customer given as nothing (`--customer ""`): a subscription always
/// belongs to someone, and leaving the option out gives the default.
pub fn check_customer(asked: Option<&str>) -> Result<(), Error> {
    match asked {
        Some(c) if c.trim().is_empty() => Err(Error::usage("the customer is empty")
            .with_hint("give the customer's id, or leave it out for orch.toml's `default_customer` (else `default`)")),
        // Shown in tables and pages, and `subscription list --customer acme` would
        // never find `acme ` again.
        Some(c) => crate::ui::check_plain("the customer", c, "the customer's id", ""),
        None => Ok(()),
    }
}

/// The customer of a new subscription: the one asked for, else orch.toml's
/// `default_customer`, else `default`; None for workflows that create nothing.
pub fn customer(
    def: &WorkflowDef,
    asked: Option<&str>,
    default: Option<&str>,
    on: Option<&crate::store::subscriptions::Subscription>,
) -> Option<String> {
    if def.target == crate::domain::workflow::Target::Create {
        return Some(asked.or(default).unwrap_or("default").to_string());
    }
    // A process on a subscription is for that subscription's customer; a task is for none.
    on.map(|s| s.customer_id.clone())
}
