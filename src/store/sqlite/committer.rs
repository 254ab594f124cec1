//! Group commit for SQLite: the steps of many processes that finish together are
//! written in one transaction, so a worker running many processes pays one fsync for
//! all of them instead of one each.
//!
//! A committer thread owns a connection of its own. Engines hand it their step commits
//! and wait; it takes the first that arrives and writes it, then every other that is
//! waiting or arrives while it writes, in the same transaction, and commits once none
//! is left. While one batch is being synced, the next one gathers. A batch that would
//! be small while many processes run commands waits a moment for more
//! (`store::group_commit::Gatherer`); a lone process's never does. A step is reported
//! done only after the transaction that holds it is durable.
//!
//! If one step fails (an error of its own, say a process another worker took over) or
//! the shared commit itself fails (busy, disk full), the batch is rolled back and its
//! steps are written again one transaction each, so no step fails because of another.

use std::path::Path;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::mpsc;

use super::step_commit::{TxFacts, commit_one};
use super::{Sync, open_unmigrated, write_tx};
use crate::error::Error;
use crate::store::StoreResult;
use crate::store::group_commit::{self, Job};
use crate::store::processes::{Committed, Left, StepCommit};

/// The handle engines send their commits to.
pub struct Committer {
    handle: group_commit::Committer,
    // Dropped after `handle`, whose drop closes the queue and so ends the thread.
    _thread: Joined,
}

impl Committer {
    /// Starts a committer on its own connection to the (migrated) database at `path`.
    pub fn start(path: &Path, sync: Sync) -> Result<Committer, Error> {
        // The store's own connection opened the database before this one.
        let conn = open_unmigrated(path, sync, crate::store::Create::Refused)?;
        let (handle, rx) = group_commit::Committer::channel();
        let thread = std::thread::Builder::new()
            .name("orch-committer".into())
            .spawn(move || serve(conn, rx))
            .map_err(|e| Error::internal(format!("cannot start the committer: {e}")))?;
        Ok(Committer {
            handle,
            _thread: Joined(Some(thread)),
        })
    }

    /// Writes one step with whatever else is waiting; returns once it is durable.
    pub async fn commit(&self, commit: StepCommit) -> StoreResult<Committed> {
        self.handle.commit(commit).await
    }
}

/// The committer's thread, waited for when dropped, so that a store dropped before
/// orch exits is closed as SQLite expects: the write-ahead log checkpointed into the
/// database file and removed. Left running, the thread was cut off by the exit in the
/// middle of that checkpoint, and the log stayed behind for the next command to
/// recover.
struct Joined(Option<JoinHandle<()>>);

impl Drop for Joined {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

fn serve(mut conn: Connection, mut rx: mpsc::UnboundedReceiver<Job>) {
    crate::engine::command::leave_child_signals_to_main_thread();
    let mut gatherer = group_commit::Gatherer::default();
    while let Some(first) = rx.blocking_recv() {
        let mut gathering = gatherer.start(&first);
        let mut batch = vec![first];
        let written = write_together(&mut conn, &mut batch, || gathering.next(&mut rx));
        gatherer.wrote(&batch);
        let results: Vec<StoreResult<Left>> = match written {
            Ok(results) => results,
            // A step or the shared commit failed: none of the steps is lost for it.
            Err(_) => batch
                .iter_mut()
                .map(|job| write_alone(&mut conn, &mut job.commit))
                .collect(),
        };
        for (job, result) in batch.into_iter().zip(results) {
            job.answer(result);
        }
    }
}

/// Every step in one transaction: those of `batch`, then each that `more` gives until
/// it gives none, each written as it comes, so the steps that arrive while others are
/// written join them. The first step that fails rolls the whole batch back (its
/// transaction is dropped unfinished), and [`serve`] writes each step taken so far
/// again alone, so that step fails by itself and the others commit. A failing step is
/// rare (a process taken over by another worker); a savepoint per step, which would
/// keep the others without a second write, makes SQLite keep a sub-journal of every
/// page each step touches, which every batch would pay for.
fn write_together(
    conn: &mut Connection,
    batch: &mut Vec<Job>,
    mut more: impl FnMut() -> Option<Job>,
) -> StoreResult<Vec<StoreResult<Left>>> {
    let tx = write_tx(conn)?;
    let mut facts = TxFacts::default();
    let mut results = Vec::with_capacity(batch.len());
    for job in batch.iter_mut() {
        results.push(Ok(commit_one(&tx, &mut job.commit, &mut facts)?));
    }
    while let Some(mut job) = more() {
        let left = commit_one(&tx, &mut job.commit, &mut facts);
        // Kept with the others whatever its outcome: a failure writes them all again.
        batch.push(job);
        results.push(Ok(left?));
    }
    tx.commit()?;
    Ok(results)
}

fn write_alone(conn: &mut Connection, c: &mut StepCommit) -> StoreResult<Left> {
    let tx = write_tx(conn)?;
    let status = commit_one(&tx, c, &mut TxFacts::default())?;
    tx.commit()?;
    Ok(status)
}
