//! Waiting processes (a step exited 75, a transient failure, a paused engine, a lock
//! that freed for them) and processes awaiting a callback that has a deadline: which
//! there are and when each is due. Retrying them is a worker's claim
//! (`worker::claim_and_drive`), so every way a process is picked up claims alike; a
//! callback step past its deadline fails when its process is driven.

use jiff::Timestamp;

use crate::domain::process::ProcessStatus;
use crate::error::Result;
use crate::store::Store;
use crate::store::processes::{self, ProcessRow};

/// Every process in `status`, oldest first.
async fn in_status(store: &Store, status: ProcessStatus) -> Result<Vec<ProcessRow>> {
    let filter = processes::Filter {
        status: vec![status],
        limit: 100_000,
        ..Default::default()
    };
    let mut rows = store.processes(&filter).await?;
    rows.reverse();
    Ok(rows)
}

/// Every waiting process, oldest first.
pub async fn all(store: &Store) -> Result<Vec<ProcessRow>> {
    in_status(store, ProcessStatus::Waiting).await
}

/// Every waiting process that may be retried by itself, with the time it is due
/// (set when it came to rest: its retry delay, at once after a pause or when its lock
/// freed for it), and every process awaiting a callback with a deadline, due then.
pub async fn retry_times(store: &Store) -> Result<Vec<(ProcessRow, Timestamp)>> {
    let awaiting = in_status(store, ProcessStatus::AwaitingCallback).await?;
    Ok(all(store)
        .await?
        .into_iter()
        .chain(awaiting)
        .filter_map(|p| {
            let at = p.run_after.as_deref().and_then(crate::clock::parse)?;
            Some((p, at))
        })
        .collect())
}
