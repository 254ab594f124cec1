//! `orch events consumers`: the named consumers, where each stands, and whether a
//! reader holds it now; and the hold itself, which makes one reader at a time read a
//! consumer (see `Store::hold_consumer`).

use serde::Serialize;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::store::events::ConsumerHold;
use crate::ui::table;

/// Takes the consumer `name` for this command alone (to `what`), or says who reads it.
pub(super) fn hold(ctx: &mut Ctx, name: &str, what: &str) -> Result<ConsumerHold> {
    match ctx.db(async |st| st.hold_consumer(name).await)? {
        Ok(hold) => Ok(hold),
        Err(who) => Err(Error::conflict(format!(
            "consumer {name} is being read by another reader ({who}); this one may not {what} meanwhile"
        ))
        .with_hint(
            "one reader per consumer name: stop the other one (its hold ends the moment it does, even when killed), or use another name",
        )),
    }
}

/// What is wrong with a consumer whose position is after the newest event.
pub(super) fn ahead(name: &str, position: i64, last: i64) -> String {
    format!(
        "consumer {name} is at seq {position}, past the newest event (seq {last}): the events after {last} up to {position} will not reach it; `orch events --consumer {name} --since {last}` moves it to the end"
    )
}

/// One row of `orch events consumers -o json`.
#[derive(Debug, Serialize)]
struct ConsumerView {
    name: String,
    position: i64,
    last_seq: i64,
    /// How many events it has still to see; negative when it is ahead of the log.
    lag: i64,
    /// Whether a reader holds it now.
    reading: bool,
    updated_at: String,
}

pub(super) fn list(ctx: &mut Ctx) -> Result<()> {
    let (last, consumers, reading) = ctx.db(async |s| {
        let consumers = s.consumers().await?;
        let names: Vec<String> = consumers.iter().map(|c| c.name.clone()).collect();
        Ok::<_, Error>((
            s.last_seq().await?,
            consumers,
            s.consumers_held(&names).await?,
        ))
    })?;
    let rows: Vec<ConsumerView> = consumers
        .into_iter()
        .zip(reading)
        .map(|(c, reading)| ConsumerView {
            reading,
            // Negative when the consumer is ahead of the log, which is said too.
            lag: last - c.position,
            name: c.name,
            position: c.position,
            last_seq: last,
            updated_at: c.updated_at,
        })
        .collect();
    for c in rows.iter().filter(|c| c.lag < 0) {
        ctx.printer.warn(&ahead(&c.name, c.position, last));
    }
    if ctx.printer.is_json() {
        return ctx.printer.json(&rows);
    }
    if rows.is_empty() {
        ctx.printer.nothing(
            "no consumers yet",
            Some("`orch events --consumer NAME --follow` starts one"),
        );
        return Ok(());
    }
    let mut t = table::new(
        &["NAME", "POSITION", "LAG", "READING", "UPDATED"],
        ctx.printer.stdout_tty,
    );
    for c in &rows {
        t.add_row(vec![
            c.name.clone(),
            c.position.to_string(),
            c.lag.to_string(),
            if c.reading { "yes" } else { "no" }.to_string(),
            table::time(&c.updated_at, ctx.printer.stdout_tty),
        ]);
    }
    ctx.printer.out(&table::render(&t))
}

pub(super) fn remove(ctx: &mut Ctx, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::usage("--remove needs a consumer's name")
            .with_hint("`orch events consumers` lists them"));
    }
    let hold = hold(ctx, name, "remove it")?;
    let removed = ctx.db(async |s| s.delete_consumer(name).await)?;
    drop(hold);
    // A name an older orch took may hold control characters: shown, never sent.
    let shown = name.escape_debug();
    if !removed {
        return Err(Error::not_found(format!("no consumer {shown}"))
            .with_hint("`orch events consumers` lists them"));
    }
    ctx.printer.status(&format!("consumer {shown} removed"));
    Ok(())
}
