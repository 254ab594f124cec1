//! The PostgreSQL store's groundwork: where the database is ([`config`]), connecting
//! and pooling ([`connect`]), one translation of every failure into orch's errors
//! ([`error`]), orch's schema and its migrations ([`migrate`]), waking on new events
//! ([`listen`]) and the search tokens ([`search`]).
//!
//! The driver is tokio-postgres: async, so it runs inside orch's tokio runtime (the
//! blocking `postgres` crate starts a runtime of its own and panics inside one), and
//! LISTEN/NOTIFY comes through `Connection::poll_message`. Not sqlx: it would link a
//! second SQLite next to rusqlite's bundled one, and its checked queries want a
//! database at build time. Migrations are refinery's, as for SQLite, from
//! `migrations/postgres`.
//!
//! Unlike the SQLite store, nothing here blocks: every call is awaited, and a
//! connection may be held across `.await`s (it belongs to the pool, not the thread).
//!
//! # The event log's order (read this before writing events)
//!
//! `seq` comes from a sequence, and a sequence hands numbers out before commit, so
//! two writers could commit out of `seq` order and a follower reading `seq > last`
//! would skip the late one for good. Every transaction that appends events therefore
//! holds the advisory lock [`EVENT_LOG_LOCK`] from before it draws its first seq until
//! it ends: `seq` order is commit order. The `events` table's statement trigger takes
//! it on every INSERT (so a writer cannot forget), and also queues the notification
//! that wakes followers at commit ([`listen`]). [`lock_event_log`] takes the same lock
//! for a transaction that must hold it earlier. The lock serialises event writers
//! from their first event to their commit: append events last, just before commit.
//! The full rules are in migrations/postgres/V1__initial.sql, beside the table.

mod admin;
mod callbacks;
mod committer;
pub mod config;
pub mod connect;
pub mod error;
mod events;
pub mod holds;
pub(crate) use events::glob_to_regex;
#[cfg(test)]
mod events_tests;
pub mod listen;
mod locks;
pub mod migrate;
mod ops;
mod pgpass;
mod processes;
mod products;
mod query;
mod schedules;
pub mod schema;
pub mod search;
mod subscriptions;
#[cfg(test)]
pub mod testing;
#[cfg(test)]
mod tests;
mod tokens;
mod tx;
mod waits;
mod workers;

pub use config::{ConnInfo, PasswordSource, is_postgres};
pub use connect::PooledClient;
pub use error::classify;
pub use listen::{EVENTS_CHANNEL, Listener};
pub use migrate::{Migrated, latest_version};
pub use schema::quote_ident;

use deadpool_postgres::Pool;

use crate::error::Error;
use crate::store::Create;

/// The transaction-scoped advisory lock that orders event commits (b"orchevnt"); the
/// same number is written in the `events` trigger of the migration.
pub const EVENT_LOG_LOCK: i64 = 8030590385585024628;

/// Connections a store opens at most, unless told otherwise.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// Takes the event-log lock in the transaction `client` is in (see the module note);
/// a no-op if it already holds it. Ends with the transaction.
pub async fn lock_event_log(
    client: &impl tokio_postgres::GenericClient,
    info: &ConnInfo,
) -> Result<(), Error> {
    client
        .execute("SELECT pg_advisory_xact_lock($1)", &[&EVENT_LOG_LOCK])
        .await
        .map(|_| ())
        .map_err(|e| classify(info, &e))
}

/// An open, migrated PostgreSQL database: its address and a pool of connections.
pub struct Postgres {
    info: ConnInfo,
    pool: Pool,
    migrated: Migrated,
    /// The LISTEN connection of `wait_for_events`, started by its first call.
    listener: tokio::sync::Mutex<Option<Listener>>,
    /// Set once group commit is on (a worker): step commits go through it.
    committer: std::sync::OnceLock<crate::store::group_commit::Committer>,
}

