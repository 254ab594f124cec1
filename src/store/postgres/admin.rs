//! Looking after orch's schema in a PostgreSQL database: its size, its row counts,
//! what `db check` can say of it, and why `db backup` is pg_dump's job.
//!
//! PostgreSQL checks its own pages and constraints (checksums, foreign keys enforced
//! on every write), so a check here is of what orch relies on beyond them: the schema
//! version, orch's tables and their columns (against a scratch schema this orch's
//! migrations make in a transaction that is rolled back), the trigger that makes `seq`
//! order commit order (without it
//! `events --follow` could skip events), the event sequence ahead of every stored seq
//! (a restore that left it behind would make new events collide), rows orch could not
//! read (a status it does not know, JSON that does not parse), and a server that can be
//! written to (not a standby).

use super::Postgres;
use super::tx::{R, Tx, in_tx, word};
use crate::domain::process::ProcessStatus;
use crate::error::{Error, Result};
use crate::store::{Backup, CheckReport, Counts, StoreResult};

async fn count(tx: &Tx<'_>, sql: &str) -> R<i64> {
    Ok(tx.one(sql, &[]).await?.try_get(0)?)
}

/// A question about orch's schema answered with a single boolean.
async fn yes(tx: &Tx<'_>, sql: &str) -> R<bool> {
    Ok(tx.one(sql, &[]).await?.try_get(0)?)
}

impl Postgres {
    pub async fn version(&self) -> StoreResult<i64> {
        in_tx!(self, read, |tx| schema_version(&tx).await?)
    }

    pub async fn counts(&self) -> StoreResult<Counts> {
        in_tx!(self, read, |tx| {
            let by_status = tx
                .rows(
                    "SELECT status, COUNT(*) FROM processes GROUP BY status ORDER BY status",
                    &[],
                )
                .await?
                .iter()
                .map(|r| Ok((word::<ProcessStatus>(r, 0)?, r.try_get(1)?)))
                .collect::<R<Vec<_>>>()?;
            Counts {
                products: count(&tx, "SELECT COUNT(*) FROM products").await?,
                subscriptions: count(&tx, "SELECT COUNT(*) FROM subscriptions").await?,
                processes: count(&tx, "SELECT COUNT(*) FROM processes").await?,
                processes_by_status: by_status,
                steps: count(&tx, "SELECT COUNT(*) FROM process_steps").await?,
                events: count(&tx, "SELECT COUNT(*) FROM events").await?,
            }
        })
    }

    /// The bytes orch's schema takes: its tables with their indexes and TOAST, and
    /// its sequences.
    pub async fn size(&self) -> StoreResult<u64> {
        in_tx!(self, read, |tx| {
            let n = count(&tx, SCHEMA_SIZE).await?;
            u64::try_from(n).unwrap_or(0)
        })
    }

    /// How commits are made durable: the server's `synchronous_commit`.
    pub async fn durability(&self) -> StoreResult<String> {
        in_tx!(self, read, |tx| {
            let row = tx
                .one("SELECT current_setting('synchronous_commit')", &[])
                .await?;
            format!("synchronous_commit={}", row.try_get::<_, String>(0)?)
        })
    }

    pub async fn check(&self) -> StoreResult<CheckReport> {
        let mut report = in_tx!(self, read, |tx| {
            let mut report = CheckReport {
                size_bytes: u64::try_from(count(&tx, SCHEMA_SIZE).await?).unwrap_or(0),
                schema_version: None,
                latest_version: super::latest_version(),
                problems: Vec::new(),
                notes: Vec::new(),
            };
            check_schema(&tx, self.info.schema(), &mut report).await?;
            if yes(&tx, "SELECT pg_is_in_recovery()").await? {
                report.notes.push(
                    "the server is a standby (read-only): orch can read here, and writes need the primary".into(),
                );
            }
            report
        })?;
        if report.problems.is_empty() && report.schema_version == Some(report.latest_version) {
            self.columns(&mut report).await;
            if report.problems.is_empty() {
                let found = in_tx!(self, read, |tx| rows(&tx).await?)?;
                report.problems.extend(found);
                self.json(&mut report).await;
            }
        }
        Ok(report)
    }

