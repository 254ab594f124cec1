//! `orch db migrate|status|check|backup`: the database as a file to look after.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::Ctx;
use crate::error::{Error, Result};
use crate::store::{self, admin};

const CHECK_HELP: &str = "\
Reads the database without changing it, also when it is damaged: SQLite's integrity \
check (pages, indexes, constraints), its foreign key check, and orch's schema version \
and tables. Prints what is wrong; exits 0 when the database is sound, 1 when it is \
damaged, 6 when there is no database file.

Check a backup with `orch --db COPY db check`.";

const BACKUP_HELP: &str = "\
The copy is consistent: it holds every change committed before the backup began and \
none after, also while other orch commands write (it is one SQLite read transaction, \
VACUUM INTO, which blocks no writer). It is written beside FILE and moved into place \
once complete and checked, so FILE never holds half a copy. The copy is private (mode \
0600), like the database.

To restore, stop the orch commands that use the database and copy the backup over it \
(remove its -wal and -shm files first), or point --db at the copy.

Exit codes: 0 written, 7 FILE exists (without --force), 1 the database cannot be read \
or the file cannot be written.";

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending schema migrations (orch also does this on first use)
    Migrate,
    /// Show the database path, schema version and counts
    Status,
    /// Check the database for damage and say what is wrong (exit 1 when damaged)
    #[command(after_help = CHECK_HELP)]
    Check,
    /// Write a consistent copy of the database to FILE, also while orch runs
    #[command(after_help = BACKUP_HELP)]
    Backup(BackupArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (a new file)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace FILE if it exists
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &mut Ctx, cmd: DbCommand) -> Result<()> {
    match cmd {
        DbCommand::Migrate => migrate(ctx),
        DbCommand::Status => status(ctx),
        DbCommand::Check => check(ctx),
        DbCommand::Backup(args) => backup(ctx, args),
    }
}

fn check(ctx: &mut Ctx) -> Result<()> {
    let report = admin::check(ctx.db_path())?;
    if ctx.printer.is_json() {
        let mut v = serde_json::to_value(&report)?;
        v["ok"] = json!(report.ok());
        ctx.printer.json(&v)?;
    } else {
        let mut out = format!("database:       {}\n", report.path.display());
        out.push_str(&format!("size:           {} bytes\n", report.size_bytes));
        if let Some(v) = report.schema_version {
            out.push_str(&format!(
                "schema version: {v} (this orch knows up to {})\n",
                report.latest_version
            ));
        }
        for n in &report.notes {
            out.push_str(&format!("note:           {n}\n"));
        }
        if report.ok() {
            out.push_str("result:         ok, no problems found\n");
        } else {
            out.push_str(&format!(
                "result:         DAMAGED, {} problem{}:\n",
                report.problems.len(),
                if report.problems.len() == 1 { "" } else { "s" }
            ));
            for p in &report.problems {
                out.push_str(&format!("  {p}\n"));
            }
        }
        ctx.printer.out(&out)?;
    }
    if report.ok() {
        return Ok(());
    }
    Err(
        Error::failure(format!("the database {} is damaged", report.path.display()))
            .with_cause("orch did not change it")
            .with_hint(
                "restore the latest copy made with `orch db backup FILE` (check it first with `orch --db COPY db check`)",
            ),
    )
}

fn backup(ctx: &mut Ctx, args: BackupArgs) -> Result<()> {
    let from = ctx.db_path().to_path_buf();
    if admin::file_state(&from) != admin::FileState::Present {
        ctx.check_db_file()?;
        return Err(
            Error::not_found(format!("no database at {}", from.display()))
                .with_hint("run in the project of the database, or pass it with --db FILE"),
        );
    }
    let to = std::env::current_dir()?.join(&args.file);
    let done = admin::backup(&from, &to, args.force)?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&json!({
            "path": done.path, "from": from, "size_bytes": done.size_bytes,
            "schema_version": done.schema_version,
        }));
    }
    ctx.printer.status(&format!(
        "wrote a copy of {} to {} ({} bytes, schema version {})",
        from.display(),
        done.path.display(),
        done.size_bytes,
        done.schema_version
    ));
    Ok(())
}

fn migrate(ctx: &mut Ctx) -> Result<()> {
    let path = ctx.db_path().to_path_buf();
    ctx.check_db_file()?;
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