impl Postgres {
    /// Connects, brings orch's schema up to date (see [`migrate::migrate`];
    /// `announce(from, to)` before upgrading an existing one) and keeps a pool of at
    /// most `pool_size` connections.
    pub async fn open(
        info: ConnInfo,
        pool_size: usize,
        announce: impl FnOnce(i64, i64),
    ) -> Result<Postgres, Error> {
        Self::open_with(info, pool_size, Create::Allowed, announce).await
    }

    /// [`Postgres::open`], refusing (exit 6, nothing created) a database without orch's
    /// schema unless `create` allows making it.
    pub async fn open_with(
        info: ConnInfo,
        pool_size: usize,
        create: Create,
        announce: impl FnOnce(i64, i64),
    ) -> Result<Postgres, Error> {
        let pool = connect::pool(&info, pool_size)?;
        // The pool's first connection looks at the schema, then serves the command: a
        // connection costs the server a process, and a short command needs one.
        let mut first = connect::pooled(&pool, &info).await?;
        let client: &mut tokio_postgres::Client = &mut first;
        if create == Create::Refused && migrate::schema_version(client, &info).await? == 0 {
            return Err(missing_schema(&info));
        }
        let migrated = migrate::migrate(client, &info, announce).await?;
        drop(first);
        Ok(Self::with(info, pool, migrated))
    }

    /// Connects to a database as it is, for `db check` and `db backup`: nothing is
    /// created or migrated. A database without orch's schema is refused (exit 6), as a
    /// missing SQLite file is.
    pub async fn open_as_is(info: ConnInfo) -> Result<Postgres, Error> {
        let pool = connect::pool(&info, 2)?;
        let client = connect::pooled(&pool, &info).await?;
        let schema = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)";
        let found: bool = client
            .query_one(schema, &[&info.schema()])
            .await
            .map_err(|e| classify(&info, &e))?
            .get(0);
        if !found {
            return Err(missing_schema(&info));
        }
        drop(client);
        Ok(Self::with(info, pool, Migrated::default()))
    }

    fn with(info: ConnInfo, pool: Pool, migrated: Migrated) -> Postgres {
        Postgres {
            info,
            pool,
            migrated,
            listener: tokio::sync::Mutex::new(None),
            committer: std::sync::OnceLock::new(),
        }
    }

    /// From now on, step commits through this store are written together by a
    /// committer task on the current runtime (see `committer`).
    pub fn start_group_commit(&self) -> Result<(), Error> {
        if self.committer.get().is_none() {
            let c = committer::start(self.pool.clone(), self.info.clone());
            let _ = self.committer.set(c);
        }
        Ok(())
    }

    /// A pooled connection, for the seam's operations (see `tx`).
    async fn pooled(&self) -> tx::R<PooledClient> {
        self.pool.get().await.map_err(tx::Fail::Pool)
    }

    pub fn info(&self) -> &ConnInfo {
        &self.info
    }

    /// What opening did to the schema.
    pub fn migrated(&self) -> Migrated {
        self.migrated
    }

    /// A connection from the pool.
    pub async fn client(&self) -> Result<PooledClient, Error> {
        connect::pooled(&self.pool, &self.info).await
    }

    /// Takes the consumer `name` for this reader (see `holds`); Err(who) when another
    /// reader holds it.
    pub async fn hold_consumer(&self, name: &str) -> Result<Result<holds::Hold, String>, Error> {
        holds::take(&self.info, name).await
    }

    /// Of `names`, whether a reader holds each now.
    pub async fn consumers_held(&self, names: &[String]) -> Result<Vec<bool>, Error> {
        let client = self.client().await?;
        holds::held(&client, &self.info, names).await
    }

    /// A listener woken by every commit that appends events to this schema.
    pub async fn listen(&self) -> Result<Listener, Error> {
        Listener::start(&self.info).await
    }
}

/// The refusal of a database without orch's schema, by a command that must not create
/// it.
fn missing_schema(info: &ConnInfo) -> Error {
    Error::not_found(format!(
        "there is no orch schema `{}` in the database at {info}",
        info.schema()
    ))
    .with_hint("`orch db migrate` creates it (so does any command that writes: `orch init`, `orch product load`, `orch workflow run`), or check --db / ORCH_DB and orch.toml's `pg_schema`")
}
