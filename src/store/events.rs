//! Events (DESIGN §8) and the named consumers reading them.

use serde::Serialize;
use serde_json::Value;

/// One recorded change (DESIGN §8).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub process_id: Option<String>,
    pub subscription_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    pub data: Value,
}

/// What a new event concerns.
#[derive(Debug, Default, Clone, Copy)]
pub struct Concerns<'a> {
    pub process_id: Option<&'a str>,
    pub subscription_id: Option<&'a str>,
    pub product_id: Option<&'a str>,
}

/// Filters of `orch events`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub since: i64,
    /// Only events up to this seq (the end of a snapshot being drained).
    pub until: Option<i64>,
    /// SQL GLOB patterns (`process.*`).
    pub kinds: Vec<String>,
    pub process_id: Option<String>,
    pub subscription_id: Option<String>,
    pub limit: Option<i64>,
}

/// A named consumer and how far it has read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Consumer {
    pub name: String,
    /// The seq of the last event it handled.
    pub position: i64,
    pub updated_at: String,
}
