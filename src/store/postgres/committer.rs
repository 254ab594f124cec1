//! Group commit for PostgreSQL: the steps of many processes that finish together are
//! written in one transaction, as on SQLite (`store::sqlite::committer`), so a worker
//! running many processes waits for one durable commit per batch instead of one per
//! step, and takes the event-log lock once per batch.
//!
//! A task on the worker's runtime takes the first commit that arrives, writes it inside
//! a savepoint of a transaction, then every other that is waiting or arrives while it
//! writes, and commits once none is left; no delay is added, the next batch gathers
//! while one commits. A step is reported done only after its transaction committed.
//!
//! One step that fails on its own (a constraint, stored data it cannot read) is rolled
//! back to its savepoint and fails alone. If the transaction itself fails (a conflict,
//! a lost connection), every step is written again in a transaction of its own, so no
//! step fails because of another.

use deadpool_postgres::Pool;
use tokio::sync::mpsc;

use super::config::ConnInfo;
use super::ops::commit_one;
use super::tx::{Fail, R, in_tx};
use crate::store::group_commit::{self, Committer, Job};
use crate::store::processes::Left;
use crate::store::{StoreError, StoreResult};

/// What the committer's task writes with: the store's pool and address.
struct Writer {
    pool: Pool,
    info: ConnInfo,
}

impl Writer {
    async fn pooled(&self) -> R<deadpool_postgres::Object> {
        self.pool.get().await.map_err(Fail::Pool)
    }

    fn info(&self) -> &ConnInfo {
        &self.info
    }
}

/// Starts a committer task on the current runtime.
pub fn start(pool: Pool, info: ConnInfo) -> Committer {
    let (handle, rx) = Committer::channel();
    tokio::spawn(serve(Writer { pool, info }, rx));
    handle
}

async fn serve(w: Writer, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let results = match write_together(&w, &mut batch, &mut rx).await {
            Ok(results) => results,
            // The server does not answer: each step alone would wait as long again, one
            // after the other. Every step fails with it (and is retried).
            Err(e @ StoreError::ConnectionLost(_)) if super::tx::is_silent(&e) => {
                batch.iter().map(|_| Err(e.clone())).collect()
            }
            // The shared transaction failed: none of the steps is lost for it.
            Err(_) => {
                let mut alone = Vec::with_capacity(batch.len());
                for job in &mut batch {
                    alone.push(in_tx!(&w, write, |tx| commit_one(&mut tx, &mut job.commit).await?));
                }
                alone
            }
        };
        for (job, result) in batch.into_iter().zip(results) {
            job.answer(result);
        }
    }
}

/// Every step in a savepoint of one transaction; an error of one step is its own.
/// The steps of `batch` are written first, then each that is waiting when the one
/// before is written, so the steps that arrive while the others are written join
/// them (the engines run while this task waits for the server). A transaction run
/// again after a conflict writes the whole batch again.
async fn write_together(
    w: &Writer,
    batch: &mut Vec<Job>,
    rx: &mut mpsc::UnboundedReceiver<Job>,
) -> StoreResult<Vec<StoreResult<Left>>> {
    in_tx!(w, write, |tx| {
        let mut results = Vec::with_capacity(batch.len());
        let mut next = 0;
        while next < batch.len() || take_waiting(batch, rx) {
            let job = &mut batch[next];
            next += 1;
            let mark = tx.savepoint().await?;
            match commit_one(&mut tx, &mut job.commit).await {
                Ok(status) => results.push(Ok(status)),
                Err(e) if e.is_own() => {
                    tx.roll_back_to(mark).await?;
                    results.push(Err(e.into_store(w.info())));
                }
                Err(e) => return Err(e),
            }
        }
        results
    })
}

/// Adds a step that is waiting to `batch`, unless it is full; whether one was added.
fn take_waiting(batch: &mut Vec<Job>, rx: &mut mpsc::UnboundedReceiver<Job>) -> bool {
    match group_commit::take_waiting(batch.len(), rx) {
        Some(job) => {
            batch.push(job);
            true
        }
        None => false,
    }
}

impl Fail {
    /// A failure of one step's own statements, which leaves the transaction usable
    /// once rolled back to the step's savepoint (not a lost connection, not a
    /// conflict the server aborted the transaction for).
    fn is_own(&self) -> bool {
        match self {
            Fail::Store(_) => true,
            Fail::Driver(e) => e.as_db_error().is_some() && !self.is_busy(),
            Fail::Pool(_) => false,
        }
    }
}
