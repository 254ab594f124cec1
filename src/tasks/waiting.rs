//! Waiting processes (a step exited 75, a transient failure): which are due for another
//! try, and retrying one the way `process retry` does: claimed first, so a process is
//! never run by two orchs at once, then driven with the definition it started with.

use jiff::Timestamp;

use super::TaskEnv;
use crate::domain::process::ProcessStatus;
use crate::engine::owner::{self, Claim};
use crate::engine::runner::{Engine, Final};
use crate::error::{Error, Result};
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

/// Claims a waiting process and drives it with its stored definition; `None` when
/// another orch took it first or it is no longer waiting.
pub async fn retry(engine: &mut Engine<'_>, env: &TaskEnv<'_>, id: &str) -> Result<Option<Final>> {
    let p = match owner::claim(engine.store, id, &[ProcessStatus::Waiting], engine.lease).await? {
        Claim::Claimed(p) => p,
        Claim::Owned(_) | Claim::Refused(_) | Claim::Paused | Claim::Missing => return Ok(None),
    };
    let def = engine
        .store
        .definition(&p.definition_hash)
        .await?
        .ok_or_else(|| Error::internal(format!("the definition of process {id} is missing")))?;
    // Nobody can be asked here: secrets come from the environment, if at all.
    let log = engine.store.steps(id).await?;
    engine.secrets = crate::engine::secrets::from_env(&crate::engine::secrets::needed(&def, &log));
    super::drive(engine, env, id, &def, Default::default())
        .await
        .map(Some)
}
