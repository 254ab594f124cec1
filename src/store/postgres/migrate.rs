//! orch's schema in a PostgreSQL database: created when missing, migrated with the
//! refinery migrations of `migrations/postgres` (embedded in the binary), and refused
//! when a newer orch wrote it.
//!
//! Order matters, as for SQLite (`store::open`): the version is read first, without
//! writing anything, and a database newer than this binary is refused before orch
//! creates or alters a thing. Only then is the schema created and migrated.
//!
//! Several orch may start at once on a fresh database (a team's CI jobs, workers): the
//! migration runs under a session advisory lock, and whoever waited reads the version
//! again and finds nothing to do. The common case, an up-to-date schema, takes one
//! query and no lock.
//!
//! refinery's history table, `refinery_schema_history`, lives in orch's schema (the
//! connection's search_path is that schema alone), so two orch schemas in one
//! database, or another application's refinery table in `public`, never mix.

use tokio_postgres::Client;

use super::config::ConnInfo;
use super::error::classify;
use super::schema::quote_ident;
use crate::error::Error;

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// The session advisory lock held while migrating (b"orchmigr").
pub const MIGRATION_LOCK: i64 = 8030590385718388594;

/// What [`migrate`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Migrated {
    /// The version found (0: a fresh schema).
    pub from: i64,
    /// The version now.
    pub to: i64,
    /// How many migrations ran.
    pub applied: usize,
}

impl Migrated {
    fn unchanged(version: i64) -> Migrated {
        Migrated {
            from: version,
            to: version,
            applied: 0,
        }
    }
}

/// The newest schema version this binary knows.
pub fn latest_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// Each embedded migration as refinery records it: (version, name, checksum).
pub fn embedded_history() -> Vec<(i64, String, String)> {
    crate::store::damage::as_recorded(embedded::migrations::runner().get_migrations())
}

/// The SQL of each embedded migration, in the order of their versions.
pub fn migration_sql() -> Vec<String> {
    let mut all = embedded::migrations::runner().get_migrations().to_vec();
    all.sort_by_key(|m| m.version());
    all.iter()
        .filter_map(|m| m.sql().map(str::to_string))
        .collect()
}

/// How many migrations this binary holds (their versions need not be contiguous:
/// versions are set aside for work merged in any order).
pub fn migration_count() -> usize {
    embedded::migrations::runner().get_migrations().len()
}

/// The schema version of orch's schema in the database `client` is connected to, 0
/// when it was never migrated (or does not exist).
pub async fn schema_version(client: &Client, info: &ConnInfo) -> Result<i64, Error> {
    if !has_history(client, info).await? {
        return Ok(0);
    }
    let sql = format!(
        "SELECT COALESCE(MAX(version), 0)::bigint FROM {}.refinery_schema_history",
        quote_ident(info.schema())
    );
    let row = client.query_one(&sql, &[]).await;
    Ok(row.map_err(|e| classify(info, &e))?.get(0))
}

/// Whether orch's schema holds refinery's history table.
async fn has_history(client: &Client, info: &ConnInfo) -> Result<bool, Error> {
    let history = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = 'refinery_schema_history')";
    exists(client, info, history).await
}

/// Runs a `SELECT EXISTS (…)` about orch's schema (`$1`).
async fn exists(client: &Client, info: &ConnInfo, sql: &str) -> Result<bool, Error> {
    let row = client.query_one(sql, &[&info.schema()]).await;
    Ok(row.map_err(|e| classify(info, &e))?.get(0))
}

/// Brings orch's schema up to date, calling `announce(from, to)` before it upgrades
/// an existing schema (not when it creates one). Refuses, untouched, a schema newer
/// than this binary.
pub async fn migrate(
    client: &mut Client,
    info: &ConnInfo,
    announce: impl FnOnce(i64, i64),
) -> Result<Migrated, Error> {
    let latest = latest_version();
    let from = schema_version(client, info).await?;
    refuse_newer(info, from, latest)?;
    if from == latest {
        return Ok(Migrated::unchanged(from));
    }
    let at = |e: tokio_postgres::Error| classify(info, &e);
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(at)?;
    let result = migrate_locked(client, info, latest, announce).await;
    // Also released when the session ends, should this fail.
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(at);
    let done = result?;
    unlocked?;
    Ok(done)
}

async fn migrate_locked(
    client: &mut Client,
    info: &ConnInfo,
    latest: i64,
    announce: impl FnOnce(i64, i64),
) -> Result<Migrated, Error> {
    let from = schema_version(client, info).await?;
    refuse_newer(info, from, latest)?;
    if from == latest {
        return Ok(Migrated::unchanged(from));
    }
    if from > 0 {
        announce(from, latest);
    }
    // CREATE SCHEMA IF NOT EXISTS checks the right to create schemas before it looks,
    // so a user given a schema by an administrator would be refused: look first.
    let schema = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)";
    if !exists(client, info, schema).await? {
        let sql = format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(info.schema()));
        let created = client.batch_execute(&sql).await;
        created.map_err(|e| classify(info, &e))?;
    }
    let had_history = has_history(client, info).await?;
    let report = match embedded::migrations::runner()
        .set_abort_divergent(true)
        .run_async(client)
        .await
    {
        Ok(report) => report,
        Err(e) => {
            if !had_history {
                drop_empty_history(client, info).await;
            }
            return Err(migration_error(info, &e));
        }
    };
    Ok(Migrated {
        from,
        to: schema_version(client, info).await?,
        applied: report.applied_migrations().len(),
    })
}

/// After a first migration failed: refinery's history table, which refinery created
/// before it, is dropped if it is still empty, so a schema orch could not move into
/// (another program's, one it may not write) is left as orch found it. Best effort:
/// the migration's own error is what the user is told.
async fn drop_empty_history(client: &Client, info: &ConnInfo) {
    let table = format!("{}.refinery_schema_history", quote_ident(info.schema()));
    let empty = client
        .query_one(&format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"), &[])
        .await
        .is_ok_and(|row| row.get::<_, bool>(0));
    if empty {
        let _ = client.batch_execute(&format!("DROP TABLE {table}")).await;
    }
}

fn refuse_newer(info: &ConnInfo, version: i64, latest: i64) -> Result<(), Error> {
    if version <= latest {
        return Ok(());
    }
    Err(Error::failure(format!(
        "orch's schema `{}` in the database at {info} has version {version}, newer than this orch knows ({latest})",
        info.schema()
    ))
    .with_hint("upgrade orch to the version that wrote this database; orch left it untouched"))
}

/// A failed migration: the driver's error when there is one underneath (a lost
/// connection, a permission), else refinery's own.
fn migration_error(info: &ConnInfo, e: &refinery::Error) -> Error {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(pg) = s.downcast_ref::<tokio_postgres::Error>() {
            let e = classify(info, pg)
                .with_cause(format!("while migrating orch's schema `{}`", info.schema()));
            // A table of orch's name already there: the schema is another program's.
            return match pg.code() {
                Some(c) if *c == tokio_postgres::error::SqlState::DUPLICATE_TABLE => e.with_hint(format!(
                    "the schema `{}` holds tables of another program; give orch a schema of its own: `pg_schema = \"orch\"` in orch.toml, or `options=-csearch_path%3Dorch` in the address",
                    info.schema()
                )),
                _ => e,
            };
        }
        source = s.source();
    }
    Error::failure(format!(
        "cannot migrate orch's schema `{}` in the database at {info}",
        info.schema()
    ))
    .with_cause(crate::store::damage::migration_refused(e))
    .with_hint("`orch db check` (with the same --db) says what is wrong with orch's schema, and changes nothing")
}
