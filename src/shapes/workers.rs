//! A worker as `orch worker list -o json` and `GET /api/v1/workers` give it: its row,
//! and how it stands (`running`, `stopping`, `dead`, `stopped`), which its row alone
//! does not say (a worker on this host is dead as soon as its pid is).

use std::time::Duration;

use serde_json::{Value, json};

use crate::engine::owner::WorkerState;
use crate::store::workers::WorkerRow;

/// How far back a worker that stopped or died is still listed.
pub const RECENT: Duration = Duration::from_secs(3600);

/// `{"worker_id", "host", "pid", "concurrency", "started_at", "heartbeat_at",
/// "lease_until", "stopped_at", "stopping_at", "grace_until", "processes", "state"}`.
pub fn to_json(w: &WorkerRow) -> Value {
    let mut v = serde_json::to_value(w).unwrap_or_default();
    v["state"] = json!(WorkerState::of(w).as_str());
    v
}