    /// Rows whose JSON orch could not read. PostgreSQL keeps orch's JSON as text (see
    /// the first migration) and version 15 has no test for it, so each value is read
    /// and parsed here as orch parses it: the check reads every one once.
    async fn json(&self, report: &mut CheckReport) {
        for c in &crate::store::damage::JSON_COLUMNS {
            match self.not_json(c).await {
                Ok(ids) => report
                    .problems
                    .extend(crate::store::damage::found(c.what, &ids)),
                Err(why) => report
                    .problems
                    .push(format!("cannot look for {}: {why}", c.what)),
            }
        }
    }

    /// The ids of the rows whose `c.column` does not parse, in `c.order`.
    async fn not_json(
        &self,
        c: &crate::store::damage::JsonColumn,
    ) -> std::result::Result<Vec<String>, String> {
        use futures_util::StreamExt;
        let text = |e: tokio_postgres::Error| {
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string())
        };
        let silent = || "the server did not answer in time".to_string();
        let mut client = self
            .pooled()
            .await
            .map_err(|_| "no connection to the server".to_string())?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(text)?;
        let sql = format!(
            "SELECT {}, {} FROM {} WHERE {} IS NOT NULL ORDER BY {}",
            c.id, c.column, c.table, c.column, c.order
        );
        let wait = super::tx::ANSWER_WITHIN;
        let rows = tokio::time::timeout(wait, tx.query_raw(&sql, std::iter::empty::<i64>()))
            .await
            .map_err(|_| silent())?
            .map_err(text)?;
        let mut rows = std::pin::pin!(rows);
        let mut bad = Vec::new();
        while let Some(row) = tokio::time::timeout(wait, rows.next())
            .await
            .map_err(|_| silent())?
        {
            let row = row.map_err(text)?;
            let value: &str = row.try_get(1).map_err(text)?;
            if serde_json::from_str::<serde::de::IgnoredAny>(value).is_err() {
                bad.push(row.try_get(0).map_err(text)?);
            }
        }
        Ok(bad)
    }

    /// Compares orch's tables with the ones this orch's migrations make, column by
    /// column: the migrations are applied to a scratch schema in a transaction that is
    /// rolled back, so nothing is left of it. A user who may not create a schema, or a
    /// standby, gets a note that the columns were not compared.
    async fn columns(&self, report: &mut CheckReport) {
        let compared = tokio::time::timeout(super::tx::ANSWER_WITHIN, self.scratch_columns()).await;
        let (expected, present) = match compared {
            Ok(Ok(both)) => both,
            Ok(Err(why)) => {
                report
                    .notes
                    .push(format!("the tables' columns were not compared: {why}"));
                return;
            }
            Err(_) => {
                report.notes.push(
                    "the tables' columns were not compared: the server did not answer in time"
                        .into(),
                );
                return;
            }
        };
        report
            .problems
            .extend(crate::store::damage::missing_columns(&expected, &present));
    }

    /// The (table, column) pairs of a scratch schema made by this orch's migrations,
    /// and of orch's schema.
    async fn scratch_columns(
        &self,
    ) -> std::result::Result<(Vec<(String, String)>, Vec<(String, String)>), String> {
        let text = |e: tokio_postgres::Error| {
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string())
        };
        let mut client = self
            .pooled()
            .await
            .map_err(|_| "no connection to the server".to_string())?;
        let tx = client.transaction().await.map_err(text)?;
        let scratch_name = format!("orch_check_{}", std::process::id());
        let scratch = super::quote_ident(&scratch_name);
        tx.batch_execute(&format!(
            "CREATE SCHEMA {scratch}; SET LOCAL search_path TO {scratch}"
        ))
        .await
        .map_err(text)?;
        for sql in super::migrate::migration_sql() {
            tx.batch_execute(&sql).await.map_err(text)?;
        }
        let columns = "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2";
        let of = |rows: Vec<tokio_postgres::Row>| {
            rows.iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
                .collect::<Vec<_>>()
        };
        let expected = of(tx.query(columns, &[&scratch_name]).await.map_err(text)?);
        let present = of(tx
            .query(columns, &[&self.info.schema()])
            .await
            .map_err(text)?);
        tx.rollback().await.map_err(text)?;
        Ok((expected, present))
    }

    /// orch does not copy a PostgreSQL database: pg_dump does, consistently and while
    /// orch runs; the hint names the command for orch's schema.
    pub async fn backup(&self, _to: &std::path::Path, _replace: bool) -> Result<Backup> {
        let info = &self.info;
        Err(Error::usage(format!(
            "orch db backup copies SQLite databases; the database at {info} is PostgreSQL"
        ))
        .with_hint(format!(
            "back up orch's schema with pg_dump (a consistent copy, also while orch runs): pg_dump -h {} -p {} -U {} --schema={} --format=custom --file=FILE {}",
            info.host(),
            info.port(),
            info.user(),
            super::quote_ident(info.schema()),
            info.dbname()
        ))
        .with_hint("restore it with pg_restore --dbname=DATABASE FILE"))
    }
}

