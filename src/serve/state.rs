//! What every request handler shares: the store (a few SQLite connections, so reads
//! do not queue behind one another), the project, the token cache, the secrets vault
//! of the in-process worker and the dashboard's templates.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use super::auth::Tokens;
use super::{Options, Setup};
use crate::error::Result;
use crate::project::Project;
use crate::store::{Create, Location, Store};
use crate::worker::Vault;

/// How many SQLite connections the handlers share. A SQLite store answers each call
/// on its connection, synchronously; several connections let WAL readers run side by
/// side on the runtime's threads. A server store (PostgreSQL) pools by itself.
const SQLITE_CONNECTIONS: usize = 4;

pub struct App {
    stores: Vec<Store>,
    next: AtomicUsize,
    pub project: Project,
    pub location: Location,
    /// Who requests act as when there is no token (`--no-auth`).
    pub user: String,
    pub lease: Duration,
    pub auth: bool,
    pub worker: bool,
    pub log_requests: bool,
    pub tokens: Tokens,
    pub vault: Arc<Vault>,
    /// Signs the dashboard's forms (CSRF); new on every start.
    pub csrf_key: [u8; 32],
    pub templates: super::views::Templates,
    /// Turns true when the server stops: event streams end, so connections close.
    pub stopping: watch::Receiver<bool>,
}

impl App {
    pub fn new(
        setup: &Setup,
        opts: &Options,
        stopping: watch::Receiver<bool>,
        vault: Arc<Vault>,
    ) -> Result<App> {
        let first = Store::open(&setup.location, Create::Allowed, &())?;
        let count = if first.kind() == "sqlite" {
            SQLITE_CONNECTIONS
        } else {
            1
        };
        let mut stores = vec![first];
        for _ in 1..count {
            stores.push(Store::open(&setup.location, Create::Allowed, &())?);
        }
        let csrf_key = super::secret::random_bytes::<32>()
            .map_err(|e| crate::error::Error::failure(format!("cannot read random bytes: {e}")))?;
        Ok(App {
            stores,
            next: AtomicUsize::new(0),
            project: setup.project.clone(),
            location: setup.location.clone(),
            user: setup.user.clone(),
            lease: setup.lease,
            auth: opts.auth,
            worker: opts.worker,
            log_requests: opts.log_requests,
            tokens: Tokens::default(),
            vault,
            csrf_key,
            templates: super::views::Templates::new()?,
            stopping,
        })
    }

    /// A store connection for one request (round robin).
    pub fn store(&self) -> &Store {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.stores.len();
        &self.stores[i]
    }
}
