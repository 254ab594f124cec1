//! The PostgreSQL store's groundwork: where the database is ([`config`]), connecting
//! and pooling ([`connect`]) and one translation of every failure into orch's errors
//! ([`error`]).
//!
//! The driver is tokio-postgres: async, so it runs inside orch's tokio runtime (the
//! blocking `postgres` crate starts a runtime of its own and panics inside one), and
//! LISTEN/NOTIFY comes through `Connection::poll_message`. Not sqlx: it would link a
//! second SQLite next to rusqlite's bundled one, and its checked queries want a
//! database at build time.
//!
//! Unlike the SQLite store, nothing here blocks: every call is awaited, and a
//! connection may be held across `.await`s (it belongs to the pool, not the thread).

pub mod config;
pub mod connect;
pub mod error;
mod pgpass;
pub mod schema;

pub use config::{ConnInfo, PasswordSource, is_postgres};
pub use connect::PooledClient;
pub use error::classify;
pub use schema::quote_ident;
