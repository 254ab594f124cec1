//! The store seam: everything orch keeps, behind one interface in orch's own words.
//!
//! [`Store`] is what the engine, the tasks, the scheduler and the command line talk to:
//! create and claim a process, commit a step, read the step log, list subscriptions,
//! append and wait for events. Each method is one atomic operation; transactions, SQL
//! and driver types stay below this module (`sqlite`, and the PostgreSQL store beside
//! it). Which store a command talks to is decided once, when it opens the store.
//!
//! Why an enum rather than a trait object: the set of stores is closed (two), async
//! methods in traits are not object safe without boxing every call, and an enum keeps
//! static dispatch with one type that callers name. Each backend implements the same
//! method names; [`dispatch!`] forwards to them, so a method missing from one backend
//! is a compile error.
//!
//! The data types (`processes::ProcessRow`, `subscriptions::Subscription`, …) live in
//! the modules named after their table group and are shared by both backends.

pub mod callbacks;
pub mod damage;
pub mod events;
pub mod field_paths;
mod filters;
mod group_commit;
mod location;
pub mod locks;
pub mod postgres;
pub mod processes;
pub mod products;
pub mod schedules;
pub mod sqlite;
pub mod subscriptions;
#[cfg(test)]
mod tests;
pub mod tokens;
pub mod workers;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::bounded::Bounded;
use crate::domain::process::ProcessStatus;
use crate::domain::product::ProductDef;
use crate::domain::subscription::RefInfo;
use crate::domain::usability::{Facts, Refusal};
use crate::domain::workflow::WorkflowDef;
use crate::error::{Error, Kind};

pub use location::Location;
pub use sqlite::Sync;

/// Errors of the store, in terms a user can act on; the backends map their drivers'
/// errors into these.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Another writer held the database longer than the busy timeout.
    #[error("the database is busy: {0}")]
    Busy(String),
    /// The file or its pages are not a database orch can read.
    #[error("the database is damaged: {0}")]
    Damaged(String),
    #[error("the disk is full: {0}")]
    DiskFull(String),
    /// Permissions, a read-only file system or file.
    #[error("cannot write the database: {0}")]
    ReadOnly(String),
    /// A database server could not be reached, or refused orch.
    #[error("cannot reach the database: {0}")]
    Unreachable(String),
    /// The connection broke in the middle of a command.
    #[error("lost the connection to the database: {0}")]
    ConnectionLost(String),
    /// A step was written by an orch that no longer holds its process (its lease ran
    /// out and another took the process over); nothing was written.
    #[error("process {process_id} is held by {}, not by this orch: its lease ran out and the process was taken over; this step's result was not recorded", owner.as_deref().map(crate::engine::owner::describe).unwrap_or_else(|| "no orch".into()))]
    NotOwner {
        process_id: String,
        owner: Option<String>,
    },
    /// The database server refused the user a table or a statement orch needs (a
    /// PostgreSQL role granted reading only, say).
    #[error("the database refused: {message}")]
    Denied { message: String, hint: String },
    /// A stored value orch cannot read (written by a newer orch, or damaged by hand).
    #[error("stored data is invalid: {0}")]
    Data(String),
    #[error("database error: {0}")]
    Other(String),
}

impl StoreError {
    /// Whether the same request may well succeed later: the database was busy, out of
    /// reach, or the connection broke.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Busy(_) | StoreError::Unreachable(_) | StoreError::ConnectionLost(_)
        )
    }
}

/// How a [`StoreError::ReadOnly`] begins, as said.
const READ_ONLY: &str = "cannot write the database:";

/// How a [`StoreError::DiskFull`] begins, as said.
const DISK_FULL: &str = "the disk is full:";

/// How a [`StoreError::Busy`] begins, as said.
const BUSY: &str = "the database is busy:";

