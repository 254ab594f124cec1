//! Waiting processes (a step exited 75, a transient failure): which are due for another
//! try, and retrying one the way `process retry` does: claimed first, so a process is
//! never run by two orchs at once, then driven with the definition it started with.

use std::time::Duration;

use jiff::Timestamp;

use super::TaskEnv;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::engine::owner::{self, Claim};
use crate::engine::runner::{Engine, Final};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::processes::{self, ProcessRow};

/// The first retry comes a minute after a process starts waiting; each further wait
/// doubles the delay, up to an hour.
pub fn backoff(waits: usize) -> Duration {
    let doublings = waits.saturating_sub(1).min(6) as u32;
    Duration::from_secs(60 * 2u64.pow(doublings)).min(Duration::from_secs(3600))
}

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

/// Every waiting process with the time its backoff ends.
pub async fn retry_times(store: &Store) -> Result<Vec<(ProcessRow, Timestamp)>> {
    let mut out = Vec::new();
    for p in all(store).await? {
        let waits = store
            .steps(&p.process_id)
            .await?
            .iter()
            .filter(|s| s.status == StepStatus::Waiting)
            .count();
        let since = crate::clock::parse(&p.last_modified_at).unwrap_or_else(crate::clock::now);
        let at = since.checked_add(backoff(waits)).unwrap_or(since);
        out.push((p, at));
    }
    Ok(out)
}

/// Claims a waiting process and drives it with its stored definition; `None` when
/// another orch took it first or it is no longer waiting.
pub async fn retry(engine: &mut Engine<'_>, env: &TaskEnv<'_>, id: &str) -> Result<Option<Final>> {
    let p = match owner::claim(engine.store, id, &[ProcessStatus::Waiting]).await? {
        Claim::Claimed(p) => p,
        Claim::Owned(_) | Claim::Refused(_) | Claim::Missing => return Ok(None),
    };
    let def = engine
        .store
        .definition(&p.definition_hash)
        .await?
        .ok_or_else(|| Error::internal(format!("the definition of process {id} is missing")))?;
    // Nobody can be asked here: secrets come from the environment, if at all.
    let log = engine.store.steps(id).await?;
    engine.secrets = crate::engine::secrets::from_env(&crate::engine::secrets::needed(&def, &log));
    super::drive(engine, env, id, &def, None).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(2), Duration::from_secs(120));
        assert_eq!(backoff(4), Duration::from_secs(480));
        assert_eq!(backoff(50), Duration::from_secs(3600));
    }
}
