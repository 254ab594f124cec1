//! Every lock with its holder's state, as `orch locks -o json` and `GET /api/v1/locks`
//! give it: a holder whose orch is gone (`holder_stale`), or at rest until someone
//! acts on it (`holder_status`), keeps its locks, and a reader needs to see which.

use std::collections::BTreeMap;

use serde_json::Value;

use super::waits::AtRest;
use crate::domain::process::ProcessStatus;
use crate::store::locks::LockRow;
use crate::store::{Store, StoreResult};

/// A lock, and what its holder is doing.
pub struct Listed {
    pub lock: LockRow,
    /// The holder's status; None when the lock is free (or its holder is gone).
    pub holder_status: Option<ProcessStatus>,
    pub holder_stale: bool,
    /// Why the holder keeps the lock until someone acts on it.
    pub holder_at_rest: Option<AtRest>,
}

/// Every lock held or queued for, each holder read once.
pub async fn listing(store: &Store) -> StoreResult<Vec<Listed>> {
    let locks = store.locks().await?;
    let mut holders = BTreeMap::new();
    for id in locks.iter().filter_map(|l| l.process_id.as_deref()) {
        if !holders.contains_key(id) {
            holders.insert(id.to_string(), store.process(id).await?);
        }
    }
    Ok(locks
        .into_iter()
        .map(|lock| {
            let holder = (lock.process_id.as_ref())
                .and_then(|id| holders.get(id))
                .and_then(Option::as_ref);
            Listed {
                holder_status: holder.map(|p| p.status),
                holder_stale: holder.is_some_and(crate::engine::owner::is_stale),
                holder_at_rest: holder.and_then(AtRest::of),
                lock,
            }
        })
        .collect())
}

impl Listed {
    /// `{"name", "process_id", "workflow", "step", "since", "holder_stale",
    /// "holder_status", "waiters": [{"process_id", "workflow", "since", "woken_at"}]}`.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(&self.lock).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("holder_stale".into(), self.holder_stale.into());
            o.insert(
                "holder_status".into(),
                serde_json::json!(self.holder_status),
            );
        }
        v
    }
}