/// A refusal to write, a full disk, or a lock held too long says which database: the
/// driver's words ("attempt to write a readonly database", "database or disk is full",
/// "database is locked") name none, and the permissions to check, the disk to free, or
/// the program to wait for are that file's.
pub fn naming_the_database(e: Error, location: &str) -> Error {
    let named = e.message.contains(location) || e.causes.iter().any(|c| c.contains(location));
    let unnamed = [READ_ONLY, DISK_FULL, BUSY];
    if unnamed.iter().any(|start| e.message.starts_with(start)) && !named {
        e.with_cause(format!("the database is {location}"))
    } else {
        e
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        let text = e.to_string();
        match e {
            StoreError::Busy(_) => Error::new(Kind::Busy, text)
                .with_hint("another program (an orch, or a tool with the database open) held a lock this command needs for too long; try again once it is done"),
            StoreError::Damaged(_) => Error::failure(text).with_hint(
                "see what is wrong with `orch db check`; restore a copy made with `orch db backup`, or point --db at another database; orch did not change it",
            ),
            StoreError::DiskFull(_) => Error::failure(text).with_hint(
                "free some space on the database's disk; what this command was writing was rolled back (a step in flight runs again with `orch process retry ID`)",
            ),
            StoreError::ReadOnly(_) => Error::failure(text).with_hint(
                "check the permissions of the database file and its folder (PostgreSQL: that --db names the primary server, not a standby)",
            ),
            StoreError::Unreachable(_) => Error::new(Kind::Unavailable, text)
                .with_hint("check that the database server runs and that --db / ORCH_DB names it"),
            StoreError::ConnectionLost(_) => Error::new(Kind::Unavailable, text).with_hint(
                "once the database is back, run the command again; a step that was in flight was rolled back, and `orch process retry ID` finishes its process",
            ),
            StoreError::NotOwner { process_id, .. } => Error::conflict(text)
                .with_hint(format!("`orch process show {process_id}` shows who runs it now")),
            StoreError::Data(_) => Error::failure(text).with_hint(
                "the database holds a value this orch cannot read: written by a newer orch (`orch db status` shows the schema version), or changed by hand; `orch db check` lists what it cannot read",
            ),
            StoreError::Denied { hint, .. } => Error::failure(text).with_hint(hint),
            StoreError::Other(_) => Error::failure(text),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Whether an error says the database could not be reached or went away (as
/// [`StoreError::Unreachable`] and [`StoreError::ConnectionLost`], or the PostgreSQL
/// store's failures to connect, say it), rather than that an operation failed.
pub fn is_unavailable(e: &Error) -> bool {
    e.kind == Kind::Unavailable
        || e.message.starts_with("cannot reach the database")
        || e.message.starts_with("lost the connection to the database")
}

/// Whether opening may create a database that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// Create and migrate it (commands that make data). An empty (zero-byte) SQLite
    /// file is made a new database, and the observer is told.
    Allowed,
    /// Refuse, with exit 6 for a missing database and an error for an empty file
    /// (which may be a truncated database): a command that only reads, or changes what
    /// is there, never leaves a new database behind.
    Refused,
    /// As `Allowed`, and orch's tables may also go into a SQLite database that holds
    /// another application's (`orch db migrate`, asked for by name): any other command
    /// refuses such a file rather than change it unasked.
    Adopt,
}

/// How opening went, for the caller to tell the user.
pub trait OpenObserver {
    /// An existing database is about to be upgraded from one schema version to another.
    fn upgrading(&self, _from: i64, _to: i64) {}

    /// The SQLite file exists but is empty (zero bytes); it is about to be made a new,
    /// empty database.
    fn empty_file(&self) {}

    /// A database orch may not write beside is read as an immutable snapshot of its
    /// file, for a command that only reads ([`Store::open_to_read`]).
    fn read_as_snapshot(&self) {}
}

impl OpenObserver for () {}

/// Row counts and facts of `orch db status`.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub products: i64,
    pub subscriptions: i64,
    pub processes: i64,
    pub processes_by_status: Vec<(ProcessStatus, i64)>,
    pub steps: i64,
    pub events: i64,
}

/// What [`Store::check`] found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    /// Bytes the database takes.
    pub size_bytes: u64,
    /// `None` when the schema version cannot be read.
    pub schema_version: Option<i64>,
    /// The schema version this binary migrates to.
    pub latest_version: i64,
    /// What is wrong; empty when the database is sound.
    pub problems: Vec<String>,
    /// What is worth knowing but not wrong (an older schema, a newer one).
    pub notes: Vec<String>,
}

impl CheckReport {
    pub fn is_sound(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What [`Store::backup`] wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Backup {
    pub path: PathBuf,
    pub size_bytes: u64,
    pub schema_version: i64,
}

/// The outcome of taking a subscription for a new process.
#[derive(Debug)]
pub enum Lock {
    /// The process was created and holds the subscription.
    Taken,
    /// The workflow may not run on it now; nothing was created.
    Refused(Refusal),
    /// The subscription does not exist (any more).
    Missing,
    /// The process would run now, and the engine is paused; nothing was created.
    Paused,
}

/// Why a process rests when the engine is paused.
pub const PAUSED: &str = "the engine is paused";

/// Whether a waiting process's reason says the engine's pause put it at rest (alone, or
/// with where its step's retry policy was: `the engine is paused; the next attempt …`).
pub fn rests_paused(reason: Option<&str>) -> bool {
    reason.is_some_and(|r| r.starts_with(PAUSED))
}

/// The opened store. Cheap to share by reference; each method is atomic.
pub struct Store {
    backend: Backend,
    location: Location,
    /// The definitions processes run, kept parsed once read. A stored definition is
    /// named by the hash of its content and never changes, so a copy read once is good
    /// for as long as the store is open: none is ever invalidated. A project has tens
    /// of them, not thousands.
    definitions: Bounded<Arc<WorkflowDef>>,
}

/// The most parsed definitions a store keeps.
const DEFINITIONS_KEPT: usize = 512;

enum Backend {
    Sqlite(sqlite::Sqlite),
    // Boxed: its address and pool are large beside SQLite's connection.
    Postgres(Box<postgres::Postgres>),
}

/// Forwards a method call to the backend that serves this store.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.backend {
            Backend::Sqlite(b) => b.$method($($arg),*).await,
            // Boxed: a PostgreSQL call's future is kilobytes (the pool, the client, the
            // transaction), and inline it would make every future that calls the store
            // that large on SQLite too, copied with each step. One allocation is nothing
            // beside a round trip to the server.
            Backend::Postgres(b) => Box::pin(b.$method($($arg),*)).await,
        }
    };
}

