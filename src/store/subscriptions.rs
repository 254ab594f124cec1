//! Subscriptions as stored: the row with its product's names, the filters of
//! `subscription list`, and the relations between subscriptions.

use serde_json::{Map, Value, json};

use crate::domain::lifecycle::Lifecycle;
use crate::domain::process::ProcessStatus;
use crate::domain::subscription::Flat;
use crate::domain::usability::{Facts, Holder, Neighbour};
use crate::engine::owner;

/// A subscription as stored, with what its product says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub subscription_id: String,
    pub product_id: String,
    pub product_name: String,
    pub product_tag: String,
    pub product_type: String,
    /// Where the block tree hangs in the document (`node`).
    pub root_key: String,
    pub customer_id: String,
    pub description: String,
    pub status: Lifecycle,
    pub insync: bool,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub note: Option<String>,
    /// The block tree under `root_key` (an object).
    pub tree: Value,
    pub created_at: String,
    pub updated_at: String,
}

impl Subscription {
    /// The product part of the JSON shapes (`{"name", "tag", "type"}`).
    pub fn product_json(&self) -> Value {
        json!({"name": self.product_name, "tag": self.product_tag, "type": self.product_type})
    }

    /// The document steps see as `state.subscription` and `subscription show` prints
    /// (without the relations).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("subscription_id".into(), json!(self.subscription_id));
        m.insert("product".into(), self.product_json());
        m.insert("customer_id".into(), json!(self.customer_id));
        m.insert("description".into(), json!(self.description));
        m.insert("status".into(), json!(self.status));
        m.insert("insync".into(), json!(self.insync));
        m.insert("start_date".into(), json!(self.start_date));
        m.insert("end_date".into(), json!(self.end_date));
        m.insert("note".into(), json!(self.note));
        m.insert(self.root_key.clone(), self.tree.clone());
        Value::Object(m)
    }

    /// The list shape: the document without the block tree.
    pub fn summary_json(&self) -> Value {
        let mut v = self.to_json();
        if let Some(m) = v.as_object_mut() {
            m.remove(&self.root_key);
        }
        v
    }

    /// What the `document` column holds: `{"<root key>": tree}`.
    pub fn document(&self) -> Value {
        json!({ self.root_key.clone(): self.tree })
    }
}

pub enum Find {
    One(Box<Subscription>),
    None,
    /// The first few ids that match (at most six: five to show, and whether there are more).
    Ambiguous(Vec<String>),
}

/// Filters of `subscription list`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Vec<Lifecycle>,
    /// A product name or tag.
    pub product: Option<String>,
    pub customer: Option<String>,
    /// Words that must all appear in the description or a field value.
    pub search: Option<String>,
    /// (path, value) pairs on block fields: `node.role = core`.
    pub fields: Vec<(String, String)>,
    /// Only subscriptions that are (not) in sync.
    pub insync: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

/// The columns both stores read a [`Related`] from (`s` the related subscription, `p`
/// its product, `r` the relation), in its fields' order.
pub const RELATED_COLUMNS: &str = "s.subscription_id, s.description, s.status, s.insync, p.name, r.path, EXISTS (SELECT 1 FROM processes q WHERE q.subscription_id = s.subscription_id AND q.status NOT IN ('completed', 'aborted'))";

/// A subscription on the other end of a relation.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub subscription_id: String,
    pub description: String,
    pub status: Lifecycle,
    pub insync: bool,
    pub product_name: String,
    /// The field that makes the relation (`circuit.members.node`).
    pub path: String,
    /// A process not yet finished (completed or aborted) is on it.
    pub held: bool,
}

/// A process that touched a subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    pub process_id: String,
    pub workflow: String,
    pub status: ProcessStatus,
    pub started_at: String,
}

/// A validated subscription change, ready to be written with the step that made it:
/// the new version, the stored one it replaces (None: a new subscription) and the
/// flattened tree its index rows are made of.
#[derive(Debug)]
pub struct Change {
    pub new: Subscription,
    pub old: Option<Subscription>,
    pub flat: Flat,
}

