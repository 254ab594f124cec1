//! `orch db migrate|status|check|backup`: the database as a file to look after.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::Ctx;
use crate::error::{Error, Result};

const CHECK_HELP: &str = "\
Reads the database without changing it, also when it is damaged: SQLite's integrity \
check (pages, indexes, constraints), its foreign key check, and orch's schema version \
and tables. Prints what is wrong; exits 0 when the database is sound, 1 when it is \
damaged, 6 when there is no database file.

On PostgreSQL (which checks its own pages and constraints): orch's schema version and \
tables, the trigger that keeps the event log in commit order, the event sequence, every \
stored JSON value (read once each), and whether the server is a read-only standby.

Check a backup with `orch --db COPY db check`.";

const BACKUP_HELP: &str = "\
The copy is consistent: it holds every change committed before the backup began and \
none after, also while other orch commands write (it is one SQLite read transaction, \
VACUUM INTO, which blocks no writer). It is written beside FILE and moved into place \
once complete and checked, so FILE never holds half a copy. The copy is private (mode \
0600), like the database.

To restore, stop the orch commands that use the database and copy the backup over it \
(remove its -wal and -shm files first), or point --db at the copy.

Exit codes: 0 written, 6 there is no database, 7 FILE exists (without --force), 1 the \
database cannot be read or the file cannot be written.

A PostgreSQL database is backed up with pg_dump; orch says the command (exit 2).";

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

/// `db status` of a database a newer orch wrote: what can be read without using it
/// (the store, its schema version and size), and that this orch leaves it alone.
fn newer_status(ctx: &mut Ctx, refused: Error) -> Result<()> {
    let location = ctx.location().clone();
    let rt = ctx.runtime()?;
    let (kind, version, latest, size) = rt.block_on(async {
        let s = crate::store::Store::open_as_is(&location).await?;
        Ok::<_, Error>((
            s.kind(),
            s.version().await?,
            s.latest_version(),
            s.size().await?,
        ))
    })?;
    let hint = "upgrade orch to the version that wrote this database; orch left it untouched";
    ctx.printer
        .warn("this orch does not use a database a newer orch wrote");
    if ctx.printer.is_json() {
        return ctx.printer.json(&json!({
            "store": kind, "path": location.describe(), "pg_schema": location.pg_schema(),
            "schema_version": version,
            "latest_version": latest, "size_bytes": size, "newer": true,
            "error": refused.message, "hint": hint,
        }));
    }
    let schema = location
        .pg_schema()
        .map(|s| format!("pg schema:      {s}\n"))
        .unwrap_or_default();
    ctx.printer.out(&format!(
        "store:          {kind}\ndatabase:       {}\n{schema}schema version: {version} (NEWER than this orch knows: up to {latest})\nsize:           {size} bytes\n",
        location.describe()
    ))?;
    ctx.printer.hint(hint);
    Ok(())
}

fn check(ctx: &mut Ctx) -> Result<()> {
    let (kind, location, report) = ctx.db(async |s| {
        Ok::<_, crate::store::StoreError>((s.kind(), s.location().describe(), s.check().await?))
    })?;
    let sound = report.is_sound();
    if ctx.printer.is_json() {
        let mut v = serde_json::to_value(&report)?;
        v["store"] = json!(kind);
        v["path"] = json!(location);
        v["ok"] = json!(sound);
        ctx.printer.json(&v)?;
    } else {
        let mut out = format!("database:       {location}\n");
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
        if sound {
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
        ctx.printer.out(&crate::ui::printable(&out))?;
    }
    if sound {
        return Ok(());
    }
    let restore = if kind == "postgresql" {
        "restore the latest dump (`pg_dump`/`pg_restore` of orch's schema), or fix the rows named above by hand; check it again with `orch db check`"
    } else {
        "restore the latest copy made with `orch db backup FILE` (check it first with `orch --db COPY db check`)"
    };
    Err(Error::failure(format!(
        "the database {location} is damaged (the check changed nothing)"
    ))
    .with_hint(restore))
}

fn backup(ctx: &mut Ctx, args: BackupArgs) -> Result<()> {
    let to = std::env::current_dir()?.join(&args.file);
    let (from, done) = ctx.db(async |s| {
        Ok::<_, Error>((s.location().describe(), s.backup(&to, args.force).await?))
    })?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&json!({
            "path": done.path, "from": from, "size_bytes": done.size_bytes,
            "schema_version": done.schema_version,
        }));
    }
    ctx.printer.status(&format!(
        "wrote a copy of {from} to {} ({} bytes, schema version {})",
        done.path.display(),
        done.size_bytes,
        done.schema_version
    ));
    Ok(())
}

fn migrate(ctx: &mut Ctx) -> Result<()> {
    let (kind, (location, pg_schema), before, version) = ctx.db(async |s| {
        Ok::<_, crate::store::StoreError>((
            s.kind(),
            (s.location().describe(), s.location().pg_schema()),
            s.opened_at_version(),
            s.version().await?,
        ))
    })?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&json!({
            "store": kind, "path": location, "pg_schema": pg_schema,
            "from_version": before, "version": version,
        }));
    }
    // Projects sharing one PostgreSQL database differ only in their schema: say which.
    let location = match &pg_schema {
        Some(schema) => format!("{location} (schema `{schema}`)"),
        None => location,
    };
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
    let opened = ctx.db(async |s| {
        Ok::<_, crate::store::StoreError>((
            s.kind(),
            (s.location().describe(), s.location().pg_schema()),
            s.latest_version(),
            s.durability().await?,
            s.version().await?,
            s.size().await?,
            s.counts().await?,
        ))
    });
    let (kind, (location, pg_schema), latest, durability, version, size, counts) = match opened {
        Err(e) if e.message.contains("newer than this orch knows") => {
            return newer_status(ctx, e);
        }
        r => r?,
    };
    let mut by_status = serde_json::Map::new();
    for (status, n) in &counts.processes_by_status {
        by_status.insert(status.to_string(), (*n).into());
    }
    let value = json!({
        "store": kind,
        "path": location,
        "pg_schema": pg_schema,
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
    if let Some(schema) = &pg_schema {
        out.push_str(&format!("pg schema:      {schema}\n"));
    }
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
