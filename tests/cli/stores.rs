//! One suite, two stores: a test about orch's behaviour (not about the SQLite file) is
//! a plain `fn name()` followed by `both!(name);` (see `src/store/postgres/testing.rs`),
//! and [`crate::Project::new`] opens the store of the variant: for PostgreSQL a fresh
//! schema on the test server, which every orch it runs is pointed at (`ORCH_DB`).
//! Here too: SQL a test can read either store with, and what it compares.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub use crate::pg_testing::{Store, current};

/// The rows `sql` returns from the database at `url` (whose options name orch's
/// schema), every value as text (NULL as an empty string). A harness asks many
/// questions, so each URL keeps one connection, driven by one runtime for all tests.
pub fn postgres_rows(url: &str, sql: &str) -> Vec<Vec<String>> {
    let client = client(url);
    runtime()
        .block_on(client.simple_query(sql))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| r.get(i).unwrap_or_default().to_string())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// A runtime driven by a thread of its own, which every test's thread can wait on.
fn runtime() -> &'static tokio::runtime::Handle {
    static RT: OnceLock<tokio::runtime::Handle> = OnceLock::new();
    RT.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let handle = rt.handle().clone();
        std::thread::spawn(move || rt.block_on(std::future::pending::<()>()));
        handle
    })
}

type Clients = Mutex<HashMap<String, Arc<tokio_postgres::Client>>>;

fn clients() -> &'static Clients {
    static CLIENTS: OnceLock<Clients> = OnceLock::new();
    CLIENTS.get_or_init(Clients::default)
}

fn client(url: &str) -> Arc<tokio_postgres::Client> {
    if let Some(c) = clients().lock().unwrap().get(url) {
        if !c.is_closed() {
            return Arc::clone(c);
        }
    }
    let client = runtime().block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        tokio::spawn(connection);
        Arc::new(client)
    });
    clients()
        .lock()
        .unwrap()
        .insert(url.to_string(), Arc::clone(&client));
    client
}

/// Closes the connection kept for `url` (its test is over).
pub fn forget(url: &str) {
    clients().lock().unwrap().remove(url);
}

/// [`postgres_rows`] for a SQLite file.
pub fn sqlite_rows(path: &std::path::Path, sql: &str) -> Vec<Vec<String>> {
    use rusqlite::types::ValueRef;
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    ValueRef::Null => String::new(),
                    ValueRef::Integer(v) => v.to_string(),
                    ValueRef::Real(v) => v.to_string(),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                })
            })
            .collect()
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

impl crate::Project {
    /// Everything the database holds, as text a test can search: the SQLite file and
    /// its journal files read as bytes, or every row of every table of orch's schema.
    pub fn stored_text(&self) -> String {
        match self.pg_url() {
            None => ["", "-wal", "-shm"]
                .iter()
                .filter_map(|suffix| {
                    let mut name = self.db().into_os_string();
                    name.push(suffix);
                    std::fs::read(name).ok()
                })
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .collect(),
            Some(url) => {
                let schema = self.pg_schema().unwrap_or_default();
                let tables = postgres_rows(
                    url,
                    &format!(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}' AND table_type = 'BASE TABLE' ORDER BY 1"
                    ),
                );
                assert!(!tables.is_empty(), "orch's schema has no tables");
                let union: Vec<String> = tables
                    .iter()
                    .map(|t| format!("SELECT t::text FROM \"{schema}\".\"{}\" t", t[0]))
                    .collect();
                postgres_rows(url, &union.join(" UNION ALL "))
                    .into_iter()
                    .map(|r| r.join(" "))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
    }
}

impl crate::Project {
    /// Whether orch made its database: the SQLite file, or orch's schema.
    pub fn has_database(&self) -> bool {
        match self.pg_url() {
            None => self.db().exists(),
            Some(url) => {
                let schema = self.pg_schema().unwrap_or_default();
                let found = postgres_rows(
                    url,
                    &format!("SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'"),
                );
                found[0][0] != "0"
            }
        }
    }

    /// What a test compares to see that nothing changed: the SQLite file's bytes, or
    /// every row of orch's schema.
    pub fn fingerprint(&self) -> Vec<u8> {
        match self.store() {
            Store::Sqlite => std::fs::read(self.db()).unwrap(),
            Store::Postgres => self.stored_text().into_bytes(),
        }
    }
}

impl crate::Project {
    /// The database is sound: SQLite's integrity check says `ok`, or, on PostgreSQL
    /// (which checks its own pages and constraints), `orch db check` finds nothing.
    /// The application name this project's orch commands give PostgreSQL, so that a
    /// test can find their sessions.
    pub fn app_name(&self) -> String {
        format!("orch-test-{}", self.pg_schema().unwrap_or("sqlite"))
    }

    /// After a kill -9: on PostgreSQL, waits until the server has ended the killed
    /// orch's sessions. A COMMIT sent just before the kill still commits then, so what
    /// the store holds is only final once they are gone. (SQLite has no server: what
    /// the file holds is final at once.)
    pub fn settle_after_kill(&self) {
        let Some(url) = self.pg_url() else {
            return;
        };
        let sql = format!(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = '{}'",
            self.app_name()
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while postgres_rows(url, &sql) != [["0"]] {
            assert!(
                std::time::Instant::now() < deadline,
                "the killed orch's sessions never ended"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    pub fn assert_sound(&self) {
        match self.store() {
            Store::Sqlite => {
                let verdict = sqlite_rows(&self.db(), "PRAGMA integrity_check");
                assert_eq!(verdict, [["ok"]], "SQLite's integrity check");
            }
            Store::Postgres => {
                let (code, out, err) = self.run(&["db", "check"]);
                assert_eq!(code, 0, "orch db check:\n{out}{err}");
            }
        }
    }
}