/// Connections a command's PostgreSQL store keeps at most: a command drives one
/// process, a follower or a scheduler a few things at once.
const POOL_SIZE: usize = postgres::DEFAULT_POOL_SIZE;

impl Store {
    /// Opens the store at `location`, creating (when allowed) and migrating it.
    pub async fn open(
        location: &Location,
        create: Create,
        observer: &dyn OpenObserver,
    ) -> Result<Store, Error> {
        location.check_kind()?;
        let backend = match location {
            Location::Sqlite(path) => Backend::Sqlite(sqlite::Sqlite::open(
                path,
                Sync::from_env()?,
                create,
                observer,
            )?),
            Location::Postgres { .. } => {
                let info = location.conn_info()?;
                Backend::Postgres(Box::new(
                    postgres::Postgres::open_with(info, POOL_SIZE, create, |from, to| {
                        observer.upgrading(from, to)
                    })
                    .await?,
                ))
            }
        };
        Ok(Store {
            backend,
            location: location.clone(),
            definitions: Bounded::new(DEFINITIONS_KEPT),
        })
    }

    /// Opens an existing store for a command that only reads: as [`Store::open`] with
    /// creation refused, and a SQLite database in a place orch may not write (with no
    /// write-ahead log of commits beside it) is read as an immutable snapshot.
    pub async fn open_to_read(
        location: &Location,
        observer: &dyn OpenObserver,
    ) -> Result<Store, Error> {
        let Location::Sqlite(path) = location else {
            return Store::open(location, Create::Refused, observer).await;
        };
        location.check_kind()?;
        Ok(Store {
            backend: Backend::Sqlite(sqlite::Sqlite::open_to_read(
                path,
                Sync::from_env()?,
                observer,
            )?),
            location: location.clone(),
            definitions: Bounded::new(DEFINITIONS_KEPT),
        })
    }

    /// Opens an existing store as it is, to check or copy it (`orch db check`, `orch db
    /// backup`): nothing is created, migrated or repaired, and a damaged database still
    /// opens, so [`Store::check`] can say what is wrong with it. Only `check` and
    /// `backup` belong on a store opened this way.
    pub async fn open_as_is(location: &Location) -> Result<Store, Error> {
        location.check_kind()?;
        let backend = match location {
            Location::Sqlite(path) => Backend::Sqlite(sqlite::Sqlite::open_as_is(path)?),
            Location::Postgres { .. } => {
                let info = location.conn_info()?;
                Backend::Postgres(Box::new(postgres::Postgres::open_as_is(info).await?))
            }
        };
        Ok(Store {
            backend,
            location: location.clone(),
            definitions: Bounded::new(DEFINITIONS_KEPT),
        })
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// `sqlite` or `postgresql`.
    pub fn kind(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgresql",
        }
    }

    /// The schema version the database had when this command opened it, before
    /// migrating (0: it was created, or opened as it is).
    pub fn opened_at_version(&self) -> i64 {
        match &self.backend {
            Backend::Sqlite(b) => b.opened_at(),
            Backend::Postgres(b) => b.migrated().from,
        }
    }

    /// From now on, the steps of processes driven together through this store are
    /// committed together (group commit): a worker running many processes pays for one
    /// durable commit per batch instead of one per step.
    pub fn start_group_commit(&self) -> Result<(), Error> {
        match &self.backend {
            Backend::Sqlite(b) => b.start_group_commit(),
            Backend::Postgres(b) => b.start_group_commit(),
        }
    }

