//! `orch locks`: every lock a process holds (DESIGN §14), its holder and since when,
//! and the processes queued for it in the order they get it.

use clap::Args;

use super::Ctx;
use crate::domain::process::ProcessStatus;
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
    let locks = ctx.db(async |s| crate::shapes::locks::listing(s).await)?;
    if ctx.printer.is_json() {
        let rows: Vec<serde_json::Value> = locks.iter().map(|l| l.to_json()).collect();
        return ctx.printer.json(&rows);
    }
    if locks.is_empty() {
        ctx.printer.nothing("no lock is held or waited for", None);
        return Ok(());
    }
    let mut t = table::new(
        &["LOCK", "HELD BY", "WORKFLOW", "FOR", "SINCE", "WAITING"],
        ctx.printer.stdout_tty,
    );
    for listed in &locks {
        let l = &listed.lock;
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
        // A holder whose orch died keeps its locks until its process is taken over
        // (retried, or by a worker once its lease has run out); one at rest until
        // someone acts on it: both said, as `process list` says them.
        let holder = match (&l.process_id, listed.holder_status) {
            (Some(id), _) if listed.holder_stale => format!("{id} (stale: its orch is gone)"),
            (Some(id), Some(s)) if s != ProcessStatus::Running => {
                format!("{id} ({})", s.in_words())
            }
            (Some(id), _) => id.clone(),
            (None, _) => "(free)".into(),
        };
        t.add_row(vec![
            l.name.clone(),
            holder,
            l.workflow.clone().unwrap_or_default(),
            scope,
            l.since.clone().unwrap_or_default(),
            waiting.join("\n"),
        ]);
    }
    ctx.printer.out(&table::render(&t))?;
    // Those others queue for, and that free only when someone acts: said how.
    for listed in locks.iter().filter(|l| !l.lock.waiters.is_empty()) {
        if let (Some(id), Some(why)) = (&listed.lock.process_id, listed.holder_at_rest) {
            ctx.printer
                .hint(&format!("lock `{}`: {}", listed.lock.name, why.hint(id)));
        }
    }
    Ok(())
}
