//! Helpers for the crate's own unit tests: a migrated store in a folder, a way to wait
//! for a future from a plain test, and the same test on both stores.
//!
//! A test about what the store promises is a plain `fn name()` followed by
//! `both!(name);` (see `store::postgres::testing`); inside, [`TestStore::new`] opens
//! the store of the variant (for PostgreSQL a fresh schema on the test server).

use std::path::Path;

use crate::store::postgres::testing as server;
use crate::store::{Create, Location, Store};

/// Runs a future to completion on a fresh single-threaded runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a test runtime")
}

/// The SQLite store `orch.db` in `dir`, created and migrated when missing.
pub fn sqlite(dir: &Path) -> Store {
    block_on(Store::open(
        &Location::Sqlite(dir.join("orch.db")),
        Create::Allowed,
        &(),
    ))
    .expect("a test store")
}

pub(crate) use server::both;

/// A store of this thread's kind with the runtime its calls run on: a PostgreSQL
/// store's connections are driven by the runtime that made them, so every call of a
/// test goes through [`TestStore::run`].
pub struct TestStore {
    pub store: Store,
    rt: tokio::runtime::Runtime,
    /// Dropped after the store: the schema goes when the test ends.
    _schema: Option<server::TestSchema>,
}

impl TestStore {
    /// A new store: `orch.db` in `dir`, or a fresh schema on the test server.
    pub fn new(dir: &Path) -> TestStore {
        let rt = runtime();
        let (location, schema) = match server::current() {
            server::Store::Sqlite => (Location::Sqlite(dir.join("orch.db")), None),
            server::Store::Postgres => {
                let s = server::schema().expect("a PostgreSQL schema for the test");
                let location = Location::parse(s.url.as_ref(), dir, None);
                (location, Some(s))
            }
        };
        let store = rt
            .block_on(Store::open(&location, Create::Allowed, &()))
            .expect("a test store");
        TestStore {
            store,
            rt,
            _schema: schema,
        }
    }

    /// Another store on the same database, as a second orch would open it.
    pub fn another(&self) -> Store {
        self.run(Store::open(self.store.location(), Create::Allowed, &()))
            .expect("a second store")
    }

    /// Runs a future on this store's runtime.
    pub fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}
