//! Creating a process: its stored definition, its row and, for workflows that run on a
//! subscription, the usability check and the lock, all in one store operation so that
//! two orch commands racing for one subscription cannot both start.

use serde_json::Value;

use super::subscription::refusal;
use crate::domain::workflow::WorkflowDef;
use crate::error::{Error, Result};
use crate::store::processes::NewProcess;
use crate::store::{Lock, Store};

/// What a new process starts with.
pub struct NewRun<'a> {
    pub def: &'a WorkflowDef,
    /// Where the definition came from (a file, or `built-in`).
    pub source: Option<&'a str>,
    pub subscription_id: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub user: &'a str,
    /// The initial state (the form's answers, without secrets).
    pub state: &'a Value,
    /// The orch that will drive it now; None when another will (`--detach`, `--queue`).
    pub owner: Option<&'a str>,
    /// How long that orch's lease lasts before it must be renewed.
    pub lease: std::time::Duration,
    /// The parent process and the path of its `workflow` step, for a child process.
    pub parent: Option<(&'a str, &'a str)>,
}

/// Creates the process and returns its id; exit 7 when its subscription is not usable.
pub async fn create(store: &Store, run: &NewRun<'_>) -> Result<String> {
    let id = crate::clock::new_id();
    let new = NewProcess {
        process_id: &id,
        def: run.def,
        source: run.source,
        subscription_id: run.subscription_id,
        customer_id: run.customer_id,
        created_by: run.user,
        state: run.state,
        owner: run.owner,
        lease: run.lease,
        parent: run.parent,
    };
    let lock = run.subscription_id.map(|_| run.def);
    match store.create_process(&new, lock).await? {
        Lock::Taken => Ok(id),
        Lock::Paused => Err(paused()),
        Lock::Missing => Err(Error::not_found(format!(
            "subscription {} is gone",
            run.subscription_id.unwrap_or_default()
        ))),
        Lock::Refused(r) => {
            let sid = run.subscription_id.unwrap_or_default();
            let s = store.subscription(sid).await?;
            Err(match s {
                Some(s) => refusal(run.def, &s, r),
                None => Error::conflict(r.reason),
            })
        }
    }
}

/// The refusal of a command that would start a step while the engine is paused.
pub fn paused() -> Error {
    Error::conflict("the engine is paused: no step starts until it runs again")
        .with_hint("`orch engine resume` lets work continue; `--queue` queues the process for the workers meanwhile")
}