impl Subscription {
    /// The block tree under `root_key` in a stored document (`{}` when the document
    /// is not one: a list must not fail on one damaged row).
    pub fn tree_of(document: &str, root_key: &str) -> Value {
        serde_json::from_str::<Value>(document)
            .ok()
            .and_then(|mut d| d.get_mut(root_key).map(Value::take))
            .unwrap_or_else(|| json!({}))
    }
}

/// The events a saved subscription appends, kind and data, in order: `created` for a
/// new one, else what changed (`updated`, `status_changed`, `insync_changed`).
pub fn change_events(new: &Subscription, old: Option<&Subscription>) -> Vec<(&'static str, Value)> {
    let Some(old) = old else {
        return vec![(
            "subscription.created",
            json!({"product": new.product_name, "customer_id": new.customer_id, "status": new.status, "description": new.description}),
        )];
    };
    let mut events = Vec::new();
    let mut changed = Vec::new();
    if old.tree != new.tree || old.root_key != new.root_key {
        changed.push(new.root_key.clone());
    }
    for (name, differs) in [
        ("description", old.description != new.description),
        ("note", old.note != new.note),
        ("start_date", old.start_date != new.start_date),
        ("end_date", old.end_date != new.end_date),
    ] {
        if differs {
            changed.push(name.to_string());
        }
    }
    if !changed.is_empty() {
        events.push((
            "subscription.updated",
            json!({"changed": changed, "description": new.description}),
        ));
    }
    if old.status != new.status {
        events.push((
            "subscription.status_changed",
            json!({"from": old.status, "to": new.status}),
        ));
    }
    if old.insync != new.insync {
        events.push((
            "subscription.insync_changed",
            json!({"from": old.insync, "to": new.insync}),
        ));
    }
    events
}

/// Which index rows a save rewrites: the block, value and relation rows change with
/// the tree only; the search row also with the description.
pub fn reindex_needed(new: &Subscription, old: Option<&Subscription>) -> Option<bool> {
    // A tree moved to a new root key (a product's `root` changed) is indexed anew too:
    // its paths start with the key.
    let tree_changed = old.is_none_or(|o| o.tree != new.tree || o.root_key != new.root_key);
    (tree_changed || old.is_some_and(|o| o.description != new.description)).then_some(tree_changed)
}

/// A process not yet finished on a subscription, as the store reads it.
pub struct Unfinished {
    pub process_id: String,
    pub workflow: String,
    pub status: ProcessStatus,
    /// The orch that runs it (`host/pid/start`), if one does, and until when.
    pub owner: Option<String>,
    pub lease_until: Option<String>,
}

/// The facts usability depends on, from what the store read; `except` is the process
/// asking (it does not hold the subscription against itself). A holder whose row says
/// running while its orch is gone is stale, so a refusal can say to take it over.
pub fn facts(
    s: &Subscription,
    except: Option<&str>,
    unfinished: Vec<Unfinished>,
    depends_on: Vec<Related>,
    in_use_by: Vec<Related>,
) -> Facts {
    let neighbour = |r: Related| Neighbour {
        subscription_id: r.subscription_id,
        description: r.description,
        status: r.status,
        insync: r.insync,
        held: r.held,
    };
    Facts {
        tag: s.product_tag.clone(),
        status: s.status,
        insync: s.insync,
        holders: unfinished
            .into_iter()
            .filter(|u| Some(u.process_id.as_str()) != except)
            .map(|u| Holder {
                stale: owner::is_stale_row(u.status, u.owner.as_deref(), u.lease_until.as_deref()),
                process_id: u.process_id,
                workflow: u.workflow,
                status: u.status,
            })
            .collect(),
        depends_on: depends_on.into_iter().map(neighbour).collect(),
        in_use_by: in_use_by.into_iter().map(neighbour).collect(),
    }
}
