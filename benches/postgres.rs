//! The PostgreSQL lines: orch on a throwaway cluster whose commits are durable (fsync
//! and full-page writes on, `synchronous_commit=on`), against bare loops of the same
//! transaction shape through the same driver (tokio-postgres) on the same server.
//!
//! The cluster is the tests' own (`src/store/postgres/testing.rs`, started durable),
//! started once on first use and gone with the benchmark; every line works in a fresh
//! database of it. Without PostgreSQL server binaries the lines say "not available".

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::support::{Project, Res, SERVER_NOT_AVAILABLE, ctx};

#[path = "../src/store/postgres/testing.rs"]
#[allow(unused_imports, unused_macros)]
mod cluster;

pub use cluster::Cluster;

/// The benchmark's cluster, started on first use.
pub fn server() -> Res<&'static Cluster> {
    static SERVER: OnceLock<Res<Cluster>> = OnceLock::new();
    let started = SERVER.get_or_init(|| {
        if cluster::server_binaries().is_none() {
            return Err(format!(
                "{SERVER_NOT_AVAILABLE} (no initdb and postgres in /usr/lib/postgresql/*/bin or on the PATH)"
            ));
        }
        eprintln!("  starting a durable PostgreSQL cluster…");
        Cluster::start_durable().map_err(|e| format!("cannot start PostgreSQL: {e}"))
    });
    started.as_ref().map_err(Clone::clone)
}

/// A new, empty database on the cluster; its URL.
pub fn database(prefix: &str) -> Res<String> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let server = server()?;
    let name = format!("{prefix}_{}", COUNTER.fetch_add(1, Ordering::Relaxed));
    server.admin(&format!("CREATE DATABASE \"{name}\""))?;
    Ok(server.url(&name))
}

/// A project whose orch commands use a new database of the cluster.
pub fn project(prefix: &str) -> Res<(Project, String)> {
    let url = database(prefix)?;
    Ok((Project::on_postgres(&url)?, url))
}

/// Runs `work` to its end on a runtime of its own.
pub fn block_on<T>(work: impl Future<Output = Res<T>>) -> Res<T> {
    let rt = ctx(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        "tokio runtime",
    )?;
    rt.block_on(work)
}

/// A connection to `url`, driven by the current runtime.
pub async fn connect(url: &str) -> Res<tokio_postgres::Client> {
    let (client, connection) = ctx(
        tokio_postgres::connect(url, tokio_postgres::NoTls).await,
        "connect to PostgreSQL",
    )?;
    tokio::spawn(connection);
    Ok(client)
}

/// The size of the database at `url` as the server counts it (`pg_database_size`).
pub fn database_size(url: &str) -> Res<u64> {
    block_on(async {
        let client = connect(url).await?;
        let row = ctx(
            client
                .query_one("SELECT pg_database_size(current_database())", &[])
                .await,
            "pg_database_size",
        )?;
        let bytes: i64 = ctx(row.try_get(0), "pg_database_size")?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    })
}

/// The bare loop's tables: `heads` rows to update, a log to insert ~1 KiB rows into.
async fn bare_tables(client: &tokio_postgres::Client, heads: usize) -> Res<()> {
    ctx(
        client
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS log; DROP TABLE IF EXISTS head;
                 CREATE TABLE head (id BIGINT PRIMARY KEY, n BIGINT NOT NULL, at TEXT NOT NULL);
                 CREATE TABLE log (id BIGSERIAL PRIMARY KEY,
                                   head BIGINT NOT NULL REFERENCES head (id), body TEXT NOT NULL);
                 INSERT INTO head (id, n, at) SELECT h, 0, '' FROM generate_series(0, {}) h;",
                heads.max(1) - 1
            ))
            .await,
        "bare loop tables",
    )
}

/// One round of the bare loop: transactions of `batch` step-sized rows (a 1 KiB row
/// inserted and a row of its own updated per step), `total` rows in all, each
/// statement prepared once and awaited before the next (as orch does); rows/s.
pub fn bare_rows_per_sec(url: &str, batch: usize, total: usize) -> Res<f64> {
    block_on(async {
        let mut client = connect(url).await?;
        bare_tables(&client, batch).await?;
        let insert = ctx(
            client
                .prepare("INSERT INTO log (head, body) VALUES ($1, $2)")
                .await,
            "prepare",
        )?;
        let update = ctx(
            client
                .prepare("UPDATE head SET n = $2, at = $3 WHERE id = $1")
                .await,
            "prepare",
        )?;
        let body = "x".repeat(1024);
        let batch = batch.max(1);
        let t = Instant::now();
        for i in 0..total / batch {
            let tx = ctx(client.transaction().await, "begin")?;
            for h in 0..batch as i64 {
                ctx(tx.execute(&insert, &[&h, &body]).await, "insert")?;
                let n = i as i64;
                ctx(
                    tx.execute(&update, &[&h, &n, &i.to_string()]).await,
                    "update",
                )?;
            }
            ctx(tx.commit().await, "commit")?;
        }
        Ok((total / batch * batch) as f64 / t.elapsed().as_secs_f64())
    })
}

/// The databases the bare loops use, one per shape, made on first use.
pub fn bare_database(batched: bool) -> Res<String> {
    static ONE: OnceLock<Res<String>> = OnceLock::new();
    static BATCHED: OnceLock<Res<String>> = OnceLock::new();
    let cell = if batched { &BATCHED } else { &ONE };
    cell.get_or_init(|| database(if batched { "bare_batched" } else { "bare" }))
        .clone()
}