    /// The SQLite file, for the commands that only make sense on one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Sqlite(b) => Some(b.path()),
            Backend::Postgres(_) => None,
        }
    }

    /// How hard commits are synced, as `db status` says it.
    pub async fn durability(&self) -> StoreResult<String> {
        match &self.backend {
            Backend::Sqlite(_) => {
                Ok(Sync::from_env().map_or_else(|_| "full".into(), |s| s.as_str().into()))
            }
            Backend::Postgres(b) => b.durability().await,
        }
    }

    /// The schema version this binary migrates to.
    pub fn latest_version(&self) -> i64 {
        match &self.backend {
            Backend::Sqlite(_) => sqlite::latest_version(),
            Backend::Postgres(_) => postgres::latest_version(),
        }
    }

    // --- administration ------------------------------------------------------------

    pub async fn version(&self) -> StoreResult<i64> {
        dispatch!(self.version())
    }

    pub async fn counts(&self) -> StoreResult<Counts> {
        dispatch!(self.counts())
    }

    /// Bytes the database takes.
    pub async fn size(&self) -> StoreResult<u64> {
        dispatch!(self.size())
    }

    /// Looks for damage without changing anything: the backend's own consistency
    /// checks and orch's schema. A damaged database is a report, not an error.
    pub async fn check(&self) -> StoreResult<CheckReport> {
        dispatch!(self.check())
    }

    /// Writes a consistent copy of the database to the file `to`, also while other
    /// orch commands write; an existing `to` is replaced only with `replace`. A store
    /// that orch does not copy itself (PostgreSQL, which pg_dump backs up) answers
    /// with an error whose hint names the tool to use instead.
    pub async fn backup(&self, to: &Path, replace: bool) -> Result<Backup, Error> {
        dispatch!(self.backup(to, replace))
    }

    // --- workflow definitions ------------------------------------------------------

    /// Stores a definition (once per content) and returns its hash.
    pub async fn save_definition(
        &self,
        def: &WorkflowDef,
        source: Option<&str>,
    ) -> StoreResult<String> {
        dispatch!(self.save_definition(def, source))
    }

    /// The stored definition named by `hash` (kept parsed once read: see `Store::definitions`).
    pub async fn definition(&self, hash: &str) -> StoreResult<Option<Arc<WorkflowDef>>> {
        if let Some(def) = self.definitions.get(hash) {
            return Ok(Some(def));
        }
        let def = dispatch!(self.definition(hash))?.map(Arc::new);
        if let Some(def) = &def {
            self.definitions.put(hash, Arc::clone(def));
        }
        Ok(def)
    }

    /// The exact definition a process runs: the one it started with, or was last
    /// retried with.
    pub async fn definition_of(&self, p: &processes::ProcessRow) -> StoreResult<Arc<WorkflowDef>> {
        self.definition(&p.definition_hash).await?.ok_or_else(|| {
            StoreError::Data(format!(
                "the definition of process {} is missing",
                p.process_id
            ))
        })
    }

    // --- processes -----------------------------------------------------------------

    /// Creates a process; with `lock`, also takes its subscription for it after checking
    /// the workflow may run on it, all in one transaction, so two runs racing for one
    /// subscription cannot both start. Nothing is created unless the lock is taken.
    pub async fn create_process(
        &self,
        p: &processes::NewProcess<'_>,
        lock: Option<&WorkflowDef>,
    ) -> StoreResult<Lock> {
        dispatch!(self.create_process(p, lock))
    }

    pub async fn process(&self, id: &str) -> StoreResult<Option<processes::ProcessRow>> {
        dispatch!(self.process(id))
    }

    /// A process by id or a unique prefix of it.
    pub async fn find_process(&self, id: &str) -> StoreResult<processes::Find> {
        let id = &id_as_stored(id);
        dispatch!(self.find_process(id))
    }

    /// The row of process `id` (a whole id) without its state: one indexed read that
    /// tells whether anything about the process changed.
    pub async fn process_row(&self, id: &str) -> StoreResult<Option<processes::ProcessRow>> {
        dispatch!(self.process_row(id))
    }

    /// The processes `f` picks, newest first.
    pub async fn processes(
        &self,
        f: &processes::Filter,
    ) -> StoreResult<Vec<processes::ProcessRow>> {
        let mut rows = dispatch!(self.processes(f))?;
        if f.after.is_some() {
            rows.reverse();
        }
        Ok(rows)
    }

    /// One page of the processes `f` picks (`f.limit` of them, newest first), and
    /// whether there are older and newer ones beyond it, so that a link to the next
    /// or the page before is given only when that page has rows.
    pub async fn process_page(&self, f: &processes::Filter) -> StoreResult<processes::Page> {
        let mut wide = f.clone();
        wide.limit = f.limit.saturating_add(1);
        let mut rows = self.processes(&wide).await?;
        let beyond = rows.len() as i64 > f.limit;
        if beyond {
            // The row past the page: the oldest read down, the newest read up.
            match f.after {
                Some(_) => drop(rows.remove(0)),
                None => drop(rows.pop()),
            }
        }
        // The other side is there if one row lies past this page's end there; past
        // an empty page, every row there is lies on the other side.
        let across = |after: Option<&processes::ProcessRow>,
                      before: Option<&processes::ProcessRow>| {
            processes::Filter {
                after: after.map(|r| r.process_id.clone()),
                before: before.map(|r| r.process_id.clone()),
                limit: 1,
                ..f.clone()
            }
        };
        let other = match (&f.after, &f.before) {
            (Some(_), _) => across(None, rows.last()),
            (None, Some(_)) => across(rows.first(), None),
            (None, None) => {
                return Ok(processes::Page {
                    rows,
                    older: beyond,
                    newer: false,
                });
            }
        };
        let there = !self.processes(&other).await?.is_empty();
        let (older, newer) = match f.after {
            Some(_) => (there, beyond),
            None => (beyond, there),
        };
        Ok(processes::Page { rows, older, newer })
    }

    /// The processes started by `process`'s `workflow` steps, oldest first. Only a
    /// definition with a `workflow` step starts children, so none are looked for when
    /// `def` (the process's definition, if it is known) has none.
    pub async fn children(
        &self,
        process: &processes::ProcessRow,
        def: Option<&WorkflowDef>,
    ) -> StoreResult<Vec<processes::ProcessRow>> {
        if def.is_some_and(|d| !d.starts_children()) {
            return Ok(Vec::new());
        }
        let filter = processes::Filter {
            parent_id: Some(process.process_id.clone()),
            limit: 100_000,
            ..Default::default()
        };
        let mut children = self.processes(&filter).await?;
        children.reverse();
        Ok(children)
    }

    /// The step log of a process, oldest first.
    pub async fn steps(&self, process_id: &str) -> StoreResult<Vec<processes::StepRow>> {
        dispatch!(self.steps(process_id))
    }

    /// The one way a step is written: its log row, the process row, the subscription
    /// change it made and their events, in one transaction. Returns the status the
    /// process is left in: a process that would go on running rests `waiting` instead
    /// when the engine is paused (checked in the same transaction) or its orch stops.
    pub async fn commit_step(&self, c: processes::StepCommit) -> StoreResult<processes::Committed> {
        dispatch!(self.commit_step(c))
    }

    /// Makes `owner` the owner of a process and sets it running, with a lease, only if
    /// its row still has the owner and status the caller saw (compare and set), and
    /// the engine is not paused. With `lease_over`, the claim is a takeover of an owner
    /// whose lease ran out, judged by the store's clock.
    pub async fn claim_process(
        &self,
        id: &str,
        seen_owner: Option<&str>,
        seen_status: ProcessStatus,
        owner: &str,
        terms: workers::ClaimTerms,
    ) -> StoreResult<workers::ClaimOutcome> {
        dispatch!(self.claim_process(id, seen_owner, seen_status, owner, terms))
    }

    /// Claims up to `limit` processes of `which` kind, oldest first: for a worker,
    /// queued ones, waiting ones whose time has come, and running ones whose owner's
    /// lease ran out (taken over). Nothing while the engine is paused. The scheduler
    /// and `resume_waiting` claim waiting processes through this same claim.
    pub async fn claim_runnable(
        &self,
        owner: &str,
        lease: Duration,
        limit: usize,
        which: workers::Runnable<'_>,
    ) -> StoreResult<Vec<workers::ClaimedProcess>> {
        dispatch!(self.claim_runnable(owner, lease, limit, which))
    }

    /// Renews the lease on every process `owner` runs; returns those of them whose
    /// abort was asked for (`process abort` of a running process), with who asked.
    pub async fn renew_leases(
        &self,
        owner: &str,
        lease: Duration,
    ) -> StoreResult<Vec<(String, String)>> {
        dispatch!(self.renew_leases(owner, lease))
    }

    /// Records that `by` asks to abort a process a live orch runs: that orch aborts
    /// it when it sees the request. The first request stands; false when the process
    /// is not running any more (at rest, or finished) or not there.
    pub async fn request_abort(&self, id: &str, by: &str) -> StoreResult<bool> {
        dispatch!(self.request_abort(id, by))
    }

    /// Puts a running process that `owner` holds at rest as `waiting`, due again after
    /// `retry_in` (None: only by hand), without a step: its orch stops between steps.
    /// Returns false (and changes nothing) when `owner` no longer holds it.
    pub async fn rest_process(
        &self,
        id: &str,
        owner: &str,
        reason: &str,
        retry_in: Option<Duration>,
    ) -> StoreResult<bool> {
        dispatch!(self.rest_process(id, owner, reason, retry_in))
    }

    /// The latest child process the step at `step` (a path) of `parent` started.
    pub async fn child_process(
        &self,
        parent: &str,
        step: &str,
    ) -> StoreResult<Option<processes::ProcessRow>> {
        dispatch!(self.child_process(parent, step))
    }

    /// Puts a running process at rest for its children, without a step, as `at_rest`:
    /// `waiting` while one of them can go on by itself, `suspended` or
    /// `awaiting_callback` while they await a person or an external system. It is due
    /// again when one of them comes to rest, or at once if one did meanwhile.
    pub async fn await_children(
        &self,
        id: &str,
        owner: &str,
        at_rest: ProcessStatus,
        reason: &str,
    ) -> StoreResult<()> {
        dispatch!(self.await_children(id, owner, at_rest, reason))
    }

    /// Hands a failed, waiting or suspended process without owner to the workers
    /// (`created`), if it is still `seen_status`, noting who asked in its event;
    /// returns whether it was queued.
    pub async fn queue_process(
        &self,
        id: &str,
        seen_status: ProcessStatus,
        by: &str,
    ) -> StoreResult<bool> {
        dispatch!(self.queue_process(id, seen_status, by))
    }

    // --- workers and the engine switch ----------------------------------------------

    /// Records a worker that starts (its id is its owner name).
    pub async fn register_worker(
        &self,
        id: &str,
        concurrency: usize,
        lease: Duration,
    ) -> StoreResult<()> {
        dispatch!(self.register_worker(id, concurrency, lease))
    }

    /// A worker's heartbeat: its own lease and those of the processes it runs; returns
    /// those of them whose abort was asked for, with who asked.
    pub async fn worker_beat(
        &self,
        id: &str,
        lease: Duration,
    ) -> StoreResult<Vec<(String, String)>> {
        dispatch!(self.worker_beat(id, lease))
    }

    /// A worker asked to stop: it claims nothing more, and its steps in flight have
    /// `grace` to finish.
    pub async fn worker_stopping(&self, id: &str, grace: Duration) -> StoreResult<()> {
        dispatch!(self.worker_stopping(id, grace))
    }

    pub async fn worker_stopped(&self, id: &str) -> StoreResult<()> {
        dispatch!(self.worker_stopped(id))
    }

    /// Live workers, and those that stopped or died within `recent`.
    pub async fn workers(&self, recent: Duration) -> StoreResult<Vec<workers::WorkerRow>> {
        dispatch!(self.workers(recent))
    }

    pub async fn engine_state(&self) -> StoreResult<workers::EngineState> {
        dispatch!(self.engine_state())
    }

    /// Pauses the engine (`Some(by)`) or lets it run again (`None`); returns whether
    /// that changed anything. The processes a pause put at rest are due at once, so
    /// workers pick them up when the engine runs again.
    pub async fn set_paused(&self, by: Option<&str>) -> StoreResult<bool> {
        dispatch!(self.set_paused(by))
    }

    /// Gives up on a process `owner` holds, without a step (an error outside any
    /// step): it loses its owner and rests `failed` with the reason, so it stays
    /// retryable. Changes nothing when `owner` no longer holds it.
    pub async fn fail_process(&self, id: &str, owner: &str, reason: &str) -> StoreResult<()> {
        dispatch!(self.fail_process(id, owner, reason))
    }

    /// Makes a process continue with another definition (`retry --use-current`).
    pub async fn switch_definition(
        &self,
        process_id: &str,
        def: &WorkflowDef,
        source: Option<&str>,
    ) -> StoreResult<String> {
        dispatch!(self.switch_definition(process_id, def, source))
    }

    /// Deletes completed task runs last changed before `cutoff`; returns how many runs
    /// and steps went. Their events stay.
    pub async fn delete_task_runs(&self, cutoff: &str) -> StoreResult<(usize, usize)> {
        dispatch!(self.delete_task_runs(cutoff))
    }

    // --- callbacks and locks (DESIGN §14) --------------------------------------------

    /// Records a callback token (only its hash) before the step's `run` hands it out,
    /// so an answer that comes before the step ends is not lost.
    pub async fn open_callback(&self, c: &callbacks::NewCallback<'_>) -> StoreResult<()> {
        dispatch!(self.open_callback(c))
    }

    /// Where the callback step `step` of a process stands: an answer to take, the
    /// tokens still open, their deadline.
    pub async fn callback_wait(
        &self,
        process_id: &str,
        step: &str,
    ) -> StoreResult<callbacks::Wait> {
        dispatch!(self.callback_wait(process_id, step))
    }

    /// The token with this hash, open or not.
    pub async fn callback(&self, token_hash: &str) -> StoreResult<Option<callbacks::CallbackRow>> {
        dispatch!(self.callback(token_hash))
    }

    /// Takes the answer to an open token, if it is still open, unanswered and in time;
    /// of any number of answers racing for one step, exactly one is accepted.
    pub async fn answer_callback(
        &self,
        token_hash: &str,
        result: &Value,
        by: &str,
    ) -> StoreResult<callbacks::Answer> {
        dispatch!(self.answer_callback(token_hash, result, by))
    }

    /// Records a `step.progress` event for an open token without ending the wait;
    /// false when no open token has this hash.
    pub async fn callback_progress(&self, token_hash: &str, data: &Value) -> StoreResult<bool> {
        dispatch!(self.callback_progress(token_hash, data))
    }

    /// Takes every lock of `names` for a process (for `step`, or for the whole run
    /// with None), or none: when one is held by another process, or another queued for
    /// it first, the process queues for it and the answer names who is in the way.
    /// Step commits let go of locks (see `locks`), so nothing else releases them.
    pub async fn take_locks(
        &self,
        process_id: &str,
        step: Option<&str>,
        names: &[String],
    ) -> StoreResult<locks::Take> {
        dispatch!(self.take_locks(process_id, step, names))
    }

    /// Every lock held or queued for, with its queue in order.
    pub async fn locks(&self) -> StoreResult<Vec<locks::LockRow>> {
        dispatch!(self.locks())
    }

    // --- API tokens ----------------------------------------------------------------

    /// Stores a token's hash under a name; false when a live token has the name (a
    /// revoked one is replaced).
    pub async fn create_token(&self, t: &tokens::NewToken<'_>) -> StoreResult<bool> {
        dispatch!(self.create_token(t))
    }

    /// Every token, live and revoked, by name.
    pub async fn tokens(&self) -> StoreResult<Vec<tokens::TokenRow>> {
        dispatch!(self.tokens())
    }

    /// Revokes a live token; false when there is none of that name.
    pub async fn revoke_token(&self, name: &str) -> StoreResult<bool> {
        dispatch!(self.revoke_token(name))
    }

    // --- subscriptions -------------------------------------------------------------

    pub async fn subscription(&self, id: &str) -> StoreResult<Option<subscriptions::Subscription>> {
        dispatch!(self.subscription(id))
    }

    /// A subscription by id or a unique prefix of it.
    pub async fn find_subscription(&self, id: &str) -> StoreResult<subscriptions::Find> {
        let id = &id_as_stored(id);
        dispatch!(self.find_subscription(id))
    }

    pub async fn subscriptions(
        &self,
        f: &subscriptions::Filter,
    ) -> StoreResult<Vec<subscriptions::Subscription>> {
        let products: Vec<ProductDef> = if f.fields.is_empty() {
            Vec::new()
        } else {
            self.products().await?.into_iter().map(|p| p.def).collect()
        };
        let spell = |path: &str, text: &str| field_paths::as_indexed(&products, path, text);
        let f = &subscriptions::Filter {
            fields: f
                .fields
                .iter()
                .map(|(p, v)| (p.clone(), spell(p, v)))
                .collect(),
            ..f.clone()
        };
        if !f.fields.iter().any(|(p, _)| field_paths::has_indexes(p)) {
            return dispatch!(self.subscriptions(f));
        }
        // Paths with list indexes: found by the paths without them, then checked at
        // the exact item, and only then paged.
        let loose = subscriptions::Filter {
            fields: f
                .fields
                .iter()
                .map(|(p, v)| (field_paths::without_indexes(p), v.clone()))
                .collect(),
            limit: i64::MAX,
            offset: 0,
            ..f.clone()
        };
        let found: Vec<subscriptions::Subscription> = dispatch!(self.subscriptions(&loose))?;
        Ok(found
            .into_iter()
            .filter(|s| {
                let doc = s.document();
                f.fields
                    .iter()
                    .filter(|(p, _)| field_paths::has_indexes(p))
                    .all(|(p, v)| field_paths::holds(&doc, p, v, |text| spell(p, text)))
            })
            .skip(usize::try_from(f.offset).unwrap_or(0))
            .take(usize::try_from(f.limit).unwrap_or(usize::MAX))
            .collect())
    }

    /// Tag and lifecycle of each of these subscriptions that exists, for reference
    /// checks.
    pub async fn ref_infos(&self, ids: &[String]) -> StoreResult<HashMap<String, RefInfo>> {
        dispatch!(self.ref_infos(ids))
    }

    /// The id, status and document of every subscription of a product.
    pub async fn documents_of_product(
        &self,
        product_id: &str,
    ) -> StoreResult<Vec<(String, crate::domain::lifecycle::Lifecycle, Value)>> {
        dispatch!(self.documents_of_product(product_id))
    }

    /// The subscriptions whose fields point at `id`.
    pub async fn in_use_by(&self, id: &str) -> StoreResult<Vec<subscriptions::Related>> {
        dispatch!(self.in_use_by(id))
    }

    /// The subscriptions `id` points at.
    pub async fn depends_on(&self, id: &str) -> StoreResult<Vec<subscriptions::Related>> {
        dispatch!(self.depends_on(id))
    }

    /// Everything the usability of a workflow on `s` depends on; `except` is the
    /// process asking (it does not hold the subscription against itself).
    pub async fn usability_facts(
        &self,
        s: &subscriptions::Subscription,
        except: Option<&str>,
    ) -> StoreResult<Facts> {
        dispatch!(self.usability_facts(s, except))
    }

    /// The processes that ran on or changed a subscription, oldest first.
    pub async fn processes_of(&self, id: &str) -> StoreResult<Vec<subscriptions::Touch>> {
        dispatch!(self.processes_of(id))
    }

    // --- products ------------------------------------------------------------------

    pub async fn products(&self) -> StoreResult<Vec<products::StoredProduct>> {
        dispatch!(self.products())
    }

    pub async fn product_by_name(
        &self,
        name: &str,
    ) -> StoreResult<Option<products::StoredProduct>> {
        dispatch!(self.product_by_name(name))
    }

    pub async fn product_by_id(&self, id: &str) -> StoreResult<Option<products::StoredProduct>> {
        dispatch!(self.product_by_id(id))
    }

    /// The products `name` names: the one of that name, else those with that tag
    /// (one, none, or several when products share a tag).
    pub async fn products_named(&self, name: &str) -> StoreResult<Vec<products::StoredProduct>> {
        if let Some(p) = self.product_by_name(name).await? {
            return Ok(vec![p]);
        }
        self.products_by_tags(&[name.to_string()]).await
    }

    /// The products of any of these tags, in tag order.
    pub async fn products_by_tags(
        &self,
        tags: &[String],
    ) -> StoreResult<Vec<products::StoredProduct>> {
        dispatch!(self.products_by_tags(tags))
    }

    pub async fn subscription_count(&self, product_id: &str) -> StoreResult<i64> {
        dispatch!(self.subscription_count(product_id))
    }

    /// Applies product changes in one transaction, with their events; returns, per
    /// change, whether it changed anything.
    pub async fn apply_products(
        &self,
        changes: &[products::ProductChange<'_>],
    ) -> StoreResult<Vec<bool>> {
        dispatch!(self.apply_products(changes))
    }

    // --- events --------------------------------------------------------------------

    pub async fn events(&self, f: &events::Filter) -> StoreResult<Vec<events::Event>> {
        dispatch!(self.events(f))
    }

    /// The matching events after `f.since` (at most `f.limit`) and the seq up to which
    /// the log was looked at, both from one snapshot: a follower moves to that seq even
    /// when the filter left every event out. An event whose data cannot be read ends
    /// the page before it; it is the error of the page that would start with it.
    pub async fn events_page(&self, f: &events::Filter) -> StoreResult<events::Page> {
        dispatch!(self.events_page(f))
    }

    pub async fn last_seq(&self) -> StoreResult<i64> {
        dispatch!(self.last_seq())
    }

    /// Waits until an event after `seq` may have committed, or `timeout` passed.
    /// Returns at once when there already is one; a spurious return is allowed, a
    /// missed commit is not.
    pub async fn wait_for_events(&self, seq: i64, timeout: Duration) -> StoreResult<()> {
        dispatch!(self.wait_for_events(seq, timeout))
    }

    pub async fn consumers(&self) -> StoreResult<Vec<events::Consumer>> {
        dispatch!(self.consumers())
    }

    pub async fn consumer(&self, name: &str) -> StoreResult<Option<events::Consumer>> {
        dispatch!(self.consumer(name))
    }

    /// Starts a named consumer: at `since` when given (moving an existing one there),
    /// else where it stopped (a new one at `default`). Returns its position and what it
    /// was before, in one transaction.
    pub async fn start_consumer(
        &self,
        name: &str,
        since: Option<i64>,
        default: i64,
    ) -> StoreResult<(i64, Option<events::Consumer>)> {
        dispatch!(self.start_consumer(name, since, default))
    }

    /// Moves a consumer from `from` to `to`; false when another reader of the same name
    /// moved it meanwhile.
    pub async fn advance_consumer(&self, name: &str, from: i64, to: i64) -> StoreResult<bool> {
        dispatch!(self.advance_consumer(name, from, to))
    }

    pub async fn delete_consumer(&self, name: &str) -> StoreResult<bool> {
        dispatch!(self.delete_consumer(name))
    }

    /// Takes the consumer `name` for this reader alone, until the hold is dropped or
    /// the process ends, however it ends (see `sqlite::holds`, `postgres::holds`);
    /// Err(who) when another reader holds it. A reader killed a moment ago may still
    /// hold it for a few milliseconds: this tries for [`events::HOLD_GRACE`].
    pub async fn hold_consumer(
        &self,
        name: &str,
    ) -> Result<Result<events::ConsumerHold, String>, Error> {
        Ok(match &self.backend {
            Backend::Sqlite(b) => match sqlite::holds::take(b.path(), name).await? {
                Some(h) => Ok(events::ConsumerHold::Sqlite(h)),
                None => Err("another orch on this host".to_string()),
            },
            Backend::Postgres(b) => b
                .hold_consumer(name)
                .await?
                .map(|h| events::ConsumerHold::Postgres(Box::new(h))),
        })
    }

    /// Of `names`, whether a reader holds each now.
    pub async fn consumers_held(&self, names: &[String]) -> Result<Vec<bool>, Error> {
        match &self.backend {
            Backend::Sqlite(b) => Ok(sqlite::holds::held(b.path(), names)),
            Backend::Postgres(b) => b.consumers_held(names).await,
        }
    }

    // --- schedules -----------------------------------------------------------------

    pub async fn schedule(&self, workflow: &str) -> StoreResult<Option<schedules::ScheduleRow>> {
        dispatch!(self.schedule(workflow))
    }

    pub async fn schedules(&self) -> StoreResult<Vec<schedules::ScheduleRow>> {
        dispatch!(self.schedules())
    }

    /// Records a due run and creates the process that runs it, if nobody else claimed
    /// the run since `c.seen_last_run_at` was read; returns whether this caller won.
    pub async fn claim_schedule(
        &self,
        c: &schedules::Claimed<'_>,
        run: &processes::NewProcess<'_>,
    ) -> StoreResult<bool> {
        dispatch!(self.claim_schedule(c, run))
    }
}

/// Reference lookups for subscription validation, answered from a map fetched
/// beforehand (validation itself does no I/O).
pub struct RefMap(pub HashMap<String, RefInfo>);

impl crate::domain::subscription::References for RefMap {
    fn lookup(&self, id: &str) -> Option<RefInfo> {
        self.0.get(id).cloned()
    }
}

/// An id (or a prefix of one) as ids are stored: UUIDs in lower case, so one copied
/// from a tool that prints them in upper case is found too. Text that is no UUID is
/// left as it is.
fn id_as_stored(id: &str) -> String {
    if id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        id.to_ascii_lowercase()
    } else {
        id.to_string()
    }
}

/// Every string in a document that could be a subscription id, for [`Store::ref_infos`],
/// spelt as ids are stored (and as validation looks a reference up): `0190C1C2…` and
/// `{0190c1c2…}` name the subscription `0190c1c2-…`.
pub fn candidate_refs(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                if let Ok(id) = uuid::Uuid::parse_str(s) {
                    out.push(id.to_string());
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            Value::Object(o) => o.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut out);
    out.sort();
    out.dedup();
    out
}
