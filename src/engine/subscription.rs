//! The engine's side of subscriptions: creating one, locking it for a process, and
//! turning `state.subscription` after a step into a validated change to store.
//!
//! A step changes a subscription by changing `state.subscription` (a JSON Merge Patch
//! on stdout, or a builtin). After the step, [`prepare`] compares the document with the
//! stored row, validates it against the product for its lifecycle state, and returns
//! what to write; the runner writes it in the step's transaction. An invalid document
//! fails the step with every field path at fault, and nothing of it is stored.

use serde_json::{Value, json};

use crate::domain::lifecycle::Lifecycle;
use crate::domain::product::ProductDef;
use crate::domain::subscription::{self, Flat, Problem};
use crate::domain::usability::{self, Refusal};
use crate::domain::workflow::WorkflowDef;
use crate::error::Error;
use crate::store::subscriptions::{Change, Subscription};
use crate::store::{RefMap, Store, candidate_refs};

/// Who may change which keys of `state.subscription`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// A user's step: the block tree, description, note and lifecycle status.
    Step,
    /// A step the target adds: also insync and the dates.
    Orch,
}

/// Keys of the document that only orch sets.
const MANAGED: [&str; 6] = [
    "subscription_id",
    "product",
    "customer_id",
    "insync",
    "start_date",
    "end_date",
];

/// The product of a stored subscription; its absence fails the step.
async fn product_of(store: &Store, s: &Subscription) -> Result<Result<ProductDef, String>, Error> {
    Ok(store
        .product_by_id(&s.product_id)
        .await?
        .map(|p| p.def)
        .ok_or_else(|| format!("the product of subscription {} is gone", s.subscription_id)))
}

/// The references a document makes, looked up before validation (which does no I/O).
async fn references(store: &Store, doc: &Value) -> Result<RefMap, Error> {
    Ok(RefMap(store.ref_infos(&candidate_refs(doc)).await?))
}

/// The problems an invalid subscription's reason lists (`problems_text`'s lines), as
/// an API error's `fields`: each with its path in the state.
pub fn problem_fields(reason: &str) -> Vec<crate::error::FieldError> {
    let Some(list) = reason.strip_prefix(INVALID) else {
        return Vec::new();
    };
    list.lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_once(": "))
        .map(|(field, why)| crate::error::FieldError {
            field: field.to_string(),
            field_type: "subscription".to_string(),
            reason: why.to_string(),
        })
        .collect()
}

const INVALID: &str = "the subscription is invalid:";

fn problems_text(problems: &[Problem]) -> String {
    let mut out = String::from(INVALID);
    for p in problems {
        out.push_str(&format!("\n  subscription.{p}"));
    }
    out
}

/// Checks `doc` (the new `state.subscription`) against the stored subscription and its
/// product. `Ok(Ok(None))`: nothing to store; `Ok(Err(why))`: the step fails.
/// `in_use_ok`: it may be terminated while live subscriptions use it (a workflow with
/// `blocked_by_in_use = false`).
pub async fn prepare(
    store: &Store,
    subscription_id: &str,
    doc: &Value,
    author: Author,
    in_use_ok: bool,
) -> Result<Result<Option<Change>, String>, Error> {
    let Some(stored) = store.subscription(subscription_id).await? else {
        return Ok(Err(format!(
            "subscription {subscription_id} does not exist"
        )));
    };
    let product = match product_of(store, &stored).await? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let new = match apply(&stored, doc, author) {
        Ok(n) => with_dates(n, &stored),
        Err(e) => return Ok(Err(e)),
    };
    if new == stored {
        return Ok(Ok(None));
    }
    let mut problems = Vec::new();
    if stored.status == Lifecycle::Terminated && new.status != Lifecycle::Terminated {
        problems.push(Problem {
            path: "status".into(),
            reason: "a terminated subscription stays terminated".into(),
        });
    }
    if new.status == Lifecycle::Terminated && stored.status != Lifecycle::Terminated && !in_use_ok {
        let related = store.in_use_by(subscription_id).await?;
        let users = crate::domain::usability::named_once(
            related
                .iter()
                .filter(|r| r.status.is_live())
                .map(|r| (r.subscription_id.as_str(), r.description.as_str())),
        );
        if !users.is_empty() {
            problems.push(Problem {
                path: "status".into(),
                reason: format!(
                    "cannot terminate while in use by {}; terminate those first",
                    users.join(", ")
                ),
            });
        }
    }
    let refs = references(store, &new.tree).await?;
    let held = if refs.0.is_empty() {
        std::collections::HashSet::new()
    } else {
        store
            .depends_on(subscription_id)
            .await?
            .into_iter()
            .map(|r| (r.path, r.subscription_id))
            .collect()
    };
    let refs = Held { refs, held };
    let flat = validate(&refs, &product, &new, &mut problems);
    if !problems.is_empty() {
        return Ok(Err(problems_text(&problems)));
    }
    Ok(Ok(Some(Change {
        new,
        old: Some(stored),
        flat,
    })))
}

