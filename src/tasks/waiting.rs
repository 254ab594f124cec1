//! Waiting processes (a step exited 75, a transient failure, a paused engine): which
//! there are and when each is due. Retrying them is a worker's claim
//! (`worker::claim_and_drive`), so every way a process is picked up claims alike.

use jiff::Timestamp;

use crate::domain::process::ProcessStatus;
use crate::error::Result;
use crate::store::Store;
use crate::store::processes::{self, ProcessRow};

/// Every waiting process, oldest first.
pub async fn all(store: &Store) -> Result<Vec<ProcessRow>> {
    let filter = processes::Filter {
        status: Some(ProcessStatus::Waiting),
        limit: 100_000,
        ..Default::default()
    };
    let mut rows = store.processes(&filter).await?;
    rows.reverse();
    Ok(rows)
}

/// Every waiting process that may be retried by itself, with the time it is due
/// (set when it came to rest: its retry delay, or at once after a pause).
pub async fn retry_times(store: &Store) -> Result<Vec<(ProcessRow, Timestamp)>> {
    Ok(all(store)
        .await?
        .into_iter()
        .filter_map(|p| {
            let at = p.run_after.as_deref().and_then(crate::clock::parse)?;
            Some((p, at))
        })
        .collect())
}
