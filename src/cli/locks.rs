//! `orch locks`: every lock a process holds (DESIGN §14), its holder and since when,
//! and the processes queued for it in the order they get it.

use clap::Args;

use super::Ctx;
use crate::domain::process::ProcessStatus;
use crate::error::Result;
use crate::shapes::waits::AtRest;
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
    // A holder whose orch died keeps its locks until its process is taken over
    // (retried, or by a worker once its lease has run out): said, as `process list`
    // says it.
    // A holder at rest (failed, awaiting input) keeps its locks until someone acts on
    // it: its status is said too.
    let mut stale = std::collections::BTreeSet::new();
    let mut status = std::collections::BTreeMap::new();
    let mut at_rest = std::collections::BTreeMap::new();
    for id in locks.iter().filter_map(|l| l.process_id.as_deref()) {
        if let Ok(Some(p)) = ctx.db(async |s| s.process(id).await) {
            if crate::engine::owner::is_stale(&p) {
                stale.insert(id.to_string());
            }
            status.insert(id.to_string(), p.status);
            if let Some(why) = AtRest::of(&p) {
                at_rest.insert(id.to_string(), why);
            }
        }
    }
    if ctx.printer.is_json() {
        let rows: Vec<serde_json::Value> = locks
            .iter()
            .map(|l| {
                let mut v = serde_json::to_value(l).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    let gone = l.process_id.as_ref().is_some_and(|id| stale.contains(id));
                    o.insert("holder_stale".into(), gone.into());
                    let at = l.process_id.as_ref().and_then(|id| status.get(id));
                    o.insert("holder_status".into(), serde_json::json!(at));
                }
                v
            })
            .collect();
        return ctx.printer.json(&rows);
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
        let holder = match &l.process_id {
            Some(id) if stale.contains(id) => format!("{id} (stale: its orch is gone)"),
            Some(id) => match status.get(id) {
                Some(s) if *s != ProcessStatus::Running => format!("{id} ({})", s.in_words()),
                _ => id.clone(),
            },
            None => "(free)".into(),
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
    for l in locks.iter().filter(|l| !l.waiters.is_empty()) {
        if let Some((id, why)) = (l.process_id.as_ref()).and_then(|id| Some((id, at_rest.get(id)?)))
        {
            ctx.printer
                .hint(&format!("lock `{}`: {}", l.name, why.hint(id)));
        }
    }
    Ok(())
}
