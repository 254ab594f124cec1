//! Creating a process: its stored definition, its row and, for workflows that run on a
//! subscription, the usability check and the lock, all in one transaction so that two
//! orch commands racing for one subscription cannot both start.

use rusqlite::Connection;
use serde_json::Value;

use super::subscription as engine_subscription;
use crate::domain::workflow::WorkflowDef;
use crate::error::{Error, Result};
use crate::store::{self, processes, subscriptions};

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
    /// The orch that will drive it now; None when another will (`--detach`).
    pub owner: Option<&'a str>,
}

/// Creates the process and returns its id; exit 7 when its subscription is not usable.
pub fn create(conn: &mut Connection, run: &NewRun<'_>) -> Result<String> {
    let id = crate::clock::new_id();
    let tx = store::write_tx(conn)?;
    let hash = processes::save_definition(&tx, run.def, run.source)?;
    processes::insert(
        &tx,
        &processes::NewProcess {
            process_id: &id,
            def: run.def,
            definition_hash: &hash,
            subscription_id: run.subscription_id,
            customer_id: run.customer_id,
            created_by: run.user,
            state: run.state,
            owner: run.owner,
        },
    )?;
    if let Some(sid) = run.subscription_id {
        // Read inside the transaction: another orch may have locked it since it was checked.
        let now = subscriptions::get(&tx, sid)?
            .ok_or_else(|| Error::not_found(format!("subscription {sid} is gone")))?;
        engine_subscription::lock(&tx, run.def, &now, &id)?;
    }
    tx.commit()?;
    Ok(id)
}
