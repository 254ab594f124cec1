//! `orch locks`: every lock a process holds (DESIGN §14), its holder and since when,
//! and the processes queued for it in the order they get it.

use clap::Args;

use super::Ctx;
use crate::error::Result;
use crate::ui::table;

#[derive(Debug, Args)]
#[command(
    after_help = "A lock is taken by a workflow (`locks = [...]` in its header, held \
from Start to Done) or by a step (held while the step runs). A process that finds a lock \
held queues for it and rests `waiting`; when the lock frees, the first in line is due (a \
worker or the scheduler runs it, or `orch process retry`), and nobody takes the lock \
before it. A lock belongs to its process: it outlives the orch that ran it, and is let go \
when its step ends, or when the process completes or is aborted."
)]
pub struct LocksArgs {}

pub fn run(ctx: &mut Ctx, _args: LocksArgs) -> Result<()> {
    let locks = ctx.db(async |s| s.locks().await)?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&locks);
    }
    if locks.is_empty() {
        ctx.printer.status("no lock is held or waited for");
        return Ok(());
    }
    let mut t = table::new(
        &["LOCK", "HELD BY", "WORKFLOW", "FOR", "SINCE", "WAITING"],
        ctx.printer.stdout_tty,
    );
    for l in &locks {
        let scope = match (&l.process_id, &l.step) {
            (None, _) => String::new(),
            (Some(_), Some(step)) => format!("step {step}"),
            (Some(_), None) => "the whole run".into(),
        };
        let waiting: Vec<String> = l
            .waiters
            .iter()
            .map(|w| {
                let mut s = w.process_id.clone();
                if w.woken_at.is_some() {
                    s.push_str(" (due)");
                }
                s
            })
            .collect();
        t.add_row(vec![
            l.name.clone(),
            l.process_id.clone().unwrap_or_else(|| "(free)".into()),
            l.workflow.clone().unwrap_or_default(),
            scope,
            l.since.clone().unwrap_or_default(),
            waiting.join("\n"),
        ]);
    }
    ctx.printer.out(&table::render(&t))
}
