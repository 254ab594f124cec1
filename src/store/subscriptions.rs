//! Subscriptions as stored: the row with its product's names, the filters of
//! `subscription list`, and the relations between subscriptions.

use serde_json::{Map, Value, json};

use crate::domain::lifecycle::Lifecycle;
use crate::domain::process::ProcessStatus;
use crate::domain::subscription::Flat;

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
