//! Helpers for the crate's own unit tests: a migrated store in a folder, and a way to
//! wait for a future from a plain test.

use std::path::Path;

use crate::store::{Create, Location, Store};

/// Runs a future to completion on a fresh single-threaded runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a test runtime")
        .block_on(f)
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
