//! `orch db migrate` and `orch db status`.

use clap::Subcommand;
use serde_json::json;

use super::Ctx;
use crate::error::Result;
use crate::store;

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
    let path = ctx.db_path().to_path_buf();
    let conn = store::open_unmigrated(&path, ctx.settings.sync)?;
    let before = store::schema_version(&conn)?;
    drop(conn);
    let version = ctx.store()?.version()?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&json!({
            "path": path, "from_version": before, "version": version,
        }));
    }
    if before == version {
        ctx.printer.status(&format!(
            "{} is up to date (schema version {version})",
            path.display()
        ));
    } else {
        ctx.printer.status(&format!(
            "migrated {} from schema version {before} to {version}",
            path.display()
        ));
    }
    Ok(())
}

fn status(ctx: &mut Ctx) -> Result<()> {
    let path = ctx.db_path().to_path_buf();
    let sync = ctx.settings.sync;
    let store = ctx.store()?;
    let conn = &store.conn;
    let count = |sql: &str| -> rusqlite::Result<i64> { conn.query_row(sql, [], |r| r.get(0)) };
    let version = store::schema_version(conn)?;
    let products = count("SELECT COUNT(*) FROM products")?;
    let subscriptions = count("SELECT COUNT(*) FROM subscriptions")?;
    let processes = count("SELECT COUNT(*) FROM processes")?;
    let steps = count("SELECT COUNT(*) FROM process_steps")?;
    let events = count("SELECT COUNT(*) FROM events")?;
    let mut by_status = serde_json::Map::new();
    {
        let mut stmt =
            conn.prepare("SELECT status, COUNT(*) FROM processes GROUP BY status ORDER BY status")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (s, n) = row?;
            by_status.insert(s, n.into());
        }
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let sync = match sync {
        store::Sync::Full => "full",
        store::Sync::Normal => "normal",
    };
    let value = json!({
        "path": path,
        "schema_version": version,
        "latest_version": store::latest_version(),
        "size_bytes": size,
        "synchronous": sync,
        "products": products,
        "subscriptions": subscriptions,
        "processes": processes,
        "processes_by_status": by_status,
        "steps": steps,
        "events": events,
    });
    if ctx.printer.is_json() {
        return ctx.printer.json(&value);
    }
    let mut out = String::new();
    out.push_str(&format!("database:       {}\n", path.display()));
    out.push_str(&format!(
        "schema version: {version} (this orch knows up to {})\n",
        store::latest_version()
    ));
    out.push_str(&format!("size:           {size} bytes\n"));
    out.push_str(&format!("synchronous:    {sync}\n"));
    out.push_str(&format!("products:       {products}\n"));
    out.push_str(&format!("subscriptions:  {subscriptions}\n"));
    let detail: Vec<String> = by_status.iter().map(|(k, v)| format!("{k} {v}")).collect();
    if detail.is_empty() {
        out.push_str(&format!("processes:      {processes}\n"));
    } else {
        out.push_str(&format!(
            "processes:      {processes} ({})\n",
            detail.join(", ")
        ));
    }
    out.push_str(&format!("steps:          {steps}\n"));
    out.push_str(&format!("events:         {events}\n"));
    ctx.printer.out(&out)
}