/// The references a document makes, and those its stored subscription held already
/// (path, id).
struct Held {
    refs: RefMap,
    held: std::collections::HashSet<(String, String)>,
}

impl subscription::References for Held {
    fn lookup(&self, id: &str) -> Option<subscription::RefInfo> {
        self.refs.lookup(id)
    }

    fn was_held(&self, path: &str, id: &str) -> bool {
        self.held.contains(&(path.to_string(), id.to_string()))
    }
}

fn validate(
    refs: &dyn subscription::References,
    product: &ProductDef,
    s: &Subscription,
    problems: &mut Vec<Problem>,
) -> Flat {
    match subscription::validate(product, &s.document(), s.status, refs) {
        Ok(flat) => {
            if flat
                .relations
                .iter()
                .any(|(_, id)| id == &s.subscription_id)
            {
                problems.push(Problem {
                    path: s.root_key.clone(),
                    reason: "a subscription cannot depend on itself".into(),
                });
            }
            flat
        }
        Err(p) => {
            problems.extend(p);
            Flat::default()
        }
    }
}

/// The stored subscription with the document's changes, or why they are not allowed.
fn apply(stored: &Subscription, doc: &Value, author: Author) -> Result<Subscription, String> {
    let Some(obj) = doc.as_object() else {
        return Err("state.subscription must be an object (the subscription document)".into());
    };
    let current = stored.to_json();
    let mut problems = Vec::new();
    let mut bad = |path: &str, reason: String| {
        problems.push(Problem {
            path: path.into(),
            reason,
        })
    };
    let known = |k: &str| current.get(k).is_some() || k == stored.root_key;
    for key in obj.keys() {
        if !known(key) {
            bad(
                key,
                format!(
                    "not a key of a subscription (its keys: {}, description, status, note and {})",
                    MANAGED.join(", "),
                    stored.root_key
                ),
            );
        }
    }
    let mut new = stored.clone();
    for key in MANAGED {
        let (Some(given), Some(now)) = (obj.get(key), current.get(key)) else {
            continue;
        };
        if given == now {
            continue;
        }
        match (author, key) {
            (Author::Orch, "insync") => new.insync = given.as_bool().unwrap_or(new.insync),
            _ => bad(key, "set by orch; a step cannot change it".into()),
        }
    }
    // `doc` is the whole document merged with the step's patches, so a key it lacks
    // was deleted by a patch's `null` (RFC 7396): the step cleared it.
    // Text columns, on PostgreSQL too, which cannot keep a NUL: refused on both
    // stores alike rather than kept on one and changed on the other.
    let nul =
        "holds a NUL character (\\u0000), which a subscription's text cannot keep; leave it out";
    match obj.get("description") {
        None => new.description = String::new(),
        Some(Value::String(d)) if d.contains('\0') => bad("description", nul.into()),
        Some(Value::String(d)) => new.description = d.clone(),
        Some(other) => bad("description", format!("expected a string, got {other}")),
    }
    match obj.get("note") {
        None | Some(Value::Null) => new.note = None,
        Some(Value::String(n)) if n.contains('\0') => bad("note", nul.into()),
        Some(Value::String(n)) => new.note = Some(n.clone()),
        Some(other) => bad("note", format!("expected a string or null, got {other}")),
    }
    match obj.get("status") {
        None => {}
        Some(Value::String(s)) => match s.parse::<Lifecycle>() {
            Ok(l) => new.status = l,
            Err(e) => bad("status", e),
        },
        Some(other) => bad(
            "status",
            format!("expected a lifecycle state (a string), got {other}"),
        ),
    }
    match obj.get(&stored.root_key) {
        None | Some(Value::Null) => new.tree = json!({}),
        Some(v) => new.tree = v.clone(),
    }
    if problems.is_empty() {
        Ok(new)
    } else {
        Err(problems_text(&problems))
    }
}