const SCHEMA_SIZE: &str = "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm', 'S')";

/// The version in refinery's history, 0 when there is none.
async fn schema_version(tx: &Tx<'_>) -> R<i64> {
    if !yes(
        tx,
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'refinery_schema_history')",
    )
    .await?
    {
        return Ok(0);
    }
    count(
        tx,
        "SELECT COALESCE(MAX(version), 0)::bigint FROM refinery_schema_history",
    )
    .await
}

async fn check_schema(tx: &Tx<'_>, schema: &str, report: &mut CheckReport) -> R<()> {
    let version = schema_version(tx).await?;
    report.schema_version = Some(version);
    let latest = report.latest_version;
    if version == 0 {
        report.problems.push(format!(
            "not an orch schema: `{schema}` has no schema history"
        ));
        return Ok(());
    }
    if version > latest {
        report.notes.push(format!(
            "schema version {version} is newer than this orch knows ({latest}); an orch that new can use it"
        ));
        return Ok(());
    }
    if version < latest {
        report.notes.push(format!(
            "schema version {version} is older than this orch's ({latest}); the next orch command upgrades it (`orch db migrate`)"
        ));
    }
    for table in crate::store::damage::tables_at(version, latest) {
        let exists: bool = tx
            .one(
                "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1)",
                &[&table],
            )
            .await?
            .try_get(0)?;
        if !exists {
            report
                .problems
                .push(format!("the table `{table}` is missing"));
        }
    }
    let applied: Vec<(i64, String, String)> = tx
        .rows(
            "SELECT version::bigint, COALESCE(name, ''), COALESCE(checksum::text, '') FROM refinery_schema_history ORDER BY version",
            &[],
        )
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, tokio_postgres::Error>>()?;
    report.problems.extend(crate::store::damage::diverging(
        &applied,
        &super::migrate::embedded_history(),
    ));
    if report.problems.is_empty() {
        check_event_order(tx, report).await?;
    }
    Ok(())
}

/// Rows with a status or state orch does not know (see [`crate::store::damage`]; the
/// JSON is looked at by `Postgres::json`).
async fn rows(tx: &Tx<'_>) -> R<Vec<String>> {
    let mut problems = Vec::new();
    for (sql, what) in crate::store::damage::row_checks(false) {
        let ids: Vec<String> = tx
            .rows(&sql, &[])
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        problems.extend(crate::store::damage::found(what, &ids));
    }
    Ok(problems)
}

/// The promises of the event log: the trigger that orders commits, and a sequence
/// ahead of every stored seq.
async fn check_event_order(tx: &Tx<'_>, report: &mut CheckReport) -> R<()> {
    let trigger = tx
        .opt(
            "SELECT tgenabled::text FROM pg_catalog.pg_trigger WHERE tgrelid = 'events'::regclass AND tgname = 'events_commit_order'",
            &[],
        )
        .await?;
    match trigger.map(|r| r.try_get::<_, String>(0)).transpose()? {
        None => report.problems.push(
            "the trigger `events_commit_order` on `events` is missing: followers could skip events that commit late".into(),
        ),
        Some(state) if state == "D" => report.problems.push(
            "the trigger `events_commit_order` on `events` is disabled: followers could skip events that commit late (ALTER TABLE events ENABLE TRIGGER events_commit_order)".into(),
        ),
        Some(_) => {}
    }
    let row = tx
        .one(
            "SELECT (SELECT last_value FROM events_seq), (SELECT is_called FROM events_seq), (SELECT COALESCE(MAX(seq), 0)::bigint FROM events)",
            &[],
        )
        .await?;
    let (last, called, max): (i64, bool, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let next = if called { last + 1 } else { last };
    if next <= max {
        report.problems.push(format!(
            "the event sequence would hand out {next}, but events go up to {max}: new events would collide (SELECT setval('events_seq', {max}))"
        ));
    }
    Ok(())
}
