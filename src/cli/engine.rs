//! `orch engine pause | resume | status`: the switch that stops every step from
//! starting, for maintenance (DESIGN §12).

use clap::Subcommand;

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
    let state = ctx.db(async |s| crate::shapes::engine::read(s).await)?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&crate::shapes::engine::to_json(&state));
    }
    let mut line = format!("engine: {}", crate::shapes::engine::word(&state));
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
