//! What every request handler shares: the store (a few SQLite connections, so reads
//! do not queue behind one another), the project, the token cache, the secrets vault
//! of the in-process worker, the dashboard's templates, and the newest event's seq,
//! which one task follows for every live stream (see [`follow_events`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use super::auth::Tokens;
use super::{Options, Setup};
use crate::engine::owner::WorkerState;
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
    /// Why the server's worker stopped, once it has (the server serves on, but what
    /// is started here waits for another worker): health and the dashboard say so.
    pub worker_down: Arc<std::sync::OnceLock<String>>,
    pub log_requests: bool,
    pub tokens: Tokens,
    /// Views of processes at rest, kept rendered (`GET /processes/{id}`).
    pub rendered: super::rendered::Rendered,
    pub vault: Arc<Vault>,
    /// Signs the dashboard's forms (CSRF); new on every start.
    pub csrf_key: [u8; 32],
    pub templates: super::views::Templates,
    /// Turns true when the server stops: event streams end, so connections close.
    pub stopping: watch::Receiver<bool>,
    /// Since when and by whom the engine is paused (`orch engine pause`), as
    /// [`follow_engine`] last read it: every page says so.
    pub paused: std::sync::Mutex<Option<String>>,
    /// How many workers run on the database (this server's own included), as
    /// [`follow_engine`] last counted them; None before it could.
    pub workers: std::sync::Mutex<Option<usize>>,
    /// The newest event's seq, as [`follow_events`] last saw it.
    pub newest: watch::Receiver<i64>,
    newest_tx: watch::Sender<i64>,
}

impl App {
    pub async fn new(
        setup: &Setup,
        opts: &Options,
        stopping: watch::Receiver<bool>,
        vault: Arc<Vault>,
        worker_down: Arc<std::sync::OnceLock<String>>,
    ) -> Result<App> {
        let first = Store::open(&setup.location, Create::Allowed, &()).await?;
        let count = if first.kind() == "sqlite" {
            SQLITE_CONNECTIONS
        } else {
            1
        };
        let mut stores = vec![first];
        for _ in 1..count {
            stores.push(Store::open(&setup.location, Create::Allowed, &()).await?);
        }
        let (newest_tx, newest) = watch::channel(stores[0].last_seq().await?);
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
            worker_down,
            log_requests: opts.log_requests,
            tokens: Tokens,
            rendered: Default::default(),
            vault,
            csrf_key,
            templates: super::views::Templates::new()?,
            stopping,
            paused: std::sync::Mutex::new(None),
            workers: std::sync::Mutex::new(None),
            newest,
            newest_tx,
        })
    }

    /// Since when and by whom the engine is paused, when it is.
    pub fn paused(&self) -> Option<String> {
        self.paused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Keeps what the pages say of the engine: since when and by whom it is paused.
    pub fn note_engine(&self, state: &crate::store::workers::EngineState) {
        let paused = state.paused_at.as_ref().map(|at| {
            // To the minute, as a person reads it: `2026-01-31 08:00`.
            let at = at.get(..16).map_or(at.clone(), |m| m.replacen('T', " ", 1));
            match &state.paused_by {
                Some(by) => format!("since {at} by {by}"),
                None => format!("since {at}"),
            }
        });
        *self.paused.lock().unwrap_or_else(|e| e.into_inner()) = paused;
    }

    /// Whether a worker runs in this server now.
    pub fn worker_running(&self) -> bool {
        self.worker && self.worker_down.get().is_none()
    }

    /// How many workers the last count found (see [`App::count_workers`]).
    pub fn workers(&self) -> Option<usize> {
        *self.workers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many workers run on the database now, as `orch worker list` tells them:
    /// those of other orchs, and this server's own while it runs (counted from here,
    /// not from its row, which it may not have written yet, or not marked stopped).
    pub async fn count_workers(&self, store: &Store) -> Result<usize> {
        let me = crate::engine::owner::me();
        let others = store
            .workers(Duration::ZERO)
            .await?
            .iter()
            .filter(|w| w.worker_id != me)
            .filter(|w| WorkerState::of(w) == WorkerState::Running)
            .count();
        Ok(others + usize::from(self.worker_running()))
    }

    /// A store connection for one request (round robin).
    pub fn store(&self) -> &Store {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.stores.len();
        &self.stores[i]
    }
}

/// Follows the event log for every live stream of the server, until it stops: one
/// waiter on the store (`Store::wait_for_events`: LISTEN/NOTIFY on PostgreSQL, the
/// newest seq polled on SQLite), however many streams are open, each woken through
/// [`App::newest`]. A wake-up is only a hint: each stream reads the log itself.
pub async fn follow_events(app: Arc<App>) {
    const WAIT: Duration = Duration::from_secs(5);
    let store = &app.stores[0];
    let mut stopping = app.stopping.clone();
    loop {
        let seen = *app.newest.borrow();
        let waited = tokio::select! {
            r = store.wait_for_events(seen, WAIT) => r,
            _ = stopping.wait_for(|s| *s) => return,
        };
        match (waited, store.last_seq().await) {
            (Ok(()), Ok(last)) => {
                app.newest_tx.send_if_modified(|n| {
                    let newer = last > *n;
                    *n = (*n).max(last);
                    newer
                });
            }
            // The store is away (a PostgreSQL restart): streams keep their place and
            // read again once it is back.
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// Reads whether the engine is paused, and how many workers run, every few seconds,
/// for the pages to say so (the switch is one row, a worker's heartbeat another;
/// nothing announces their change).
pub async fn follow_engine(app: Arc<App>) {
    const EVERY: Duration = Duration::from_secs(2);
    let mut stopping = app.stopping.clone();
    loop {
        // A database that does not answer leaves the count unknown, not stale.
        let counted = app.count_workers(&app.stores[0]).await.ok();
        *app.workers.lock().unwrap_or_else(|e| e.into_inner()) = counted;
        if let Ok(state) = app.stores[0].engine_state().await {
            app.note_engine(&state);
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
    }
}