/// Start date on becoming active, end date on termination.
fn with_dates(mut new: Subscription, stored: &Subscription) -> Subscription {
    if new.status != stored.status {
        let today = crate::clock::now_text();
        if new.status == Lifecycle::Active && new.start_date.is_none() {
            new.start_date = Some(today.clone());
        }
        if new.status == Lifecycle::Terminated && new.end_date.is_none() {
            new.end_date = Some(today);
        }
    }
    new
}

/// A new subscription of `product` (status initial, out of sync while its create
/// workflow runs), checked for the types of the fields the form already filled in.
pub async fn create(
    store: &Store,
    subscription_id: &str,
    product_name: &str,
    customer_id: &str,
) -> Result<Result<Change, String>, Error> {
    let Some(stored) = store.product_by_name(product_name).await? else {
        return Ok(Err(format!(
            "no product named `{product_name}`; load it with `orch product load`"
        )));
    };
    let def = &stored.def;
    if !def.status.takes_new_subscriptions() {
        // The form offered it before its status changed (a queued process, a retry).
        return Ok(Err(format!(
            "product `{product_name}` is `{}` and takes no new subscriptions; {}, then retry",
            def.status,
            crate::domain::lifecycle::REOPEN_HINT
        )));
    }
    let now = crate::clock::now_text();
    let new = Subscription {
        subscription_id: subscription_id.to_string(),
        product_id: stored.product_id.clone(),
        product_name: def.name.clone(),
        product_tag: def.tag.clone(),
        product_type: def.product_type.clone(),
        root_key: def.root.key.clone(),
        customer_id: customer_id.to_string(),
        description: format!(
            "Initial subscription of {}",
            if def.description.is_empty() {
                &def.name
            } else {
                &def.description
            }
        ),
        status: Lifecycle::Initial,
        insync: false,
        start_date: None,
        end_date: None,
        note: None,
        tree: json!({}),
        created_at: now.clone(),
        updated_at: now,
    };
    let refs = references(store, &new.tree).await?;
    Ok(subscription::validate_shape(def, &new.document(), &refs)
        .map(|flat| Change {
            new,
            old: None,
            flat,
        })
        .map_err(|p| problems_text(&p)))
}

/// Whether `def` may run on `s` now; `except` is the process asking.
pub async fn usable(
    store: &Store,
    def: &WorkflowDef,
    s: &Subscription,
    except: Option<&str>,
) -> Result<(), Error> {
    let facts = store.usability_facts(s, except).await?;
    usability::check(def, &facts).map_err(|r| refusal(def, s, r))
}

pub fn refusal(def: &WorkflowDef, s: &Subscription, r: Refusal) -> Error {
    let e = Error::conflict(format!(
        "`{}` cannot run on subscription {}: {}",
        def.name, s.subscription_id, r.reason
    ));
    match r.hint {
        // The rules speak of "ID"; here the subscription is known.
        Some(h) => e.with_hint(h.replace(
            "subscription workflows ID",
            &format!("subscription workflows {}", s.subscription_id),
        )),
        None => e,
    }
}
