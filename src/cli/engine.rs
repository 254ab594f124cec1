//! `orch engine pause | resume | status`: the switch that stops every step from
//! starting, for maintenance (DESIGN §12).

use clap::Subcommand;
use serde_json::json;

use super::Ctx;
use crate::error::Result;

#[derive(Debug, Subcommand)]
pub enum EngineCommand {
    /// Stop every new step: running steps finish and commit, their processes wait
    Pause,
    /// Let work continue: workers pick the paused processes up again
    Resume,
    /// Say whether the engine runs, is pausing (steps still running) or is paused
    Status,
}

pub fn run(ctx: &mut Ctx, cmd: EngineCommand) -> Result<()> {
    match cmd {
        EngineCommand::Pause => {
            let user = ctx.user().to_string();
            let changed = ctx.db(async |s| s.set_paused(Some(&user)).await)?;
            if !changed {
                ctx.printer.status("the engine was paused already");
            }
            status(ctx)
        }
        EngineCommand::Resume => {
            let changed = ctx.db(async |s| s.set_paused(None).await)?;
            if !changed {
                ctx.printer.status("the engine was running already");
            }
            status(ctx)
        }
        EngineCommand::Status => status(ctx),
    }
}

fn status(ctx: &mut Ctx) -> Result<()> {
    let mut state = ctx.db(async |s| s.engine_state().await)?;
    if state.paused_at.is_some() && state.running > 0 {
        state.running = steps_running(ctx)?;
    }
    let word = match (&state.paused_at, state.running) {
        (None, _) => "running".to_string(),
        (Some(_), 0) => "paused".to_string(),
        (Some(_), 1) => "pausing (1 step still running)".to_string(),
        (Some(_), n) => format!("pausing ({n} steps still running)"),
    };
    if ctx.printer.is_json() {
        let status = if state.paused_at.is_none() {
            "running"
        } else if state.running == 0 {
            "paused"
        } else {
            "pausing"
        };
        return ctx.printer.json(&json!({
            "status": status, "running": state.running,
            "paused_at": state.paused_at, "paused_by": state.paused_by,
        }));
    }
    let mut line = format!("engine: {word}");
    // One pair of parentheses a line: `paused (at … by …)`, `pausing (2 steps still
    // running), paused at … by …`.
    if let (Some(at), by) = (&state.paused_at, &state.paused_by) {
        let by = by
            .as_deref()
            .map(|b| format!(" by {b}"))
            .unwrap_or_default();
        line.push_str(&match state.running {
            0 => format!(" (at {at}{by})"),
            _ => format!(", paused at {at}{by}"),
        });
    }
    ctx.printer.out(&format!("{line}\n"))
}

/// The steps still running while the engine pauses: one a running process, or, in a
/// group, one a branch in flight (from each process's log; asked rarely, so read then).
fn steps_running(ctx: &mut Ctx) -> Result<i64> {
    let filter = crate::store::processes::Filter {
        status: vec![crate::domain::process::ProcessStatus::Running],
        limit: 10_000,
        ..Default::default()
    };
    let running = ctx.db(async |s| s.processes(&filter).await)?;
    let mut steps = 0;
    // Those the store counts: held, their lease not run out (as far as anyone can
    // tell, a process whose orch died runs on until then).
    let now = crate::clock::now_text();
    let held = |p: &&crate::store::processes::ProcessRow| {
        p.owner.is_some() && p.lease_until.as_deref().is_some_and(|l| l >= now.as_str())
    };
    for p in running.iter().filter(held) {
        // The listed row has no state, which a `foreach` needs to know its branches.
        let Some(p) = ctx.db(async |s| s.process(&p.process_id).await)? else {
            continue; // gone meanwhile
        };
        let def = ctx.stored_definition(&p)?;
        let log = ctx.steps(&p.process_id)?;
        steps += crate::engine::scope::steps_in_flight(&def, &p.state, &log);
    }
    Ok(steps as i64)
}
