//! `orch db migrate` and `orch db status`.

use clap::Subcommand;
use serde_json::json;

use super::Ctx;
use crate::error::Result;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending schema migrations (orch also does this on first use)
    Migrate,
    /// Show the database path, schema version and counts
    Status,
}

pub fn run(ctx: &mut Ctx, cmd: DbCommand) -> Result<()> {
    match cmd {
        DbCommand::Migrate => migrate(ctx),
        DbCommand::Status => status(ctx),
    }
}

fn migrate(ctx: &mut Ctx) -> Result<()> {
    let (kind, location, before, version) = ctx.db(async |s| {
        Ok::<_, crate::store::StoreError>((
            s.kind(),
            s.location().describe(),
            s.opened_at_version(),
            s.version().await?,
        ))
    })?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&json!({
            "store": kind, "path": location, "from_version": before, "version": version,
        }));
    }
    if before == version {
        ctx.printer.status(&format!(
            "{location} is up to date (schema version {version})"
        ));
    } else {
        ctx.printer.status(&format!(
            "migrated {location} from schema version {before} to {version}"
        ));
    }
    Ok(())
}

fn status(ctx: &mut Ctx) -> Result<()> {
    let (kind, location, latest, durability, version, size, counts) = ctx.db(async |s| {
        Ok::<_, crate::store::StoreError>((
            s.kind(),
            s.location().describe(),
            s.latest_version(),
            s.durability(),
            s.version().await?,
            s.size().await?,
            s.counts().await?,
        ))
    })?;
    let mut by_status = serde_json::Map::new();
    for (status, n) in &counts.processes_by_status {
        by_status.insert(status.to_string(), (*n).into());
    }
    let value = json!({
        "store": kind,
        "path": location,
        "schema_version": version,
        "latest_version": latest,
        "size_bytes": size,
        "synchronous": durability,
        "products": counts.products,
        "subscriptions": counts.subscriptions,
        "processes": counts.processes,
        "processes_by_status": by_status,
        "steps": counts.steps,
        "events": counts.events,
    });
    if ctx.printer.is_json() {
        return ctx.printer.json(&value);
    }
    let mut out = String::new();
    out.push_str(&format!("store:          {kind}\n"));
    out.push_str(&format!("database:       {location}\n"));
    out.push_str(&format!(
        "schema version: {version} (this orch knows up to {latest})\n"
    ));
    out.push_str(&format!("size:           {size} bytes\n"));
    out.push_str(&format!("synchronous:    {durability}\n"));
    out.push_str(&format!("products:       {}\n", counts.products));
    out.push_str(&format!("subscriptions:  {}\n", counts.subscriptions));
    let detail: Vec<String> = by_status.iter().map(|(k, v)| format!("{k} {v}")).collect();
    if detail.is_empty() {
        out.push_str(&format!("processes:      {}\n", counts.processes));
    } else {
        out.push_str(&format!(
            "processes:      {} ({})\n",
            counts.processes,
            detail.join(", ")
        ));
    }
    out.push_str(&format!("steps:          {}\n", counts.steps));
    out.push_str(&format!("events:         {}\n", counts.events));
    ctx.printer.out(&out)
}
