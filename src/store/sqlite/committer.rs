//! Group commit for SQLite: the steps of many processes that finish together are
//! written in one transaction, so a worker running many processes pays one fsync for
//! all of them instead of one each.
//!
//! A committer thread owns a connection of its own. Engines hand it their step commits
//! and wait; it takes the first that arrives and every other already waiting (up to
//! [`MAX_BATCH`]), writes each in a savepoint of one transaction and commits once. No
//! artificial delay is added: while one batch is being synced, the next one gathers.
//! A step is reported done only after the transaction that holds it is durable.
//!
//! One step that fails (an error of its own, say a constraint) is rolled back to its
//! savepoint and fails alone. If the shared commit itself fails (busy, disk full), the
//! steps are written again one transaction each, so no step fails because of another.

use std::path::Path;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::ops::commit_one;
use super::{Sync, open_unmigrated, write_tx};
use crate::domain::process::ProcessStatus;
use crate::error::Error;
use crate::store::processes::{Committed, StepCommit};
use crate::store::{StoreError, StoreResult};

/// The most steps written in one transaction.
pub const MAX_BATCH: usize = 256;

struct Job {
    commit: StepCommit,
    reply: oneshot::Sender<StoreResult<Committed>>,
}

/// The handle engines send their commits to.
pub struct Committer {
    jobs: mpsc::UnboundedSender<Job>,
    _thread: JoinHandle<()>,
}

impl Committer {
    /// Starts a committer on its own connection to the (migrated) database at `path`.
    pub fn start(path: &Path, sync: Sync) -> Result<Committer, Error> {
        let conn = open_unmigrated(path, sync)?;
        let (jobs, rx) = mpsc::unbounded_channel();
        let thread = std::thread::Builder::new()
            .name("orch-committer".into())
            .spawn(move || serve(conn, rx))
            .map_err(|e| Error::internal(format!("cannot start the committer: {e}")))?;
        Ok(Committer {
            jobs,
            _thread: thread,
        })
    }

    /// Writes one step with whatever else is waiting; returns once it is durable.
    pub async fn commit(&self, commit: StepCommit) -> StoreResult<Committed> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { commit, reply })
            .map_err(|_| StoreError::Other("the committer stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Other("the committer stopped".into()))?
    }
}

fn serve(mut conn: Connection, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        write(&mut conn, batch);
    }
}

fn write(conn: &mut Connection, batch: Vec<Job>) {
    let written = write_together(conn, &batch);
    let results: Vec<StoreResult<ProcessStatus>> = match written {
        Ok(results) => results,
        // The shared commit failed: none of the steps is lost for it.
        Err(_) => batch
            .iter()
            .map(|job| write_alone(conn, &job.commit))
            .collect(),
    };
    for (job, result) in batch.into_iter().zip(results) {
        let answer = result.map(|status| Committed {
            status,
            step: job.commit.step,
        });
        // An engine that stopped waiting (its drive was dropped) needs no answer.
        let _ = job.reply.send(answer);
    }
}

/// Every step in a savepoint of one transaction; an error of one step is its own.
fn write_together(
    conn: &mut Connection,
    batch: &[Job],
) -> StoreResult<Vec<StoreResult<ProcessStatus>>> {
    let mut tx = write_tx(conn)?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        let sp = tx.savepoint()?;
        match commit_one(&sp, &job.commit) {
            Ok(status) => {
                sp.commit()?;
                results.push(Ok(status));
            }
            Err(e) => {
                drop(sp);
                results.push(Err(e));
            }
        }
    }
    tx.commit()?;
    Ok(results)
}

fn write_alone(conn: &mut Connection, c: &StepCommit) -> StoreResult<ProcessStatus> {
    let tx = write_tx(conn)?;
    let status = commit_one(&tx, c)?;
    tx.commit()?;
    Ok(status)
}
