//! The engine switch as `orch engine status -o json` and `/api/v1/engine` give it:
//! `running`, `pausing` (steps still running) or `paused`, with since when and by whom.
//! While it pauses, the steps still running are counted from each running process's
//! log, a branch in flight of a group each, as a reader waiting for them counts them.

use serde_json::{Value, json};

use crate::domain::process::ProcessStatus;
use crate::store::workers::EngineState;
use crate::store::{Store, StoreResult};

/// The engine's state, its `running` the steps still running while it pauses.
pub async fn read(store: &Store) -> StoreResult<EngineState> {
    let mut state = store.engine_state().await?;
    if state.paused_at.is_some() && state.running > 0 {
        state.running = steps_running(store).await?;
    }
    Ok(state)
}

/// `running`, `pausing` or `paused`.
pub fn status(state: &EngineState) -> &'static str {
    match (&state.paused_at, state.running) {
        (None, _) => "running",
        (Some(_), 0) => "paused",
        (Some(_), _) => "pausing",
    }
}

/// `running`, `paused`, or `pausing (2 steps still running)`.
pub fn word(state: &EngineState) -> String {
    match status(state) {
        "pausing" => format!(
            "pausing ({} still running)",
            crate::ui::count(state.running, "step", "steps")
        ),
        other => other.to_string(),
    }
}

/// `{"status", "running", "paused_at", "paused_by"}`.
pub fn to_json(state: &EngineState) -> Value {
    json!({
        "status": status(state), "running": state.running,
        "paused_at": state.paused_at, "paused_by": state.paused_by,
    })
}

/// The steps still running while the engine pauses: one a running process, or, in a
/// group, one a branch in flight (from each process's log; asked rarely, so read then).
async fn steps_running(store: &Store) -> StoreResult<i64> {
    let filter = crate::store::processes::Filter {
        status: vec![ProcessStatus::Running],
        limit: 10_000,
        ..Default::default()
    };
    let running = store.processes(&filter).await?;
    // Those the store counts: held, their lease not run out (as far as anyone can
    // tell, a process whose orch died runs on until then).
    let now = crate::clock::now_text();
    let held = |p: &&crate::store::processes::ProcessRow| {
        p.owner.is_some() && p.lease_until.as_deref().is_some_and(|l| l >= now.as_str())
    };
    let mut steps = 0;
    for p in running.iter().filter(held) {
        // The listed row has no state, which a `foreach` needs to know its branches.
        let Some(p) = store.process(&p.process_id).await? else {
            continue; // gone meanwhile
        };
        let def = store.definition_of(&p).await?;
        let log = store.steps(&p.process_id).await?;
        steps += crate::engine::scope::steps_in_flight(&def, &p.state, &log);
    }
    Ok(i64::try_from(steps).unwrap_or(i64::MAX))
}
